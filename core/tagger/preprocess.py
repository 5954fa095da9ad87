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


CHUNK_VALUES = 1 << 21  # float32 values converted at a time: stays in cache, no page faults


def _block_sums(arr: np.ndarray, starts: np.ndarray, axis: int) -> np.ndarray:
    """``reduceat`` sums along ``axis`` (float64), converting 8-bit input in small chunks."""
    if arr.dtype != np.uint8:
        return np.add.reduceat(arr, starts, axis=axis).astype(np.float64)
    other = 1 - axis  # chunk along the other spatial axis
    step = max(1, CHUNK_VALUES // max(1, arr.size // arr.shape[other]))
    parts = []
    for lo in range(0, arr.shape[other], step):
        index = [slice(None)] * arr.ndim
        index[other] = slice(lo, lo + step)
        piece = arr[tuple(index)]
        parts.append(np.add.reduceat(piece.astype(np.float32), starts, axis=axis))
    return np.concatenate(parts, axis=other).astype(np.float64)


def _area_sums(arr: np.ndarray, out: int, axis: int) -> np.ndarray:
    """Area sums along ``axis`` for ``out`` cells, times ``out``, as exact whole numbers.

    Output cell i covers input [i*n/out, (i+1)*n/out): the whole pixels inside are summed
    with ``reduceat`` and the fractional edge pixels added by their covered share, as
    cv2's INTER_AREA weighs them. Multiplying by ``out`` makes every share a whole
    number (``rem/out`` of a pixel becomes ``rem`` times it), so nothing is rounded
    until the end. Block sums of 8-bit pixels are exact in float32 (far below 2**24),
    which is much faster than integer ``reduceat``; the rest is float64, exact too.
    """
    n = arr.shape[axis]
    k = np.arange(out + 1, dtype=np.int64) * n
    whole, rem = k // out, k % out  # edge i lies at whole[i] + rem[i] / out
    blocks = _block_sums(arr, whole[:-1], axis)
    shape = [1] * arr.ndim
    shape[axis] = out + 1
    edge_px = np.take(arr, np.minimum(whole, n - 1), axis=axis).astype(np.float64)
    edge_part = rem.reshape(shape) * edge_px
    first = [slice(None)] * arr.ndim
    last = [slice(None)] * arr.ndim
    first[axis], last[axis] = slice(1, None), slice(None, -1)
    return blocks * out + edge_part[tuple(first)] - edge_part[tuple(last)]


def shrink_padded(arr: np.ndarray, size: int) -> np.ndarray:
    """uint8 HxWx3 -> its white-padded centred square area-shrunk to size x size, uint8.

    Same result as padding first and area-resizing the square, without building the
    square: the pass along the long side runs on the image itself, and the padding is
    added to the (small) intermediate as constant white. Each pass yields
    ``out * area sum``; after both, dividing by side**2 gives the cell mean.
    """
    h, w = arr.shape[:2]
    side = max(h, w)
    long_axis, short_axis = (1, 0) if w >= h else (0, 1)
    partial = _area_sums(arr, size, long_axis)
    pad = side - arr.shape[short_axis]
    widths = [(0, 0)] * partial.ndim
    widths[short_axis] = (pad // 2, pad - pad // 2)
    partial = np.pad(partial, widths, constant_values=255 * side)  # white, in pass-one units
    sums = _area_sums(partial, size, short_axis)
    return np.clip(np.rint(sums / float(side * side)), 0, 255).astype(np.uint8)


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
