"""Tags on most images: nearly constant tags (``tags.constant``) and, for kinds that
prune the subject's own tags, the candidates (``tags.kind-prune``).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from lorapan.core.method.data import data_file
from lorapan.core.method.junk import junk_reason
from lorapan.core.method.names import not_a_name
from lorapan.core.rules import bundles, fixes
from lorapan.core.rules.context import RuleContext, norm
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import Finding

CONSTANT_SHARE = 0.9
CONSTANT_MIN_IMAGES = 10
PRUNE_CANDIDATE_SHARE = 0.5


def _own_tags(ctx: RuleContext, subject_tags: bool = True) -> set[str]:
    """Tags the method keeps on purpose or that another rule removes or merges.

    ``subject_tags=False`` leaves out what tells a bundle's subjects apart (on nearly all
    of one subject's images): never constant across the bundle, but exactly what a
    concept bundle prunes subject by subject."""
    v = ctx.vocab
    return {
        ctx.core_norm,
        ctx.style_norm,
        *ctx.subjects,
        *ctx.anchor.keys,
        *(t.key for t in ctx.triggers),
        *(ctx.subject_tags if subject_tags else ()),
        *([ctx.norm(ctx.style_guess.tag)] if ctx.style_guess else []),
        *v.lowq,
        *v.blacklist,
        *v.kind_prune,
        *v.profile.keeps,
    }


def _kept_by_plan(ctx: RuleContext, tag: str) -> bool:
    """One plan: a tag another finding merges or replaces is not pruned as constant."""
    voc = ctx.vocab
    if voc.is_unique_hair(tag) or voc.is_unique_eyes(tag) or junk_reason(tag):
        return True
    return bool(voc.profile.hair_eyes) and (voc.is_hair_tag(tag) or voc.is_eye_tag(tag))


def constant_tags(v: View) -> list[str]:
    """The tags (norm form) on nearly every image that the plan does not keep or merge."""
    if v.total < CONSTANT_MIN_IMAGES:
        return []
    need = math.ceil(CONSTANT_SHARE * v.total)
    own = _own_tags(v.ctx)
    return [
        tag
        for tag in v.frequent
        if v.counts.get(tag, 0) >= need
        and tag not in own
        and not _kept_by_plan(v.ctx, tag)
        and not maybe_the_name(v.ctx, tag)
    ]


def maybe_the_name(ctx: RuleContext, tag: str) -> bool:
    """While a person's set has no core tag and no trigger was found (a folder, a first
    field), a tag on every caption that no tagger writes ('zara') may be the name the
    guide's core tag needs: never offered to prune."""
    if not ctx.profile.hair_eyes or ctx.core or ctx.trigger is not None:
        return False
    return not not_a_name(tag)


def constant(v: View) -> list[Finding]:
    n = v.total
    out = []
    for tag in constant_tags(v):
        c = v.counts[tag]
        images = v.images_of(tag)
        shown = v.ctx.dataset.index.display(tag)  # the dataset's own spelling
        out.append(
            Finding(
                "tags.constant",
                "advice",
                f"'{shown}' is on {c} of {n} images: a tag on nearly every image is absorbed "
                "anyway; the guide tags what varies. Consider pruning it.",
                images,
                fixes.remove_one_fix("tags.constant", shown, images),
                key=f"tags.constant:{tag}",
            )
        )
    return out


@lru_cache(maxsize=1)
def people_tags() -> frozenset[str]:
    """Who is in the picture (``1girl``, ``solo``, ``multiple girls``, ``no humans``):
    the guide shows a concept with characters and tags a background's people, so these
    say who is there, never what the subject is."""
    doc = data_file("kinds.toml")
    lists = ("person", "two_people", "several_people", "no_humans")
    return frozenset(norm(str(t)) for key in lists for t in doc.get(key, []))


def prune_candidates(v: View) -> list[Finding]:
    ctx = v.ctx
    if not ctx.profile.prune or ctx.vocab.kind_prune or v.total == 0:
        return []
    # a tag on nearly every image is tags.constant's, with a one-key fix: one remedy each
    if ctx.profile.bundle:
        return _per_subject(v, _own_tags(ctx, False) | set(constant_tags(v)) | people_tags())
    own = _own_tags(ctx) | set(constant_tags(v)) | people_tags()
    need = max(2, math.ceil(PRUNE_CANDIDATE_SHARE * v.total))
    cands = sorted(
        (
            (v.counts[t], t)
            for t in v.frequent
            if v.counts.get(t, 0) >= need and t not in own and not _not_the_subject(ctx, t)
        ),
        reverse=True,
    )[:12]
    if not cands:
        return []
    names = ", ".join(f"'{t}' ×{c}" for c, t in cands)
    return [_prune_finding(ctx, f"Candidates (on most images, besides the constant tags): {names}")]


def _not_the_subject(ctx: RuleContext, tag: str) -> bool:
    """A tag that says something the guide wants varied or kept, never what the subject
    is: a coverage item of the kind (day, night: the lighting it asks for), or the hair
    and eyes of the people who wear, hold or stand in it."""
    info = ctx.info(tag)
    return bool(info.coverage) or info.hair or info.eye


def _prune_finding(ctx: RuleContext, candidates: str) -> Finding:
    return Finding(
        "tags.kind-prune",
        "advice",
        f"a dataset of this kind ({ctx.profile.label}) drops the tags that describe the "
        f"subject itself. {candidates}. List the ones to drop under [rules] kind_prune in "
        "lorapan.toml.",
        key="tags.kind-prune:candidates",
    )


def _per_subject(v: View, own: set[str]) -> list[Finding]:
    """A bundle's candidates, subject by subject: each is tagged as a dataset of its own
    (the guide), so what describes one subject is on most of *its* images, however few
    of the whole bundle's it reaches (a 10-image seiza pose beside 68 others)."""
    ctx = v.ctx
    items = ctx.dataset.items  # bundles.subjects holds the images kohya trains only
    rows = []
    for subject, rels in bundles.subjects(ctx.dataset).items():
        captions = [items[r].tags for r in rels]
        need = max(2, math.ceil(PRUNE_CANDIDATE_SHARE * len(captions)))
        counts = Counter(k for tags in captions for k in {norm(t) for t in tags})
        subject_own = own | {norm(subject)}
        cands = [
            (c, t)
            for t, c in counts.most_common()
            if c >= need and t not in subject_own and not _not_the_subject(ctx, t)
        ]
        if cands:
            names = ", ".join(f"'{t}' ×{c}" for c, t in cands[:8])
            rows.append(f"'{subject}' ({len(captions)} images): {names}")
    if not rows:
        return []
    return [
        _prune_finding(ctx, "Candidates per subject (on most of its images): " + "; ".join(rows))
    ]
