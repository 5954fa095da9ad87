"""In the app, `u` undoes a checklist tick like any edit, in order with caption edits.

Space on a manual checklist item in the rules sidebar ticks it; `u` (from the sidebar
or the file list) takes back the last step whichever it was, and ctrl+r puts it back.
lorapan.toml comes back byte for byte, and the sidebar shows the item as it is.
"""

from __future__ import annotations

from app_helpers import app_for, build_dataset, caption, settle, wait_for
from lorapan.core.rules.model import CoverageItem
from lorapan.core.settings import load_settings

TOML = b'# kept as written\n[dataset]\nkind = "character"\nstyle_tag = "anime screencap"\n'
ITEM = "lateral-sides"


def item_in_sidebar(app) -> CoverageItem:
    report = app.screen.report
    return next(c for c in report.coverage if c.id == ITEM)


def status(app) -> str:
    return str(app.screen.query_one("StatusBar").render())


async def to_item(app, pilot) -> None:
    """R into the rules sidebar, then j until the cursor is on the manual item."""
    await wait_for(pilot, lambda: app.screen.report is not None)
    await pilot.press("R")
    await pilot.pause()
    sidebar = app.screen.sidebar
    for _ in range(60):
        if getattr(sidebar.current(), "id", None) == ITEM:
            return
        await pilot.press("j")
    raise AssertionError(f"{ITEM} not in the sidebar")


async def test_u_undoes_a_tick_and_ctrl_r_redoes_it(tmp_path):
    root = build_dataset(tmp_path / "data")
    (root / "lorapan.toml").write_bytes(TOML)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await to_item(app, pilot)
        await pilot.press("space")
        await settle(app, pilot)
        assert load_settings(root).checklist == {ITEM: True}
        await wait_for(pilot, lambda: item_in_sidebar(app).ticked)
        assert f"tick {ITEM}" in status(app) and "u: undo" in status(app)
        ticked = (root / "lorapan.toml").read_bytes()

        await pilot.press("u")  # from the sidebar, where the tick was made
        await settle(app, pilot)
        assert (root / "lorapan.toml").read_bytes() == TOML  # the comment too
        await wait_for(pilot, lambda: not item_in_sidebar(app).ticked)
        assert f"undo: tick {ITEM} (lorapan.toml; ctrl+r: redo)" in status(app)

        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert (root / "lorapan.toml").read_bytes() == ticked
        await wait_for(pilot, lambda: item_in_sidebar(app).ticked)


async def test_u_takes_back_the_last_step_whichever_it_was(tmp_path):
    root = build_dataset(tmp_path / "data")
    (root / "lorapan.toml").write_bytes(TOML)
    before = caption(root, "img_1")
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(80, 24)) as pilot:  # narrow: R shows the sidebar
        await settle(app, pilot)
        await to_item(app, pilot)
        await pilot.press("space")
        await settle(app, pilot)
        await pilot.press("R")  # back to the files
        await pilot.press("a", *"rain", "enter")
        await settle(app, pilot)
        assert caption(root, "img_1") == before + ", rain"

        await pilot.press("u")  # the caption edit came last
        await settle(app, pilot)
        assert caption(root, "img_1") == before
        assert load_settings(root).checklist == {ITEM: True}

        await pilot.press("u")  # then the tick
        await settle(app, pilot)
        assert (root / "lorapan.toml").read_bytes() == TOML
        await wait_for(pilot, lambda: not item_in_sidebar(app).ticked)
        assert caption(root, "img_1") == before
