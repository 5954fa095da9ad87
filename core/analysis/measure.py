"""Per-image measurements on decoded pixels, in numpy: sharpness, grayscale, hashes.

All measurements work on a copy reduced to at most ``ANALYSIS_SIDE`` pixels on
the long side, so scores do not depend on how large the file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image

ANALYSIS_SIDE = 512
HASH_SIDE = 32
_WINDOW_SOURCE_SIDE = 128
# Windows (width, height as fractions of the image) whose hashes let a crop be
# matched to its source: square-ish zooms and aspect-changing slices.
_WINDOW_SCALES = ((0.8, 0.8), (0.65, 0.65), (0.5, 0.5), (1.0, 0.75), (0.75, 1.0))
_POSITIONS = (0.0, 0.5, 1.0)
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Measures:
    grayscale: bool
    sharpness: float
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
    # Hashes and colour need little detail: they work on small copies.
    gray_small = _shrink(gray_img, _WINDOW_SOURCE_SIDE)
    hash_arr = np.asarray(
        gray_small.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX), np.float64
    )
    full, mirrored = _phash_batch(np.stack([hash_arr, hash_arr[:, ::-1]]))
    thumb = _thumbnail(small, 64)
    return Measures(
        grayscale=is_grayscale(thumb),
        sharpness=sharpness(np.asarray(gray_img, dtype=np.float32)),
        dhash=dhash(gray_small),
        dhash_flip=dhash(gray_small.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        phash=full,
        phash_flip=mirrored,
        crop_hashes=crop_hashes(gray_small),
        colour_sig=colour_signature(thumb),
    )


def _thumbnail(img: Image.Image, side: int) -> Image.Image:
    """About ``side`` pixels on the long side; ``reduce`` (integer box) is the fast path."""
    factor = max(img.size) // side
    if factor >= 2:
        return img.reduce(factor)
    return img


def _shrink(img: Image.Image, side: int) -> Image.Image:
    if max(img.size) <= side:
        return img
    scale = side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BOX)


def _analysis_copy(img: Image.Image) -> Image.Image:
    return _shrink(img.convert("RGB"), ANALYSIS_SIDE)


def is_grayscale(img: Image.Image, tolerance: float = 6.0) -> bool:
    """Colour channels equal within ``tolerance`` (JPEG chroma noise allowed)."""
    img = _thumbnail(img.convert("RGB"), 64)
    arr = np.asarray(img, dtype=np.int16)
    spread = arr.max(axis=2) - arr.min(axis=2)
    return bool(np.percentile(spread, 99) <= tolerance)


def sharpness(gray: np.ndarray, span: int = 9) -> float:
    """Sharpness 0..100: how much detail a strong blur removes (Crété-Roffet et al., 2007).

    The image is blurred again along rows and along columns; a sharp image loses
    much of its neighbour-to-neighbour variation, an already blurred one little.
    Unlike the variance of the Laplacian this does not depend on contrast or on
    how much of the picture is flat, so photos and flat-colour art share one
    threshold.
    """
    if gray.shape[0] < span + 2 or gray.shape[1] < span + 2:
        return 100.0
    blur_scores = []
    # Rows first, then columns via a contiguous transpose: both run along axis 0,
    # where shifted-slice sums are fastest.
    for arr in (gray, np.ascontiguousarray(gray.T)):
        d_orig = np.abs(np.diff(arr, axis=0))
        s_orig = float(d_orig.sum())
        if s_orig <= 1e-6:
            blur_scores.append(0.0)  # a flat image has nothing to blur
            continue
        d_blur = _reblurred_steps(arr, span)
        s_lost = float(np.maximum(d_orig - d_blur, 0.0, out=d_blur).sum())
        blur_scores.append((s_orig - s_lost) / s_orig)
    return round(100.0 * (1.0 - max(blur_scores)), 2)


def _reblurred_steps(arr: np.ndarray, span: int) -> np.ndarray:
    """|row-to-row steps| of ``arr`` after a ``span``-row box blur (edges repeated).

    Neighbouring box means share all but one row each, so their step is
    (row entering - row leaving) / span: no blurred copy is needed.
    """
    n = arr.shape[0]
    padded = np.pad(arr, [(span // 2, span // 2), (0, 0)], mode="edge")
    steps = padded[span : span + n - 1] - padded[: n - 1]
    np.abs(steps, out=steps)
    steps *= 1.0 / span
    return steps


def dhash(gray_img: Image.Image) -> int:
    """64-bit difference hash: is each pixel brighter than its right neighbour."""
    arr = np.asarray(gray_img.resize((9, 8), Image.Resampling.BOX), dtype=np.int16)
    return _bits_to_int(arr[:, 1:] > arr[:, :-1])


@lru_cache(maxsize=1)
def _dct_matrix(n: int = HASH_SIDE) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    mat = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    mat[0] /= np.sqrt(2.0)
    return mat.astype(np.float64)


def phash(gray_img: Image.Image) -> int:
    """64-bit perceptual hash: low DCT frequencies above their median."""
    arr = np.asarray(gray_img.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX), np.float64)
    return _phash_array(arr)


def _phash_array(arr: np.ndarray) -> int:
    return _phash_batch(arr[None])[0]


def crop_hashes(gray_img: Image.Image) -> tuple[int, ...]:
    """pHashes of windows of the image; a crop's own pHash lands near one of them."""
    # Windows are cut from a small copy: each then costs a tiny resize, not a big one.
    small = _shrink(gray_img, _WINDOW_SOURCE_SIDE)
    w, h = small.size
    windows = list(_WINDOW_SCALES)
    if w != h:  # the largest square: an aspect change to 1:1
        side = min(w, h)
        windows.append((side / w, side / h))
    regions = []
    for sx, sy in windows:
        for px in _POSITIONS if sx < 1.0 else (0.0,):
            for py in _POSITIONS if sy < 1.0 else (0.0,):
                left, top = px * (1 - sx) * w, py * (1 - sy) * h
                box = (left, top, left + sx * w, top + sy * h)
                region = small.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX, box=box)
                regions.append(np.asarray(region, np.float64))
    return tuple(_phash_batch(np.stack(regions)))


def _phash_batch(stack: np.ndarray) -> list[int]:
    mat = _dct_matrix(stack.shape[1])
    low = (mat @ stack @ mat.T)[:, :8, :8].reshape(len(stack), 64)
    bits = low > np.median(low, axis=1, keepdims=True)
    return [int.from_bytes(row.tobytes(), "big") for row in np.packbits(bits, axis=1)]


def colour_signature(img: Image.Image) -> bytes:
    """Mean colour of a 4x4 grid (48 bytes): compares colour between aligned copies."""
    return np.asarray(img.convert("RGB").resize((4, 4), Image.Resampling.BOX), np.uint8).tobytes()


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
