"""Rules over the whole dataset: counts, constants, coverage, bundles, clones.

They read the engine's per-image groups and tag counts, so they cost a pass over a
few hundred numbers after an edit, not over the images.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lorapan.core.rules import fixes
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.groups import Group
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import CoverageItem, Finding
from lorapan.core.rules.perimage import DETAIL_KINDS

IssueKey = tuple[str, str]
CONSTANT_SHARE = 0.9
CONSTANT_MIN_IMAGES = 10
PRUNE_CANDIDATE_SHARE = 0.5
CLONE_RATIO = 0.03
DETAIL_SHARE = 0.05


@dataclass
class View:
    """What the dataset-wide rules read from the engine."""

    ctx: RuleContext
    groups: Mapping[IssueKey, Group]
    counts: Mapping[str, int]  # norm tag -> images
    frequent: set[str]  # tags on at least half the images (kept by the engine)
    first_counts: Mapping[str, int]  # first tag -> images
    total: int
    order: Mapping[str, int]
    images_of: Callable[[str], list[str]]  # norm tag -> images in dataset order
    first_of: Callable[[str], str]  # image -> its first tag (normalised)

    def group(self, rule: str, sub: str = "") -> Group | None:
        g = self.groups.get((rule, sub))
        return g if g is not None and len(g) else None

    def subs(self, rule: str) -> list[tuple[str, Group]]:
        return [(s, g) for (r, s), g in self.groups.items() if r == rule and len(g)]


def dataset_findings(view: View) -> list[Finding]:
    out: list[Finding] = []
    for fn in (
        _orphan_captions,
        _stem_collisions,
        _core_proposal,
        _counts,
        _bundle,
        _constant,
        _prune_candidates,
        _clones,
        _special_details,
        _indoor_outdoor,
        _style_tagging,
        _needs_inputs,
        _ignored_folders,
    ):
        out.extend(fn(view))
    return out


def _orphan_captions(v: View) -> list[Finding]:
    orphans = list(v.ctx.dataset.orphan_captions)
    if not orphans:
        return []
    return [
        Finding(
            "pair.orphans",
            "error",
            f"{plural(len(orphans), 'caption file')} {'has' if len(orphans) == 1 else 'have'} no image beside them: the trainer "
            "ignores them and they usually mean an image was renamed or deleted. Pair or delete them.",
            orphans,
            key="pair.orphans:captions",
        )
    ]


def _stem_collisions(v: View) -> list[Finding]:
    """a.png + a.jpg beside a.txt: kohya reads a.txt for both images."""
    pairs = list(getattr(v.ctx.dataset, "stem_collisions", []))
    if not pairs:
        return []
    images = sorted({rel for a, b, _ in pairs for rel in (a, b)}, key=lambda r: v.order.get(r, 0))
    shown = "; ".join(f"{a} + {b} → {cap}" for a, b, cap in pairs[:3])
    more = f"; and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    details: dict[str, int] = {}
    for _a, _b, cap in pairs:
        details[cap] = details.get(cap, 1) + 1
    return [
        Finding(
            "pair.stem-collision",
            "warning",
            f"{plural(len(pairs), 'pair')} of images share one file name stem ({shown}{more}): "
            "kohya trains both with the same caption, so tags that fit one picture teach the "
            "other; rename one and give it its own caption.",
            images,
            key="pair.stem-collision",
            details=details,
        )
    ]


def _core_proposal(v: View) -> list[Finding]:
    ctx = v.ctx
    if ctx.core or ctx.profile.bundle:
        return []
    proposal = fixes.propose_core(ctx, v.first_counts, v.total)
    msg = (
        "no core tag is set for this dataset: the guide puts one core tag first in every "
        "caption (shape for this kind: '"
        + ctx.profile.core_shape.format(name=ctx.vocab.name or "<name>")
        + "')."
    )
    fix = None
    if proposal:
        msg += f" Proposed: '{proposal}' — confirm it to write it to lorapan.toml."
        fix = fixes.core_proposal_fix(ctx, proposal)
    else:
        msg += " Set [dataset] name or core_tag in lorapan.toml."
    return [Finding("tags.core", "error", msg, [], fix, key="tags.core:unset")]


def aim_range(ctx: RuleContext, total: int) -> tuple[int | None, int | None]:
    p = ctx.profile
    if p.second_aim:
        version = ctx.vocab.rules.get("single_image_version")
        if version == 2 or (version is None and total > (p.aim_max or 0)):
            return p.second_aim
    return p.aim_min, p.aim_max


def _counts(v: View) -> list[Finding]:
    ctx, n = v.ctx, v.total
    p = ctx.profile
    out = []
    if p.limited_below and n < p.limited_below:
        out.append(
            Finding(
                "count.limited",
                "advice",
                f"{plural(n, 'image')}, under {p.limited_below} for a {p.label}: this is a "
                "limited dataset. The guide's workflow: crop the sources for each element, clone "
                "the crops and alter the clones (orientation, aspect ratio, angle), add a grayscale "
                "copy, tag by hand.",
            )
        )
        return out
    lo, hi = aim_range(ctx, n)
    if p.bundle or (lo is None and hi is None):
        return out
    if lo is not None and n < lo:
        msg = f"{plural(n, 'image')}: the guide aims for {lo}–{hi} for a {p.label}; add {lo - n}."
    elif hi is not None and n > hi:
        msg = f"{plural(n, 'image')}: the guide aims for {lo}–{hi} for a {p.label}; remove {n - hi} (keep the best)."
    else:
        return out
    out.append(Finding("count.aim", "warning", msg))
    return out


def _bundle(v: View) -> list[Finding]:
    ctx = v.ctx
    if not ctx.profile.bundle:
        return []
    aim = ctx.profile.per_subject or 0
    subjects = {s: len(g) for s, g in v.subs("_subject")}
    for s in ctx.subjects:
        subjects.setdefault(s, 0)
    out = []
    for subject, count in sorted(subjects.items()):
        if count < aim:
            g = v.group("_subject", subject)
            name = subject or "(no first tag)"
            out.append(
                Finding(
                    "bundle.per-subject",
                    "warning",
                    f"subject '{name}' has {plural(count, 'image')}: the guide aims for {aim} per "
                    f"subject in a {ctx.profile.label}; add {aim - count}.",
                    g.images if g else [],
                    key=f"bundle.per-subject:{subject}",
                )
            )
    if ctx.profile.hair_eyes:
        out.extend(_bio_overlap(v))
    return out


def _bio_overlap(v: View) -> list[Finding]:
    out = []
    for tag, g in v.subs("_bio"):
        owners: dict[str, int] = {}
        for rel in g.images:
            first = v.first_of(rel)
            owners[first] = owners.get(first, 0) + 1
        if len(owners) > 1:
            who = ", ".join(f"'{s}' ×{c}" for s, c in sorted(owners.items()))
            out.append(
                Finding(
                    "bundle.bio-overlap",
                    "error",
                    f"the body tag '{tag}' belongs to more than one character ({who}): in a "
                    "character bundle no body tag may be shared, or the characters bleed into each other.",
                    g.images,
                    fixes.bio_overlap_fix(tag, sorted(owners)),
                    key=f"bundle.bio-overlap:{tag}",
                )
            )
    return out


def _own_tags(ctx: RuleContext) -> set[str]:
    v = ctx.vocab
    return {ctx.core_norm, ctx.style_norm, *ctx.subjects, *v.lowq, *v.blacklist, *v.kind_prune}


def _constant(v: View) -> list[Finding]:
    n = v.total
    if n < CONSTANT_MIN_IMAGES:
        return []
    need = math.ceil(CONSTANT_SHARE * n)
    own = _own_tags(v.ctx)
    voc = v.ctx.vocab
    out = []
    for tag in v.frequent:
        c = v.counts.get(tag, 0)
        if c < need or tag in own or voc.is_unique_hair(tag) or voc.is_unique_eyes(tag):
            continue
        images = v.images_of(tag)
        out.append(
            Finding(
                "tags.constant",
                "advice",
                f"'{tag}' is on {c} of {n} images: a tag on nearly every image is absorbed "
                "anyway; the guide tags what varies. Consider pruning it.",
                images,
                fixes.remove_one_fix("tags.constant", tag, images),
                key=f"tags.constant:{tag}",
            )
        )
    return out


def _prune_candidates(v: View) -> list[Finding]:
    ctx = v.ctx
    if not ctx.profile.prune or ctx.vocab.kind_prune or v.total == 0:
        return []
    need = max(2, math.ceil(PRUNE_CANDIDATE_SHARE * v.total))
    own = _own_tags(ctx)
    cands = sorted(
        ((v.counts[t], t) for t in v.frequent if v.counts.get(t, 0) >= need and t not in own),
        reverse=True,
    )[:12]
    if not cands:
        return []
    names = ", ".join(f"'{t}' ×{c}" for c, t in cands)
    return [
        Finding(
            "tags.kind-prune",
            "advice",
            f"a dataset of this kind ({ctx.profile.label}) drops the tags that describe the subject itself. "
            f"Candidates (on most images): {names}. List the ones to drop under [rules] "
            "kind_prune in lorapan.toml.",
            key="tags.kind-prune:candidates",
        )
    ]


def _clones(v: View) -> list[Finding]:
    groups = v.ctx.clone_groups
    if v.ctx.facts is None or groups is None:
        return []
    out = []
    identical = [rel for g in groups for rel in _clones_of(g)]
    if v.total and len(identical) > CLONE_RATIO * v.total:
        out.append(
            Finding(
                "clones.ratio",
                "error",
                f"{plural(len(identical), 'clone')} (identical, resized or recompressed copies) "
                f"{'is' if len(identical) == 1 else 'are'} "
                f"{100 * len(identical) / v.total:.1f}% of the images, above 3%: pick the best "
                "images, duplicate them and alter the copies (aspect ratio, colour, quality, style) instead.",
                sorted(identical, key=lambda r: v.order.get(r, 0)),
            )
        )
    altered: dict[str, int] = {}
    members = []
    for g in groups:
        clones = set(_clones_of(g))
        for rel, label in g.members:
            if rel not in clones:
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


def _clones_of(group: Any) -> list[str]:
    """Members that are plain copies (the analysis names them; else: identical ones)."""
    clones = getattr(group, "clones", None)
    if clones is not None:
        return list(clones)
    return [rel for rel, label in group.members if label == "identical"]


def _special_details(v: View) -> list[Finding]:
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


def _indoor_outdoor(v: View) -> list[Finding]:
    if v.ctx.dataset.settings.kind != "background":
        return []
    ind, outd = v.group("_indoor"), v.group("_outdoor")
    if not ind or not outd:
        return []
    minority = ind if len(ind) <= len(outd) else outd
    return [
        Finding(
            "background.indoor-outdoor",
            "warning",
            f"{len(ind)} indoor and {len(outd)} outdoor images: a background dataset focuses on "
            "one or the other; both belong in a backgrounds bundle.",
            minority.images,
        )
    ]


def _style_tagging(v: View) -> list[Finding]:
    if v.ctx.dataset.settings.kind != "style" or not v.total:
        return []
    bare = v.group("_bare")
    nb = len(bare) if bare else 0
    if nb == 0:
        return []
    if nb == v.total:
        msg = "no image is tagged beyond the core/style tags: fine for a style, but train longer (more epochs)."
    else:
        msg = (
            f"{nb} of {v.total} images carry only the core/style tags while the rest are tagged: "
            "for a style, tag everything or nothing (nothing needs more epochs)."
        )
    return [Finding("style.tag-all-or-none", "advice", msg, bare.images if bare else [])]


def _needs_inputs(v: View) -> list[Finding]:
    ctx = v.ctx
    out = []
    if ctx.facts is None:
        for rule in ("image.unreadable", "quality.lowq-tag", "clones.ratio", "altered.kinds"):
            out.append(
                Finding(
                    rule,
                    "advice",
                    f"needs image analysis, none cached yet: run `{ctx.command('scan')}`.",
                    key=f"{rule}:needs-scan",
                )
            )
    elif ctx.clone_groups is None:
        out.append(
            Finding(
                "clones.ratio",
                "advice",
                f"clone groups are not available yet: run `{ctx.command('scan')}`.",
                key="clones.ratio:needs-scan",
            )
        )
    if not ctx.scores_loaded:
        out.append(
            Finding(
                "tags.inconsistent",
                "advice",
                f"needs a tagger run (no cached tagger scores): run `{ctx.command('autotag')}` so elements "
                "seen in fewer than 15 images can be checked.",
                key="tags.inconsistent:needs-tagger",
            )
        )
    return out


def _ignored_folders(v: View) -> list[Finding]:
    out = []
    for f in v.ctx.dataset.ignored_folders:
        out.append(
            Finding(
                "kohya.ignored-folder",
                "warning",
                f.reason,
                [],
                key=f"kohya.ignored-folder:{f.path}",
            )
        )
    return out


# ---- coverage --------------------------------------------------------------------------
def coverage(v: View) -> tuple[list[CoverageItem], list[Finding]]:
    ticks = v.ctx.dataset.settings.checklist
    items, findings = [], []
    for spec in v.ctx.vocab.coverage:
        rule = f"coverage.{spec.id}"
        if spec.manual:
            ticked = bool(ticks.get(spec.id, ticks.get(rule, False)))  # key: the item id
            items.append(CoverageItem(spec.id, spec.label, 0, 0, True, ticked))
            if not ticked:
                findings.append(
                    Finding(
                        rule,
                        "manual",
                        f"{spec.label}: only a person can tell; tick it when it holds "
                        f"(`{v.ctx.command('checklist', '--tick', spec.id)}` or space in the app).",
                    )
                )
            continue
        g = v.group("coverage", spec.id)
        images = g.images if g else []
        items.append(
            CoverageItem(spec.id, spec.label, len(images), spec.minimum, False, False, images)
        )
        if len(images) < spec.minimum:
            tags = ", ".join(sorted(spec.tags)[:6])
            findings.append(
                Finding(
                    rule,
                    "warning",
                    f"{spec.label}: {plural(len(images), 'image')}, the guide asks for at least "
                    f"{spec.minimum} (counted by tags: {tags}).",
                    images,
                )
            )
    return items, findings
