"""Image -> model input, exactly as the WD14 reference tagger (kohya.md section 5).

1. transparency (RGBA, LA, PA or a ``transparency`` entry) composited onto white,
   anything else converted to RGB;
2. RGB -> BGR;
3. padded to a centred square with white (top/left get half, bottom/right the rest);
4. resized to the model's size: area averaging when shrinking (cv2 INTER_AREA there,
   the same exact pixel-overlap weights here, without needing OpenCV), PIL Lanczos
   when enlarging;
5. float32, 0-255, not normalised, HWC (stacked to NHWC by the caller).

Images are decoded through the shared decode path (``lorapan.core.analysis.imaging``),
which applies EXIF orientation and scales 16-bit and other exotic modes to 8 bits.
The reference's ``convert("RGB")`` clips 16-bit grey to white and ignores orientation:
those two are the deliberate differences.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

WHITE = (255, 255, 255)


def _open(path: Path) -> Image.Image:
    from lorapan.core.analysis.imaging import open_image

    return open_image(path)


def to_8bit(im: Image.Image) -> Image.Image:
    """Scale 16-bit and 32-bit integer/float grey to 8 bits instead of clipping."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        return Image.fromarray(np.clip(np.rint(arr * 255.0 / top), 0, 255).astype(np.uint8), "L")
    return im


def to_rgb_on_white(im: Image.Image) -> Image.Image:
    """Composite transparency onto white; everything else to plain RGB."""
    im = to_8bit(im)
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, WHITE)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return im.convert("RGB")


def pad_square(im: Image.Image) -> Image.Image:
    w, h = im.size
    side = max(w, h)
    if w == h:
        return im
    canvas = Image.new("RGB", (side, side), WHITE)
    canvas.paste(im, ((side - w) // 2, (side - h) // 2))
    return canvas


def _area_table(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``out`` cells over ``n`` pixels: the pixels it overlaps and their shares.

    Cell i covers [i*n/out, (i+1)*n/out); a pixel's weight is its covered length over the
    cell's length, as cv2's INTER_AREA weighs them (fractional edge pixels included).
    """
    scale = n / out
    taps = math.ceil(scale) + 1
    cell = np.arange(out)[:, None]
    lo = cell * scale
    pix = np.floor(lo).astype(np.intp) + np.arange(taps)[None, :]
    weight = np.clip(np.minimum((cell + 1) * scale, pix + 1) - np.maximum(lo, pix), 0, None) / scale
    return np.minimum(pix, n - 1), weight.astype(np.float32)


BLOCK = 16  # output rows per step: keeps the temporaries in cache (no page faults)


def _area_rows(x: np.ndarray, out: int, total: int, offset: int) -> np.ndarray:
    """Area-shrink the rows of ``x`` (n, W, C) to ``out``, as if it sat at row ``offset``
    inside ``total`` rows of white padding; the result comes transposed, (W, out, C).

    Padding is never built: taps that fall in it add ``255 * weight`` as a constant.
    Writing each block of output rows transposed (while it is in cache) gives the
    columns pass contiguous rows without a separate transpose of the whole array.
    """
    n, width, chans = x.shape
    index, weight = _area_table(total, out)
    src = index - offset
    inside = (src >= 0) & (src < n)
    src = np.clip(src, 0, n - 1)
    w_img = np.where(inside, weight, 0).astype(np.float32)
    white = (255.0 * np.where(inside, 0, weight).sum(axis=1)).astype(np.float32)
    result = np.empty((width, out, chans), np.float32)
    acc = np.empty((BLOCK, width, chans), np.float32)
    for r0 in range(0, out, BLOCK):
        r1 = min(out, r0 + BLOCK)
        block = acc[: r1 - r0]
        block[...] = white[r0:r1, None, None]
        for k in range(index.shape[1]):
            if not w_img[r0:r1, k].any():  # all in the padding (or a zero-width tap)
                continue
            block += x[src[r0:r1, k]] * w_img[r0:r1, k, None, None]
        result[:, r0:r1, :] = block.transpose(1, 0, 2)
    return result


def shrink_padded(arr: np.ndarray, size: int) -> np.ndarray:
    """uint8 HxWx3 -> its white-padded centred square, area-shrunk to size x size, uint8.

    Same as padding to the square and area-resizing it (cv2 INTER_AREA), without
    building the square: rows first, then the columns of the smaller intermediate
    (each pass hands the next its output transposed, so both gather whole rows).
    """
    h, w, _c = arr.shape
    side = max(h, w)
    by_column = _area_rows(arr, size, side, (side - h) // 2)  # (w, size, 3)
    square = _area_rows(by_column, size, side, (side - w) // 2)  # (size, size, 3) again
    return np.clip(np.rint(square), 0, 255).astype(np.uint8)


def prepare(im: Image.Image, size: int) -> np.ndarray:
    """A decoded image -> (size, size, 3) float32 BGR 0-255."""
    rgb = to_rgb_on_white(im)
    if max(rgb.size) > size:
        square = shrink_padded(np.asarray(rgb, dtype=np.uint8), size)
    else:
        padded = pad_square(rgb)
        if padded.size[0] < size:
            padded = padded.resize((size, size), Image.Resampling.LANCZOS)
        square = np.asarray(padded, dtype=np.uint8)
    return square[:, :, ::-1].astype(np.float32)


def load(path: Path | str, size: int) -> np.ndarray:
    """Decode ``path`` and prepare it; raises imaging.DecodeError for unreadable files."""
    return prepare(_open(Path(path)), size)
