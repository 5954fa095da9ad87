"""Blur as a width: how many pixels the picture's strong edges take to rise.

A sharp edge goes from dark to light in one or two pixels; blur spreads the
same rise over more. Each row and each column is cut into monotone runs (steps
of one sign; steps within ``_FLAT_STEP`` grey levels end a run), and a run whose
total rise is at least a quarter of the picture's contrast is an edge. Its
width is ``rise**2 / sum(step**2)``: exactly ``w`` for a straight ramp ``w``
pixels wide, about 3.5 sigma for a Gaussian-blurred step, and 1 for a hard step.

The picture's edge width is the rise-weighted 25th percentile over its edges:
the sharper quarter of what is there. That is what a viewer judges focus by,
so a photo with a soft background (bokeh) behind a sharp subject counts as
sharp, and large flat areas (cartoons, line art on white) do not count at all.
Thin lines are measured by their sides, so blurred line art is caught too (a
blur-and-compare score such as Crete-Roffet's calls a blurred 4 px line sharp).

The score is measured on the analysis copy (at most ``ANALYSIS_SIDE`` pixels
on the long side), so it is in pixels of a 512 px picture whatever the file's
size. ``bench/calibrate_blur.py`` and ``docs/calibration.md`` give the numbers
behind the thresholds that turn it into a verdict (``verdicts``).
"""

from __future__ import annotations

import numpy as np

_FLAT_STEP = 1  # a step of at most this many grey levels is flat: it ends a run
_EDGE_CONTRAST = 0.25  # an edge rises by at least this share of the picture's contrast
_MIN_RISE = 8  # ... and by at least this many grey levels
_QUANTILE = 0.25  # the picture's width: this rise-weighted quantile of its edges


def edge_width(gray: np.ndarray) -> float:
    """Width in pixels of the sharper quarter of the strong edges; 0.0 when there are none."""
    g = np.asarray(gray, np.uint8)
    if g.ndim != 2 or min(g.shape) < 2:
        return 0.0
    min_rise = max(_EDGE_CONTRAST * _contrast(g), _MIN_RISE)
    signed = g.astype(np.int16)
    rises, energies = [], []
    for arr in (signed, np.ascontiguousarray(signed.T)):
        rise, energy = _edge_runs(arr, min_rise)
        rises.append(rise)
        energies.append(energy)
    rise = np.concatenate(rises).astype(np.float64)
    if rise.size == 0:
        return 0.0
    widths = rise * rise / np.concatenate(energies).astype(np.float64)
    order = np.argsort(widths, kind="stable")
    weight = np.cumsum(rise[order])
    at = int(np.searchsorted(weight, _QUANTILE * weight[-1]))
    return round(float(widths[order][min(at, widths.size - 1)]), 3)


def sharpness_score(width: float) -> float:
    """A 0..100 score for lists and sorting (100: hard edges or none; 50: 2 px edges)."""
    return 100.0 if width <= 1.0 else round(100.0 / width, 2)


def _contrast(g: np.ndarray) -> int:
    """Grey levels between the 1st and 99th percentiles (from every other pixel)."""
    hist = np.bincount(g[::2, ::2].ravel(), minlength=256)
    cumulative = np.cumsum(hist)
    n = int(cumulative[-1])
    lo = int(np.searchsorted(cumulative, 0.01 * n))
    hi = int(np.searchsorted(cumulative, 0.99 * n))
    return max(hi - lo, 1)


def _edge_runs(arr: np.ndarray, min_rise: float) -> tuple[np.ndarray, np.ndarray]:
    """(rise, sum of squared steps) of every strong monotone run along the rows of ``arr``.

    Vectorised over the whole image, flattened: run boundaries are where the
    step's sign changes, and the step from one row's end to the next row's
    start gets a sign of its own (2), so no run crosses rows. A run's rise is
    the difference of the pixels at its ends, so only the few strong runs need
    their steps summed.
    """
    w = arr.shape[1]
    flat = arr.ravel()
    steps = flat[1:] - flat[:-1]
    sign = (steps > _FLAT_STEP).view(np.int8) - (steps < -_FLAT_STEP).view(np.int8)
    sign[w - 1 :: w] = 2
    boundary = np.empty(sign.size, bool)
    boundary[0] = True
    np.not_equal(sign[1:], sign[:-1], out=boundary[1:])
    starts = np.flatnonzero(boundary)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1] = sign.size
    rise = np.abs(flat[ends] - flat[starts])
    strong = np.flatnonzero((rise >= min_rise) & (np.abs(sign[starts]) == 1))
    starts, ends, rise = starts[strong], ends[strong], rise[strong]
    if starts.size == 0:
        return rise, rise
    lengths = ends - starts
    first = np.zeros(lengths.size, np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    index = np.arange(int(lengths.sum())) + np.repeat(starts - first, lengths)
    run_steps = steps[index].astype(np.int32)
    return rise, np.add.reduceat(run_steps * run_steps, first)
