"""Fixes: tag edits computed from the captions as they are when the fix is planned.

Planners read the dataset at plan time (not the finding's snapshot), so a preview
always shows what applying would do now, and a fix applied twice changes nothing the
second time. :func:`apply_fix` writes the tag changes and the settings a fix sets in
one journal transaction, so ``lorapan undo`` reverts both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from lorapan.core import triage
from lorapan.core.dataset import ApplyResult, Dataset
from lorapan.core.edits import (
    TagChange,
    add_tag,
    dedupe,
    plan,
    remove_tag,
)
from lorapan.core.method.anchor import (
    Anchor,
    anchor_of,
    insert_after_anchor,
    lead_length,
    put_first,
    tag_key,
)
from lorapan.core.method.junk import (
    has_markdown,
    junk_reason,
    prompt_only,
    strip_markdown,
    unweighted,
    without_prompt_words,
)
from lorapan.core.method.names import not_a_name
from lorapan.core.method.prose import is_sentence, past_sentence
from lorapan.core.rules.compose import compose  # noqa: F401 - planned here, composed there
from lorapan.core.rules.context import RuleContext, norm, trains
from lorapan.core.rules.kind_pin import kind_to_pin
from lorapan.core.rules.model import Fix

Tags = tuple[str, ...]


def current_tags(ds: Dataset, images: Iterable[str]) -> tuple[dict[str, Tags], list[str]]:
    """The writable captions of ``images`` that kohya trains: a caption in a folder it
    ignores (a ``solos/`` folder of collage material) teaches nothing, and no tag fix
    writes it (the rules ask nothing of it: ``perimage.analyse``)."""
    items = ds.items
    rels = [r for r in images if r in items and not items[r].read_only and trains(ds, items[r])]
    return {r: items[r].tags for r in rels}, rels


def tag_fix(
    rule_id: str,
    label: str,
    images: list[str],
    fn: Callable[[Tags], Tags],
    *,
    moves_anchor: bool = False,
) -> Fix:
    """A fix that runs the same tag function over ``images``."""
    return anchored_fix(rule_id, label, images, lambda _anchor: fn, moves_anchor=moves_anchor)


def anchored_fix(
    rule_id: str,
    label: str,
    images: list[str],
    make: Callable[[Anchor], Callable[[Tags], Tags]],
    *,
    moves_anchor: bool = False,
) -> Fix:
    """A fix whose tag function depends on the anchor as it is when the fix is planned."""
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        current, rels = current_tags(ds, frozen)
        return plan(current, rels, make(anchor_of(ds)))

    return Fix(label, planner, rule_id, moves_anchor=moves_anchor)


def remove_norms(tags: Tags, norms: frozenset[str]) -> Tags:
    return tuple(t for t in tags if norm(t) not in norms)


def core_fn(core: str) -> Callable[[Tags], Tags]:
    """The core tag first, its other copies (``core.``, a sentence led by it) gone."""
    return lambda tags: put_first(tags, core)


def placeholder_fn(placeholders: frozenset[str], core: str) -> Callable[[Tags], Tags]:
    """``[trigger] selfie at home`` -> ``core, selfie at home``: the placeholder's text
    goes, and the core tag becomes the caption's own first field."""

    def fn(tags: Tags) -> Tags:
        out = []
        for t in tags:
            for p in placeholders:
                t = re.sub(re.escape(p), " ", t, flags=re.IGNORECASE)
            t = " ".join(t.split())
            if t:
                out.append(t)
        return put_first(tuple(out), core)

    return fn


def junk_test(ctx: RuleContext) -> Callable[[str], bool]:
    """Whether a tag is junk in this dataset: a rating or meta tag, except where the set
    follows Pony's prompt-prefix convention (``score_9, ..., rating_safe``): there
    ``rating_safe`` is the base model's own rating word, written per image on purpose,
    and only a tagger's ``rating:general`` goes (the guide's list names meta tags that
    conflict, such as 'official style', not ratings)."""
    if not ctx.prefix_convention:
        return lambda t: bool(junk_reason(t))
    prefixes = ctx.prefixes
    return lambda t: bool(
        (why := junk_reason(t)) and not (why == "a rating tag" and prefixes.is_prefix(t))
    )


def junk_fn(is_junk: Callable[[str], bool]) -> Callable[[Tags], Tags]:
    """Junk tags go; markdown around a token is unwrapped."""

    def fn(tags: Tags) -> Tags:
        out = []
        for t in tags:
            if is_junk(t):
                continue
            out.append(strip_markdown(t) if has_markdown(t) else t)
        return dedupe(tuple(out))

    return fn


