"""Image counts against the kind's aim (``count.limited``, ``count.aim``).

``count.limited`` points at the guide's limited-dataset workflow (crops, altered clones,
a grayscale copy, tagging by hand), naming only the steps not yet taken: what
``lorapan augment`` made (its records) and the copies the analysis found (clone groups)
say which are done. When one picture made most of the set, it is the guide's
single-image LoRA (aim 15-20), which the kind's aims do not fit: it says so.
"""

from __future__ import annotations

from lorapan.core import provenance
from lorapan.core.method.anchor import trained_items
from lorapan.core.method.one_source import MOST, source_share
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding


def aim_range(ctx: RuleContext, total: int) -> tuple[int | None, int | None]:
    """The kind's aim. The single-image kind's second version (25-35) is the first one
    with generated images added: taken when ``[rules] single_image_version = 2`` says so,
    or when the set is past 20 and not all made from one picture (which the records
    ``lorapan augment`` keeps tell: hand-made crops leave none)."""
    p = ctx.profile
    if p.second_aim:
        version = ctx.vocab.rules.get("single_image_version")
        if version == 2 or (version is None and total > (p.aim_max or 0) and not _one(ctx)):
            return p.second_aim
    return p.aim_min, p.aim_max


def _one(ctx: RuleContext) -> bool:
    """Every image was made from one picture (lorapan augment's records say so)."""
    share = source_share(ctx.dataset)
    return share is not None and share.images == share.total


def _between_versions(ctx: RuleContext, n: int) -> str:
    """The single-image kind's count between its two aims, or past the first with every
    image from one picture: what to do, for either version ('' otherwise)."""
    p = ctx.profile
    if not p.second_aim or ctx.vocab.rules.get("single_image_version") is not None:
        return ""
    hi1, (lo2, hi2) = p.aim_max or 0, p.second_aim
    one = _one(ctx)
    if not (hi1 < n < lo2 or (n > hi1 and one)):
        return ""
    made = " all made from one picture" if one else ""
    return (
        f"{plural(n, 'image')}{made}: the guide's single-image LoRA aims for {p.aim_min}–{hi1} "
        f"made from its one picture, or {lo2}–{hi2} once generated images are added (its "
        f"second version). Remove {n - hi1} (keep the best: `{ctx.command('scan')}` lists "
        "the blurry and cloned ones), or add generated images and set [rules] "
        "single_image_version = 2 in lorapan.toml."
    )


def counts(v: View) -> list[Finding]:
    ctx, n = v.ctx, v.total
    p = ctx.profile
    out = []
    if p.limited_below and n < p.limited_below:
        head = f"{plural(n, 'image')}, under {p.limited_below} for a {p.label}: this is a limited dataset."
        out.append(Finding("count.limited", "advice", f"{head} {limited_advice(ctx, n)}"))
        return out
    lo, hi = aim_range(ctx, n)
    if p.bundle or (lo is None and hi is None):
        return out
    if between := _between_versions(ctx, n):
        return [Finding("count.aim", "warning", between)]
    if lo is not None and n < lo:
        msg = f"{plural(n, 'image')}: the guide aims for {lo}–{hi} for a {p.label}; add {lo - n}."
    elif hi is not None and n > hi:
        msg = (
            f"{plural(n, 'image')}: the guide aims for {lo}–{hi} for a {p.label}; remove "
            f"{n - hi} (keep the best): `{ctx.command('scan')}` lists the unreadable, blurry, "
            "low-resolution and cloned ones to set aside first, and `s` in the app sorts the "
            "list by sharpness."
        )
    else:
        return out
    out.append(Finding("count.aim", "warning", msg))
    return out


#: the workflow's steps, each with what shows it done: operations of lorapan augment's
#: records, labels of the analysis' clone groups
_STEPS = (
    ("crop the sources for each element", {"crop"}, {"cropped"}),
    (
        "clone the crops and alter the clones (orientation, aspect ratio, angle)",
        {"rotate", "aspect", "flip", "tint", "enhance"},
        {"flipped", "colour-shifted", "altered"},
    ),
    ("add a grayscale copy", {"grayscale"}, {"grayscale"}),
)


def limited_advice(ctx: RuleContext, n: int) -> str:
    """The workflow's steps still to take, and the single-image kind when it fits."""
    ops, labels, largest = _made(ctx)
    todo = [step for step, by_ops, by_labels in _STEPS if not (ops & by_ops or labels & by_labels)]
    if len(todo) == len(_STEPS):
        text = "The guide's workflow: " + ", ".join(todo) + ", tag by hand."
    elif todo:
        text = "Of the guide's workflow, still to do: " + ", ".join(todo) + ", tag by hand."
    else:
        text = (
            "The guide's workflow is done here (crops, altered clones, a grayscale copy): "
            "tag each piece by hand."
        )
    if largest:  # (single-image sets have no "limited": never here)
        source, count = largest
        what = f"{count} of {n} images are '{source}' and copies of it" if n > 1 else "One image"
        text += (
            f" {what}: that is the guide's single-image LoRA (15–20 images once cropped and "
            f"cloned), not a limited {ctx.profile.label}; set [dataset] kind = "
            '"single-image" in lorapan.toml.'
        )
    return text


def _made(ctx: RuleContext) -> tuple[set[str], set[str], tuple[str, int] | None]:
    """(operations augment used, labels the analysis gave, (source, images) when one
    picture and its copies are most of the set)."""
    items = trained_items(ctx.dataset)  # what kohya trains (not a solos/ folder beside)
    n = len(items)
    records = provenance.load(ctx.dataset.root)
    ops = {op for rel, r in records.items() if rel in items for op in provenance.ops_of(r)}
    labels: set[str] = set()
    largest = (next(iter(items)), 1) if n == 1 else None
    share = source_share(ctx.dataset)
    if share is not None and share.images >= max(2, MOST * n):
        largest = (share.source, share.images)
    for group in ctx.clone_groups or []:
        labels |= {label for _rel, label in group.members}
        original = getattr(group, "original", "") or group.members[0][0]
        size = len({original, *(rel for rel, _label in group.members)})
        if size >= max(2, MOST * n) and (largest is None or size > largest[1]):
            largest = (original, size)
    return ops, labels, largest
