"""Clones and altered copies (``clones.ratio``, ``altered.kinds``) and how often each
special detail is shown (``clones.special-details``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lorapan.core.analysis.clone_labels import quality_key
from lorapan.core.analysis.clone_review import extra_copies, label_of, without
from lorapan.core.method.anchor import trained_items
from lorapan.core.method.vocab import Profile
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding, Fix, SetAsideStep
from lorapan.core.rules.perimage import DETAIL_KINDS

DETAIL_SHARE = 0.05


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
        fix = None
        if all(hasattr(g, "copy_of") for g in groups):  # groups from the analysis
            fix = ratio_fix(groups, v.ctx.facts, profile)
        out.append(
            Finding(
                "clones.ratio",
                "error",
                f"{plural(len(identical), 'clone')} (identical, resized or recompressed copies) "
                f"{'is' if len(identical) == 1 else 'are'} "
                f"{100 * len(identical) / v.total:.1f}% of the images, {_limit_words(profile)}: pick the best "
                "images, duplicate them and alter the copies (aspect ratio, colour, quality, style) instead.",
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


def ratio_fix(groups: list[Any], facts: Mapping[str, Any], profile: Profile) -> Fix:
    """Set aside the fewest plain copies that bring clones to what the kind allows
    (see ``extra_copies``)."""

    def rank(rel: str) -> tuple:
        f = facts.get(rel)
        return quality_key(f) if f is not None and getattr(f, "ok", False) else ()

    def planner(ds: Any) -> list[SetAsideStep]:
        trained = trained_items(ds)
        now = present(groups, {rel: 0 for rel in trained})
        steps = []
        extra = extra_copies(now, len(trained), profile.clone_ratio, rank, profile.clone_count)
        for rel, head in extra:
            label = next((label_of(g, rel) for g in now if label_of(g, rel)), "plain")
            steps.append(SetAsideStep(rel, f"{label} copy of {head}"))
        return steps

    up_to = (
        f"up to {profile.clone_count} clones"
        if profile.clone_count is not None
        else f"clones up to {100 * profile.clone_ratio:g}% of the images"
    )
    label = (
        "set aside the extra copies to .lorapan/excluded (undo brings them back): each "
        f"picture's original or altered copy stays, and {up_to}"
    )
    return Fix(label, planner, "clones.ratio", sets_aside=True)


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
        if focus >= 2 and facebody >= 3:
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
