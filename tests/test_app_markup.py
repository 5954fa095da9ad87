"""Text in square brackets reaches the screen as written: notifications, chips, the status
bar, the tag list and the palette show tags, file names and hints as plain text, never
as Textual markup (``[training]`` and ``[tagger]`` were eaten, leaving "set python in  to")."""

from __future__ import annotations

from app_helpers import SIZE, app_for, build_dataset, settle, wait_for
from lorapan.tui.screens.tag_frequency import TagFrequencyScreen
from textual.command import CommandPalette
from textual.widgets import OptionList
from textual.widgets._toast import Toast

BRACKETS = {"img_1": "gob, [v2] style, solo", "img_2": "gob, smile"}


def toasts(app) -> str:
    return "\n".join(str(t.render()) for t in app.screen.query(Toast))


async def test_the_no_model_hint_keeps_its_tagger_table(tmp_path):
    app = app_for(build_dataset(tmp_path / "data"), tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+g")  # autotag: no model configured
        await wait_for(pilot, lambda: toasts(app))
        assert '[tagger] model = "DIR"' in toasts(app)


async def test_notifications_from_anywhere_are_plain_text(tmp_path):
    app = app_for(build_dataset(tmp_path / "data"), tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        app.screen.files.notify("set python (or accelerate) in [training] to the venv")
        await wait_for(pilot, lambda: toasts(app))
        assert "in [training] to the venv" in toasts(app)


async def test_a_bracketed_tag_shows_in_chips_status_tag_list_and_palette(tmp_path):
    root = build_dataset(tmp_path / "data", BRACKETS)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        main = app.screen
        assert "[v2] style" in str(main.center.chips.render()).replace("\N{NO-BREAK SPACE}", " ")
        await pilot.press("a", *"[b]bold[/b]", "enter")
        await settle(app, pilot)
        assert "✓ add [b]bold[/b]" in str(main.query_one("#status").render())
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, TagFrequencyScreen)
        listed = app.screen.query_one(OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        rendered = [str(line) for line in listed.render_lines(listed.region.reset_offset)]
        assert any("[v2] style" in p for p in prompts)
        assert any("[v2] style" in line for line in rendered)
        await pilot.press("escape", "escape", "ctrl+p", *"v2 sty")
        await pilot.pause(0.5)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        shown = palette.query_one(OptionList)
        titles = [
            str(shown.get_option_at_index(i).prompt.plain)  # type: ignore[union-attr]
            for i in range(shown.option_count)
        ]
        assert any("Filter by tag: [v2] style" in t for t in titles), titles
        assert any("Gallery of tag: [v2] style" in t for t in titles), titles
