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

A copy ``lorapan augment`` made at its source's scale (a crop, a rotated, tinted or
grayscale copy: ``provenance.at_source_scale``) is judged by that source: it is low
resolution when the source is, and blurry when the source is or its own edges are.
The guide tags blurry and low-quality images so the blur is tied to
``low quality, blurry, worst quality`` and not to the subject; a head crop of a sharp
1216 px picture has fewer pixels but is not a worse picture, and the single-image
recipe is made of such crops (tagging them all "low quality" would tie the tags to
the subject itself). A copy shrunk on purpose (``lowres``) is low quality by design
(``provenance.made_low_quality``), and a copy whose file no longer has the size its
record says was changed since: its own pixels are judged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from lorapan.core import provenance
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts

RELATIVE_MIN_IMAGES = 3
REFERENCE_QUANTILE = 25.0


def apply(
    facts: dict[str, ImageFacts],
    config: AnalysisConfig,
    made: Mapping[str, dict] | None = None,
) -> dict[str, ImageFacts]:
    """Set ``blurry`` and ``low_res`` (and their limits) on ``facts``, in place; returns it.

    ``made``: the provenance records of the files lorapan made (copies at their
    source's scale are judged by the source). In place because a cached scan of
    10,000 images would otherwise copy every record once more; the analyzer hands out
    facts it has just built.
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
        f.judged_by = ""
    if made:
        _by_source(facts, made, low_side)
    return facts


def _by_source(facts: dict[str, ImageFacts], made: Mapping[str, dict], low_side: int) -> None:
    """Copies at their source's scale take the source's verdicts (see the module doc)."""
    own = {rel: (f.blurry, f.low_res) for rel, f in facts.items()}

    def source_verdict(rel: str, depth: int = 0) -> tuple[bool, bool] | None:
        """(blurry, low_res) of the source ``rel`` was cut from, followed back through
        copies of copies; None when nothing is known of it."""
        record = made.get(rel)
        if record is None or depth > 8 or not provenance.at_source_scale(record):
            return None
        source = record["source"]
        if source in own and facts[source].ok:
            up = source_verdict(source, depth + 1)
            blurry, low = own[source]
            return (blurry or up[0], up[1]) if up else (blurry, low)
        size = record.get("source_size")
        if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size):
            return False, min(size) < low_side
        return None

    for rel, f in facts.items():
        record = made.get(rel)
        if not f.ok or record is None or not _unchanged(f, record):
            continue
        verdict = source_verdict(rel)
        if verdict is None:
            continue
        f.blurry = f.blurry or verdict[0]
        f.low_res = verdict[1]
        f.judged_by = provenance.original_of(dict(made), rel)


def _unchanged(f: ImageFacts, record: dict) -> bool:
    """The file still has the size its record says (records before sizes were kept
    are taken as they are)."""
    size = record.get("size")
    return not isinstance(size, list) or list(size) == [f.width, f.height]


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
