"""Clone compare (c): a clone group side by side, from the image, a finding or the palette.

Clone groups come from the real analysis of real files (a picture, a resized and an
identical copy, a flip of it, two unrelated pictures).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from app_helpers import app_for, settle, wait_for
from imagegen import flat_art, flipped, resized, save
from lorapan.tui.screens.clone_compare import CloneCompareScreen
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.widgets.clone_cards import CloneCards


def clone_dataset(root: Path) -> Path:
    art = flat_art((256, 256), seed=3)
    save(art, root / "a.png")
    save(resized(art, 0.5), root / "b.png")
    shutil.copyfile(root / "a.png", root / "c.png")
    save(flipped(art), root / "f.png")
    save(flat_art((256, 256), seed=11), root / "d.png")
    save(flat_art((200, 300), seed=12), root / "e.png")
    for stem in "abcdef":
        (root / f"{stem}.txt").write_text("gob, solo\n")
    return root


def screen_text(app) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


def cards(app) -> CloneCards:
    return app.screen.query_one(CloneCards)


async def analysed(app, pilot) -> None:
    await settle(app, pilot)
    app.start_analysis()
    await settle(app, pilot)
    await wait_for(pilot, lambda: app.main.marks.groups)


async def test_compare_shows_the_group_of_the_image_side_by_side(tmp_path):
    app = app_for(clone_dataset(tmp_path / "data"), tmp_path)
    async with app.run_test(size=(160, 36)) as pilot:
        await analysed(app, pilot)
        assert "(c: compare)" in screen_text(app)  # the preview's clone line says how
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CloneCompareScreen)
        shown = [(c.relpath, c.label) for c in cards(app).state.cards]
        assert shown[0] == ("a.png", "original")
        assert {r for r, _ in shown[1:3]} == {"b.png", "c.png"}
        assert shown[3] == ("f.png", "flipped")
        text = screen_text(app)
        assert "Clone group 1/1 · original a.png · 2 clone(s), 1 altered copy" in text
        assert "256×256" in text and "128×128" in text and "sharpness" in text
        assert "▀" in text  # the pictures are drawn
        # keeping the original would set aside its two plain copies, not the flip
        assert cards(app).state.going == {"b.png", "c.png"}
        assert "keep a.png, set aside the 2 ✗" in text


async def test_moving_changes_what_keep_would_set_aside_and_o_opens_the_image(tmp_path):
    app = app_for(clone_dataset(tmp_path / "data"), tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await analysed(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("l")
        assert cards(app).current.relpath in ("b.png", "c.png")
        assert "a.png" in cards(app).state.going
        await pilot.press("left", "left")  # wraps to the flip: nothing of it to set aside
        assert cards(app).current.relpath == "f.png"
        assert cards(app).state.going == frozenset()
        assert "nothing to set aside" in screen_text(app)
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.main.files.current == "f.png"


async def test_compare_from_a_clones_finding(tmp_path):
    app = app_for(clone_dataset(tmp_path / "data"), tmp_path, rules=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await analysed(app, pilot)
        await wait_for(pilot, lambda: app.main.report and app.main.report.find("clones.ratio"))
        await pilot.press("R")
        sidebar = app.main.sidebar
        for _ in range(40):
            item = sidebar.current()
            if getattr(item, "rule_id", "") == "clones.ratio":
                break
            await pilot.press("down")
        assert sidebar.current().rule_id == "clones.ratio"
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CloneCompareScreen)
        assert cards(app).state.cards[0].relpath == "a.png"


async def test_without_analysis_c_says_what_is_missing(tmp_path):
    app = app_for(clone_dataset(tmp_path / "data"), tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert any("after the analysis (A)" in n.message for n in app._notifications)


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="baselines were made on Python 3.11")
def test_clone_compare_snapshot_80x24(snap_compare, tmp_path):
    root = clone_dataset(tmp_path / "data")

    async def run_before(pilot) -> None:
        await analysed(pilot.app, pilot)
        await pilot.press("c")
        await settle(pilot.app, pilot)
        await pilot.press("l")
        await settle(pilot.app, pilot)

    assert snap_compare(app_for(root, tmp_path), terminal_size=(80, 24), run_before=run_before)


async def test_the_palette_opens_the_compare(tmp_path):
    app = app_for(clone_dataset(tmp_path / "data"), tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await analysed(app, pilot)
        await pilot.press("ctrl+p", *"Compare clones", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CloneCompareScreen)