def unweight_fn(tags: Tags) -> Tags:
    """``(no humans)`` -> ``no humans`` (dropped when the caption has it already),
    ``(masterpiece, best quality:1.1)`` -> ``masterpiece, best quality``; ``BREAK``,
    ``<lora:...>`` and ``embedding:...`` go."""
    out = (_unprompted(unweighted(t) or t) for t in tags)
    return dedupe(tuple(t for t in out if t and not prompt_only(t)))


def _unprompted(tag: str) -> str:
    cleaned = without_prompt_words(tag)
    return tag if cleaned is None else cleaned


def core_fix(label: str, core: str, images: list[str]) -> Fix:
    return tag_fix("tags.core", label, images, core_fn(core), moves_anchor=True)


def style_fix(ctx: RuleContext, style: str, images: list[str], label: str = "") -> Fix:
    """Insert the style tag right after the anchor (never in front of the first field)."""
    tag = ctx.styled(style)
    return anchored_fix(
        "tags.style",
        label or f"insert '{tag}' after the core tag",
        images,
        lambda anchor: lambda tags: insert_after_anchor(tags, tag, anchor, past_sentence),
    )


def lowq_add_fn(ctx: RuleContext, anchor: Anchor) -> Callable[[Tags], Tags]:
    """Add the low-quality tags after the leading anchor, style and prompt-prefix tags;
    never in front of a caption's first field (without an anchor, that field is what
    keep_tokens = 1 holds, as in :func:`insert_after_anchor`). The caption's quality
    claims (``score_9``, ``best quality``) go: a blurry image is not that, and keeping
    them would tie the blur to the tags prompts use to ask for quality."""

    def fn(tags: Tags) -> Tags:
        tags = tuple(t for t in tags if not anchor.prefixes.is_claim(t)) or tags
        pos = lead_length(tags, anchor, (ctx.style,))
        pos += anchor.prefixes.lead(tags[pos:])
        pos = past_sentence(tags, pos or min(len(tags), 1))
        for t in ctx.vocab.lowq_list:
            before = len(tags)
            tags = add_tag(tags, ctx.styled(t), pos)
            pos += len(tags) - before
        return tags

    return fn


def dedupe_fn(tags: Tags) -> Tags:
    return dedupe(tags)


# ---- core tag proposal ----------------------------------------------------------
def propose_core(ctx: RuleContext, first_counts: Mapping[str, int], total: int) -> str | None:
    """The dataset's trigger (spelled as written), else the first tag every caption starts
    with (unless a tagger or a booru wrote it: :func:`~lorapan.core.method.names.not_a_name`),
    else the kind's shape from the name. A tag every caption merely carries
    somewhere (``no humans``) describes the pictures, not the subject: not proposed."""
    ds = ctx.dataset
    trigger = ctx.trigger
    if trigger is not None:
        return trigger.tag
    if total:
        for first, n in first_counts.items():
            shown = ds.index.display(first) if first else ""
            if n == total and first and not not_a_name(tag_key(first)) and not is_sentence(shown):
                # not '1girl' (a tagger's), 'mocha_(cotton)' (a booru's artist) nor the
                # sentence a captioner opens every caption with ('This image shows a ...')
                return shown
    name = ds.settings.name.strip()
    if name:
        return ctx.vocab.profile.core_shape.format(name=name)
    return None


def core_proposal_fix(ctx: RuleContext, proposal: str) -> Fix:
    fn = core_fn(proposal)

    def planner(ds: Dataset) -> list[TagChange]:
        # (current_tags leaves out a solos/ folder kohya ignores: collage material)
        current, rels = current_tags(ds, [r for r, it in ds.items.items() if it.has_caption])
        return plan(current, rels, fn)

    label = (
        f"set core tag '{proposal}' in lorapan.toml and put it first in every caption "
        "(one undo reverts both)"
    )
    return Fix(label, planner, "tags.core", settings={"core_tag": proposal}, moves_anchor=True)


def new_caption_fix(ctx: RuleContext, images: list[str]) -> Fix:
    first = [t for t in (ctx.core, ctx.style) if t]
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        out = []
        for rel in frozen:
            item = ds.items.get(rel)
            if item is not None and not item.has_caption and first and trains(ds, item):
                out.append(TagChange(rel, (), tuple(first)))
        return out

    label = f"create the missing captions with '{', '.join(first)}' (then tag them)"
    return Fix(label, planner, "pair.orphans")


