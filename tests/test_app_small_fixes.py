"""The small things a first session trips over (issue 15's bug list): the all-tags screen
takes typing in its filter, ``T`` cycles lorapan's themes only, ``?`` lists every screen."""

from __future__ import annotations

from app_helpers import SIZE, app_for, caption, settle
from lorapan.tui.screens.confirm import PromptScreen
from lorapan.tui.screens.help import HelpScreen
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.tag_frequency import TagFrequencyScreen
from textual.widgets import Input, OptionList


async def all_tags(app, pilot) -> TagFrequencyScreen:
    """The All tags screen (``F``), once the app has settled."""
    await settle(app, pilot)
    await pilot.press("F")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, TagFrequencyScreen)
    return screen


async def test_typing_on_the_all_tags_screen_filters_and_down_enters_the_list(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await all_tags(app, pilot)
        await pilot.press(*"red hair")  # r and d type; they neither rename nor delete
        await pilot.pause()
        assert isinstance(app.screen, TagFrequencyScreen)
        assert screen.query_one("#tf-filter", Input).value == "red hair"
        assert [t for t, _ in screen.rows] == ["red hair"]
        await pilot.press(*["backspace"] * 8, *"hair", "down")
        assert isinstance(screen.focused, OptionList)
        assert sorted(t for t, _ in screen.rows) == ["long hair", "red hair"]
        first = screen.current_tag
        await pilot.press("j")
        assert screen.current_tag != first
        if screen.current_tag != "long hair":
            await pilot.press("k")
        await pilot.press("r")  # in the list, r renames
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"very long hair", "enter")
        await settle(app, pilot)
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
    assert caption(ds_root, "img_3") == "gob, 1girl, very long hair, outdoors"


async def test_esc_leaves_the_all_tags_screen_from_its_empty_filter_and_a_typed_one_to_the_list(
    ds_root, tmp_path
):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await all_tags(app, pilot)
        assert isinstance(screen.focused, Input)  # it opens typing
        await pilot.press(*"hair", "escape")
        assert app.screen is screen and isinstance(screen.focused, OptionList)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("F")  # opened and left at once: one esc, as it came
        await pilot.pause()
        assert isinstance(app.screen, TagFrequencyScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_T_cycles_lorapans_and_the_users_themes_only(ds_root, tmp_path):
    themes = tmp_path / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#336699"\ndark = true\n')
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        seen = [app.theme]
        for _ in range(4):
            await pilot.press("T")
            seen.append(app.theme)
    assert seen == ["lorapan-dark", "lorapan-light", "high-contrast", "mine", "lorapan-dark"]
    assert 'theme = "lorapan-dark"' in (tmp_path / "config" / "config.toml").read_text()


async def test_help_has_a_section_for_the_all_tags_screen(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("escape", "escape")  # filter box → list, list → main screen
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
    section = text.split("All tags screen (F)")[1].split("\n\n")[0]
    for line in ("/", "Filter tags"), ("r", "Rename everywhere"), ("d / delete", "Delete"):
        assert any(
            row.split()[: len(line[0].split())] == line[0].split() for row in section.splitlines()
        ), line
        assert line[1] in section
