"""Thumbnails at display size: the shared decode path, then an exact fit.

The gallery shows many images at once, each in a box of a few dozen pixels. An
image goes through :func:`~lorapan.core.analysis.imaging.decode_reduced` (JPEG
draft mode decodes at 1/2, 1/4 or 1/8 in the DCT; other formats are reduced right
after decoding), and the result is fitted into the box with LANCZOS, aspect kept.
Nothing here raises for a bad file: the thumbnail carries the reason instead, in
the words the analysis uses, so the gallery can say it in the image's place.

The analysis keeps no thumbnails on disk (its cache holds measurements only), so
the app caches these in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lorapan.core.analysis.imaging import DecodeError, decode_reduced, read_bytes
from PIL import Image


@dataclass(frozen=True)
class Thumbnail:
    """A picture fitted into a box, or why there is none (``error``)."""

    image: Image.Image | None
    width: int = 0  # the original's size, as shown (EXIF orientation applied)
    height: int = 0
    error: str | None = None


def fit_box(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size of a ``size`` picture fitted into ``box``: aspect kept, at least 1x1."""
    width, height = max(1, size[0]), max(1, size[1])
    bw, bh = max(1, box[0]), max(1, box[1])
    scale = min(bw / width, bh / height)
    return max(1, min(bw, round(width * scale))), max(1, min(bh, round(height * scale)))


def load_thumbnail(path: Path | str, box: tuple[int, int]) -> Thumbnail:
    """``path`` decoded at reduced size and fitted into ``box`` pixels (RGB)."""
    try:
        header, img = decode_reduced(read_bytes(Path(path)), box)
    except DecodeError as exc:
        return Thumbnail(None, error=exc.message)
    except Exception as exc:  # a decoder bug costs one thumbnail, not the gallery
        return Thumbnail(None, error=f"cannot decode: {exc}")
    if img.mode != "RGB":
        img = img.convert("RGB")
    size = fit_box(img.size, box)
    if size != img.size:
        img = img.resize(size, Image.Resampling.LANCZOS)
    return Thumbnail(img, header.width, header.height)
