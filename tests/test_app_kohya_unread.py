"""What kohya never reads, shown before it costs a training run (a keyboard review):
images in folders kohya skips carry their own marker in the file list, with a folder
label that tells such folders apart; tags on a caption's later lines are counted under
the chips; a fix preview says which captions it cannot write."""

from __future__ import annotations

from app_helpers import app_for, settle
from imagegen import flat_art
from textual.containers import VerticalScroll

SIZE = (120, 36)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def image(root, rel: str, caption: str, seed: int) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    flat_art((96, 64), seed=seed).save(path)
    path.with_suffix(".txt").write_text(caption + "\n", encoding="utf-8")


def nested_set(root):
    """A ``12_kai`` folder with two subfolders kohya never reads (the review's set)."""
    for i in range(3):
        image(root, f"img/12_kai/kai_{i:03}.png", "kai, 1boy, smile", i)
    image(root, "img/12_kai/best/best_000.png", "kai, 1boy, best", 10)
    image(root, "img/12_kai/old crops/crop_000.png", "kai, 1boy, old", 11)
    image(root, "img/kai_unsorted/unsorted_000.png", "kai, 1boy", 12)
    image(root, "img/loose_000.png", "kai", 13)
    return root


def row_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if name in line)


async def test_images_kohya_skips_are_marked_and_their_folders_told_apart(tmp_path):
    root = nested_set(tmp_path / "ds")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        best, crop = row_of(text, "best_000.png"), row_of(text, "crop_000.png")
        trained = row_of(text, "kai_001.png")
    for row in (best, crop):
        assert row.split()[0] == "-", row  # the marker column: not trained
    assert trained.split()[0] == "3", trained  # a trained row: no marker, its tag count
    # The folder column keeps what tells the two apart (both read '…/12_kai…').
    folder = lambda row, name: row.split(name, 1)[1].split("│")[0].strip()  # noqa: E731
    assert folder(best, "best_000.png") == "…best/"
    assert folder(crop, "crop_000.png") == "…old crops/"


async def test_the_help_screen_lists_the_not_trained_marker(tmp_path):
    root = nested_set(tmp_path / "ds")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        app.screen.query_one(VerticalScroll).scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert "- not trained" in screen_text(app)
