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


def _area_axis(arr: np.ndarray, out: int, axis: int) -> np.ndarray:
    """Area-average ``arr`` along ``axis`` down to ``out`` samples (exact pixel overlaps).

    Output cell i covers input [i*n/out, (i+1)*n/out): the whole pixels inside are summed
    with ``reduceat`` and the fractional edge pixels added by their covered share, as
    cv2's INTER_AREA weighs them. Edges are exact rationals, so no float drift.
    """
    n = arr.shape[axis]
    x = np.moveaxis(arr, axis, 0)
    k = np.arange(out + 1, dtype=np.int64) * n
    whole, frac = k // out, (k % out) / out  # edge i = whole[i] + frac[i]
    starts = whole[:-1]
    exact = np.uint32 if x.dtype == np.uint8 else np.float64  # integer sums are exact and fast
    blocks = np.add.reduceat(x, starts, axis=0, dtype=exact).astype(np.float64)
    edge_px = x[np.minimum(whole, n - 1)].astype(np.float64)
    shape = (out + 1,) + (1,) * (x.ndim - 1)
    edge_part = frac.reshape(shape) * edge_px  # covered share of each edge pixel
    sums = blocks + edge_part[1:] - edge_part[:-1]
    return np.moveaxis(sums * (out / n), 0, axis)


def area_resize(arr: np.ndarray, size: int) -> np.ndarray:
    """uint8 HxWxC -> size x size, area averaged (shrinking only), rounded to uint8."""
    rows = _area_axis(arr, size, 0)  # the uint8 pass first: its integer sums are cheap
    both = _area_axis(rows, size, 1)
    return np.clip(np.rint(both), 0, 255).astype(np.uint8)


def resize_square(im: Image.Image, size: int) -> np.ndarray:
    """A square RGB image -> size x size uint8 array: area when shrinking, Lanczos enlarging."""
    if im.size[0] > size:
        return area_resize(np.asarray(im, dtype=np.uint8), size)
    if im.size[0] < size:
        im = im.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(im, dtype=np.uint8)


def prepare(im: Image.Image, size: int) -> np.ndarray:
    """A decoded image -> (size, size, 3) float32 BGR 0-255."""
    square = resize_square(pad_square(to_rgb_on_white(im)), size)
    return square[:, :, ::-1].astype(np.float32)


def load(path: Path | str, size: int) -> np.ndarray:
    """Decode ``path`` and prepare it; raises imaging.DecodeError for unreadable files."""
    return prepare(_open(Path(path)), size)