def inconsistent_fix(ctx: RuleContext, images: list[str], label: str = "") -> Fix:
    """Add, per image, the rarely seen elements the tagger saw that its caption lacks."""
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        out = []
        for rel in frozen:
            item = ds.items.get(rel)
            if item is None or item.read_only or not trains(ds, item):
                continue
            tags = item.tags
            for _n, name in ctx.rare_seen.get(rel, []):
                tags = add_tag(tags, ctx.styled(name))
            if tags != item.tags:
                out.append(TagChange(rel, item.tags, tags))
        return out

    return Fix(label or "add the missing tags the tagger saw", planner, "tags.inconsistent")


def remove_fix(rule_id: str, label: str, images: list[str], norms: frozenset[str]) -> Fix:
    return tag_fix(rule_id, label, images, lambda t: remove_norms(t, norms))


def remove_one_fix(rule_id: str, tag: str, images: list[str]) -> Fix:
    return tag_fix(rule_id, f"remove '{tag}'", images, lambda t: remove_tag(t, tag))


# ---- applying ----------------------------------------------------------------------
@dataclass
class FixOutcome:
    rule_id: str
    label: str
    changes: list[TagChange]
    result: ApplyResult | None
    settings: dict | None = None
    pinned_kind: str | None = None  # the inferred kind written with the fix (kind_pin)

    def to_dict(self) -> dict:
        return {
            "rule": self.rule_id,
            "label": self.label,
            "settings": self.settings,
            "changes": [c.to_dict() for c in self.changes],
            "result": self.result.to_dict() if self.result else None,
        }


def apply_fix(ds: Dataset, fix: Fix, dry_run: bool = False) -> FixOutcome:
    """Apply the fix's tag changes and the settings it sets (if any) as one journal
    transaction, so ``lorapan undo`` reverts both; with caption changes under a kind
    only inferred, that kind is written with them (:mod:`.kind_pin`).

    A fix that sets images aside moves them (with their captions) to
    ``.lorapan/excluded`` in one journal transaction: ``lorapan undo`` brings them back.
    """
    if fix.sets_aside:
        return apply_set_aside(ds, fix, dry_run)
    if fix.renames:
        return apply_renames(ds, fix, dry_run)
    if fix.rewrites:
        return apply_rewrites(ds, fix, dry_run)
    updates = dict(fix.settings or {})
    if updates and not dry_run:  # planned with the settings it sets
        for key, value in updates.items():
            ds.settings.assign(key, value)
    changes = fix.plan(ds)
    if dry_run or not (changes or updates):
        return FixOutcome(fix.rule_id, fix.label, changes, None, fix.settings)
    pinned = kind_to_pin(ds, changes) if changes else None
    if pinned:
        updates["kind"] = pinned
    result = ds.apply_changes(changes, label=fix.journal_label, settings=updates)
    pinned = pinned if result.settings else None
    return FixOutcome(fix.rule_id, fix.label, changes, result, fix.settings, pinned)


def apply_set_aside(ds: Dataset, fix: Fix, dry_run: bool = False) -> FixOutcome:
    """Plan a set-aside fix and, unless ``dry_run``, move its images out (journaled)."""
    steps = fix.plan(ds)
    if dry_run or not steps:
        return FixOutcome(fix.rule_id, fix.label, steps, None)
    label = f"{fix.journal_label}: set aside {len(steps)} image{'s' * (len(steps) != 1)}"
    result = triage.set_aside(ds, [s.relpath for s in steps], label=label)
    return FixOutcome(fix.rule_id, fix.label, steps, result)


def apply_renames(ds: Dataset, fix: Fix, dry_run: bool = False) -> FixOutcome:
    """Plan a renaming fix and, unless ``dry_run``, rename its files (journaled)."""
    steps = fix.plan(ds)
    if dry_run or not steps:
        return FixOutcome(fix.rule_id, fix.label, steps, None)
    label = f"{fix.journal_label}: rename {len(steps)} file{'s' * (len(steps) != 1)}"
    result = triage.rename(ds, [(s.relpath, s.src, s.dest) for s in steps], label=label)
    return FixOutcome(fix.rule_id, fix.label, steps, result)


def apply_rewrites(ds: Dataset, fix: Fix, dry_run: bool = False) -> FixOutcome:
    """Plan a fix that rewrites image files (an EXIF orientation, transparency) and, unless
    ``dry_run``, rewrite them (journaled: undo restores the files byte for byte)."""
    from lorapan.core.rules.image_fixes import rewrite

    steps = fix.plan(ds)
    if dry_run or not steps:
        return FixOutcome(fix.rule_id, fix.label, steps, None)
    label = f"{fix.journal_label}: rewrite {len(steps)} image{'s' * (len(steps) != 1)}"
    return FixOutcome(fix.rule_id, fix.label, steps, rewrite(ds, steps, label))
