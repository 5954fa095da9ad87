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
    phash: int
    phash_flip: int
    crop_hashes: tuple[int, ...]
    colour_sig: bytes


def measure(img: Image.Image) -> Measures:
    """Measure an RGB image (any size; it is reduced here first)."""
    small = _analysis_copy(img)
    gray_img = small.convert("L")
    gray = np.asarray(gray_img, dtype=np.float32)
    return Measures(
        grayscale=is_grayscale(small),
        sharpness=sharpness(gray),
        dhash=dhash(gray_img),
        phash=phash(gray_img),
        phash_flip=phash(gray_img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        crop_hashes=crop_hashes(gray_img),
        colour_sig=colour_signature(small),
    )


def _analysis_copy(img: Image.Image) -> Image.Image:
    img = img.convert("RGB")
    if max(img.size) > ANALYSIS_SIDE:
        scale = ANALYSIS_SIDE / max(img.size)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.BOX)
    return img


def is_grayscale(img: Image.Image, tolerance: float = 6.0) -> bool:
    """Colour channels equal within ``tolerance`` (JPEG chroma noise allowed)."""
    arr = np.asarray(img.convert("RGB").resize((64, 64), Image.Resampling.BOX), dtype=np.int16)
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
    for axis in (0, 1):
        reblurred = _box_blur_1d(gray, axis, span)
        d_orig = np.abs(np.diff(gray, axis=axis))
        d_blur = np.abs(np.diff(reblurred, axis=axis))
        s_orig = float(d_orig.sum())
        if s_orig <= 1e-6:
            blur_scores.append(0.0)  # a flat image has nothing to blur
            continue
        s_lost = float(np.maximum(0.0, d_orig - d_blur).sum())
        blur_scores.append((s_orig - s_lost) / s_orig)
    return round(100.0 * (1.0 - max(blur_scores)), 2)


def _box_blur_1d(arr: np.ndarray, axis: int, span: int) -> np.ndarray:
    pad = [(0, 0), (0, 0)]
    pad[axis] = (span // 2 + 1, span // 2)
    csum = np.cumsum(np.pad(arr, pad, mode="edge"), axis=axis, dtype=np.float64)
    if axis == 0:
        return ((csum[span:] - csum[:-span]) / span).astype(np.float32)
    return ((csum[:, span:] - csum[:, :-span]) / span).astype(np.float32)


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
    mat = _dct_matrix(arr.shape[0])
    low = (mat @ arr @ mat.T)[:8, :8]
    return _bits_to_int(low > np.median(low))


def crop_hashes(gray_img: Image.Image) -> tuple[int, ...]:
    """pHashes of windows of the image; a crop's own pHash lands near one of them."""
    w, h = gray_img.size
    windows = list(_WINDOW_SCALES)
    if w != h:  # the largest centred-or-sliding square: an aspect change to 1:1
        side = min(w, h)
        windows.append((side / w, side / h))
    hashes = []
    for sx, sy in windows:
        for px in _POSITIONS if sx < 1.0 else (0.0,):
            for py in _POSITIONS if sy < 1.0 else (0.0,):
                left, top = px * (1 - sx) * w, py * (1 - sy) * h
                box = (round(left), round(top), round(left + sx * w), round(top + sy * h))
                region = gray_img.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX, box=box)
                hashes.append(_phash_array(np.asarray(region, np.float64)))
    return tuple(hashes)


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
    value = 0
    for bit in bits.flatten():
        value = (value << 1) | int(bool(bit))
    return value
