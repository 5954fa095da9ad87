"""Thumbnails at display size (core) and their half-block drawing (the gallery's cells)."""

from __future__ import annotations

from imagegen import save, write_exif_rotated_jpeg
from lorapan.core.analysis.thumbs import fit_box, load_thumbnail
from lorapan.tui.widgets.halfblocks import ThumbStore, draw, draw_file
from PIL import Image


def test_fit_box_keeps_the_aspect_and_never_exceeds_the_box():
    assert fit_box((1024, 512), (16, 16)) == (16, 8)
    assert fit_box((300, 900), (16, 16)) == (5, 16)
    assert fit_box((10, 10), (16, 32)) == (16, 16)
    assert fit_box((5000, 1), (16, 16)) == (16, 1)


def test_a_large_jpeg_comes_back_fitted_with_its_real_size(tmp_path):
    path = save(Image.new("RGB", (1200, 800), (200, 30, 30)), tmp_path / "a.jpg", quality=90)
    thumb = load_thumbnail(path, (16, 16))
    assert thumb.error is None
    assert thumb.image.size == (16, 11)
    assert (thumb.width, thumb.height) == (1200, 800)
    r, g, b = thumb.image.getpixel((8, 5))
    assert r > 180 and g < 60 and b < 60


def test_exif_rotation_is_applied(tmp_path):
    # stored 200x400, shown (EXIF orientation 6) 400x200 as a viewer shows it
    path = write_exif_rotated_jpeg(tmp_path / "r.jpg", Image.new("RGB", (400, 200), "white"))
    assert Image.open(path).size == (200, 400)
    thumb = load_thumbnail(path, (16, 16))
    assert (thumb.width, thumb.height) == (400, 200)
    assert thumb.image.size == (16, 8)


def test_a_broken_file_gives_a_reason_not_an_exception(tmp_path):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"hello")
    assert load_thumbnail(bad, (16, 16)).error
    assert load_thumbnail(tmp_path / "gone.png", (16, 16)).error == (
        "file not found: it was moved or deleted; rescan"
    )


def test_half_blocks_put_the_top_pixel_in_front_and_the_bottom_behind():
    img = Image.new("RGB", (2, 2))
    img.putpixel((0, 0), (255, 0, 0))
    img.putpixel((0, 1), (0, 0, 255))
    img.putpixel((1, 0), (0, 255, 0))
    img.putpixel((1, 1), (0, 255, 0))
    strips = draw(img, (4, 3))
    assert len(strips) == 3 and all(s.cell_length == 4 for s in strips)
    assert [s.text for s in strips] == ["    ", " ▀▀ ", "    "]  # centred in the box
    cells = [seg for seg in strips[1] if seg.text.strip()]
    assert cells[0].style.color.triplet == (255, 0, 0)
    assert cells[0].style.bgcolor.triplet == (0, 0, 255)
    assert cells[1].style.color.triplet == (0, 255, 0)


def test_an_odd_last_pixel_row_has_no_background():
    strips = draw(Image.new("RGB", (1, 3), (9, 9, 9)), (1, 2))
    last = [seg for seg in strips[1] if seg.text.strip()][0]
    assert last.style.bgcolor is None


def test_the_store_forgets_every_size_of_a_changed_image(tmp_path):
    path = save(Image.new("RGB", (40, 40), "white"), tmp_path / "a.png")
    store = ThumbStore(capacity=2)
    for cells in ((4, 2), (6, 3)):
        store.put("a.png", cells, draw_file(path, cells))
    assert store.get("a.png", (4, 2)) is not None
    store.put("b.png", (4, 2), draw_file(path, (4, 2)))  # over capacity: the oldest goes
    assert store.get("a.png", (6, 3)) is None and store.get("a.png", (4, 2)) is not None
    store.forget({"a.png"})
    assert store.get("a.png", (4, 2)) is None and store.get("b.png", (4, 2)) is not None
