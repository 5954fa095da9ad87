"""Fixes: tag edits computed from the captions as they are when the fix is planned.

Planners read the dataset at plan time (not the finding's snapshot), so a preview
always shows what applying would do now, and a fix applied twice changes nothing the
second time. :func:`apply_fix` writes settings first (not journaled) and then the
tag changes through the journal, so ``lorapan undo`` reverts the caption edits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

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
)
from lorapan.core.method.junk import has_markdown, junk_reason, strip_markdown, unweighted
from lorapan.core.method.vocab import name_from_core, slug
from lorapan.core.rules import bundles
from lorapan.core.rules.context import RuleContext, norm
from lorapan.core.rules.model import Fix
from lorapan.core.settings import save_settings

Tags = tuple[str, ...]


def _current(ds: Dataset, images: Iterable[str]) -> tuple[dict[str, Tags], list[str]]:
    rels = [r for r in images if r in ds.items and not ds.items[r].read_only]
    return {r: ds.items[r].tags for r in rels}, rels


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
        current, rels = _current(ds, frozen)
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


def junk_fn(tags: Tags) -> Tags:
    """Rating and meta tags go; markdown around a token is unwrapped."""
    out = []
    for t in tags:
        if junk_reason(t):
            continue
        out.append(strip_markdown(t) if has_markdown(t) else t)
    return dedupe(tuple(out))


def unweight_fn(tags: Tags) -> Tags:
    """``(no humans)`` -> ``no humans`` (dropped when the caption has it already)."""
    return dedupe(tuple(unweighted(t) or t for t in tags))


def core_fix(label: str, core: str, images: list[str]) -> Fix:
    return tag_fix("tags.core", label, images, core_fn(core), moves_anchor=True)


def style_fix(ctx: RuleContext, style: str, images: list[str], label: str = "") -> Fix:
    """Insert the style tag right after the anchor (never in front of the first field)."""
    tag = ctx.styled(style)
    return anchored_fix(
        "tags.style",
        label or f"insert '{tag}' after the core tag",
        images,
        lambda anchor: lambda tags: insert_after_anchor(tags, tag, anchor),
    )


def lowq_add_fn(ctx: RuleContext, anchor: Anchor) -> Callable[[Tags], Tags]:
    """Add the low-quality tags after the leading anchor and style tags."""

    def fn(tags: Tags) -> Tags:
        pos = lead_length(tags, anchor, (ctx.style,))
        for t in ctx.vocab.lowq_list:
            before = len(tags)
            tags = add_tag(tags, ctx.styled(t), pos)
            pos += len(tags) - before
        return tags

    return fn


def dedupe_fn(tags: Tags) -> Tags:
    return dedupe(tags)


# ---- hair / eyes -------------------------------------------------------------
def unique_tag(ctx: RuleContext, counts: Mapping[str, int], part: str) -> tuple[str | None, str]:
    """The ``<colour>_<name>_<part>`` tag to merge into, or None with the reason.

    An existing unique tag wins (the most common one); otherwise the dominant
    ``<colour> hair`` / ``<colour> eyes`` tag gives the colour.
    """
    v = ctx.vocab
    if not v.name:
        return None, "set the character's name first ([dataset] name in lorapan.toml)"
    is_unique = v.is_unique_hair if part == "hair" else v.is_unique_eyes
    colour_of = v.hair_colour if part == "hair" else v.eye_colour
    existing = [(c, t) for t, c in counts.items() if c > 0 and is_unique(t)]
    if existing:
        _c, tag = max(existing, key=lambda ct: (ct[0], ct[1]))
        return ctx.dataset.index.display(tag), ""
    colours = [(c, colour_of(t)) for t, c in counts.items() if c > 0 and colour_of(t)]
    if not colours:
        return None, f"no '<colour> {part}' tag to take the colour from; add the tag by hand"
    _c, colour = max(colours, key=lambda cc: (cc[0], cc[1]))
    return spell_unique(ctx, colour, v.name, part), ""


def spell_unique(ctx: RuleContext, colour: str, name: str, part: str) -> str:
    """``<colour>_<name>_<part>`` in the dataset's tag style, the name as written
    (``red M1N2N3Z4_K eyes`` in a set that writes tags with spaces)."""
    sep = "_" if ctx.tag_style == "underscores" else " "
    words = [*colour.split(), name.strip(), part]
    if sep == "_":
        words = [w.replace(" ", "_") for w in words]
    return sep.join(w for w in words if w)


def _spell_unique(ctx: RuleContext, normed: str) -> str:
    """An existing unique tag (norm form) respelled in the dataset's style."""
    tag = slug(normed)
    return tag if ctx.tag_style == "underscores" else tag.replace("_", " ")


def merge_fn(is_part: Callable[[str], bool], unique: str) -> Callable[[Tags], Tags]:
    """Replace every tag where ``is_part`` holds by ``unique``, at the first one's place."""
    key = norm(unique)

    def fn(tags: Tags) -> Tags:
        idx = [i for i, t in enumerate(tags) if is_part(norm(t))]
        if not idx:
            return tags
        first = idx[0]
        out: list[str] = []
        for i, t in enumerate(tags):
            if i == first:
                out.append(unique)
            if i in idx or norm(t) == key:
                continue
            out.append(t)
        return tuple(out)

    return fn


