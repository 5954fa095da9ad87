"""Altered clones: aspect, rotation, flip, colour, grayscale and quality changes.

The methodology's ``altered.kinds`` names what makes a copy *altered* rather than a
clone: aspect ratio, colour (enhanced, filtered or grayscale), quality or style.
Each :class:`Alteration` knows the size it will produce (so a plan can be shown
before any pixel is touched), how to apply itself, the tags that describe what the
result shows (a grayscale copy *is* ``monochrome, greyscale``; a copy shrunk and
enlarged again *is* blurry) and the file format it needs (a JPEG recompression
must be saved as JPEG).

Spec: names separated by commas, each optionally with ``:`` arguments —
``aspect``, ``aspect:3/4``, ``aspect:16/9:pad``, ``rotate``, ``rotate:-10``,
``rotate:12:fill``, ``flip``, ``flip:v``, ``colour`` (= tint + enhance),
``tint``, ``tint:#3366ff``, ``tint:#3366ff:0.3``, ``enhance``, ``enhance:1.6``,
``grayscale``, ``quality`` (= jpeg + lowres), ``jpeg``, ``jpeg:30``, ``lowres``,
``lowres:0.33``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lorapan.core.augment.crops import SpecError
from PIL import Image, ImageEnhance, ImageOps

GRAY_TAGS = ("monochrome", "greyscale")
LOWQ_TAGS = ("low quality", "blurry", "worst quality")
DEFAULT_ANGLE = 8.0
DEFAULT_TINT = "#ff9a3c"
DEFAULT_TINT_STRENGTH = 0.25
DEFAULT_ENHANCE = 1.4
DEFAULT_JPEG_QUALITY = 40
DEFAULT_LOWRES = 0.5
NAMES = (
    "aspect", "rotate", "flip", "colour", "color", "tint", "enhance",
    "grayscale", "greyscale", "gray", "grey", "quality", "jpeg", "lowres",
)  # fmt: skip

SizeFn = Callable[[int, int], tuple[int, int]]
ApplyFn = Callable[[Image.Image], Image.Image]


@dataclass(frozen=True)
class Alteration:
    """One altered copy to make from an image."""

    op: str
    suffix: str
    params: dict = field(hash=False, compare=False)
    size_fn: SizeFn = field(hash=False, compare=False)
    apply_fn: ApplyFn = field(hash=False, compare=False)
    tags: tuple[str, ...] = ()
    format: str | None = None  # None: keep the source's format
    quality: int | None = None

    def size(self, width: int, height: int) -> tuple[int, int]:
        return self.size_fn(width, height)

    def apply(self, img: Image.Image) -> Image.Image:
        return self.apply_fn(img)


def _same(w: int, h: int) -> tuple[int, int]:
    return w, h


# ---- colour helpers ----------------------------------------------------------
def border_colour(img: Image.Image) -> tuple[int, int, int]:
    """Median colour of the outermost pixels: a fill that matches the background."""
    import numpy as np

    arr = np.asarray(img.convert("RGB"))
    edge = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    med = np.median(edge, axis=0)
    return int(med[0]), int(med[1]), int(med[2])


def _split_alpha(img: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    if img.mode in ("RGBA", "LA"):
        return img.convert("RGB"), img.getchannel("A")
    return img.convert("RGB"), None


def _with_alpha(img: Image.Image, alpha: Image.Image | None) -> Image.Image:
    if alpha is None:
        return img
    out = img.convert("RGBA" if img.mode == "RGB" else "LA")
    out.putalpha(alpha)
    return out


def parse_colour(text: str) -> tuple[int, int, int]:
    m = re.fullmatch(r"#?([0-9a-fA-F]{6})", text.strip())
    if not m:
        raise SpecError(f"colour {text!r} must look like #ff9a3c")
    v = m.group(1)
    return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)


# ---- geometry ----------------------------------------------------------------
def parse_ratio(text: str) -> float:
    """``3/4``, ``3x4``, ``3:4`` or ``0.75`` -> width / height."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[/x]\s*(\d+(?:\.\d+)?)\s*", text)
    try:
        value = float(m.group(1)) / float(m.group(2)) if m else float(text)
    except (ValueError, ZeroDivisionError):
        raise SpecError(f"aspect {text!r} must look like 3/4, 16/9 or 0.75") from None
    if not 0.25 <= value <= 4.0:
        raise SpecError(f"aspect {text!r} must lie between 1/4 and 4/1")
    return value


def default_ratio(width: int, height: int) -> float:
    """A ratio clearly different from the source's: square for wide or tall, 3:4 else."""
    r = width / height
    return 1.0 if (r > 1.15 or r < 0.87) else 0.75


