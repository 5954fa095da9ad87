"""Quality verdicts over a whole dataset: blurry and low resolution.

Measurements are per image and cached; verdicts are not, because they depend
on the thresholds, the training resolution and, for blur, on the rest of the
dataset. Every verdict keeps the limit it used on the facts
(``blur_limit``, ``blur_reference``, ``low_res_limit``), so a report can say
why an image was flagged.

Blur has two tests (the numbers behind them are in docs/calibration.md):

* absolute: edges at least ``blur_edge_px`` wide at the 512 px analysis size
  are blurry in any dataset (7 px: the softest real image measured 6.0);
* relative: edges at least ``blur_relative_min_px`` wide and ``blur_relative``
  times the dataset's reference width. The reference is the 25th percentile
  of the dataset's edge widths (the sharper quarter), so the test still works
  when many images are blurred, and a set whose every image is equally soft
  (frames of an upscaled video) is not flagged wholesale. It needs at least
  ``RELATIVE_MIN_IMAGES`` images with edges.
"""

from __future__ import annotations

import numpy as np
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts

RELATIVE_MIN_IMAGES = 3
REFERENCE_QUANTILE = 25.0


def apply(facts: dict[str, ImageFacts], config: AnalysisConfig) -> dict[str, ImageFacts]:
    """Set ``blurry`` and ``low_res`` (and their limits) on ``facts``, in place; returns it.

    In place because a cached scan of 10,000 images would otherwise copy every
    record once more; the analyzer hands out facts it has just built.
    """
    reference = blur_reference(facts.values(), config)
    limit = blur_limit(reference, config)
    low_side = config.low_res_side
    for f in facts.values():
        ok = f.ok
        f.blurry = ok and f.edge_width >= limit
        f.low_res = ok and min(f.width, f.height) < low_side
        f.blur_limit, f.blur_reference = (limit, reference) if ok else (0.0, 0.0)
        f.low_res_limit = low_side if ok else 0
    return facts


def blur_reference(facts, config: AnalysisConfig) -> float:
    """The dataset's reference edge width; 0.0 when the relative test does not apply."""
    if config.blur_relative <= 0:
        return 0.0
    widths = [f.edge_width for f in facts if f.ok and f.edge_width > 0]
    if len(widths) < RELATIVE_MIN_IMAGES:
        return 0.0
    return round(float(np.percentile(widths, REFERENCE_QUANTILE)), 3)


def blur_limit(reference: float, config: AnalysisConfig) -> float:
    """Edge width from which an image is blurry, given the dataset's reference width."""
    limit = config.blur_edge_px
    if reference > 0:
        relative = max(config.blur_relative_min_px, config.blur_relative * reference)
        limit = min(limit, relative)
    return round(limit, 3)
