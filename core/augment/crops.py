"""Crop boxes for the limited-dataset recipe: grid, pizza slices, centre, custom.

Boxes are fractions of the image (``x0, y0, x1, y1`` in 0..1), so the same spec
works on any size and can be typed in the app. Pizza slices are wedges from the
centre, each cropped to its bounding box (the guide cuts backgrounds "like a
pizza"): the wedge is computed in pixels, because its shape depends on the
image's aspect ratio.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

DEFAULT_GRID = (2, 2)
DEFAULT_SLICES = 8
DEFAULT_CENTRE = 0.6


class SpecError(ValueError):
    """A crop or alteration spec that cannot be read; the message says the form."""


@dataclass(frozen=True)
class Box:
    """A crop box as fractions of width and height."""

    x0: float
    y0: float
    x1: float
    y1: float

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The box in whole pixels, clamped to the image and at least 1 px wide."""
        left = min(max(round(self.x0 * width), 0), width - 1)
        top = min(max(round(self.y0 * height), 0), height - 1)
        right = max(min(round(self.x1 * width), width), left + 1)
        bottom = max(min(round(self.y1 * height), height), top + 1)
        return left, top, right, bottom

    def size(self, width: int, height: int) -> tuple[int, int]:
        left, top, right, bottom = self.pixels(width, height)
        return right - left, bottom - top

    def text(self) -> str:
        return ",".join(f"{v:g}" for v in (self.x0, self.y0, self.x1, self.y1))


@dataclass(frozen=True)
class Crop:
    """One crop to make: a name part for the file, the box, how it was chosen."""

    suffix: str  # e.g. "crop-g2x2-1"
    box: Box
    params: dict = field(default_factory=dict, hash=False, compare=False)


def grid_crops(cols: int, rows: int) -> list[Crop]:
    """``cols`` x ``rows`` equal cells, numbered row by row from 1."""
    out = []
    for r in range(rows):
        for c in range(cols):
            box = Box(c / cols, r / rows, (c + 1) / cols, (r + 1) / rows)
            n = r * cols + c + 1
            params = {"kind": "grid", "grid": f"{cols}x{rows}", "cell": n, "box": box.text()}
            out.append(Crop(f"crop-g{cols}x{rows}-{n}", box, params))
    return out


def _ray_hit(cx: float, cy: float, angle: float) -> tuple[float, float]:
    """Where a ray from the centre at ``angle`` (radians, y down) leaves the image."""
    dx, dy = math.cos(angle), math.sin(angle)
    ts = []
    if abs(dx) > 1e-12:
        ts.append(cx / abs(dx))
    if abs(dy) > 1e-12:
        ts.append(cy / abs(dy))
    t = min(ts)
    return cx + dx * t, cy + dy * t


def wedge_box(width: int, height: int, a0: float, a1: float) -> Box:
    """Bounding box (fractions) of the wedge from the centre between two angles."""
    cx, cy = width / 2, height / 2
    points = [(cx, cy), _ray_hit(cx, cy, a0), _ray_hit(cx, cy, a1)]
    for corner in ((0, 0), (width, 0), (width, height), (0, height)):
        ang = math.atan2(corner[1] - cy, corner[0] - cx)
        # Bring the corner's angle into [a0, a0 + 2pi) and keep it when inside the wedge.
        rel = (ang - a0) % (2 * math.pi)
        if 0 < rel < (a1 - a0):
            points.append(corner)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return Box(
        max(min(xs) / width, 0.0),
        max(min(ys) / height, 0.0),
        min(max(xs) / width, 1.0),
        min(max(ys) / height, 1.0),
    )


def pizza_crops(width: int, height: int, slices: int = DEFAULT_SLICES) -> list[Crop]:
    """``slices`` wedges from the centre, clockwise from 12 o'clock."""
    step = 2 * math.pi / slices
    start = -math.pi / 2
    out = []
    for i in range(slices):
        a0 = start + i * step
        box = wedge_box(width, height, a0, a0 + step)
        params = {"kind": "pizza", "slices": slices, "slice": i + 1, "box": box.text()}
        out.append(Crop(f"crop-p{slices}-{i + 1}", box, params))
    return out


