"""What to do with predictions: suggest them, add the missing ones, or replace captions.

Every write is a list of :class:`TagChange` applied through
:meth:`Dataset.apply_changes`, so it is journaled and one ``undo`` reverts it.

- **suggest** writes nothing: it lists, per image, the predicted tags the caption lacks
  (with scores) for review; :func:`accept` then adds the chosen ones.
- **add-missing** appends the predicted tags a caption lacks, in score order.
- **replace** writes the predicted caption with the core tag and the style tag first.
  Without a configured core tag, the caption's anchor (the tag every caption of its
  folder starts with: the trigger word of most kohya datasets) is kept in front instead
  (:mod:`lorapan.core.method.anchor`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import ApplyResult, Dataset
from lorapan.core.edits import TagChange, add_tag, dedupe, has_tag
from lorapan.core.method.anchor import Anchor, anchor_of, tag_key
from lorapan.core.tagger.predict import Prediction

MODES = ("suggest", "add-missing", "replace")
Predictions = Mapping[str, list[Prediction]]


def missing(tags: Iterable[str], predictions: list[Prediction]) -> list[Prediction]:
    """Predictions the caption does not have yet (compared normalised)."""
    have = {norm_tag(t) for t in tags}
    return [p for p in predictions if norm_tag(p.tag) not in have]


def suggestions(ds: Dataset, predictions: Predictions) -> dict[str, list[Prediction]]:
    """relpath -> predictions its caption lacks (images with nothing to add left out)."""
    out = {}
    for rel, preds in predictions.items():
        item = ds.items.get(rel)
        if item is None:
            continue
        lacking = missing(item.tags, preds)
        if lacking:
            out[rel] = lacking
    return out


def plan_add_missing(ds: Dataset, predictions: Predictions) -> list[TagChange]:
    changes = []
    for rel, preds in predictions.items():
        item = ds.items.get(rel)
        if item is None or item.read_only:
            continue
        after = item.tags
        for p in missing(after, preds):
            after = add_tag(after, p.tag)
        if after != item.tags:
            changes.append(TagChange(rel, item.tags, after))
    return changes


def leading_tags(
    ds: Dataset, before: tuple[str, ...], anchor: Anchor | None = None
) -> tuple[str, ...]:
    """The tags a replaced caption starts with: core tag (or the caption's anchor), style tag."""
    anchor = anchor_of(ds) if anchor is None else anchor
    core = ds.settings.core_tag.strip()
    if not core and before and tag_key(before[0]) in anchor.keys:
        core = before[0]
    style = ds.settings.style_tag.strip()
    return dedupe(tuple(t for t in (core, style) if t))


def plan_replace(ds: Dataset, predictions: Predictions) -> list[TagChange]:
    changes = []
    anchor = anchor_of(ds)
    for rel, preds in predictions.items():
        item = ds.items.get(rel)
        if item is None or item.read_only:
            continue
        lead = leading_tags(ds, item.tags, anchor)
        keys = {tag_key(t) for t in lead}
        after = dedupe(lead + tuple(p.tag for p in preds if tag_key(p.tag) not in keys))
        if after != item.tags:
            changes.append(TagChange(rel, item.tags, after))
    return changes


def plan(ds: Dataset, predictions: Predictions, mode: str) -> list[TagChange]:
    """The changes ``mode`` makes (none for suggest)."""
    if mode == "add-missing":
        return plan_add_missing(ds, predictions)
    if mode == "replace":
        return plan_replace(ds, predictions)
    if mode == "suggest":
        return []
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


def accept(
    ds: Dataset, accepted: Mapping[str, Iterable[str]], label: str = "accept suggestions"
) -> ApplyResult:
    """Add accepted suggestions (relpath -> tags) to captions, as one undoable edit."""
    changes = []
    for rel, tags in accepted.items():
        item = ds.items.get(rel)
        if item is None:
            continue
        after = item.tags
        for tag in tags:
            if not has_tag(after, tag):
                after = add_tag(after, tag)
        if after != item.tags:
            changes.append(TagChange(rel, item.tags, after))
    return ds.apply_changes(changes, label)
