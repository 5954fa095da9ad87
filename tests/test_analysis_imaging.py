"""The shared decode path: odd but valid files decode, broken ones are classified."""

from __future__ import annotations

from pathlib import Path

import imagegen as gen
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lorapan.core.analysis.imaging import ERROR_KINDS, DecodeError, load_reduced, open_image
from lorapan.core.analysis.probe import analyse_file
from PIL import Image

BROKEN = {
    "empty.png": ("empty", gen.write_empty),
    "caption.png": ("not-image", gen.write_text_as_png),
    "cut.jpg": ("truncated", lambda p: gen.write_truncated(p, gen.photo_like((640, 480)))),
    "cut.png": ("truncated", lambda p: gen.write_truncated(p, gen.flat_art((640, 480)), "PNG")),
    "bomb.png": ("too-large", gen.write_bomb_png),
    "stub.png": ("truncated", lambda p: _write(p, b"\x89PNG\r\n\x1a\n\x00\x00")),
    "noise.jpg": ("not-image", lambda p: _write(p, bytes(range(256)) * 4)),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_is_classified_with_advice(tmp_path: Path, name: str) -> None:
    kind, write = BROKEN[name]
    path = write(tmp_path / name)
    with pytest.raises(DecodeError) as info:
        load_reduced(path, (256, 256))
    assert info.value.kind == kind
    assert info.value.kind in ERROR_KINDS
    # the message says what is wrong and what to do, without a traceback's jargon
    assert ";" in info.value.message and "Traceback" not in info.value.message
    facts = analyse_file(tmp_path, name, max_pixels=200_000_000)
    assert (facts.error_kind, facts.error_message) == (kind, info.value.message)


def test_bomb_just_over_a_lower_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    path = gen.save(gen.flat_art((400, 300)), tmp_path / "big.png")
    with pytest.raises(DecodeError) as info:
        open_image(path, max_pixels=100_000)
    assert info.value.kind == "too-large"
    assert "400x300" in info.value.message


def test_missing_file_and_folder_are_unreadable(tmp_path: Path) -> None:
    (tmp_path / "dir.png").mkdir()
    for name in ("gone.png", "dir.png"):
        with pytest.raises(DecodeError) as info:
            open_image(tmp_path / name)
        assert info.value.kind == "unreadable"


def test_unsupported_mode_is_classified(tmp_path: Path) -> None:
    # A TIFF of 32-bit float samples in 3 channels is valid TIFF with no Pillow mode.
    path = tmp_path / "float.tif"
    header = bytes.fromhex(
        "49492a0008000000"  # little-endian TIFF, first IFD at 8
        "0a00"  # 10 entries
        "000103000100000004000000"  # width 4
        "010103000100000004000000"  # height 4
        "020103000100000020000000"  # bits per sample 32
        "030103000100000001000000"  # no compression
        "060103000100000002000000"  # photometric RGB
        "1101040001000000a0000000"  # strip offset 160
        "150103000100000003000000"  # samples per pixel 3
        "160103000100000004000000"  # rows per strip 4
        "1701040001000000c0000000"  # strip bytes 192
        "530103000100000003000000"  # sample format float
        "00000000"
    )
    path.write_bytes(header.ljust(160, b"\0") + bytes(192))
    with pytest.raises(DecodeError) as info:
        open_image(path)
    assert info.value.kind == "unsupported"
    assert "TIFF" in info.value.message


def test_sixteen_bit_png_is_a_normal_image(tmp_path: Path) -> None:
    src = gen.photo_like((320, 240), seed=1)
    rgb16 = gen.write_png16_rgb(tmp_path / "rgb16.png", src)
    gray16 = gen.write_png16_gray(tmp_path / "gray16.png", src)
    for path in (rgb16, gray16):
        facts = analyse_file(tmp_path, path.name, max_pixels=200_000_000)
        assert facts.ok and facts.bit_depth == 16
        assert (facts.width, facts.height) == (320, 240)
    img = open_image(gray16)
    assert img.mode == "RGB"
    # 16-bit samples are scaled, not clipped: the picture keeps its tones
    assert _mean_abs_diff(img, src.convert("L")) < 1.0


def test_cmyk_jpeg_decodes_to_rgb(tmp_path: Path) -> None:
    src = gen.photo_like((320, 240), seed=2)
    path = gen.write_cmyk_jpeg(tmp_path / "print.jpg", src)
    facts = analyse_file(tmp_path, "print.jpg", max_pixels=200_000_000)
    assert facts.ok and facts.mode == "CMYK" and not facts.grayscale
    assert open_image(path).mode == "RGB"


def test_alpha_and_palette_transparency(tmp_path: Path) -> None:
    src = gen.flat_art((200, 200), seed=4)
    rgba = gen.write_rgba_png(tmp_path / "cut_out.png", src)
    pal = gen.write_palette_transparent(tmp_path / "pal.png", src)
    for path in (rgba, pal):
        facts = analyse_file(tmp_path, path.name, max_pixels=200_000_000)
        assert facts.ok and facts.has_alpha
    assert open_image(rgba).mode == "RGBA"
    flat = load_reduced(rgba, (100, 100))
    assert flat.mode == "RGB"
    assert flat.getpixel((0, 0)) == (255, 255, 255)  # transparent corner laid on white
    assert load_reduced(pal, (100, 100), keep_alpha=True).mode == "RGBA"


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    upright = gen.flat_art((300, 200), seed=6)
    path = gen.write_exif_rotated_jpeg(tmp_path / "phone.jpg", upright, orientation=6)
    assert Image.open(path).size == (200, 300)  # stored on its side
    facts = analyse_file(tmp_path, "phone.jpg", max_pixels=200_000_000)
    assert (facts.width, facts.height) == (300, 200)
    # as stored, which is what kohya's bucketing reads with Image.open(path).size
    assert (facts.stored_width, facts.stored_height) == Image.open(path).size
    plain = gen.save(upright, tmp_path / "plain.png")
    facts = analyse_file(tmp_path, plain.name, max_pixels=200_000_000)
    assert (facts.stored_width, facts.stored_height) == (facts.width, facts.height) == (300, 200)
    img = load_reduced(path, (150, 100))
    assert img.width > img.height
    ref = upright.resize(img.size)
    assert _mean_abs_diff(img, ref) < 20


def test_large_jpeg_is_decoded_at_reduced_size(tmp_path: Path) -> None:
    path = gen.save(gen.photo_like((4000, 3000), seed=7), tmp_path / "big.jpg", quality=85)
    img = load_reduced(path, (500, 500))
    # draft mode decodes at 1/4 or 1/8 scale: never full size, never below the target
    assert img.size in {(1000, 750), (500, 375)}
    png = gen.save(gen.flat_art((2000, 1500), seed=7), tmp_path / "big.png")
    reduced = load_reduced(png, (500, 500))
    assert reduced.width < 2000 and min(reduced.size) >= 375


def _mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    import numpy as np

    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b.convert("RGB"), np.int16)).mean())


_SEED_FILES: dict[str, bytes] = {}


def _seed_bytes(fmt: str) -> bytes:
    if fmt not in _SEED_FILES:
        import io

        buf = io.BytesIO()
        gen.flat_art((96, 64), seed=1).save(buf, format=fmt)
        _SEED_FILES[fmt] = buf.getvalue()
    return _SEED_FILES[fmt]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fmt=st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF"]),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=8),
)
def test_damaged_files_never_crash_the_probe(tmp_path: Path, fmt: str, cut: float, flips) -> None:
    data = bytearray(_seed_bytes(fmt))
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    data = data[: max(0, int(len(data) * cut))] if cut < 0.98 else data
    (tmp_path / "x.img").write_bytes(bytes(data))
    facts = analyse_file(tmp_path, "x.img", max_pixels=50_000_000)
    assert facts.ok or facts.error_kind in ERROR_KINDS
    # classified by the decode path, not caught by the last-resort handler
    assert facts.ok or "could not analyse" not in facts.error_message
