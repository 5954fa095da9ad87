"""What sd-scripts' loader makes of an image file, read cheaply and kept per file stamp.

sd-scripts opens each image with ``Image.open(path)`` and ``convert("RGB")``
(``train_util.load_image``): it applies no EXIF orientation, and it drops the alpha
channel, so whatever colour is stored under transparent pixels is what trains.
lorapan, its tagger and every viewer turn the picture upright and show transparency
(the tagger lays it on white). These reads tell the two apart:

- :func:`header_of` reads the file's header only (format, mode, stored size, EXIF
  orientation, alpha channel), or takes the analysis cache's facts for a file they
  still describe; no pixel is decoded.
- :func:`hidden_of` decodes one image that has an alpha channel, to see whether any
  pixel is transparent and what colour lies under it.

Both are remembered per file (path, size, mtime), so the live checks after each
caption edit cost one ``stat`` per image.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

#: EXIF orientation tag
ORIENTATION = 0x0112
#: orientations that turn the picture by 90 degrees (its width and height swap)
SWAPPING = frozenset({5, 6, 7, 8})
#: formats whose orientation the analysis facts tell well enough: a PNG's rare ``eXIf``
#: chunk that turns it by 90 degrees shows as swapped sizes (the analysis applies it),
#: a BMP has none; with fresh facts no header of these is read
_FROM_FACTS = frozenset({"PNG", "BMP"})
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "La", "RGBa"})
#: side of the copy whose colours under the transparency are compared
_LOOK_SIDE = 512
#: mean difference (0..255 per channel) between kohya's picture and the picture laid on
#: white above which the two are told apart
_DIFFERS_ABOVE = 12.0
_MEMO_LIMIT = 200_000

Stamp = tuple[int, int]


@dataclass(frozen=True)
class HeaderRead:
    """An image file as its header describes it; ``size`` is as stored (what kohya
    buckets by), ``orientation`` the EXIF tag (1: none)."""

    format: str
    mode: str
    size: tuple[int, int]
    orientation: int
    has_alpha: bool

    @property
    def turned(self) -> bool:
        return self.orientation not in (0, 1)

    @property
    def shown(self) -> tuple[int, int]:
        """Width and height as shown (the orientation applied)."""
        w, h = self.size
        return (h, w) if self.orientation in SWAPPING else (w, h)


@dataclass(frozen=True)
class Hidden:
    """What lies under an image's transparent pixels, as sd-scripts trains them."""

    transparent: float  # share of the pixels that are not fully opaque
    under: str  # "black", "white", "one colour", "another picture"
    differs: bool  # kohya's picture differs from the picture laid on white


_headers: dict[str, tuple[Stamp, HeaderRead | None]] = {}
_hidden: dict[str, tuple[Stamp, Hidden | None]] = {}


def stamp(path: str | os.PathLike[str]) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def header_of(path: str, facts: Any = None) -> HeaderRead | None:
    """The header of the image at ``path`` (None: gone or not an image).

    ``facts`` (the analysis cache's row) is used instead of a read when it describes
    the file as it is now and its format carries no orientation a header could add.
    """

    def read(now: Stamp) -> HeaderRead | None:
        found = _from_facts(facts, now)
        return found if found is not None else read_header(path)

    return _by_stamp(_headers, path, read)


def _from_facts(facts: Any, now: Stamp) -> HeaderRead | None:
    if facts is None or not getattr(facts, "ok", False):
        return None
    if (getattr(facts, "file_size", -1), getattr(facts, "mtime_ns", -1)) != now:
        return None  # the file changed since it was analysed
    fmt = str(getattr(facts, "format", "") or "").upper()
    stored = (getattr(facts, "stored_width", 0) or 0, getattr(facts, "stored_height", 0) or 0)
    if fmt not in _FROM_FACTS or min(stored) <= 0:
        return None
    shown = (getattr(facts, "width", 0), getattr(facts, "height", 0))
    turned = shown != stored and shown == stored[::-1]
    return HeaderRead(fmt, str(facts.mode), stored, 6 if turned else 1, bool(facts.has_alpha))


def read_header(path: str) -> HeaderRead | None:
    """Open the file and read its header; no pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                return HeaderRead(
                    im.format or "",
                    im.mode,
                    im.size,
                    _orientation(im),
                    im.mode in _ALPHA_MODES or "transparency" in im.info,
                )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation without decoding: a PNG's ``eXIf`` chunk is read only when it
    comes before the pixels (``getexif`` would decode the image to find a later one)."""
    try:
        if im.format == "PNG":
            raw = im.info.get("exif")
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
        else:
            exif = im.getexif()
        value = exif.get(ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block: viewers ignore it too
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def known_hidden(path: str) -> tuple[bool, Hidden | None]:
    """(whether the file was looked at as it is now, what was found), decoding nothing."""
    now = stamp(path)
    memo = _hidden.get(path)
    if now is None or memo is None or memo[0] != now:
        return False, None
    return True, memo[1]


def hidden_of(path: str) -> Hidden | None:
    """Decode the image and say what lies under its transparent pixels (None: no pixel
    is transparent, or the file does not decode)."""
    return _by_stamp(_hidden, path, lambda _now: _look(path))


def _look(path: str) -> Hidden | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                rgba = im.convert("RGBA")  # the RGB channels are what convert("RGB") gives
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, MemoryError):
        return None
    low, _high = rgba.getchannel("A").getextrema()
    if low == 255:
        return None  # an alpha channel, every pixel opaque: kohya trains what is seen
    step = max(1, max(rgba.size) // _LOOK_SIDE)  # every step-th pixel: no averaging,
    small = np.asarray(rgba, dtype=np.float32)[::step, ::step]  # which would premultiply
    rgb, alpha = small[..., :3], small[..., 3:] / 255.0
    seen = rgb * alpha + 255.0 * (1.0 - alpha)  # laid on white, as the tagger sees it
    see_through = small[..., 3] < 255
    share = float(see_through.mean())
    if not see_through.any():  # transparent specks between the pixels looked at
        return Hidden(share, "white", False)
    gap = float(np.abs(rgb - seen)[see_through].mean())
    return Hidden(share, _under(rgb[small[..., 3] < 128]), gap > _DIFFERS_ABOVE)


def _under(rgb: np.ndarray) -> str:
    """Names the colour stored under the (mostly) transparent pixels."""
    if not len(rgb):
        return "partly see-through colours"
    mean = rgb.mean(axis=0)
    spread = float(rgb.std(axis=0).mean())
    if spread > 24:
        return "another picture"
    if mean.max() < 40:
        return "black"
    if mean.min() > 215:
        return "white"
    return "one colour"


def _by_stamp(memo: dict, path: str, compute: Callable[[Stamp], Any]) -> Any:
    """``compute(stamp)`` for the file at ``path``, remembered while its stamp (size,
    mtime) holds; None when the file is gone."""
    now = stamp(path)
    if now is None:
        return None
    hit = memo.get(path)
    if hit is not None and hit[0] == now:
        return hit[1]
    value = compute(now)
    _remember(memo, path, (now, value))
    return value


def _remember(memo: dict, key: str, value: tuple) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()  # a long session over many datasets: start again
    memo[key] = value
