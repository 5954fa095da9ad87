"""What issue 15 added to the main screen is reachable from the command palette too:
typing the name the palette shows (``ctrl+p``, a few letters, enter) opens the settings,
the caption as text, and moves to the next theme, as the keys ``O``, ``o`` and ``T`` do.
(The finding in full has its own palette test in ``test_app_finding``.)"""

from __future__ import annotations

import pytest
from app_helpers import SIZE, app_for, settle, wait_for
from lorapan.tui.screens.caption_text import CaptionTextScreen
from lorapan.tui.screens.settings import SettingsScreen
from textual.command import CommandPalette
from textual.widgets import OptionList


async def run_from_palette(app, pilot, typed: str, title: str) -> None:
    """Open the palette, type ``typed``, wait until ``title`` is offered first, run it."""
    await pilot.press("ctrl+p", *typed)
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    shown = palette.query_one(OptionList)

    def first() -> str:
        option = shown.get_option_at_index(0) if shown.option_count else None
        return "" if option is None else str(option.prompt.plain)  # type: ignore[union-attr]

    await wait_for(pilot, lambda: first().startswith(title))
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.mark.parametrize(
    ("typed", "title", "screen"),
    [
        ("dataset settings", "Dataset settings  (O)", SettingsScreen),
        ("caption as text", "Caption as text  (o)", CaptionTextScreen),
    ],
    ids=["settings", "caption-text"],
)
async def test_the_palette_opens_the_screen(ds_root, tmp_path, typed, title, screen):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await run_from_palette(app, pilot, typed, title)
        assert isinstance(app.screen, screen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, screen)


async def test_the_palette_moves_to_the_next_theme(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await run_from_palette(app, pilot, "next theme", "Next theme  (T)")
        assert app.theme == "lorapan-light"
