"""Rules that look at one image at a time.

:func:`analyse` returns, for one image, the set of *issue keys* it falls under
(``(rule_id, sub)``) with details (e.g. which blacklisted tags), plus internal keys
(``_``-prefixed) that the dataset-wide rules aggregate (coverage items, bundle
subjects, special details). The engine keeps these per image, so an edit only
re-analyses the images it changed. An image kohya never trains (outside the ``N_name``
folders beside it) is asked only about its files, and counts for nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lorapan.core.dataset import ImageItem
from lorapan.core.method.anchor import carries, first_place, tag_key
from lorapan.core.method.junk import (
    has_markdown,
    markdown_of,
    prompt_only,
    unweighted,
    without_prompt_words,
)
from lorapan.core.method.prose import tag_fields
from lorapan.core.rules import caption_form, franchise
from lorapan.core.rules.bundles import several_in
from lorapan.core.rules.context import RuleContext, norm, trains
from lorapan.core.rules.fixes import junk_test

IssueKey = tuple[str, str]
# Kinds whose special details (tattoos, scars) the guide counts: one character each.
DETAIL_KINDS = frozenset({"character", "single-image", "bundle-characters"})


@dataclass
class ImageState:
    norms: frozenset[str] = frozenset()
    first: str = ""
    issues: dict[IssueKey, tuple[str, ...]] = field(default_factory=dict)
    #: kohya trains the image (False: a folder it ignores, whose tags no count includes)
    trained: bool = True


def analyse(ctx: RuleContext, item: ImageItem) -> ImageState:
    issues: dict[IssueKey, tuple[str, ...]] = {}
    _facts_issues(ctx, item.relpath, issues)
    if item.read_only:
        issues[("caption.unreadable", "")] = (item.caption_error or "unreadable",)
    if not trains(ctx.dataset, item):
        # A caption kohya never reads (a solos/ folder of collage material beside N_name
        # folders) teaches nothing: no tag rule asks anything of it, and no count or
        # coverage counts it. Its files still matter (a collage is made from them):
        # an image that will not decode, a caption that cannot be read.
        return ImageState(issues=issues, trained=False)
    if item.read_only:
        return ImageState(issues=issues)
    tags = item.tags
    every = [norm(t) for t in tags]
    # Tag rules read tag fields only: a sentence is not a tag (lorapan.core.method.prose).
    fields = tag_fields(tags, ctx.captions.shared) if ctx.captions.has_sentences else tags
    norms = every if fields is tags else [norm(t) for t in fields]
    nset = frozenset(norms)
    # A rule that flags a tag reads tag fields only; a rule that asks for a tag finds it
    # in any field: 'red scarf' after an unfinished sentence reads as its clause, but it
    # is the tag asked for, and a fix that adds it finds it there and adds nothing.
    present = nset if fields is tags else frozenset(every)
    if not item.has_caption:
        issues[("pair.orphans", "no-caption")] = ()
        return ImageState(nset, "", issues)
    if not tags:
        issues[("caption.empty", "")] = ()
    _core_style(ctx, tags, every, present, issues)
    _placeholders(ctx, tags, issues)
    _junk(ctx, tags, issues)
    caption_form.issues(ctx, item, issues)
    _must_go(ctx, norms, nset, present, issues)
    _hair_eyes(ctx, norms, issues)
    _quality(ctx, item.relpath, nset, present, issues)
    _inconsistent(ctx, item.relpath, present, issues)
    _aggregates(ctx, norms, nset, issues)
    return ImageState(nset, every[0] if every else "", issues)


def _core_style(
    ctx: RuleContext, tags: tuple[str, ...], norms: list[str], nset: frozenset[str], issues: dict
) -> None:
    if ctx.profile.bundle:
        if ctx.subjects and (not norms or norms[0] not in ctx.subjects):
            where = [s for s in ctx.subjects if s in nset]
            issues[("tags.core", "bundle-missing" if not where else "bundle-not-first")] = ()
    elif ctx.core_norm and (not norms or norms[0] != ctx.core_norm):
        # A sentence may carry it: 'a photo of ohwx woman ...' first is kept whole by
        # keep_tokens = 1 (and cannot lose it without breaking); one it leads is split.
        key = tag_key(ctx.core)
        place = first_place(tags, key)
        if not place and ctx.core_norm not in nset and not carries(tags, key):
            issues[("tags.core", "missing")] = ()
        elif place != "within":
            issues[("tags.core", "not-first")] = ()
    if ctx.style_norm and ctx.style_norm not in nset:
        issues[("tags.style", "missing")] = ()


def _junk(ctx: RuleContext, tags: tuple[str, ...], issues: dict) -> None:
    """Tagger junk and markup (``tags.junk``), prompt weights (``tags.weight-syntax``)."""
    is_junk = junk_test(ctx)
    junk = tuple(
        dict.fromkeys(
            piece
            for t in tags
            for piece in ([t] if is_junk(t) else markdown_of(t) if has_markdown(t) else [])
        )
    )
    if junk:
        issues[("tags.junk", "")] = junk
    weights = tuple(
        dict.fromkeys(
            t
            for t in tags
            if unweighted(t) is not None or prompt_only(t) or without_prompt_words(t) is not None
        )
    )
    if weights:
        issues[("tags.weight-syntax", "")] = weights


def _bracketed(tag: str) -> bool:
    return "[" in tag or "{" in tag or "<" in tag


def _placeholders(ctx: RuleContext, tags: tuple[str, ...], issues: dict) -> None:
    """``[trigger]``: another trainer's placeholder, trained literally by kohya."""
    found = tuple(
        sorted({p for t in tags if _bracketed(t) for p in ctx.placeholders if p in t.lower()})
    )
    if found:
        issues[("tags.placeholder", "")] = found


