"""Crop boxes and altered copies, checked on generated images (pixels, sizes, ratios)."""

from __future__ import annotations

import math

import imagegen as gen
import numpy as np
import pytest
from lorapan.core.augment import alter
from lorapan.core.augment.crops import SpecError, parse_crops, pizza_crops, wedge_box
from PIL import Image


def test_grid_cells_tile_the_image_without_overlap():
    w, h = 900, 600
    crops = parse_crops("grid:3x2", w, h)
    assert [c.suffix for c in crops] == [f"crop-g3x2-{i}" for i in range(1, 7)]
    covered = np.zeros((h, w), dtype=np.int32)
    for c in crops:
        x0, y0, x1, y1 = c.box.pixels(w, h)
        covered[y0:y1, x0:x1] += 1
        assert (x1 - x0, y1 - y0) == (300, 300)
    assert (covered == 1).all()


def test_pizza_wedges_cover_the_whole_image_and_start_at_the_centre():
    w, h = 1000, 600
    crops = pizza_crops(w, h, 8)
    assert len(crops) == 8
    covered = np.zeros((h, w), dtype=bool)
    for c in crops:
        x0, y0, x1, y1 = c.box.pixels(w, h)
        covered[y0:y1, x0:x1] = True
        # each wedge touches the centre and reaches an edge
        assert x0 <= w // 2 <= x1 and y0 <= h // 2 <= y1
        assert x0 == 0 or y0 == 0 or x1 == w or y1 == h
    assert covered.all()
    # the first slice runs clockwise from 12 o'clock: right of centre, top half
    first = crops[0].box
    assert first.x0 == pytest.approx(0.5) and first.y0 == 0 and first.y1 == pytest.approx(0.5)
    assert first.x1 == pytest.approx(0.5 + (h / 2) / w)  # 45 degree ray meets the top edge


def test_a_wedge_that_spans_a_corner_includes_it():
    box = wedge_box(800, 800, -math.pi / 2, 0.0)  # 12 to 3 o'clock: the top-right quadrant
    assert (box.x0, box.y0, box.x1, box.y1) == pytest.approx((0.5, 0.0, 1.0, 0.5))


def test_centre_and_custom_boxes():
    crops = parse_crops("centre:0.5; 0,0,0.25,1", 400, 200)
    assert crops[0].box.pixels(400, 200) == (100, 50, 300, 150)
    assert crops[1].suffix == "crop-box-1"
    assert crops[1].box.pixels(400, 200) == (0, 0, 100, 200)


@pytest.mark.parametrize(
    "spec",
    ["grid:0x3", "grid:axb", "pizza:2", "0,0,1", "0.5,0,0.2,1", "0,0,1.5,1", "wedges", "centre:2"],
)
def test_bad_crop_specs_say_what_is_wrong(spec):
    with pytest.raises(SpecError) as info:
        parse_crops(spec, 100, 100)
    assert str(info.value)


def _decoded(img: Image.Image) -> Image.Image:
    return img.convert("RGB")


def test_grayscale_copy_is_numerically_gray():
    src = gen.photo_like((320, 240), seed=3)
    (gray,) = alter.parse_alterations("grayscale", *src.size)
    out = _decoded(gray.apply(src))
    arr = np.asarray(out).astype(int)
    assert (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all()
    assert gray.tags == ("monochrome", "greyscale")
    assert arr.std() > 10  # still a picture, not a flat fill


def test_aspect_crop_and_pad_reach_the_ratio():
    src = gen.flat_art((900, 600), seed=1)
    crop, pad = alter.parse_alterations("aspect:3/4,aspect:3/4:pad", *src.size)
    a = crop.apply(src)
    b = pad.apply(src)
    assert a.size == crop.size(*src.size) and b.size == pad.size(*src.size)
    assert a.width / a.height == pytest.approx(0.75, abs=0.01)
    assert b.width / b.height == pytest.approx(0.75, abs=0.01)
    assert b.width == 900 and a.height == 600  # pad grows, crop shrinks
    # the padding is the background colour, the source sits in the middle
    top = np.asarray(b)[:50].reshape(-1, 3)
    assert (np.abs(top - np.asarray(alter.border_colour(src))) <= 1).all()


def test_default_aspect_differs_from_the_source():
    (wide,) = alter.parse_alterations("aspect", 900, 600)
    (square,) = alter.parse_alterations("aspect", 600, 600)
    assert wide.size(900, 600) == (600, 600)
    w, h = square.size(600, 600)
    assert w / h == pytest.approx(0.75, abs=0.01)


def test_rotate_crop_leaves_no_fill_in_the_corners():
    src = Image.new("RGB", (600, 400), (200, 30, 30))
    (rot,) = alter.parse_alterations("rotate:10", *src.size)
    out = rot.apply(src)
    assert out.size == rot.size(*src.size)
    assert out.width < 600 and out.height < 400
    arr = np.asarray(out).astype(int)
    # every pixel, corners included, is the source's red (BICUBIC edges within a few levels)
    assert np.abs(arr - [200, 30, 30]).max() <= 6


def test_rotate_fill_keeps_the_size_and_fills_with_the_border_colour():
    src = gen.flat_art((600, 400), seed=2)
    (rot,) = alter.parse_alterations("rotate:-12:fill", *src.size)
    out = rot.apply(src)
    assert out.size == (600, 400) and rot.suffix == "rot12cw-fill"
    corner = np.asarray(out)[0, 0].astype(int)
    assert np.abs(corner - alter.border_colour(src)).max() <= 2


def test_flip_tint_enhance_change_pixels_not_size():
    src = gen.photo_like((200, 150), seed=4)
    flip, tint, enh = alter.parse_alterations("flip,tint:#0000ff:0.5,enhance:1.8", *src.size)
    f = np.asarray(flip.apply(src))
    assert (f == np.asarray(src)[:, ::-1]).all()
    t = np.asarray(tint.apply(src)).astype(int)
    assert t[..., 2].mean() > np.asarray(src)[..., 2].mean() + 40
    e = enh.apply(src)
    assert e.size == src.size and np.asarray(e).std() > np.asarray(src).std()


def _edge_energy(img: Image.Image) -> float:
    g = np.asarray(img.convert("L")).astype(float)
    return float(np.abs(np.diff(g, axis=1)).mean())


def test_quality_makes_a_jpeg_and_a_blurrier_copy():
    src = gen.flat_art((400, 300), seed=5)
    jpeg, low = alter.parse_alterations("quality", *src.size)
    assert jpeg.format == "JPEG" and jpeg.quality == alter.DEFAULT_JPEG_QUALITY
    out = low.apply(src)
    assert out.size == src.size
    assert _edge_energy(out) < _edge_energy(src) * 0.9
    assert low.tags == ("low quality", "blurry", "worst quality")


@pytest.mark.parametrize(
    "spec", ["spin", "rotate:0", "rotate:90", "tint:red", "aspect:9/1", "jpeg:100", "flip:x"]
)
def test_bad_alteration_specs_are_refused(spec):
    with pytest.raises(SpecError):
        alter.parse_alterations(spec, 100, 100)