def aspect_size(width: int, height: int, ratio: float, pad: bool) -> tuple[int, int]:
    wider = width / height > ratio
    if pad:
        return (width, round(width / ratio)) if wider else (round(height * ratio), height)
    return (round(height * ratio), height) if wider else (width, round(width / ratio))


def change_aspect(img: Image.Image, ratio: float, pad: bool) -> Image.Image:
    w, h = img.size
    nw, nh = aspect_size(w, h, ratio, pad)
    if pad:
        fill = border_colour(img)
        mode = img.mode if img.mode in ("RGB", "RGBA") else "RGB"
        canvas = Image.new(mode, (nw, nh), fill + ((255,) if mode == "RGBA" else ()))
        canvas.paste(img, ((nw - w) // 2, (nh - h) // 2))
        return canvas
    left, top = (w - nw) // 2, (h - nh) // 2
    return img.crop((left, top, left + nw, top + nh))


def _ratio_name(ratio: float) -> str:
    for a in range(1, 17):
        b = a / ratio
        if abs(b - round(b)) < 1e-6 and round(b) <= 16:
            return f"{a}x{round(b)}"
    return f"{ratio:.2f}"


def rotated_inner_size(width: int, height: int, degrees: float) -> tuple[int, int]:
    """The largest upright rectangle inside the image rotated by ``degrees``."""
    angle = math.radians(degrees)
    long_side, short_side = max(width, height), min(width, height)
    sin_a, cos_a = abs(math.sin(angle)), abs(math.cos(angle))
    if short_side <= 2 * sin_a * cos_a * long_side or abs(sin_a - cos_a) < 1e-10:
        x = 0.5 * short_side
        wr, hr = (x / sin_a, x / cos_a) if width >= height else (x / cos_a, x / sin_a)
    else:
        cos_2a = cos_a * cos_a - sin_a * sin_a
        wr = (width * cos_a - height * sin_a) / cos_2a
        hr = (height * cos_a - width * sin_a) / cos_2a
    return max(1, math.floor(wr)), max(1, math.floor(hr))


def rotate(img: Image.Image, degrees: float, fill: bool) -> Image.Image:
    """Rotate counter-clockwise; ``fill`` keeps the size and fills the corners with
    the border colour, otherwise the result is cropped to the rectangle with no fill."""
    if fill:
        colour = border_colour(img)
        if img.mode == "RGBA":
            colour = (*colour, 255)
        return img.rotate(degrees, Image.Resampling.BICUBIC, expand=False, fillcolor=colour)
    w, h = img.size
    iw, ih = rotated_inner_size(w, h, degrees)
    big = img.rotate(degrees, Image.Resampling.BICUBIC, expand=True)
    left, top = (big.width - iw) // 2, (big.height - ih) // 2
    return big.crop((left, top, left + iw, top + ih))


# ---- colour and quality -------------------------------------------------------
def tint(img: Image.Image, colour: tuple[int, int, int], strength: float) -> Image.Image:
    rgb, alpha = _split_alpha(img)
    overlay = Image.new("RGB", rgb.size, colour)
    return _with_alpha(Image.blend(rgb, overlay, strength), alpha)


def enhance(img: Image.Image, factor: float) -> Image.Image:
    rgb, alpha = _split_alpha(img)
    out = ImageEnhance.Color(rgb).enhance(factor)
    out = ImageEnhance.Contrast(out).enhance(1 + (factor - 1) / 4)
    return _with_alpha(out, alpha)


def grayscale(img: Image.Image) -> Image.Image:
    """Numerically gray: one channel (``L``), so every decoder reads R = G = B."""
    rgb, alpha = _split_alpha(img)
    return _with_alpha(ImageOps.grayscale(rgb), alpha)


def lowres(img: Image.Image, factor: float) -> Image.Image:
    """Shrink by ``factor`` and enlarge back: same size, visibly low resolution."""
    w, h = img.size
    small = img.resize((max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BOX)
    return small.resize((w, h), Image.Resampling.BILINEAR)


# ---- spec parsing ---------------------------------------------------------------
def _float(arg: str, what: str, lo: float, hi: float) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise SpecError(f"{what} {arg!r} must be a number") from None
    if not lo <= value <= hi:
        raise SpecError(f"{what} must be between {lo:g} and {hi:g}")
    return value


def _aspect(args: list[str], width: int, height: int) -> list[Alteration]:
    ratio = parse_ratio(args[0]) if args and args[0] else default_ratio(width, height)
    mode = (args[1] if len(args) > 1 else "crop").lower()
    if mode not in ("crop", "pad"):
        raise SpecError(f"aspect mode {mode!r}: use crop or pad")
    pad = mode == "pad"
    suffix = f"aspect-{_ratio_name(ratio)}" + ("-pad" if pad else "")
    return [
        Alteration(
            "aspect",
            suffix,
            {"ratio": round(ratio, 4), "mode": mode},
            lambda w, h: aspect_size(w, h, ratio, pad),
            lambda im: change_aspect(im, ratio, pad),
        )
    ]


def _rotate(args: list[str]) -> list[Alteration]:
    deg = _float(args[0], "angle", -45, 45) if args and args[0] else DEFAULT_ANGLE
    if deg == 0:
        raise SpecError("rotate angle 0 makes a clone, not an altered copy")
    mode = (args[1] if len(args) > 1 else "crop").lower()
    if mode not in ("crop", "fill"):
        raise SpecError(f"rotate mode {mode!r}: use crop or fill")
    fill = mode == "fill"
    suffix = f"rot{abs(deg):g}{'ccw' if deg > 0 else 'cw'}" + ("-fill" if fill else "")

    def size(w: int, h: int) -> tuple[int, int]:
        return (w, h) if fill else rotated_inner_size(w, h, deg)

    return [
        Alteration(
            "rotate", suffix, {"degrees": deg, "mode": mode}, size, lambda im: rotate(im, deg, fill)
        )
    ]


def _flip(args: list[str]) -> list[Alteration]:
    axis = (args[0] if args and args[0] else "h").lower()
    if axis not in ("h", "v"):
        raise SpecError(f"flip {axis!r}: use h (mirror) or v (upside down)")
    fn = ImageOps.mirror if axis == "h" else ImageOps.flip
    return [Alteration("flip", "flip" if axis == "h" else "flipv", {"axis": axis}, _same, fn)]


def _tint(args: list[str]) -> list[Alteration]:
    colour = parse_colour(args[0]) if args and args[0] else parse_colour(DEFAULT_TINT)
    strength = _float(args[1], "tint strength", 0.05, 0.8) if len(args) > 1 else 0.25
    hexa = "{:02x}{:02x}{:02x}".format(*colour)
    return [
        Alteration(
            "tint",
            f"tint-{hexa}",
            {"colour": f"#{hexa}", "strength": strength},
            _same,
            lambda im: tint(im, colour, strength),
        )
    ]


def _enhance(args: list[str]) -> list[Alteration]:
    factor = _float(args[0], "enhance factor", 0.2, 3.0) if args and args[0] else DEFAULT_ENHANCE
    if factor == 1:
        raise SpecError("enhance factor 1 changes nothing")
    return [
        Alteration(
            "enhance",
            "enhance" if factor == DEFAULT_ENHANCE else f"enhance{factor:g}",
            {"factor": factor},
            _same,
            lambda im: enhance(im, factor),
        )
    ]


def _gray(_args: list[str]) -> list[Alteration]:
    return [Alteration("grayscale", "gray", {}, _same, grayscale, tags=GRAY_TAGS)]


def _jpeg(args: list[str]) -> list[Alteration]:
    q = int(_float(args[0], "jpeg quality", 5, 90)) if args and args[0] else DEFAULT_JPEG_QUALITY
    return [
        Alteration(
            "jpeg", f"jpeg{q}", {"quality": q}, _same, lambda im: im, format="JPEG", quality=q
        )
    ]


def _lowres(args: list[str]) -> list[Alteration]:
    f = _float(args[0], "lowres factor", 0.1, 0.9) if args and args[0] else DEFAULT_LOWRES
    return [
        Alteration(
            "lowres",
            f"lowres{round(f * 100)}",
            {"factor": f},
            _same,
            lambda im: lowres(im, f),
            tags=LOWQ_TAGS,
        )
    ]


def parse_alterations(spec: str, width: int, height: int) -> list[Alteration]:
    """Alterations for a comma-separated spec (see module docstring)."""
    out: list[Alteration] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, *args = item.split(":")
        key = name.strip().lower()
        if key == "aspect":
            out += _aspect(args, width, height)
        elif key == "rotate":
            out += _rotate(args)
        elif key == "flip":
            out += _flip(args)
        elif key in ("colour", "color"):
            out += _tint([]) + _enhance([])
        elif key == "tint":
            out += _tint(args)
        elif key == "enhance":
            out += _enhance(args)
        elif key in ("grayscale", "greyscale", "gray", "grey"):
            out += _gray(args)
        elif key == "quality":
            out += _jpeg([]) + _lowres([])
        elif key == "jpeg":
            out += _jpeg(args)
        elif key == "lowres":
            out += _lowres(args)
        else:
            raise SpecError(
                f"unknown alteration {item!r}; use {', '.join(n for n in NAMES if n not in ('color', 'greyscale', 'gray', 'grey'))}"
            )
    seen: set[str] = set()
    unique = []
    for alt in out:
        if alt.suffix not in seen:
            seen.add(alt.suffix)
            unique.append(alt)
    return unique


def validate_alterations(spec: str) -> None:
    parse_alterations(spec, 1000, 800)


def gray_alteration() -> Alteration:
    return _gray([])[0]
