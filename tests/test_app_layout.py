"""The layout at 80x24: the rules sidebar takes the centre's place, the tag input stays visible."""

from __future__ import annotations

from app_helpers import app_for, build_dataset, caption, files, settle

NARROW = (80, 24)
LONG_TAGS = ", ".join(f"a rather long tag number {i}" for i in range(14))


async def test_narrow_sidebar_replaces_the_centre_then_gives_it_back(tmp_path):
    caps = {"img_1": "gob, solo", "img_2": "gob, solo, solo", "img_3": "gob, smile"}
    root = build_dataset(tmp_path / "data", caps)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        screen = app.screen
        center, right = screen.query_one("#center"), screen.query_one("#right")
        assert center.display and not right.display
        await pilot.press("R")
        await settle(app, pilot)
        assert right.display and not center.display
        assert right.region.width > 40  # the sidebar gets the room, not 30 columns
        sidebar = screen.query_one("#rules")
        oid = next(k for k, f in sidebar._findings.items() if f.rule_id == "tags.duplicate")
        sidebar.choose(oid)
        await pilot.press("enter")  # its images; back to list + preview + chips
        await settle(app, pilot)
        assert files(app).rows == ["img_2.png"]
        assert center.display and not right.display
        await pilot.press("R", "e")  # in and out again
        await settle(app, pilot)
        assert center.display and not right.display


async def test_tag_input_is_on_screen_under_many_chips(tmp_path):
    root = build_dataset(tmp_path / "data", {"img_1": LONG_TAGS})
    app = app_for(root, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        box = app.screen.query_one("#tag-input")
        assert app.focused is box
        assert box.region.height == 3 and box.region.bottom <= NARROW[1] - 2  # above status
        footer = app.screen._compositor.render_strips()[-1].text
        assert "Filter" not in footer and "Undo" not in footer  # / and u type while typing
        await pilot.press(*"seen", "enter")
        await settle(app, pilot)
    assert caption(root, "img_1").endswith(", seen")


def bottom_lines(app) -> tuple[str, str]:
    """The status bar and the footer as the terminal shows them."""
    strips = app.screen._compositor.render_strips()
    return strips[-2].text, strips[-1].text


async def test_a_narrow_status_bar_says_the_sidebar_is_hidden_and_its_key(tmp_path):
    caps = {"img_1": "gob, solo", "img_2": "gob, solo, solo", "img_3": "smile, gob"}
    root = build_dataset(tmp_path / "data", caps)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        status, footer = bottom_lines(app)
        counts = app.screen.report.counts()  # what waits in the hidden sidebar
        hint = f"R rules {counts['error']}✗ {counts['warning']}!"
        assert counts["error"] and status.rstrip().endswith(hint), status
        assert "? Help" in footer and "^p palette" in footer, footer
        await pilot.press("R")
        await settle(app, pilot)
        status, footer = bottom_lines(app)
        assert status.rstrip().endswith("R files"), status
        assert "? Help" in footer, footer  # the sidebar's own keys come first
        await pilot.press("R")
        await settle(app, pilot)
        assert bottom_lines(app)[0].rstrip().endswith(hint)


async def test_a_wide_terminal_shows_the_sidebar_and_no_hint(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#right").display
        status, footer = bottom_lines(app)
        assert "R rules" not in status
        assert footer.rstrip().endswith("? Help ▏^p palette"), footer
