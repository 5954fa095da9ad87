"""Is a copy the same picture as its original: same framing, same content?

A *clone* (identical, resized, recompressed) is the same picture stored again.
The colour-map check of ``pixel_match`` is deliberately lenient (it accepts
recoloured, grayscale and blurred copies, and at 64 px a slightly zoomed crop
of flat art passes too), so clone labels need a strict test of their own. Both
pictures are reduced to one size, aspect kept, and compared pixel by pixel:

* ``detail_change``: the energy of the gradient of their luma difference,
  over the smaller of their own gradient energies. Re-encoded and shrunken
  copies keep every edge where it was (at most 0.12; 0.32 for a 30 % shrink);
  a 2 % zoom moves every edge (0.46 and up, median 1.8), and so does a shift.
* ``local_change``: the largest mean difference (0..255) over a 16 x 16 grid
  of cells. A changed region (an eye, a mouth, a signature) shows there even
  when the rest of the picture is untouched (an ellipse over 1 % of the
  picture: 27 and up); re-encoded and shrunken copies: at most 22 (31 for one
  30 % shrink of a busy frame, which is then "altered": doubt is not a clone).

The comparison size is half the smaller short side, between 64 and 256 px:
large enough to see a 2 % zoom, small enough that a shrunken copy's own
resampling does not count. Numbers: docs/calibration.md, bench/calibrate_clones.py.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

MAX_DETAIL_CHANGE = 0.35
MAX_LOCAL_CHANGE = 25.0
GRID = 16
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def compare_side(*short_sides: int) -> int:
    """The long side both pictures are compared at."""
    return int(min(256, max(64, min(short_sides) // 2)))


def is_same_picture(a: Image.Image, b: Image.Image, side: int) -> bool:
    """Same framing and content within the tolerance a re-encode or resize leaves."""
    detail, local = difference(a, b, side)
    return detail <= MAX_DETAIL_CHANGE and local <= MAX_LOCAL_CHANGE


def difference(a: Image.Image, b: Image.Image, side: int) -> tuple[float, float]:
    """(detail change, local change) of ``b`` against ``a``, both fitted to ``side``."""
    scale = side / max(a.size)
    size = (max(1, round(a.width * scale)), max(1, round(a.height * scale)))
    pa = np.asarray(a.convert("RGB").resize(size, Image.Resampling.BOX), np.float32)
    pb = np.asarray(b.convert("RGB").resize(size, Image.Resampling.BOX), np.float32)
    return detail_change(pa, pb), local_change(pa, pb)


def detail_change(a: np.ndarray, b: np.ndarray) -> float:
    """Gradient energy of the luma difference over the smaller own gradient energy."""
    la, lb = a @ _LUMA, b @ _LUMA
    own = min(_gradient_energy(la), _gradient_energy(lb))
    change = _gradient_energy(lb - la)
    if own <= 0:
        return 0.0 if change <= 0 else float("inf")
    return change / own


def local_change(a: np.ndarray, b: np.ndarray) -> float:
    """Largest mean per-pixel difference (largest channel) over a grid of cells."""
    diff = np.abs(a - b).max(axis=2)
    h, w = diff.shape
    rows = np.linspace(0, h, min(GRID, h) + 1).astype(int)
    cols = np.linspace(0, w, min(GRID, w) + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(diff, rows[:-1], axis=0), cols[:-1], axis=1)
    areas = np.outer(np.diff(rows), np.diff(cols))
    return float((sums / areas).max())


def _gradient_energy(luma: np.ndarray) -> float:
    gx = np.diff(luma, axis=1)
    gy = np.diff(luma, axis=0)
    return float((gx * gx).sum() + (gy * gy).sum())