def hair_eyes_fix(
    ctx: RuleContext, counts: Mapping[str, int], part: str, images: list[str]
) -> tuple[Fix | None, str]:
    if ctx.profile.bundle and ctx.profile.hair_eyes:
        return bundle_hair_eyes_fix(ctx, part, images)
    if ctx.profile.hair_eyes != "fix":
        return None, "tags cannot tell whose hair/eyes each tag describes: merge them by hand"
    unique, why = unique_tag(ctx, counts, part)
    if unique is None:
        return None, why
    is_part = ctx.vocab.is_hair_tag if part == "hair" else ctx.vocab.is_eye_tag
    words = "hair colour/style" if part == "hair" else "eye colour"
    label = f"replace {words} tags with '{unique}' (other people's go too)"
    return tag_fix(f"tags.{part}-unique", label, images, merge_fn(is_part, unique)), ""


# ---- bundles -------------------------------------------------------------------
def _several_people(ctx: RuleContext, tags: Tags) -> bool:
    return any(norm(t) in ctx.vocab.multi_person for t in tags)


def _subject_unique(ctx: RuleContext, name: str, tags_seen: list[Tags], part: str) -> str | None:
    """One subject's ``<colour>_<name>_<part>``: its own existing unique tag (the most
    common), else its dominant ``<colour> hair`` / ``<colour> eyes`` tag's colour."""
    v = ctx.vocab
    colour_of = v.hair_colour if part == "hair" else v.eye_colour
    suffix = f" {name} {part}"
    counts: Counter[str] = Counter(norm(t) for tags in tags_seen for t in tags)
    own = [(c, t) for t, c in counts.items() if t.endswith(suffix) and len(t) > len(suffix)]
    if own:
        return _spell_unique(ctx, max(own)[1])
    colours = [(c, colour_of(t)) for t, c in counts.items() if colour_of(t)]
    if not colours:
        return None
    return _spell_unique(ctx, f"{max(colours)[1]}{suffix}")


def bundle_uniques(
    ctx: RuleContext, ds: Dataset, part: str, images: Iterable[str]
) -> list[tuple[str, list[str]]]:
    """Per bundle subject: its unique tag and which of ``images`` it goes into.

    Each image belongs to one subject (folder, ``[rules] subjects`` or first tag),
    so the subject's own images give the colour. Images showing several people
    (``2girls``, ``couple``, ...) are left out: tags cannot tell whose hair is whose.
    """
    wanted = set(images)
    out = []
    for subject, rels in bundles.subjects(ds).items():
        name = slug(name_from_core(subject))
        solo = [
            r
            for r in rels
            if r in ds.items
            and not ds.items[r].read_only
            and not _several_people(ctx, ds.items[r].tags)
        ]
        mine = [r for r in solo if r in wanted]
        if not name or not mine:
            continue
        unique = _subject_unique(
            ctx, name.replace("_", " "), [ds.items[r].tags for r in solo], part
        )
        if unique is not None:
            out.append((unique, mine))
    return out


def bundle_hair_eyes_fix(ctx: RuleContext, part: str, images: list[str]) -> tuple[Fix | None, str]:
    """``tags.hair-unique`` / ``tags.eyes-unique`` in a character bundle: merge per subject."""
    now = bundle_uniques(ctx, ctx.dataset, part, images)
    if not now:
        return None, (
            "no subject's own images carry a '<colour> "
            f"{part}' tag to take the colour from, or several people share the images; "
            "merge them by hand"
        )
    is_part = ctx.vocab.is_hair_tag if part == "hair" else ctx.vocab.is_eye_tag
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        out: list[TagChange] = []
        for unique, rels in bundle_uniques(ctx, ds, part, frozen):
            current, rels = _current(ds, rels)
            out.extend(plan(current, rels, merge_fn(is_part, unique)))
        return out

    words = "hair colour/style" if part == "hair" else "eye colour"
    examples = ", ".join(f"'{u}'" for u, _ in now[:3]) + (", ..." if len(now) > 3 else "")
    label = f"replace each character's {words} tags with its own unique tag ({examples})"
    if sum(len(r) for _, r in now) < len(images):
        label += " (images with several people, or no colour tag, are left to merge by hand)"
    return Fix(label, planner, f"tags.{part}-unique"), ""


def bio_overlap_fix(ctx: RuleContext, tag: str, owners: list[str]) -> Fix:
    """Turn the shared body tag ``tag`` (norm form) into one tag per character.

    Planned with :func:`lorapan.core.rules.bundles.bio_overlap_changes` on the
    subjects as they are at plan time (``green hair`` -> ``green_gob_hair``, ...).
    """

    def planner(ds: Dataset) -> list[TagChange]:
        subject_map = bundles.subjects(ds)
        overlap = bundles.bio_overlap(ds, subject_map, is_body=lambda t: t == tag)
        return bundles.bio_overlap_changes(ds, overlap, subject_map, sep)

    sep = "_" if ctx.tag_style == "underscores" else " "
    examples = ", ".join(f"'{bundles.unique_tag(tag, s, sep)}'" for s in owners[:3])
    label = f"replace '{tag}' with one tag per character ({examples})"
    return Fix(label, planner, "bundle.bio-overlap")


