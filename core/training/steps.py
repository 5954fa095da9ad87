"""kohya sd-scripts step math, bucket-aware (kohya.md §3).

sd-scripts counts an epoch as ``Σ_buckets ceil(images_in_bucket × repeats / batch)``
batches, so images in different aspect-ratio buckets round up separately. Civitai's
``ceil(N·r·E / bs)`` ignores that and is a few steps short; these functions
reproduce the trainer's own numbers so the predicted step count is the real one.

Class images (``is_reg`` subsets) join the buckets with the repeats sd-scripts
raises them to (:func:`raised_reg_repeats`), which roughly doubles an epoch.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Size = tuple[int, int]


@dataclass(frozen=True)
class BucketSpec:
    """The dataset keys that decide buckets (names as in the kohya dataset TOML)."""

    resolution: int = 512
    enable_bucket: bool = True
    min_bucket_reso: int = 256
    max_bucket_reso: int = 1024
    bucket_reso_steps: int = 64


@dataclass(frozen=True)
class FolderSizes:
    """One kohya subset: its image sizes and how often each image repeats.

    ``is_reg``: a class-image subset, its sizes in the order sd-scripts reads the
    images (sorted paths); ``repeats`` is its own, before sd-scripts raises it.
    """

    sizes: tuple[Size, ...]
    repeats: int = 1
    is_reg: bool = False


@dataclass(frozen=True)
class StepPlan:
    """What the trainer will report: batches per epoch, epochs, total steps."""

    num_repeats: int
    images: int
    images_with_repeats: int
    steps_per_epoch: int
    epochs: int
    total_steps: int
    civitai_steps: int  # Civitai's formula, for comparison (training images only)
    batches_per_epoch: int = 0  # len(train_dataloader): before processes and accumulation
    reg_images: int = 0  # class images in is_reg subsets
    reg_with_repeats: int = 0  # their count with the repeats sd-scripts raised them to
    reg_used: int = 0  # class images sd-scripts uses (it leaves out those not needed)


def make_bucket_resolutions(
    max_reso: Size, min_size: int = 256, max_size: int = 1024, divisible: int = 64
) -> list[Size]:
    """Same as ``library.model_util.make_bucket_resolutions``."""
    max_width, max_height = max_reso
    max_area = max_width * max_height
    resos: set[Size] = set()
    side = int(math.sqrt(max_area) // divisible) * divisible
    resos.add((side, side))
    width = min_size
    while width <= max_size:
        height = min(max_size, int((max_area // width) // divisible) * divisible)
        if height >= min_size:
            resos.add((width, height))
            resos.add((height, width))
        width += divisible
    return sorted(resos)


def _adjusted_limits(spec: BucketSpec) -> tuple[int, int]:
    """sd-scripts rounds min down and max *up* to the step (it warns when it has to;
    ``adjust_min_max_bucket_reso_by_steps``)."""
    step = spec.bucket_reso_steps
    low = spec.min_bucket_reso // step * step
    high = -(-spec.max_bucket_reso // step) * step
    return low, high


def bucket_resolutions(spec: BucketSpec) -> list[Size]:
    if not spec.enable_bucket:
        return [(spec.resolution, spec.resolution)]
    lo, hi = _adjusted_limits(spec)
    return make_bucket_resolutions(
        (spec.resolution, spec.resolution), lo, hi, spec.bucket_reso_steps
    )


def assign_bucket(size: Size, resos: Sequence[Size]) -> Size:
    """The bucket whose aspect ratio is closest; ties go to the first, like ``argmin``."""
    if len(resos) == 1:
        return resos[0]
    w, h = size
    ratio = w / h
    best = min(range(len(resos)), key=lambda i: (abs(resos[i][0] / resos[i][1] - ratio), i))
    return resos[best]


def _count_into(
    out: Counter[Size], sizes: Iterable[Size], resos: Sequence[Size], weight: int = 1
) -> Counter[Size]:
    """Add ``weight`` per image to its bucket, assigning each distinct (w, h) once.

    Datasets repeat a handful of sizes (camera and crop presets), so this is one
    bucket lookup per distinct size instead of one per image.
    """
    if len(resos) == 1:
        out[resos[0]] += sum(1 for _ in sizes) * weight
        return out
    ratios = [w / h for w, h in resos]
    for (w, h), n in Counter(sizes).items():
        ratio = w / h
        errors = [abs(r - ratio) for r in ratios]
        out[resos[errors.index(min(errors))]] += n * weight  # first on ties, like argmin
    return out


def bucket_counts(sizes: Iterable[Size], spec: BucketSpec) -> Counter[Size]:
    """How many images (without repeats) land in each bucket."""
    return _count_into(Counter(), sizes, bucket_resolutions(spec))


def raised_reg_repeats(train_with_repeats: int, base: Sequence[int]) -> list[int]:
    """Each class image's repeats after sd-scripts raises them (0: the image is not used).

    ``base``: each class image's own repeats, in the order sd-scripts reads them (its
    subsets in the dataset TOML's order, each subset's paths sorted). sd-scripts
    (``DreamBoothDataset.__init__`` in ``library/train_util.py``, kohya-ss/sd-scripts
    48d368fa = v0.10.1) registers class images until they reach the training images
    with repeats, then adds one repeat per image in turn until they match them::

        n = 0
        first_loop = True
        while n < num_train_images:
            for info, subset in reg_infos:
                if first_loop:
                    self.register_image(info, subset)
                    n += info.num_repeats
                else:
                    info.num_repeats += 1  # rewrite registered info
                    n += 1
                if n >= num_train_images:
                    break
            first_loop = False

    So with fewer class images than that, each epoch holds as many class images as
    training images (roughly twice the batches); with more, the last ones are left
    out ("some of reg images are not used"). Subsets with repeats below 1 are
    skipped by sd-scripts, so their images are never used.
    """
    out = [0] * len(base)
    used = [i for i, r in enumerate(base) if r >= 1]
    if not used or train_with_repeats <= 0:
        return out
    n = 0
    for i in used:
        out[i] = base[i]
        n += base[i]
        if n >= train_with_repeats:
            return out
    full, extra = divmod(train_with_repeats - n, len(used))
    for k, i in enumerate(used):
        out[i] += full + (1 if k < extra else 0)
    return out


def with_raised_reg(folders: Sequence[FolderSizes]) -> list[FolderSizes]:
    """The subsets as sd-scripts counts them: class images at their raised repeats
    (grouped by repeats; a class image left out is dropped), training ones as given."""
    train = [f for f in folders if not f.is_reg]
    reg = [f for f in folders if f.is_reg]
    if not reg:
        return list(folders)
    target = sum(len(f.sizes) * f.repeats for f in train if f.repeats >= 1)
    sizes = [s for f in reg for s in f.sizes]
    raised = raised_reg_repeats(target, [f.repeats for f in reg for _ in f.sizes])
    groups: dict[int, list[Size]] = {}
    for size, r in zip(sizes, raised, strict=True):
        if r:
            groups.setdefault(r, []).append(size)
    return train + [FolderSizes(tuple(v), r, is_reg=True) for r, v in groups.items()]


def batches_per_epoch(folders: Sequence[FolderSizes], spec: BucketSpec, batch_size: int) -> int:
    """``len(train_dataset)``: Σ_buckets ceil(count_with_repeats / batch_size), class
    images (``is_reg``) at the repeats sd-scripts raises them to."""
    per_bucket: Counter[Size] = Counter()
    resos = bucket_resolutions(spec)
    for folder in with_raised_reg(folders):
        _count_into(per_bucket, folder.sizes, resos, folder.repeats)
    return sum(math.ceil(n / batch_size) for n in per_bucket.values())


def update_steps_per_epoch(batches: int, num_processes: int = 1, grad_accum: int = 1) -> int:
    """Optimizer steps in one epoch after the dataloader is split over processes."""
    per_process = math.ceil(batches / max(1, num_processes))
    return math.ceil(per_process / max(1, grad_accum))


def civitai_steps(images: int, repeats: int, epochs: int, batch_size: int) -> int:
    """Civitai's own estimate: ``ceil(N·r·E / bs)``, capped at 10000."""
    return min(10000, math.ceil(images * repeats * epochs / batch_size))


