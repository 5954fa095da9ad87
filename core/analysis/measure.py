"""Per-image measurements on decoded pixels, in numpy: edge width, grayscale, hashes.

All measurements work on a copy reduced to at most ``ANALYSIS_SIDE`` pixels on
the long side, so scores do not depend on how large the file is. The hashes
come from a smaller gray copy (``_WINDOW_SOURCE_SIDE``): the full-picture and
mirrored pHashes, the crop-window pHashes and both dHashes are all box averages
of it followed by a DCT, which are linear, so they are computed together as two
matrix products (see :func:`_hash_operators`) instead of one resize per window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from lorapan.core.analysis.edges import edge_width
from PIL import Image, ImageChops

ANALYSIS_SIDE = 512
HASH_SIDE = 32
_WINDOW_SOURCE_SIDE = 128
# Windows (width, height as fractions of the image) whose hashes let a crop be
# matched to its source: square-ish zooms and aspect-changing slices.
_WINDOW_SCALES = ((0.8, 0.8), (0.65, 0.65), (0.5, 0.5), (1.0, 0.75), (0.75, 1.0))
_POSITIONS = (0.0, 0.5, 1.0)
_MASK64 = (1 << 64) - 1
_LOW = 8  # pHash keeps the 8x8 lowest DCT frequencies


@dataclass(frozen=True)
class Measures:
    grayscale: bool
    edge_width: float
    dhash: int
    dhash_flip: int
    phash: int
    phash_flip: int
    crop_hashes: tuple[int, ...]
    colour_sig: bytes


def measure(img: Image.Image) -> Measures:
    """Measure an RGB image (any size; it is reduced here first)."""
    small = _analysis_copy(img)
    gray_img = small.convert("L")
    hashes = hash_set(np.asarray(_shrink(gray_img, _WINDOW_SOURCE_SIDE), np.float32))
    thumb = _thumbnail(small, 64)
    return Measures(
        grayscale=is_grayscale(thumb),
        edge_width=edge_width(np.asarray(gray_img)),
        dhash=hashes.dhash,
        dhash_flip=hashes.dhash_flip,
        phash=hashes.phash,
        phash_flip=hashes.phash_flip,
        crop_hashes=hashes.crop_hashes,
        colour_sig=colour_signature(thumb),
    )


def _thumbnail(img: Image.Image, side: int) -> Image.Image:
    """About ``side`` pixels on the long side; ``reduce`` (integer box) is the fast path."""
    factor = max(img.size) // side
    if factor >= 2:
        return img.reduce(factor)
    return img


def _shrink(img: Image.Image, side: int) -> Image.Image:
    """At most ``side`` pixels on the long side (box average; ``reduce`` when it divides)."""
    if max(img.size) <= side:
        return img
    scale = side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    factor = img.width // size[0]
    if factor >= 2 and (size[0] * factor, size[1] * factor) == img.size:
        return img.reduce(factor)
    return img.resize(size, Image.Resampling.BOX)


def _analysis_copy(img: Image.Image) -> Image.Image:
    return _shrink(img if img.mode == "RGB" else img.convert("RGB"), ANALYSIS_SIDE)


def is_grayscale(img: Image.Image, tolerance: float = 6.0) -> bool:
    """Colour channels equal within ``tolerance`` (JPEG chroma noise allowed).

    Judged on a 64 px copy: the 99th percentile of each pixel's channel spread
    (max - min) must be within ``tolerance``.
    """
    thumb = _thumbnail(img if img.mode == "RGB" else img.convert("RGB"), 64)
    return _percentile(_channel_spread(thumb).histogram(), 99.0) <= tolerance


def _channel_spread(rgb: Image.Image) -> Image.Image:
    """Per pixel max - min of the three channels, as an 8-bit image (Pillow's C loops)."""
    r, g, b = rgb.split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    return ImageChops.subtract(high, low)


def _percentile(histogram: list[int], q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) of 8-bit values given as a histogram."""
    cumulative = np.cumsum(histogram)
    n = int(cumulative[-1])
    if n == 0:
        return 0.0
    pos = q / 100.0 * (n - 1)
    k = int(pos)
    below = int(np.searchsorted(cumulative, k, side="right"))
    above = int(np.searchsorted(cumulative, min(k + 1, n - 1), side="right"))
    return below + (pos - k) * (above - below)


@dataclass(frozen=True)
class HashSet:
    phash: int
    phash_flip: int
    dhash: int
    dhash_flip: int
    crop_hashes: tuple[int, ...]


def hash_set(gray: np.ndarray) -> HashSet:
    """Every hash of a small gray image (float32 array, at most 128 px a side).

    Each product is kept small (under ~260k multiply-adds): OpenBLAS runs those
    on the calling thread, where bigger ones would wake its thread pool, whose
    spinning threads would take the CPU other workers need.
    """
    ops = _hash_operators(*gray.shape)
    by_cols = np.matmul(gray, ops.cols)  # per column span: h x 8
    low = np.matmul(ops.rows[ops.pick_rows], by_cols[ops.pick_cols])  # per hash: 8 x 8
    phashes = _bits_above_median(low.reshape(len(low), _LOW * _LOW))
    d = np.rint((ops.d_rows @ gray) @ ops.d_cols)  # 8 x 18: 9 columns, then 9 mirrored
    return HashSet(
        phash=phashes[0],
        phash_flip=phashes[1],
        dhash=_bits_to_int(d[:, 1:9] > d[:, 0:8]),
        dhash_flip=_bits_to_int(d[:, 10:18] > d[:, 9:17]),
        crop_hashes=tuple(phashes[2:]),
    )


@dataclass(frozen=True)
class _HashOperators:
    """Box average to 32 x 32 then the 8 lowest DCT frequencies, as matrices."""

    rows: np.ndarray  # n_rows x 8 x h: one per row span (top..bottom)
    cols: np.ndarray  # n_cols x w x 8: one per column span (mirrored ones reversed)
    pick_rows: np.ndarray  # per hash (full, mirrored, then crop windows): its spans
    pick_cols: np.ndarray
    d_rows: np.ndarray  # 8 x h: dHash row averages
    d_cols: np.ndarray  # w x 18: dHash column averages, plain then mirrored


@lru_cache(maxsize=32)
def _hash_operators(h: int, w: int) -> _HashOperators:
    """Operators for an ``h`` x ``w`` image: full, mirrored, then each crop window."""
    full_w, full_h = (0.0, float(w)), (0.0, float(h))
    windows = [(full_w, full_h, False), (full_w, full_h, True)]
    for (left, width), (top, height) in window_boxes(w, h):
        windows.append(((left, left + width), (top, top + height), False))
    col_keys: dict[tuple, int] = {}
    row_keys: dict[tuple, int] = {}
    for x_span, y_span, mirrored in windows:
        col_keys.setdefault((x_span, mirrored), len(col_keys))
        row_keys.setdefault(y_span, len(row_keys))
    dct = _dct_matrix(HASH_SIDE)[:_LOW]
    cols = []
    for (lo, hi), mirrored in col_keys:
        box = _box_matrix(lo, hi, w, HASH_SIDE)
        cols.append((dct @ (box[:, ::-1] if mirrored else box)).T)
    rows = [dct @ _box_matrix(lo, hi, h, HASH_SIDE) for lo, hi in row_keys]
    d_cols = _box_matrix(0.0, float(w), w, 9)
    return _HashOperators(
        rows=np.stack(rows).astype(np.float32),
        cols=np.stack(cols).astype(np.float32),
        pick_rows=np.array([row_keys[y] for _x, y, _m in windows]),
        pick_cols=np.array([col_keys[(x, m)] for x, _y, m in windows]),
        d_rows=_box_matrix(0.0, float(h), h, 8).astype(np.float32),
        d_cols=np.hstack([d_cols.T, d_cols[:, ::-1].T]).astype(np.float32),
    )


def window_boxes(w: int, h: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """((left, width), (top, height)) of each crop window, in pixels."""
    windows = list(_WINDOW_SCALES)
    if w != h:  # the largest square: an aspect change to 1:1
        side = min(w, h)
        windows.append((side / w, side / h))
    boxes = []
    for sx, sy in windows:
        for px in _POSITIONS if sx < 1.0 else (0.0,):
            for py in _POSITIONS if sy < 1.0 else (0.0,):
                boxes.append(((px * (1 - sx) * w, sx * w), (py * (1 - sy) * h, sy * h)))
    return boxes


def _box_matrix(lo: float, hi: float, size: int, out: int) -> np.ndarray:
    """``out`` x ``size`` weights: each output cell is the mean of its span of [lo, hi)."""
    edges = lo + (hi - lo) * np.arange(out + 1) / out
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(size)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


@lru_cache(maxsize=4)
def _dct_matrix(n: int = HASH_SIDE) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    mat = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    mat[0] /= np.sqrt(2.0)
    return mat


def dhash(gray_img: Image.Image) -> int:
    """64-bit difference hash: is each pixel brighter than its right neighbour."""
    return hash_set(np.asarray(_shrink(gray_img, _WINDOW_SOURCE_SIDE), np.float32)).dhash


def phash(gray_img: Image.Image) -> int:
    """64-bit perceptual hash: low DCT frequencies above their median."""
    return hash_set(np.asarray(_shrink(gray_img, _WINDOW_SOURCE_SIDE), np.float32)).phash


def crop_hashes(gray_img: Image.Image) -> tuple[int, ...]:
    """pHashes of windows of the image; a crop's own pHash lands near one of them."""
    return hash_set(np.asarray(_shrink(gray_img, _WINDOW_SOURCE_SIDE), np.float32)).crop_hashes


def _bits_above_median(low: np.ndarray) -> list[int]:
    bits = low > np.median(low, axis=1, keepdims=True)
    return [int.from_bytes(row.tobytes(), "big") for row in np.packbits(bits, axis=1)]


def colour_signature(img: Image.Image) -> bytes:
    """Mean colour of a 4x4 grid (48 bytes): compares colour between aligned copies."""
    rgb = img if img.mode == "RGB" else img.convert("RGB")
    return rgb.resize((4, 4), Image.Resampling.BOX).tobytes()


def colour_distance(a: bytes, b: bytes) -> float:
    """Mean absolute difference of two colour signatures (0..255)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    va = np.frombuffer(a, np.uint8).astype(np.int16)
    vb = np.frombuffer(b, np.uint8).astype(np.int16)
    return float(np.abs(va - vb).mean())


def luma_signature(sig: bytes) -> np.ndarray:
    rgb = np.frombuffer(sig, np.uint8).reshape(-1, 3).astype(np.float32)
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


def _bits_to_int(bits: np.ndarray) -> int:
    return int.from_bytes(np.packbits(bits.flatten()).tobytes(), "big")
