"""Clones and altered copies (``clones.ratio``, ``altered.kinds``) and how often each
special detail is shown (``clones.special-details``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lorapan.core.analysis.clone_labels import CLONE_LABELS, quality_key
from lorapan.core.analysis.clone_review import (
    clone_sets_of,
    copies_over,
    extra_copies,
    head_of,
    label_of,
    without,
)
from lorapan.core.method.anchor import trained_items
from lorapan.core.method.vocab import Profile
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.dataset_wide.clone_keep import (
    FACEBODY_MIN,
    FOCUS_MIN,
    Captions,
    keep_key,
)
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding, Fix, SetAsideStep
from lorapan.core.rules.perimage import DETAIL_KINDS

DETAIL_SHARE = 0.05
#: ``quality_key``: the file's merits (pixels, sharpness, lossless, bytes), then its name
_FILE_PARTS = 4


def allowed(profile: Profile, total: int) -> float:
    """How many clones the guide allows for the kind (``profiles.toml``): a solo character's
    3 % of the images, or the number it asks for (a couple: three, to settle body and face)."""
    if profile.clone_count is not None:
        return profile.clone_count
    return profile.clone_ratio * total


def _limit_words(profile: Profile) -> str:
    if profile.clone_count is not None:
        return f"above the {profile.clone_count} the guide clones for a {profile.label}"
    return f"above {100 * profile.clone_ratio:g}%"


def clones(v: View) -> list[Finding]:
    groups = v.ctx.clone_groups
    if v.ctx.facts is None or groups is None:
        return []
    groups = present(groups, trained_order(v))
    out = []
    identical = [rel for g in groups for rel in _clones_of(g)]
    profile = v.ctx.profile
    if v.total and len(identical) > allowed(profile, v.total) + 1e-9:
        fix, held = None, ""
        if all(hasattr(g, "copy_of") for g in groups):  # groups from the analysis
            steps, *kept = plan_set_aside(groups, v.ctx.facts, v.ctx, v.ctx.dataset)
            held = _held_words(*kept)
            fix = ratio_fix(groups, v.ctx.facts, v.ctx) if steps else None
        out.append(
            Finding(
                "clones.ratio",
                "error",
                f"{plural(len(identical), 'clone')} (identical, resized or recompressed copies) "
                f"{'is' if len(identical) == 1 else 'are'} "
                f"{100 * len(identical) / v.total:.1f}% of the images, {_limit_words(profile)}: pick the best "
                "images, duplicate them and alter the copies (aspect ratio, colour, quality, style) instead."
                + held,
                sorted(identical, key=lambda r: v.order.get(r, 0)),
                fix,
            )
        )
    altered: dict[str, int] = {}
    members = []
    for g in groups:
        copies = set(_clones_of(g))
        for rel, label in g.members:
            if rel not in copies:
                altered[label] = altered.get(label, 0) + 1
                members.append(rel)
    if altered:
        kinds = ", ".join(f"{c} {k}" for k, c in sorted(altered.items()))
        out.append(
            Finding(
                "altered.kinds",
                "advice",
                f"{plural(len(groups), 'near-duplicate group')}, {plural(len(members), 'altered copy', 'altered copies')} "
                f"({kinds}): the guide's altered copies differ in aspect ratio, colour, quality or style.",
                sorted(members, key=lambda r: v.order.get(r, 0)),
            )
        )
    return out


def trained_order(v: View) -> Mapping[str, int]:
    """The images kohya trains (with their places): copies in a folder it ignores (a
    ``solos/`` folder of collage material) are no share of what it learns."""
    if not v.ctx.dataset.ignored_folders:
        return v.order
    trained = trained_items(v.ctx.dataset)
    return {rel: i for rel, i in v.order.items() if rel in trained}


def present(groups: list[Any], order: Mapping[str, int]) -> list[Any]:
    """The groups as they are with only the images still in the dataset.

    Groups come from the last scan; an image set aside since (by this rule's fix, or
    by hand) no longer counts, so the finding goes as soon as the copies do.
    """
    out = []
    for g in groups:
        members = [g.original, *(rel for rel, _label in g.members)]
        gone = [rel for rel in members if rel not in order]
        if not gone:
            out.append(g)
        elif hasattr(g, "copy_of") and (left := without(g, gone)) is not None:
            out.append(left)
    return out


def ratio_fix(groups: list[Any], facts: Mapping[str, Any], ctx: RuleContext) -> Fix:
    """Set aside the fewest plain copies that bring clones to what the kind allows
    (see ``extra_copies``); of each picture the copy whose caption trains best stays,
    and the few copies that show a special detail stay (:mod:`.clone_keep`)."""
    profile = ctx.profile

    def planner(ds: Any) -> list[SetAsideStep]:
        return [
            SetAsideStep(rel, reason) for rel, reason in plan_set_aside(groups, facts, ctx, ds)[0]
        ]

    up_to = (
        f"up to {profile.clone_count} clones"
        if profile.clone_count is not None
        else f"clones up to {100 * profile.clone_ratio:g}% of the images"
    )
    label = (
        "set aside the extra copies to .lorapan/excluded (undo brings them back): of each "
        "picture the copy with the best caption stays, altered copies and the copies that "
        f"show a special detail stay, and {up_to}"
    )
    return Fix(label, planner, "clones.ratio", sets_aside=True)


def plan_set_aside(
    groups: list[Any], facts: Mapping[str, Any], ctx: RuleContext, ds: Any
) -> tuple[list[tuple[str, str]], list[str], Captions]:
    """([(copy to set aside, why)], the copies held back for a special detail, captions)."""
    profile = ctx.profile
    trained = trained_items(ds)
    now = present(groups, {rel: 0 for rel in trained})
    caps = Captions.of(ds, ctx)
    heads = {head_of(g, rel) for g in now for rel, _label in g.members}

    def rank(rel: str) -> tuple:
        f = facts.get(rel)
        quality = quality_key(f) if f is not None and getattr(f, "ok", False) else ()
        files, name = quality[:_FILE_PARTS], quality[_FILE_PARTS:]
        return keep_key(rel, caps, files, rel in heads, name)

    extra = extra_copies(
        now, len(trained), profile.clone_ratio, rank, profile.clone_count, caps.may_go
    )
    steps = []
    for rel, keep in extra:
        group = next(g for g in now if label_of(g, rel))
        steps.append((rel, _reason(group, rel, keep, caps)))
    clones = sum(len(s) - 1 for g in now for s in clone_sets_of(g))
    if len(extra) >= copies_over(clones, len(trained), profile.clone_ratio, profile.clone_count):
        return steps, [], caps
    taken = [rel for rel, _keep in extra]
    sets = [sorted(s, key=rank, reverse=True) for g in now for s in clone_sets_of(g)]
    left = [rel for s in sets for rel in s[1:] if rel not in taken]  # the kept one is s[0]
    held = [rel for rel in left if rel in caps.details and not caps.may_go(rel, taken)]
    return steps, held, caps


def _held_words(held: list[str], caps: Captions) -> str:
    """What the fix leaves above the ratio, and why: copies that show a special detail."""
    if not held:
        return ""
    found = caps.held_details(held)
    details = ("special detail " if len(found) == 1 else "special details ") + ", ".join(
        f"'{d}'" for d, _n in found.most_common()
    )
    them = "it" if len(held) == 1 else "them"
    return (
        f" The fix keeps {plural(len(held), 'clone')} above that ({', '.join(held)}): "
        f"{'its caption carries' if len(held) == 1 else 'their captions carry'} the "
        f"{details}, which the guide shows in focus at least {FOCUS_MIN}× and with "
        f"the face/body at least {FACEBODY_MIN}×; alter {them} (a flip, a crop, a colour "
        "change) so the detail stays as an altered copy, not a clone."
    )


def _reason(group: Any, rel: str, keep: str, caps: Captions) -> str:
    """``identical copy of a.png``, with why a.png's caption stayed and the tags that
    leave with this one."""
    lab, keep_lab = _set_label(group, rel), _set_label(group, keep)
    if lab == "identical" and keep_lab == "identical":
        words = f"identical copy of {keep}"
    elif keep_lab == "identical":
        words = f"{lab} copy of {keep}"
    elif lab == "identical":
        words = f"original of {keep}, its {keep_lab} copy"
    else:
        words = f"{lab} copy of {head_of(group, rel)}, like {keep}"
    why, leaving = caps.why_kept(keep, rel), caps.leaving(keep, rel)
    words += f", {why}" if why else ""
    return f"{words}; {leaving}" if leaving else words


def _set_label(group: Any, rel: str) -> str:
    """How ``rel`` is stored relative to its clone set's head: the head itself and its
    byte copies are ``identical``; else resized or recompressed."""
    label = label_of(group, rel)
    return label if label in CLONE_LABELS and label != "identical" else "identical"


def _clones_of(group: Any) -> list[str]:
    """Members that are plain copies (the analysis names them; else: identical ones)."""
    clones = getattr(group, "clones", None)
    if clones is not None:
        return list(clones)
    return [rel for rel, label in group.members if label == "identical"]


def special_details(v: View) -> list[Finding]:
    if v.ctx.profile.kind not in DETAIL_KINDS:
        return []
    out = []
    detail_images: set[str] = set()
    for tag, g in v.subs("_detail"):
        detail_images.update(g.images)
        focus = len(v.group("_detail-focus", tag) or [])
        facebody = len(v.group("_detail-facebody", tag) or [])
        if focus >= FOCUS_MIN and facebody >= FACEBODY_MIN:
            continue
        out.append(
            Finding(
                "clones.special-details",
                "warning",
                f"the special detail '{tag}' is shown in focus {focus}× and with face/body "
                f"{facebody}×: the guide shows each special detail in focus at least twice and "
                "with the face/body at least three times (clone the best ones).",
                g.images,
                key=f"clones.special-details:{tag}",
            )
        )
    if detail_images and len(detail_images) < DETAIL_SHARE * v.total / 2:
        out.append(
            Finding(
                "clones.special-details",
                "advice",
                f"special details are on {len(detail_images)} of {v.total} images: the guide "
                "makes them about 5% of the set.",
                key="clones.special-details:share",
            )
        )
    return out