def plan_steps(
    folders: Sequence[FolderSizes],
    spec: BucketSpec,
    batch_size: int,
    *,
    max_train_steps: int | None = None,
    max_train_epochs: int | None = None,
    num_processes: int = 1,
    grad_accum: int = 1,
    civitai_epochs: int | None = None,
) -> StepPlan:
    """Predict what the trainer prints for these folders (repeats taken as given).

    Epochs override steps, as in ``train_network.py``; with neither, 1600 steps.
    ``civitai_epochs`` is the epoch count the Civitai JSON asked for: its step
    formula uses that, not the trainer's count (which can be one more when a
    step target cuts the last epoch short).
    """
    batches = batches_per_epoch(folders, spec, batch_size)
    spe = update_steps_per_epoch(batches, num_processes, grad_accum)
    if max_train_epochs:
        total = max_train_epochs * spe
    else:
        total = max_train_steps if max_train_steps else 1600
    epochs = math.ceil(total / spe) if spe else 0
    train = [f for f in folders if not f.is_reg]
    images = sum(len(f.sizes) for f in train)
    with_repeats = sum(len(f.sizes) * f.repeats for f in train)
    repeats = train[0].repeats if train else 0
    reg = [f for f in with_raised_reg(folders) if f.is_reg]
    return StepPlan(
        num_repeats=repeats,
        images=images,
        images_with_repeats=with_repeats,
        steps_per_epoch=spe,
        epochs=epochs,
        total_steps=total,
        civitai_steps=civitai_steps(images, repeats, max(1, civitai_epochs or epochs), batch_size),
        batches_per_epoch=batches,
        reg_images=sum(len(f.sizes) for f in folders if f.is_reg),
        reg_with_repeats=sum(len(f.sizes) * f.repeats for f in reg),
        reg_used=sum(len(f.sizes) for f in reg),
    )


