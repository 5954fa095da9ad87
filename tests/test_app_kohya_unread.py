"""What kohya never reads, shown before it costs a training run (a keyboard review):
images in folders kohya skips carry their own marker in the file list, with a folder
label that tells such folders apart; tags on a caption's later lines are counted under
the chips; a fix preview says which captions it cannot write."""

from __future__ import annotations

from app_helpers import app_for, focus_finding, settle
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


def one_tag_per_line_set(root):
    """Captions written one tag per line (the review's newline_mira set): kohya trains
    each image on ``mira`` alone."""
    for i in range(3):
        image(root, f"10_mira/mira_{i:03}.png", "mira", i)
        lines = ["mira", "1girl", "solo", "blue hair", "long hair"]
        (root / f"10_mira/mira_{i:03}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    image(root, "10_mira/mira_100.png", "mira, 1girl, solo", 9)
    return root


async def test_tags_on_later_lines_are_counted_under_the_chips(tmp_path):
    root = one_tag_per_line_set(tmp_path / "ds")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app).replace("\u00a0", " ")
        flat = " ".join(text.replace("│", " ").split())  # the note wraps in the pane
        assert "★ mira +4 tags" in flat, text  # under the chips of the first line
        assert "+4 tags on lines 2–5, which kohya never reads" in flat, text
        assert "o to see them, R then f on caption.multiline joins them" in flat, text
        await pilot.press("end")  # the last image: one line, nothing unread
        await settle(app, pilot)
        assert "mira_100.png · 96×64" in screen_text(app)
        assert "kohya never reads" not in screen_text(app)


async def test_a_fix_preview_says_which_captions_it_cannot_write(tmp_path):
    """Read-only caption files (mode 0444): the preview of the core tag fix listed them
    with no word, and after enter a toast said they were skipped while lorapan.toml was
    written. It says so before enter now."""
    root = tmp_path / "ds"
    for i in range(5):
        image(root, f"10_gob/img_{i}.png", "gob, 1boy, solo, smile", i)
    image(root, "10_gob/img_5.png", "1boy, gob, solo, smile", 5)
    image(root, "10_gob/img_6.png", "solo, gob, 1boy", 6)
    for caption_file in root.rglob("*.txt"):
        caption_file.chmod(0o444)
    app = app_for(root, tmp_path, rules=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await focus_finding(app, pilot, "tags.core")
        await pilot.press("f")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "FixPreviewScreen"
        text = screen_text(app)
        skipped = str(app.screen.query_one("#fix-skipped").render())
    assert skipped.startswith("2 of 2 captions will be skipped: caption is read-only (mode 0444)")
    assert skipped.endswith("Only the lorapan.toml setting will be written.")
    assert "make it writable" in text  # the note's start, on screen
    assert text.count("(skipped: not writable)") == 2


async def test_an_edit_of_a_read_only_caption_says_why_and_what_to_do(tmp_path):
    """The toast named the image only ('1 read-only caption skipped: img_0.png'): it
    names the caption's mode and the remedy now."""
    root = tmp_path / "ds"
    image(root, "10_gob/img_0.png", "gob, 1boy, smile", 0)
    (root / "10_gob" / "img_0.txt").chmod(0o444)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a", *"zzz", "enter")
        await settle(app, pilot)
        notes = [n.message for n in app._notifications]
    assert any(
        "1 caption not written: 10_gob/img_0.png: caption img_0.txt is read-only (mode 0444): "
        "make it writable to edit it" in n
        for n in notes
    ), notes
    assert (root / "10_gob" / "img_0.txt").read_text() == "gob, 1boy, smile\n"