def centre_crop(fraction: float = DEFAULT_CENTRE) -> Crop:
    """The middle ``fraction`` of each side."""
    m = (1 - fraction) / 2
    box = Box(m, m, 1 - m, 1 - m)
    tag = "" if fraction == DEFAULT_CENTRE else f"{round(fraction * 100)}"
    return Crop(f"crop-centre{tag}", box, {"kind": "centre", "fraction": fraction})


def parse_box(text: str) -> Box:
    """``"0,0,0.5,0.5"`` -> Box; fractions in 0..1 with x0 < x1 and y0 < y1."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise SpecError(f"box {text!r} needs four fractions x0,y0,x1,y1 (e.g. 0,0,0.5,0.5)")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise SpecError(f"box {text!r}: each of x0,y0,x1,y1 must be a number") from None
    if not all(0.0 <= v <= 1.0 for v in (x0, y0, x1, y1)):
        raise SpecError(f"box {text!r}: fractions must lie between 0 and 1")
    if x0 >= x1 or y0 >= y1:
        raise SpecError(f"box {text!r}: x0 must be below x1 and y0 below y1")
    return Box(x0, y0, x1, y1)


_GRID = re.compile(r"^(\d+)\s*[x*]\s*(\d+)$")


def _parse_grid(arg: str | None) -> tuple[int, int]:
    if not arg:
        return DEFAULT_GRID
    m = _GRID.match(arg.strip().lower())
    if not m:
        raise SpecError(f"grid size {arg!r} must look like 3x3 (columns x rows)")
    cols, rows = int(m.group(1)), int(m.group(2))
    if not (1 <= cols <= 8 and 1 <= rows <= 8) or cols * rows < 2:
        raise SpecError(f"grid {arg!r}: 1 to 8 columns and rows, at least two cells")
    return cols, rows


def _parse_int(arg: str | None, default: int, lo: int, hi: int, what: str) -> int:
    if not arg:
        return default
    try:
        value = int(arg)
    except ValueError:
        raise SpecError(f"{what} {arg!r} must be a whole number") from None
    if not lo <= value <= hi:
        raise SpecError(f"{what} must be between {lo} and {hi}")
    return value


def _parse_fraction(arg: str | None) -> float:
    if not arg:
        return DEFAULT_CENTRE
    try:
        value = float(arg)
    except ValueError:
        raise SpecError(f"centre size {arg!r} must be a fraction like 0.6") from None
    if not 0.1 <= value < 1.0:
        raise SpecError("centre size must be between 0.1 and 0.99")
    return value


def parse_crops(spec: str, width: int, height: int) -> list[Crop]:
    """Crops for a spec: items separated by ``;`` — ``grid``, ``grid:3x3``, ``pizza``,
    ``pizza:6``, ``centre``, ``centre:0.5`` or a box ``x0,y0,x1,y1``."""
    crops: list[Crop] = []
    boxes = 0
    for raw in spec.split(";"):
        item = raw.strip()
        if not item:
            continue
        name, _, arg = item.partition(":")
        key = name.strip().lower()
        if key == "grid":
            crops += grid_crops(*_parse_grid(arg))
        elif key == "pizza":
            crops += pizza_crops(width, height, _parse_int(arg, DEFAULT_SLICES, 3, 16, "slices"))
        elif key in ("centre", "center"):
            crops.append(centre_crop(_parse_fraction(arg)))
        elif "," in item:
            boxes += 1
            box = parse_box(item)
            crops.append(Crop(f"crop-box-{boxes}", box, {"kind": "box", "box": box.text()}))
        else:
            raise SpecError(
                f"unknown crop {item!r}; use grid, grid:3x3, pizza, pizza:8, centre, "
                "centre:0.5 or a box x0,y0,x1,y1 (items separated by ';')"
            )
    return crops


def validate_crops(spec: str) -> None:
    """Raise :class:`SpecError` for a bad spec without needing an image."""
    parse_crops(spec, 1000, 1000)
