"""Preprocessing against an independent reference written from the WD14 recipe (kohya.md section 5).

The reference here works on plain numpy arrays: its own alpha compositing, BGR swap,
centred white padding, an area filter built as a gathered weight table (not the running
sums the code uses), and a separable Lanczos-3 filter with 8-bit rounding between passes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from lorapan.core.tagger import preprocess
from PIL import Image

SIZE = 64


# ---- the reference, from the recipe -------------------------------------------------
def ref_composite(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.float64) / 255.0
    return rgba[..., :3] * alpha + 255.0 * (1 - alpha)


def ref_pad(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    side = max(h, w)
    out = np.full((side, side, 3), 255.0)
    top, left = (side - h) // 2, (side - w) // 2
    out[top : top + h, left : left + w] = img
    return out


def area_table(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """For each output cell: the input indices it overlaps and the overlap lengths."""
    scale = n / out
    width = math.ceil(scale) + 1
    idx = np.zeros((out, width), dtype=np.intp)
    wts = np.zeros((out, width))
    for i in range(out):
        lo, hi = i * scale, (i + 1) * scale
        first = int(math.floor(lo))
        for k in range(width):
            j = min(first + k, n - 1)
            idx[i, k] = j
            wts[i, k] = max(0.0, min(hi, first + k + 1) - max(lo, first + k)) / scale
    return idx, wts


def ref_area(img: np.ndarray, out: int) -> np.ndarray:
    for axis in (0, 1):
        idx, wts = area_table(img.shape[axis], out)
        moved = np.moveaxis(img, axis, 0)
        img = np.moveaxis(np.einsum("ik,ik...->i...", wts, moved[idx]), 0, axis)
    return img


def lanczos3(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


def ref_lanczos_axis(img: np.ndarray, out: int, axis: int) -> np.ndarray:
    n = img.shape[axis]
    scale = n / out  # < 1: enlarging, kernel not widened
    centres = (np.arange(out) + 0.5) * scale
    j = np.arange(n)
    w = lanczos3(j[None, :] + 0.5 - centres[:, None])
    w /= w.sum(axis=1, keepdims=True)
    res = np.moveaxis(np.tensordot(w, np.moveaxis(img, axis, 0), axes=(1, 0)), 0, axis)
    return np.clip(np.rint(res), 0, 255)  # Pillow stores 8-bit between the passes


def ref_prepare(rgb_or_rgba: np.ndarray, size: int) -> np.ndarray:
    img = rgb_or_rgba.astype(np.float64)
    if img.shape[-1] == 4:
        img = ref_composite(img)
    img = np.rint(img)[..., ::-1]  # RGB -> BGR
    img = ref_pad(img)
    if img.shape[0] > size:
        img = np.rint(ref_area(img, size))
    elif img.shape[0] < size:
        img = ref_lanczos_axis(ref_lanczos_axis(img, size, 1), size, 0)
    return img.astype(np.float32)


def noisy(h: int, w: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    base[: h // 2, : w // 3] = 200  # flat areas and edges, not only noise
    return base


def check(actual: np.ndarray, expected: np.ndarray, tol: float = 1.0) -> None:
    assert actual.shape == expected.shape
    assert actual.dtype == np.float32
    diff = np.abs(actual.astype(np.float64) - expected)
    assert diff.max() <= tol, (
        f"max difference {diff.max()} at {np.unravel_index(diff.argmax(), diff.shape)}"
    )


def save(tmp_path: Path, name: str, arr: np.ndarray, mode: str | None = None) -> Path:
    path = tmp_path / name
    Image.fromarray(arr, mode).save(path)
    return path


# ---- tests ------------------------------------------------------------------------------
def test_landscape_shrinks_with_area_filter_and_white_bars(tmp_path: Path) -> None:
    arr = noisy(150, 301)
    got = preprocess.load(save(tmp_path, "wide.png", arr), SIZE)
    check(got, ref_prepare(arr, SIZE))
    # The padded bands at the top and bottom are pure white.
    assert (got[:5] == 255).all() and (got[-5:] == 255).all()


def test_channels_are_bgr(tmp_path: Path) -> None:
    red = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    red[..., 0] = 255
    got = preprocess.load(save(tmp_path, "red.png", red), SIZE)
    assert (got[..., 2] == 255).all() and (got[..., 0] == 0).all()


def test_transparent_areas_become_white(tmp_path: Path) -> None:
    arr = noisy(90, 70, channels=4, seed=1)
    arr[:30, :, 3] = 0  # fully transparent band
    arr[30:60, :, 3] = 128  # half transparent band
    arr[60:, :, 3] = 255
    got = preprocess.load(save(tmp_path, "alpha.png", arr), SIZE)
    check(got, ref_prepare(arr, SIZE), tol=1.0)


def test_palette_with_transparency_becomes_white(tmp_path: Path) -> None:
    img = Image.new("P", (40, 40), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 20, 40))  # left half red, right half index 0 = transparent black
    path = tmp_path / "pal.png"
    img.save(path, transparency=0)
    got = preprocess.load(path, 40)
    assert (got[:, 25:] == 255).all()  # transparent black shows as white
    assert (got[:, :15, 2] == 255).all() and (got[:, :15, :2] == 0).all()


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    ramp = np.linspace(0, 65535, 48 * 48).reshape(48, 48).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(ramp).save(path)  # a 16-bit greyscale PNG (mode I;16)
    got = preprocess.load(path, 48)
    expected = np.floor(ramp / 257.0)
    assert np.abs(got[..., 0] - expected).max() <= 1.0
    assert got[..., 0].min() < 10 and 100 < np.median(got) < 160  # not all white


def test_greyscale_gives_three_equal_channels(tmp_path: Path) -> None:
    grey = noisy(100, 100)[..., 0]
    got = preprocess.load(save(tmp_path, "grey.png", grey, "L"), SIZE)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    check(got, ref_prepare(rgb, SIZE))
    assert (got[..., 0] == got[..., 1]).all() and (got[..., 1] == got[..., 2]).all()


@pytest.mark.parametrize("shape", [(5, 9), (1, 1), (33, 20)])
def test_tiny_images_are_enlarged_with_lanczos(tmp_path: Path, shape: tuple[int, int]) -> None:
    arr = noisy(*shape, seed=2)
    got = preprocess.load(save(tmp_path, "tiny.png", arr), SIZE)
    check(got, ref_prepare(arr, SIZE), tol=1.0)


def test_huge_image_matches_area_reference(tmp_path: Path) -> None:
    arr = noisy(2300, 3100, seed=3)
    got = preprocess.load(save(tmp_path, "huge.png", arr), 448)
    check(got, ref_prepare(arr, 448), tol=1.0)


def test_exact_size_is_passed_through(tmp_path: Path) -> None:
    arr = noisy(SIZE, SIZE, seed=4)
    got = preprocess.load(save(tmp_path, "same.png", arr), SIZE)
    assert (got == arr[..., ::-1]).all()


def test_unreadable_file_raises_decode_error(tmp_path: Path) -> None:
    from lorapan.core.analysis.imaging import DecodeError

    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(DecodeError):
        preprocess.load(path, SIZE)