def _must_go(
    ctx: RuleContext,
    norms: list[str],
    nset: frozenset[str],
    present: frozenset[str],
    issues: dict,
) -> None:
    v = ctx.vocab
    # a field that is a blacklisted tag is that tag, wherever it stands: after a
    # Florence sentence, a rare tag read as the sentence's clause escaped the rule
    bl = tuple(sorted(n for n in present if ctx.info(n).blacklisted))
    if bl:
        issues[("tags.blacklist", "")] = bl
    if names := franchise.found_in(ctx, nset):
        issues[(franchise.RULE, "")] = names
    if v.profile.prune and v.kind_prune:
        pr = tuple(sorted(n for n in nset if ctx.info(n).prune))
        if pr:
            issues[("tags.kind-prune", "")] = pr
    if len(nset) != len(norms):
        dup = tuple(sorted(n for n, c in Counter(norms).items() if c > 1))
        issues[("tags.duplicate", "")] = dup
    pairs = []
    # Two people may differ in hair, pose or gaze: only the picture's own pairs conflict.
    people = v.several_people(nset)
    for n in nset:
        for m in v.conflicts.get(n, ()):
            if m in nset and n < m:
                if people and frozenset((n, m)) in v.person_conflicts:
                    continue
                pairs.append(f"{n} + {m}")
    if pairs:
        issues[("tags.conflict", "")] = tuple(sorted(pairs))


def _hair_eyes(ctx: RuleContext, norms: list[str], issues: dict) -> None:
    v = ctx.vocab
    if not v.profile.hair_eyes:
        return
    hair = tuple(dict.fromkeys(n for n in norms if ctx.info(n).hair))
    if hair:
        issues[("tags.hair-unique", "")] = hair
    eyes = tuple(dict.fromkeys(n for n in norms if ctx.info(n).eye))
    if eyes:
        issues[("tags.eyes-unique", "")] = eyes


def _facts_issues(ctx: RuleContext, rel: str, issues: dict) -> None:
    if ctx.facts is None:
        return
    f = ctx.facts.get(rel)
    if f is not None and getattr(f, "error_kind", None):
        msg = getattr(f, "error_message", "") or f.error_kind
        issues[("image.unreadable", "")] = (f"{f.error_kind}: {msg}",)


