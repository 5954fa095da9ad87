"""The first field of each caption as kohya keeps it: a trigger written elsewhere than
first (``tags.trigger-first``) and per-image ids written first (``tags.first-id``)."""

from __future__ import annotations

import math
import os
import re
from collections import Counter

from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.method.anchor import bare_name, carries, first_place, tag_key, trained_items
from lorapan.core.rules import fixes
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import Finding, Fix

#: ``BG-001``, ``img_12``, ``0042``, ``scene 3b``: a name that numbers one image.
ID_SHAPE = re.compile(r"^[A-Za-z]{0,12}[-_ #.]?\d{1,6}[A-Za-z]?$")
ID_SHARE = 0.5  # of captions starting with their own id before it is a finding
ID_MIN = 3


def trigger_first(v: View) -> list[Finding]:
    """While no core tag is set: the trigger is in the captions but not first in some.

    A caption whose first sentence names the trigger further on (``a photo of ohwx woman
    with ...``) has it in the field keep_tokens = 1 keeps: it is left as it is, where
    moving the trigger out would break the sentence and adding it would say it twice.
    """
    ctx = v.ctx
    t = ctx.trigger
    if t is None or not t.captions:
        return []
    key, bare = t.key, bare_name(t.tag)
    images, prefixed, leads, within, short = [], [], 0, 0, 0
    for rel, item in trained_items(ctx.dataset).items():
        if not item.tags:
            continue
        if bare is not None and tag_key(item.tags[0]) == bare:
            images.append(rel)  # 'ohwx' alone first: a second name beside 'ohwx man'
            short += 1
            continue
        place = first_place(item.tags, key)
        if place == "within":
            within += 1
        elif place == "lead" or (place != "field" and carries(item.tags, key)):
            images.append(rel)
            leads += place == "lead"
            if ctx.prefixes.lead(item.tags):
                prefixed.append(item.tags)
    if not images:
        return []
    return [_trigger_first_finding(v, images, prefixed, leads, within, short)]


def _trigger_first_finding(
    v: View,
    images: list[str],
    prefixed: list[tuple[str, ...]],
    leads: int,
    within: int,
    short: int = 0,
) -> Finding:
    t = v.ctx.trigger
    assert t is not None
    where = []
    if prefixed:
        where.append(f"after the prompt prefixes in {len(prefixed)}")
    if t.last:
        where.append(f"last in {t.last}")
    if leads:
        where.append(f"leading the first sentence in {leads}")
    place = f" ({', '.join(where)})" if where else ""
    msg = (
        f"the trigger '{t.tag}' ({t.describe(v.total)}) is not the first field of "
        f"{plural(len(images), 'caption')}{place}: "
    )
    why = []
    block: tuple[str, ...] = ()
    if len(images) > leads:
        kept = "the first comma field"
        if prefixed:
            block = prefixed[0][: v.ctx.prefixes.lead(prefixed[0])]
            kept = f"the first comma field (here '{block[0]}', a prompt prefix that says nothing about the subject)"
        why.append(
            f"keep_tokens = 1 keeps only {kept} fixed, so the trigger is shuffled with the "
            "rest and the subject is not tied to it"
        )
    if leads:
        why.append(
            "where it leads a sentence, keep_tokens = 1 keeps it with the whole sentence, "
            "a different first field in each caption instead of the trigger alone"
        )
    msg += "; ".join(why) + ". The fix puts it first as its own field and drops its other copies"
    if block:
        msg += (
            f"; the prefixes ('{', '.join(block)}') follow it in their order (shuffled with "
            "the other tags, as all but the first were already)"
        )
    if leads:
        msg += "; a sentence it leads is split after it, the trigger kept whole"
    if short:
        bare = bare_name(t.tag)
        msg += (
            f"; {plural(short, 'caption')} start with '{bare}' alone, a second name for the "
            f"same subject that would train beside '{t.tag}': the fix writes the whole name"
        )
    msg += "."
    if within:
        msg += (
            f" {plural(within, 'caption')} name it inside the first sentence, which "
            "keep_tokens = 1 keeps whole: left as written (moving it out would break the "
            "sentence, adding it would say it twice)."
        )
    fix = fixes.core_fix(f"put '{t.tag}' first in each caption", t.tag, images)
    fix = Fix(fix.label, fix.planner, "tags.trigger-first", moves_anchor=True)
    return Finding("tags.trigger-first", "warning", msg, images, fix)


def is_id(tag: str, stem: str) -> bool:
    """A first field that names one image: an id shape, or the file's own stem."""
    t = tag.strip()
    return bool(ID_SHAPE.match(t)) or tag_key(t) == tag_key(stem)


def id_images(ds: Dataset) -> list[str]:
    """Images kohya trains whose caption starts with an id no other caption starts with."""
    items = trained_items(ds)
    firsts = Counter(tag_key(it.tags[0]) for it in items.values() if it.tags)
    out = []
    for rel, item in items.items():
        if not item.tags or firsts[tag_key(item.tags[0])] != 1:
            continue
        stem = os.path.splitext(os.path.basename(rel))[0]
        if is_id(item.tags[0], stem):
            out.append(rel)
    return out


def first_ids(v: View) -> list[Finding]:
    ds = v.ctx.dataset
    captioned = sum(1 for it in trained_items(ds).values() if it.tags)
    images = id_images(ds)
    if len(images) < max(ID_MIN, math.ceil(ID_SHARE * captioned)):
        return []
    shown = ", ".join(f"'{ds.items[r].tags[0]}'" for r in images[:3])
    shape = v.ctx.profile.core_shape.format(name=v.ctx.vocab.name or "<name>")
    msg = (
        f"{plural(len(images), 'caption')} start with a per-image id ({shown}, …): "
        "keep_tokens = 1 keeps each caption's first field fixed, so every image keeps its "
        "own meaningless token and none of them ties the subject to one tag. The fix "
        f"removes the ids; then put one core tag first (shape for this kind: '{shape}')."
    )

    def planner(dataset: Dataset) -> list[TagChange]:
        now = set(id_images(dataset))
        return [
            TagChange(rel, dataset.items[rel].tags, dataset.items[rel].tags[1:])
            for rel in images
            if rel in now and not dataset.items[rel].read_only
        ]

    fix = Fix(
        "remove the per-image ids from the front", planner, "tags.first-id", moves_anchor=True
    )
    return [Finding("tags.first-id", "warning", msg, images, fix)]
