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
from lorapan.core.augment import EACH_ALL, EACH_ONE
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
from lorapan.core.augment.tagging import (
    caption_bytes,
    copy_tags,
    cuts_the_picture,
    without_framing,
)
from lorapan.core.dataset import Dataset, ImageItem
from lorapan.core.method.vocab import data_file
from PIL import Image

DEFAULT_MIN_SIZE = 256


@dataclass
class Options:
    """What to make. ``crops``/``alter`` are specs (see crops.py and alter.py).

    ``each``: ``"all"`` makes every alteration of every image (the source and, with
    ``alter_crops``, each crop); ``"one"`` clones each crop once, the alterations taken
    in turn (a crop too small for one gets the next), and the source gets its grayscale
    copy: the guide's "clone every single cropped image" with its 15-20 image goal,
    where every alteration of every crop would make several times that.
    """

    crops: str = ""
    alter: str = ""
    min_size: int = DEFAULT_MIN_SIZE
    crossover: bool = False
    alter_crops: bool = True  # clone and alter every crop, as the guide does
    ensure_gray: bool = True  # at least one grayscale copy per source
    each: str = EACH_ALL


@dataclass
class AugmentPlan:
    outputs: list[Output] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (image, message)
    constant_background: dict[str, bool] = field(default_factory=dict)
    cache: SourceCache | None = field(default=None, repr=False)
    images_before: int = 0  # the dataset's images before the plan
    source_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    each: str = EACH_ALL

    @property
    def dropped(self) -> list[str]:
        """The framing tags left out of the crops' captions, each once."""
        return list(dict.fromkeys(t for o in self.outputs for t in o.dropped))

    @property
    def hints(self) -> list[str]:
        out = [
            f"{rel}: the background looks constant; the guide tags such images "
            "`crossover` (add --crossover)"
            for rel, constant in self.constant_background.items()
            if constant
        ]
        if self.dropped:
            shown = ", ".join(f"'{t}'" for t in self.dropped)
            out.append(
                f"left {shown} out of the crops' captions: a crop does not show what the "
                "source's framing tags say; tag each piece by hand (the guide's step 4)"
            )
        if size := self.aim_note():
            out.append(size)
        return out

    def aim_note(self) -> str:
        """A word on the total when crops of one source in a set still under the guide's
        single-image aim (15-20) would end outside it: what brings it there."""
        lo, hi = single_image_aim()
        after = self.images_before + len(self.outputs)
        cropped = any(o.steps and o.steps[0].get("op") == "crop" for o in self.outputs)
        if len(self.source_sizes) != 1 or self.images_before >= lo or not cropped:
            return ""
        if after > hi:
            more = " or one altered clone per crop (--each one)" if self.each == EACH_ALL else ""
            fix = f"fewer crops{more} keep to it"
        elif after < lo:
            fix = "more crops reach it (each element to learn: head, eyes, hair, body, slices)"
        else:
            return ""
        return (
            f"the set will have {after} images; the guide's single-image LoRA aims for "
            f"{lo}-{hi}: {fix}"
        )

    def to_dict(self) -> dict:
        return {
            "outputs": [o.to_dict() for o in self.outputs],
            "skipped": [s.to_dict() for s in self.skipped],
            "problems": [{"image": r, "message": m} for r, m in self.problems],
            "constant_background": self.constant_background,
            "dropped_tags": self.dropped,
            "hints": self.hints,
        }


def single_image_aim() -> tuple[int, int]:
    """The guide's first single-image version: 15-20 images (``profiles.toml``)."""
    profile = data_file("profiles.toml").get("single-image", {})
    return int(profile.get("aim_min", 15)), int(profile.get("aim_max", 20))


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
    if options.each not in (EACH_ALL, EACH_ONE):
        raise SpecError(f"each {options.each!r}: use {EACH_ALL} or {EACH_ONE}")


def plan_augment(dataset: Dataset, relpaths: list[str], options: Options) -> AugmentPlan:
    """Every file the options would make from ``relpaths``; raises SpecError on a bad spec."""
    _validate(options)
    plan = AugmentPlan(
        cache=SourceCache(dataset.root), images_before=len(dataset.items), each=options.each
    )
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
        plan.source_sizes[rel] = size
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
    turn = 0
    for target in targets:
        if target.crop is not None and not options.alter_crops:
            continue
        alters = parse_alterations(options.alter, *target.size) if options.alter else []
        if options.each == EACH_ONE and (target.crop is not None or not options.alter_crops):
            alt, turn = _in_turn(alters, turn, target, options.min_size)
            if alt is not None:
                alters = [alt]
            elif alters:  # none fits: the one in turn, reported as skipped below
                alters = [alters[turn % len(alters)]]
        elif options.each == EACH_ONE:
            alters = []  # the source: its grayscale copy (below)
        if target.crop is None and options.ensure_gray:
            has_gray = any(a.op == "grayscale" for a in alters)
            if not has_gray and not has_gray_copy(dataset, records, item.relpath):
                alters.append(gray_alteration())
        for alt in alters:
            if _skip(plan, item, target, alt, options.min_size):
                continue
            _add(dataset, item, target, alt, options, namer, plan)


def _in_turn(
    alters: list[Alteration], turn: int, target: _Target, min_size: int
) -> tuple[Alteration | None, int]:
    """The next alteration in turn that makes a large enough image of ``target``, and
    the turn after it; (None, turn) when none does (the caller reports the skip)."""
    for k in range(len(alters)):
        alt = alters[(turn + k) % len(alters)]
        if short_side_reason(alt.size(*target.size), min_size) is None:
            return alt, turn + k + 1
    return None, turn


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
    steps = target.steps + ((({"op": alt.op, **alt.params}),) if alt else ())
    source_tags, dropped = list(item.tags), []
    if cuts_the_picture(steps):
        source_tags, dropped = without_framing(source_tags)
    tags = copy_tags(
        source_tags, dataset.settings, alt.tags if alt else (), crossover=options.crossover
    )
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
            source_size=plan.source_sizes.get(rel),
            dropped=tuple(dropped),
        )
    )