# ---- core tag proposal ----------------------------------------------------------
def propose_core(ctx: RuleContext, first_counts: Mapping[str, int], total: int) -> str | None:
    """The dataset's trigger (spelled as written), else the first tag every caption starts
    with, else the kind's shape from the name. A tag every caption merely carries
    somewhere (``no humans``) describes the pictures, not the subject: not proposed."""
    ds = ctx.dataset
    trigger = ctx.trigger
    if trigger is not None:
        return trigger.tag
    if total:
        for first, n in first_counts.items():
            if n == total and first:
                return ds.index.display(first)
    name = ds.settings.name.strip()
    if name:
        return ctx.vocab.profile.core_shape.format(name=name)
    return None


def core_proposal_fix(ctx: RuleContext, proposal: str) -> Fix:
    fn = core_fn(proposal)

    def planner(ds: Dataset) -> list[TagChange]:
        current, rels = _current(ds, [r for r, it in ds.items.items() if it.has_caption])
        return plan(current, rels, fn)

    label = (
        f"set core tag '{proposal}' in lorapan.toml (a settings write, not undone by "
        "`lorapan undo`) and put it first in every caption"
    )
    return Fix(label, planner, "tags.core", settings={"core_tag": proposal}, moves_anchor=True)


def new_caption_fix(ctx: RuleContext, images: list[str]) -> Fix:
    first = [t for t in (ctx.core, ctx.style) if t]
    frozen = tuple(images)

    def planner(ds: Dataset) -> list[TagChange]:
        out = []
        for rel in frozen:
            item = ds.items.get(rel)
            if item is not None and not item.has_caption and first:
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
            if item is None or item.read_only:
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

    def to_dict(self) -> dict:
        return {
            "rule": self.rule_id,
            "label": self.label,
            "settings": self.settings,
            "changes": [c.to_dict() for c in self.changes],
            "result": self.result.to_dict() if self.result else None,
        }


def apply_fix(ds: Dataset, fix: Fix, dry_run: bool = False) -> FixOutcome:
    """Write the fix's settings (if any), then its tag changes through the journal."""
    if fix.settings and not dry_run:
        for key, value in fix.settings.items():
            setattr(ds.settings, key, value)
        save_settings(ds.root, ds.settings)
    changes = fix.plan(ds)
    if dry_run or not changes:
        return FixOutcome(fix.rule_id, fix.label, changes, None, fix.settings)
    result = ds.apply_changes(changes, label=fix.journal_label)
    return FixOutcome(fix.rule_id, fix.label, changes, result, fix.settings)


# ---- composing several fixes into one journal transaction ----------------------------------
class _OverlayItem:
    __slots__ = ("folder", "has_caption", "read_only", "tags")

    def __init__(self, tags: Tags, has_caption: bool, read_only: bool, folder: object) -> None:
        self.tags = tags
        self.has_caption = has_caption
        self.read_only = read_only
        self.folder = folder


class _OverlayItems(Mapping):
    """The dataset's items with the tags earlier fixes in a batch would write."""

    def __init__(self, base: Mapping, changed: dict[str, _OverlayItem]) -> None:
        self._base = base
        self._changed = changed

    def __getitem__(self, rel: str):  # noqa: ANN204
        return self._changed[rel] if rel in self._changed else self._base[rel]

    def __iter__(self):  # noqa: ANN204
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


class _Overlay:
    def __init__(self, ds: Dataset) -> None:
        self.root = ds.root
        self.settings = ds.settings
        self.index = ds.index
        self.changed: dict[str, _OverlayItem] = {}
        self.items = _OverlayItems(ds.items, self.changed)

    def record(self, change: TagChange) -> None:
        old = self.items[change.relpath]
        has = old.has_caption or bool(change.after)
        self.changed[change.relpath] = _OverlayItem(
            tuple(change.after), has, old.read_only, getattr(old, "folder", None)
        )


def compose(
    ds: Dataset, batch: Iterable[Fix]
) -> tuple[list[TagChange], list[tuple[Fix, list[TagChange]]]]:
    """Plan fixes one after another as if each were applied; one change per image in all.

    Returns the combined changes (for one journal transaction, so one undo reverts
    the whole batch) and each fix's own steps (for the report).
    """
    overlay = _Overlay(ds)
    steps = []
    for fix in batch:
        changes = fix.plan(overlay)  # type: ignore[arg-type]
        for ch in changes:
            overlay.record(ch)
        steps.append((fix, changes))
    combined = []
    for rel, item in overlay.changed.items():
        before = ds.items[rel].tags
        if item.tags != before or (item.tags and not ds.items[rel].has_caption):
            combined.append(TagChange(rel, before, item.tags))
    order = {rel: i for i, rel in enumerate(ds.items)}
    combined.sort(key=lambda c: order.get(c.relpath, 0))
    return combined, steps
