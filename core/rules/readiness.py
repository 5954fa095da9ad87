"""Readiness: counts against aims, errors left, and the repeats the preset needs.

The repeats come from kohya's bucket-aware step math (``core/training/steps.py``):
with image sizes from the analysis cache each image lands in its real bucket;
without them every image is taken as square (one bucket), and the summary says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lorapan.core.dataset import Dataset
from lorapan.core.training.presets import preset_for_kind
from lorapan.core.training.steps import (
    BucketSpec,
    FolderSizes,
    plan_steps,
)

Size = tuple[int, int]


@dataclass(frozen=True)
class StepFacts:
    preset: str
    target: int
    repeats: int | None
    predicted: int | None
    sizes_known: bool
    folder_steps: int | None


def _size(facts: Any) -> Size | None:
    w, h = getattr(facts, "width", None), getattr(facts, "height", None)
    if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0:
        return (w, h)
    return None


def step_facts(ds: Dataset, facts: Mapping[str, Any] | None) -> StepFacts:
    preset = preset_for_kind(ds.settings.kind)
    p = preset.params
    target = int(p.get("targetSteps", 0) or 0)
    res = int(p.get("resolution", 1024) or 1024)
    bs = int(p.get("trainBatchSize", 1) or 1)
    epochs = int(p.get("maxTrainEpochs", 1) or 1)
    spec = BucketSpec(
        resolution=res,
        enable_bucket=bool(p.get("enableBucket", True)),
        max_bucket_reso=max(1024, res),
    )
    sizes: dict[str, Size] = {}
    known = True
    for rel in ds.items:
        s = _size(facts.get(rel)) if facts else None
        if s is None:
            known = False
            s = (res, res)
        sizes[rel] = s
    if not sizes:
        return StepFacts(preset.name, target, None, None, known, None)
    distinct = Counter(sizes.values())

    def steps_with(repeats: int) -> int:
        return _steps(distinct, repeats, spec, bs, epochs)

    repeats = _closest_repeats(len(sizes), steps_with, target, bs, epochs)
    folder_steps = None
    if ds.folders:
        subsets = []
        for f in ds.folders:
            per = Counter(s for rel, s in sizes.items() if ds.items[rel].folder == f)
            subsets += [FolderSizes((s,), c * f.repeats) for s, c in per.items()]
        if subsets:
            folder_steps = plan_steps(subsets, spec, bs, max_train_epochs=epochs).total_steps
    return StepFacts(preset.name, target, repeats, steps_with(repeats), known, folder_steps)


def _steps(distinct: Counter[Size], repeats: int, spec: BucketSpec, bs: int, epochs: int) -> int:
    """kohya's bucket-aware total: one subset per distinct size, weighted by its count.

    ``batches_per_epoch`` adds ``repeats`` per listed size to its bucket, so a subset
    of one size with ``count × repeats`` repeats gives the same sum while assigning
    each distinct size to a bucket once (10,000 images have a handful of sizes).
    """
    folders = [FolderSizes((s,), c * repeats) for s, c in distinct.items()]
    return plan_steps(folders, spec, bs, max_train_epochs=epochs).total_steps


def _closest_repeats(n: int, steps_with, target: int, bs: int, epochs: int) -> int:  # noqa: ANN001
    """The same choice as ``steps.repeats_for_target``: nearest step count, ties to more."""
    if n == 0 or target <= 0:
        return 1
    r0 = target * bs / (n * max(1, epochs))
    lo = max(1, math.floor(r0) - 3)
    candidates = range(lo, max(lo, math.ceil(r0) + 3) + 1)
    return min(candidates, key=lambda r: (abs(steps_with(r) - target), -r))
