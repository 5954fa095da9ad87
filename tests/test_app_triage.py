"""Image triage in the app: set aside (x), trash (D), the set-aside view (X) and restore,
from the list, a selection, a finding, the gallery and the clone compare; u undoes.

Real files move (core.triage: journaled moves into .lorapan/excluded and .lorapan/trash).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from app_helpers import app_for, build_dataset, settle, wait_for
from lorapan.core import triage
from lorapan.core.rules.model import Finding
from lorapan.tui.screens.clone_compare import CloneCompareScreen
from lorapan.tui.screens.confirm import ConfirmScreen
from lorapan.tui.screens.gallery import GalleryScreen
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.set_aside import SetAsideScreen
from test_app_clone_compare import analysed, clone_dataset
from test_app_gallery import report_with

EXCLUDED = Path(".lorapan/excluded")
TRASH = Path(".lorapan/trash")


def screen_text(app) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


def status(app) -> str:
    return str(app.main.query_one("StatusBar").render())


async def test_x_sets_the_image_aside_with_its_caption_and_u_brings_it_back(tmp_path):
    root = build_dataset(tmp_path / "data")
    before = (root / "img_2.txt").read_bytes()
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # img_2
        await pilot.press("x")
        await settle(app, pilot)
        assert not (root / "img_2.png").exists()
        assert (root / EXCLUDED / "img_2.png").is_file()
        assert (root / EXCLUDED / "img_2.txt").read_bytes() == before
        assert "img_2.png" not in app.main.files.rows
        assert "✓ set aside: 1 image (u: undo · X: list)" in status(app)
        await pilot.press("u")
        await settle(app, pilot)
        assert (root / "img_2.png").is_file() and (root / "img_2.txt").read_bytes() == before
        assert "img_2.png" in app.main.files.rows


async def test_D_on_a_selection_asks_then_trashes_both(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("J", "J")  # img_1 and img_2 selected (one image a key)
        await pilot.press("D")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Trash 2 images?" in screen_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert (root / "img_1.png").exists()  # asked, refused: nothing moved
        await pilot.press("D", "y")
        await settle(app, pilot)
        assert sorted(p.name for p in (root / TRASH).iterdir()) == [
            "img_1.png",
            "img_1.txt",
            "img_2.png",
            "img_2.txt",
        ]
        assert app.main.files.rows == ["img_3.png", "img_10.png"]
        assert app.main.files.selection == set()


async def test_x_on_a_finding_sets_aside_its_images(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    finding = Finding("tags.blacklist", "error", "bad tags", ["img_3.png", "img_10.png"])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.main.show_report(report_with(finding))
        await pilot.press("R", "x")
        await settle(app, pilot)
        assert "Set aside 2 images of tags.blacklist?" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert {e.image for e in triage.list_set_aside(app.dataset)} == {
            "img_3.png",
            "img_10.png",
        }


async def test_the_gallery_sets_aside_and_trashes_and_follows(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, GalleryScreen)
        grid = app.screen.grid
        assert grid.rows == ["img_2.png", "img_3.png", "img_10.png"]
        assert grid.current == "img_2.png"
        assert any("set aside: img_1.png (u on the list" in n.message for n in app._notifications)
        await pilot.press("D")
        await settle(app, pilot)
        assert grid.rows == ["img_3.png", "img_10.png"]
        assert (root / EXCLUDED / "img_1.png").exists() and (root / TRASH / "img_2.png").exists()


async def test_keeping_the_original_in_the_compare_sets_its_clones_aside(tmp_path):
    root = clone_dataset(tmp_path / "data")
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await analysed(app, pilot)
        await wait_for(pilot, lambda: app.main.report and app.main.report.find("clones.ratio"))
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("enter")  # keep a.png: b.png and c.png go
        await settle(app, pilot)
        assert "Set aside 2 images?" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert not (root / "b.png").exists() and not (root / "c.png").exists()
        assert isinstance(app.screen, CloneCompareScreen)  # the flip is still a copy of a.png
        assert [c.relpath for c in app.screen.cards.state.cards] == ["a.png", "f.png"]
        # the rules count what is left: no clone any more
        await wait_for(pilot, lambda: not app.main.report.find("clones.ratio"))
        await pilot.press("escape", "u")
        await settle(app, pilot)
        assert (root / "b.png").exists() and (root / "c.png").exists()
        await wait_for(pilot, lambda: app.main.report.find("clones.ratio"))


async def test_the_set_aside_view_lists_and_restores(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("x", "D")  # img_1 set aside, then img_2 trashed
        await settle(app, pilot)
        await pilot.press("X")
        await settle(app, pilot)
        assert isinstance(app.screen, SetAsideScreen)
        text = screen_text(app)
        assert "1 set aside, 1 in the trash" in text
        assert "set aside img_1.png" in text and "trash     img_2.png" in text
        await pilot.press("down", "enter")  # restore img_2 from the trash
        await settle(app, pilot)
        assert (root / "img_2.png").exists() and (root / "img_2.txt").exists()
        assert [e.image for e in app.screen.entries] == ["img_1.png"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert "img_2.png" in app.main.files.rows


async def test_a_place_already_taken_is_reported_and_nothing_moves(tmp_path):
    root = build_dataset(tmp_path / "data")
    (root / EXCLUDED).mkdir(parents=True)
    (root / EXCLUDED / "img_1.png").write_bytes(b"an older one")
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        assert (root / "img_1.png").exists()
        assert any("left where they were" in n.message for n in app._notifications)


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="baselines were made on Python 3.11")
def test_set_aside_view_snapshot_80x24(snap_compare, tmp_path):
    root = build_dataset(tmp_path / "data")

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("x", "j", "D")
        await settle(pilot.app, pilot)
        await pilot.press("X")
        await settle(pilot.app, pilot)
        await pilot.press("space")
        await settle(pilot.app, pilot)

    assert snap_compare(app_for(root, tmp_path), terminal_size=(80, 24), run_before=run_before)


async def test_the_palette_sets_aside_and_opens_the_view(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Set aside (x", "enter")
        await settle(app, pilot)
        assert (root / EXCLUDED / "img_1.png").exists()
        await pilot.press("ctrl+p", *"Set aside & trash", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SetAsideScreen)
        assert [e.image for e in app.screen.entries] == ["img_1.png"]
