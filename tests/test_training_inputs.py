"""Image sizes for the step math: from the analysis cache when present, else the header."""

from __future__ import annotations

import pytest
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.settings import state_dir
from lorapan.core.training import inputs as I
from lorapan.core.training.inputs import load_inputs
from PIL import Image
from test_training_env import make_dataset

SIZES = [(640, 960), (960, 640), (512, 512), (700, 300)]


def _analyse(root):
    rels = sorted(
        p.relative_to(root).as_posix() for p in root.glob("3_gob/*.*") if p.suffix != ".txt"
    )
    Analyzer(root, state_dir(root)).run(rels)
    return rels


def _sizes(inputs):
    return sorted(s for f in inputs.folders for s in f.sizes)


def test_sizes_come_from_the_analysis_cache_without_opening_images(tmp_path, monkeypatch):
    root = make_dataset(tmp_path / "ds", SIZES)
    _analyse(root)

    def refuse(*a, **k):
        raise OSError("the image file was opened")

    monkeypatch.setattr(I.Image, "open", refuse)
    inputs = load_inputs(root)
    assert _sizes(inputs) == sorted(SIZES)
    assert not any(f.unreadable for f in inputs.folders)


def test_changed_file_after_analysis_is_read_from_its_header(tmp_path):
    root = make_dataset(tmp_path / "ds", SIZES)
    _analyse(root)
    Image.new("RGB", (300, 800)).save(root / "3_gob" / "img_000.png")  # cache row now stale
    assert _sizes(load_inputs(root)) == sorted([(300, 800), *SIZES[1:]])


def test_without_a_cache_sizes_come_from_headers_with_no_pixel_decode(tmp_path, monkeypatch):
    root = make_dataset(tmp_path / "ds", SIZES)

    def refuse(self, *a, **k):
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(Image.Image, "load", refuse)
    monkeypatch.setattr(Image.Image, "getdata", refuse)
    assert _sizes(load_inputs(root)) == sorted(SIZES)


def test_exif_rotated_jpeg_uses_the_stored_size_like_sd_scripts(tmp_path):
    """The cache holds the EXIF-oriented size; kohya buckets by the stored one."""
    root = make_dataset(tmp_path / "ds", [(512, 512)])
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°: shown 480 wide, 640 high
    Image.new("RGB", (640, 480)).save(root / "3_gob" / "rot.jpg", exif=exif)
    (root / "3_gob" / "rot.txt").write_text("gob goblin\n")
    rels = _analyse(root)
    cached = Analyzer(root, state_dir(root)).cached(rels)
    assert (cached["3_gob/rot.jpg"].width, cached["3_gob/rot.jpg"].height) == (480, 640)
    assert _sizes(load_inputs(root)) == sorted([(512, 512), (640, 480)])


@pytest.mark.parametrize("damage", ["garbage", "empty"])
def test_damaged_cache_falls_back_to_headers(tmp_path, damage):
    root = make_dataset(tmp_path / "ds", SIZES)
    _analyse(root)
    (state_dir(root) / "analysis.sqlite").write_bytes(b"not sqlite" if damage == "garbage" else b"")
    assert _sizes(load_inputs(root)) == sorted(SIZES)


def test_stored_size_of_a_rotated_jpeg_comes_from_the_cache_without_opening_it(
    tmp_path, monkeypatch
):
    root = make_dataset(tmp_path / "ds", [(512, 512)])
    exif = Image.Exif()
    exif[0x0112] = 6  # shown 480x640, stored 640x480
    Image.new("RGB", (640, 480)).save(root / "3_gob" / "rot.jpg", exif=exif)
    (root / "3_gob" / "rot.txt").write_text("gob goblin\n")
    _analyse(root)
    opened = []
    real_open = Image.open
    monkeypatch.setattr(
        Image, "open", lambda p, *a, **k: (opened.append(str(p)), real_open(p, *a, **k))[1]
    )
    assert _sizes(load_inputs(root)) == sorted([(512, 512), (640, 480)])
    assert not [p for p in opened if p.endswith("rot.jpg")]