def is_low_quality(facts: object) -> bool:
    return bool(getattr(facts, "blurry", False) or getattr(facts, "low_res", False))


def _quality(
    ctx: RuleContext, rel: str, nset: frozenset[str], present: frozenset[str], issues: dict
) -> None:
    """Low-quality tags: asked for on a low-quality image (found in any field), flagged
    on a sharp one (as tags only)."""
    if ctx.facts is None:
        return
    f = ctx.facts.get(rel)
    if f is None or getattr(f, "error_kind", None):
        return
    # A copy augment made low resolution on purpose is low quality whatever the blur
    # measure says: a 2x shrink-and-enlarge is too mild for it (docs/calibration.md).
    if is_low_quality(f) or rel in ctx.made_low_quality:
        have = present & ctx.vocab.lowq
        if have != ctx.vocab.lowq:
            issues[("quality.lowq-tag", "missing")] = tuple(sorted(ctx.vocab.lowq - have))
        elif claims := tuple(sorted(n for n in nset if ctx.prefixes.is_claim(n))):
            # 'worst quality' beside 'score_9': both cannot be true
            issues[("quality.lowq-tag", "claims")] = claims
    elif have := nset & ctx.vocab.lowq:
        issues[("quality.lowq-tag", "misplaced")] = tuple(sorted(have))


def _inconsistent(ctx: RuleContext, rel: str, nset: frozenset[str], issues: dict) -> None:
    seen = ctx.rare_seen.get(rel)
    if not seen:
        return
    if ctx.dataset.settings.kind == "style" and not (nset - {ctx.core_norm, ctx.style_norm}):
        return  # a style tags everything or nothing: an untagged image is not 'missing' any
    missing = tuple(n for n, _name in seen if n not in nset)
    if missing:
        issues[("tags.inconsistent", "")] = missing


INTERIOR = frozenset({"interior", "indoors"})
EXTERIOR = frozenset({"exterior", "outdoors"})


def _place(nset: frozenset[str], infos: list) -> str:
    """``indoor``/``outdoor`` from the image's own tags (each image counted once):
    an explicit interior/exterior tag decides, else the majority of place words."""
    ins, outs = bool(nset & INTERIOR), bool(nset & EXTERIOR)
    if ins != outs:
        return "indoor" if ins else "outdoor"
    n_in = sum(1 for _n, i in infos if i.indoor)
    n_out = sum(1 for _n, i in infos if i.outdoor)
    if n_in == n_out:
        return ""
    return "indoor" if n_in > n_out else "outdoor"


def _aggregates(ctx: RuleContext, norms: list[str], nset: frozenset[str], issues: dict) -> None:
    """Internal keys the dataset-wide rules count."""
    v = ctx.vocab
    infos = [(n, ctx.info(n)) for n in nset]
    covered = {cid for _n, info in infos for cid in info.coverage}
    for spec in v.coverage:
        if spec.unless and spec.id in covered and not nset.isdisjoint(spec.unless):
            covered.discard(spec.id)  # a solo image is no "face of both"
    for cid in covered:
        issues[("coverage", cid)] = ()
    place = _place(nset, infos)
    if place:
        issues[("_place", place)] = ()
    if v.profile.bundle:
        issues[("_subject", norms[0] if norms else "")] = ()
        # whose body a tag is cannot be told where several people share the image
        if v.profile.hair_eyes and not several_in(v, nset, ctx.subject_cores):
            for n, info in infos:
                if info.bio and n not in ctx.subjects and n != ctx.style_norm:
                    issues[("_bio", n)] = ()
    if v.profile.kind in DETAIL_KINDS:
        details = [n for n, info in infos if info.special]
        if details:
            focus = bool(nset & v.detail_focus)
            facebody = bool(nset & v.face_body)
            for n in details:
                issues[("_detail", n)] = ()
                if focus:
                    issues[("_detail-focus", n)] = ()
                if facebody:
                    issues[("_detail-facebody", n)] = ()
    own = {ctx.core_norm, ctx.style_norm} | v.lowq
    if not (nset - own):
        issues[("_bare", "")] = ()
