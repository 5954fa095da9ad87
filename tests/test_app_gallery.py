"""The gallery (g): a grid of thumbnails of the list's rows, a finding's or a tag's images.

Run headless on real image files; thumbnails are decoded by the gallery's worker.
"""

from __future__ import annotations

import sys

import pytest
from app_helpers import app_for, build_dataset, settle, wait_for
from lorapan.core.rules.model import Finding, Readiness, Report
from lorapan.tui.screens.gallery import GalleryScreen
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.widgets.thumb_grid import ThumbGrid

SIZE = (80, 24)


def many(n: int) -> dict[str, str]:
    return {f"img_{i:03d}": f"gob, solo, {'smile' if i % 3 == 0 else 'night'}" for i in range(n)}


def report_with(*findings: Finding) -> Report:
    readiness = Readiness("character", 4, None, None, 0, 0, 0, 0, "", 0, None, None, True)
    return Report(list(findings), [], readiness)


def grid(app) -> ThumbGrid:
    return app.screen.query_one(ThumbGrid)


def screen_text(app) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def open_gallery(app, pilot) -> GalleryScreen:
    await pilot.press("g")
    await settle(app, pilot)
    assert isinstance(app.screen, GalleryScreen)
    return app.screen


async def test_gallery_shows_the_list_and_enter_opens_the_image(tmp_path):
    root = build_dataset(tmp_path / "data", many(12))
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # the gallery starts on the list's image
        await open_gallery(app, pilot)
        assert grid(app).rows == app.main.files.rows
        assert grid(app).current == "img_001.png"
        text = screen_text(app)
        assert "Gallery · all images · 2/12 · img_001.png" in text
        assert "▀" in text and "img_000.png" in text  # thumbnails drawn, names under them
        await pilot.press("l", "j")  # right, then a row down (4 columns at 80 wide)
        assert grid(app).columns == 4
        assert grid(app).current == "img_006.png"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.main.files.current == "img_006.png"


async def test_space_selects_in_place_and_the_selection_comes_back(tmp_path):
    root = build_dataset(tmp_path / "data", many(8))
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_gallery(app, pilot)
        await pilot.press("space")
        assert grid(app).current == "img_000.png"  # space does not move
        await pilot.press("l", "l", "space")
        assert "2 selected" in screen_text(app)
        assert "● img_002.png" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert app.main.files.selection == {"img_000.png", "img_002.png"}
        assert app.main.files.current == "img_000.png"  # escape does not move the list


async def test_only_the_screen_and_one_row_ahead_are_decoded(tmp_path):
    root = build_dataset(tmp_path / "data", many(60))
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        gallery = await open_gallery(app, pilot)
        store, g = gallery.store, grid(app)
        cells = g.cells
        decoded = {r for r in app.dataset.items if store.get(r, cells) is not None}
        start, end = g.visible_range()
        on_screen = set(g.rows[start:end])
        ahead = set(g.rows[end : end + g.columns])
        assert on_screen <= decoded
        assert decoded <= on_screen | ahead
        assert store.get("img_059.png", cells) is None
        await pilot.press("end")
        await settle(app, pilot)
        assert store.get("img_059.png", cells) is not None
        assert "img_059.png" in screen_text(app)


async def test_zoom_changes_columns_and_is_kept_for_next_time(tmp_path):
    root = build_dataset(tmp_path / "data", many(20))
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_gallery(app, pilot)
        before = grid(app).columns
        await pilot.press("minus")
        await settle(app, pilot)
        assert grid(app).columns > before
        await pilot.press("escape")
        await open_gallery(app, pilot)
        assert grid(app).columns > before


async def test_gallery_of_a_finding_then_the_list_shows_that_finding(tmp_path):
    root = build_dataset(tmp_path / "data", many(10))
    app = app_for(root, tmp_path)
    finding = Finding("tags.blacklist", "error", "bad tags", ["img_003.png", "img_007.png"])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        main: MainScreen = app.screen
        main.show_report(report_with(finding))
        await pilot.press("R")  # into the sidebar, on the finding
        await settle(app, pilot)
        await open_gallery(app, pilot)
        assert grid(app).rows == ["img_003.png", "img_007.png"]
        assert "Gallery · tags.blacklist · 1/2" in screen_text(app)
        await pilot.press("l", "enter")
        await settle(app, pilot)
        assert app.main.files.rows == ["img_003.png", "img_007.png"]
        assert app.main.files.current == "img_007.png"


async def test_gallery_of_the_tag_under_the_chip_cursor(tmp_path):
    root = build_dataset(tmp_path / "data", many(9))
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("t", "right", "right")  # gob, solo, smile
        await open_gallery(app, pilot)
        assert grid(app).rows == ["img_000.png", "img_003.png", "img_006.png"]
        assert "tag smile" in screen_text(app)


async def test_an_unreadable_image_says_so_in_its_cell(tmp_path):
    root = build_dataset(tmp_path / "data", many(3))
    (root / "img_001.png").write_bytes(b"not a png at all")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_gallery(app, pilot)
        await wait_for(pilot, lambda: "unreadable" in screen_text(app))


async def test_an_image_that_leaves_the_dataset_leaves_the_grid(tmp_path):
    root = build_dataset(tmp_path / "data", many(5))
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_gallery(app, pilot)
        await pilot.press("l", "l")
        (root / "img_002.png").unlink()
        (root / "img_002.txt").unlink()
        app.dataset.refresh_paths(["img_002.png"], "outside")
        await settle(app, pilot)
        assert "img_002.png" not in grid(app).rows
        assert grid(app).current == "img_003.png"  # the next image takes the cursor


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="baselines were made on Python 3.11")
def test_gallery_snapshot_80x24(snap_compare, tmp_path):
    root = build_dataset(tmp_path / "data", many(10))

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("g")
        await settle(pilot.app, pilot)
        await pilot.press("l", "space")
        await settle(pilot.app, pilot)

    assert snap_compare(app_for(root, tmp_path), terminal_size=SIZE, run_before=run_before)


async def test_the_palette_opens_the_gallery_and_the_gallery_of_a_tag(tmp_path):
    root = build_dataset(tmp_path / "data", many(6))
    app = app_for(root, tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Gallery (g", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, GalleryScreen)
        assert len(grid(app).rows) == 6
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"Gallery of tag: smile", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, GalleryScreen)
        assert grid(app).rows == ["img_000.png", "img_003.png"]