def steps_with_reg(
    target: int,
    folders: Sequence[FolderSizes],
    spec: BucketSpec,
    batch_size: int,
    *,
    num_processes: int = 1,
    grad_accum: int = 1,
) -> int:
    """``--max_train_steps`` for a step target counted in training batches.

    A preset's ``targetSteps`` says how long the training images are trained; class
    images add their own batches to every epoch, so the run takes the same share of
    its (longer) epochs: ``ceil(target × steps_per_epoch_with / steps_per_epoch_without)``,
    about twice the target. Without class images, the target itself.
    """
    train = [f for f in folders if not f.is_reg]
    if len(train) == len(folders) or target <= 0:
        return target
    alone = update_steps_per_epoch(
        batches_per_epoch(train, spec, batch_size), num_processes, grad_accum
    )
    both = update_steps_per_epoch(
        batches_per_epoch(folders, spec, batch_size), num_processes, grad_accum
    )
    return math.ceil(target * both / alone) if alone else target


def repeats_for_target(
    sizes: Sequence[Size],
    spec: BucketSpec,
    batch_size: int,
    epochs: int,
    target_steps: int,
    *,
    num_processes: int = 1,
    grad_accum: int = 1,
) -> int:
    """The ``num_repeats`` whose real step count over ``epochs`` lands on the target.

    Starts at ``r0 = T·bs·GA·P / (N·E)`` and evaluates the bucket-aware count for
    nearby values: the closest count that trains the planned epochs wins
    (:func:`_landing`).
    """
    n = len(sizes)
    if n == 0 or target_steps <= 0:
        return 1
    epochs = max(1, epochs)
    r0 = target_steps * batch_size * grad_accum * max(1, num_processes) / (n * epochs)
    counts = bucket_counts(sizes, spec)

    def steps(r: int) -> int:
        batches = sum(math.ceil(c * r / batch_size) for c in counts.values())
        return epochs * update_steps_per_epoch(batches, num_processes, grad_accum)

    lo = max(1, math.floor(r0) - 3)
    candidates = range(lo, max(lo, math.ceil(r0) + 3) + 1)
    return min(candidates, key=lambda r: _landing(steps(r), epochs, target_steps, r))


def _landing(steps: int, epochs: int, target: int, repeats: int) -> tuple[bool, int, int]:
    """Sort key for a repeat count: the planned epochs first, then the closest, then more.

    The target ends the run (``--max_train_steps``) and kohya counts
    ``ceil(target / steps per epoch)`` epochs. A count whose epochs fall just short
    of the target adds an epoch, with its own save and samples, for the few steps
    left (1,119 steps an epoch and a target of 1,120: a second epoch of one step).
    ``steps`` is the count's total over ``epochs``.
    """
    per_epoch = max(1, steps // epochs)
    return -(-target // per_epoch) != epochs, abs(steps - target), -repeats


def weighted_repeats_for_target(
    folders: Sequence[Sequence[Size]],
    weights: Sequence[int],
    spec: BucketSpec,
    batch_size: int,
    epochs: int,
    target_steps: int,
    *,
    num_processes: int = 1,
    grad_accum: int = 1,
) -> list[int]:
    """Repeats per folder that keep the folders' ``N_`` ratio and land on the target.

    Folder ``i`` gets ``max(1, round(k · w_i / min(w)))`` for the best integer ``k``,
    so a folder the user weighted double stays double while the total hits the target.
    """
    if not folders:
        return []
    base = max(1, min(weights))
    rel = [max(1, w) / base for w in weights]
    epochs = max(1, epochs)
    resos = bucket_resolutions(spec)
    buckets = [_count_into(Counter(), sizes, resos) for sizes in folders]

    def repeats(k: int) -> list[int]:
        return [max(1, round(k * r)) for r in rel]

    def steps(k: int) -> int:
        per_bucket: Counter[Size] = Counter()
        for counts, r in zip(buckets, repeats(k), strict=True):
            for b, n in counts.items():
                per_bucket[b] += n * r
        batches = sum(math.ceil(n / batch_size) for n in per_bucket.values())
        return epochs * update_steps_per_epoch(batches, num_processes, grad_accum)

    units = sum(len(sizes) * r for sizes, r in zip(folders, rel, strict=True))
    if units == 0 or target_steps <= 0:
        return repeats(1)
    k0 = target_steps * batch_size * grad_accum * max(1, num_processes) / (units * epochs)
    lo = max(1, math.floor(k0) - 3)
    best = min(
        range(lo, max(lo, math.ceil(k0) + 3) + 1),
        key=lambda k: _landing(steps(k), epochs, target_steps, k),
    )
    return repeats(best)
