"""Plan the limited-dataset recipe for some images: crops, then altered clones.

The guide's Level 2: crop the source for each element, clone every crop, alter
each clone (orientation, aspect ratio, angle, colour overlay — a grayscale copy
is a must), tag by hand, and add ``crossover`` when the background is constant.
:func:`plan_augment` lists every file that would be made — name, size, caption,
how — without writing anything; :func:`lorapan.core.augment.writer.write_outputs`
makes them in one journal transaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lorapan.core import provenance
from lorapan.core.analysis.imaging import DecodeError, load_reduced
from lorapan.core.augment.alter import Alteration, gray_alteration, parse_alterations
from lorapan.core.augment.crops import Crop, SpecError, parse_crops
from lorapan.core.augment.outputs import (
    Namer,
    Output,
    Skipped,
    SourceCache,
    ext_for,
    format_for,
    image_size,
    join_rel,
    short_side_reason,
)
from lorapan.core.augment.tagging import caption_bytes, copy_tags
from lorapan.core.dataset import Dataset, ImageItem
from PIL import Image

DEFAULT_MIN_SIZE = 256


@dataclass
class Options:
    """What to make. ``crops``/``alter`` are specs (see crops.py and alter.py)."""

    crops: str = ""
    alter: str = ""
    min_size: int = DEFAULT_MIN_SIZE
    crossover: bool = False
    alter_crops: bool = True  # clone and alter every crop, as the guide does
    ensure_gray: bool = True  # at least one grayscale copy per source


@dataclass
class AugmentPlan:
    outputs: list[Output] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (image, message)
    constant_background: dict[str, bool] = field(default_factory=dict)
    cache: SourceCache | None = field(default=None, repr=False)

    @property
    def hints(self) -> list[str]:
        return [
            f"{rel}: the background looks constant; the guide tags such images "
            "`crossover` (add --crossover)"
            for rel, constant in self.constant_background.items()
            if constant
        ]

    def to_dict(self) -> dict:
        return {
            "outputs": [o.to_dict() for o in self.outputs],
            "skipped": [s.to_dict() for s in self.skipped],
            "problems": [{"image": r, "message": m} for r, m in self.problems],
            "constant_background": self.constant_background,
            "hints": self.hints,
        }


def min_size_setting(dataset: Dataset) -> int:
    """``[augment] min_size`` from lorapan.toml (short side in px), else the default."""
    value = dataset.settings.section("augment").get("min_size", DEFAULT_MIN_SIZE)
    return value if isinstance(value, int) and value > 0 else DEFAULT_MIN_SIZE


def looks_constant(img: Image.Image, tolerance: int = 24, share: float = 0.9) -> bool:
    """True when nearly all border pixels share one colour (a plain background)."""
    import numpy as np

    arr = np.asarray(img.convert("RGB"), dtype=np.int16)
    band = max(1, min(arr.shape[0], arr.shape[1]) // 20)
    edge = np.concatenate(
        [
            arr[:band].reshape(-1, 3),
            arr[-band:].reshape(-1, 3),
            arr[:, :band].reshape(-1, 3),
            arr[:, -band:].reshape(-1, 3),
        ]
    )
    med = np.median(edge, axis=0)
    close = np.abs(edge - med).max(axis=1) <= tolerance
    return bool(close.mean() >= share)


def has_gray_copy(dataset: Dataset, records: dict[str, dict], relpath: str) -> bool:
    for rel, rec in records.items():
        if (
            rec.get("source") == relpath
            and rec.get("operation") == "grayscale"
            and len(rec.get("steps", [])) == 1
            and (dataset.root / rel).is_file()
        ):
            return True
    return False


@dataclass
class _Target:
    """An image alterations are applied to: the source itself or one crop of it."""

    steps: tuple[dict, ...]
    suffixes: tuple[str, ...]
    size: tuple[int, int]
    crop: Crop | None


def _validate(options: Options) -> None:
    if options.crops:
        parse_crops(options.crops, 1000, 1000)
    if options.alter:
        parse_alterations(options.alter, 1000, 800)
    if options.min_size < 1:
        raise SpecError("the minimum size must be at least 1 px")


def plan_augment(dataset: Dataset, relpaths: list[str], options: Options) -> AugmentPlan:
    """Every file the options would make from ``relpaths``; raises SpecError on a bad spec."""
    _validate(options)
    plan = AugmentPlan(cache=SourceCache(dataset.root))
    namer = Namer(dataset.root)
    records = provenance.load(dataset.root)
    for rel in relpaths:
        item = dataset.items.get(rel)
        if item is None:
            plan.problems.append((rel, "not an image of this dataset (give its path inside it)"))
            continue
        try:
            size = image_size(item.image_path)
        except DecodeError as exc:
            plan.problems.append((rel, exc.message))
            continue
        plan.constant_background[rel] = _constant(item)
        _plan_source(dataset, item, size, options, namer, records, plan)
    return plan


def _constant(item: ImageItem) -> bool:
    try:
        return looks_constant(load_reduced(item.image_path, (256, 256)))
    except DecodeError:
        return False


def _plan_source(
    dataset: Dataset,
    item: ImageItem,
    size: tuple[int, int],
    options: Options,
    namer: Namer,
    records: dict[str, dict],
    plan: AugmentPlan,
) -> None:
    w, h = size
    targets = [_Target((), (), size, None)]
    seen_boxes: set[tuple[int, int, int, int]] = set()
    for crop in parse_crops(options.crops, w, h) if options.crops else []:
        pixels = crop.box.pixels(w, h)
        if pixels in seen_boxes or pixels == (0, 0, w, h):
            continue  # the same pixels twice would be a clone, not a new crop
        seen_boxes.add(pixels)
        csize = crop.box.size(w, h)
        step = {"op": "crop", **crop.params}
        target = _Target((step,), (crop.suffix,), csize, crop)
        if _skip(plan, item, target, None, options.min_size):
            continue
        _add(dataset, item, target, None, options, namer, plan)
        targets.append(target)
    for target in targets:
        if target.crop is not None and not options.alter_crops:
            continue
        alters = parse_alterations(options.alter, *target.size) if options.alter else []
        if target.crop is None and options.ensure_gray:
            has_gray = any(a.op == "grayscale" for a in alters)
            if not has_gray and not has_gray_copy(dataset, records, item.relpath):
                alters.append(gray_alteration())
        for alt in alters:
            if _skip(plan, item, target, alt, options.min_size):
                continue
            _add(dataset, item, target, alt, options, namer, plan)


def _name(item: ImageItem, target: _Target, alt: Alteration | None) -> str:
    parts = list(target.suffixes) + ([alt.suffix] if alt else [])
    return "__".join([item.image_path.stem, *parts])


def _skip(
    plan: AugmentPlan, item: ImageItem, target: _Target, alt: Alteration | None, min_size: int
) -> bool:
    size = alt.size(*target.size) if alt else target.size
    reason = short_side_reason(size, min_size)
    if reason:
        plan.skipped.append(Skipped(_name(item, target, alt), item.relpath, reason))
    return reason is not None


def _add(
    dataset: Dataset,
    item: ImageItem,
    target: _Target,
    alt: Alteration | None,
    options: Options,
    namer: Namer,
    plan: AugmentPlan,
) -> None:
    folder_rel = os.path.dirname(item.relpath).replace(os.sep, "/")
    source_ext = item.image_path.suffix
    fmt = (alt.format if alt and alt.format else None) or format_for(source_ext)
    stem = namer.free(folder_rel, _name(item, target, alt))
    ext = ext_for(fmt, source_ext)
    tags = copy_tags(
        item.tags, dataset.settings, alt.tags if alt else (), crossover=options.crossover
    )
    steps = target.steps + ((({"op": alt.op, **alt.params}),) if alt else ())
    cache = plan.cache
    assert cache is not None
    crop, rel = target.crop, item.relpath

    def render() -> Image.Image:
        img = cache.get(rel)
        if crop is not None:
            img = img.crop(crop.box.pixels(*img.size))
        return alt.apply(img) if alt else img

    plan.outputs.append(
        Output(
            relpath=join_rel(folder_rel, stem + ext),
            caption_relpath=join_rel(folder_rel, stem + dataset.settings.caption_extension),
            sources=(item.relpath,),
            steps=steps,
            size=alt.size(*target.size) if alt else target.size,
            tags=tags,
            caption=caption_bytes(tags, item.caption),
            format=fmt,
            quality=alt.quality if alt else None,
            render=render,
        )
    )
