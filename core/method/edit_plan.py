"""Planning a bulk tag edit with the anchor held first: what `lorapan edit` (and the app) plan.

A user's edit of *other* tags must not move the dataset's anchor (the core tag, or the
tag every caption starts with) out of the first field that ``keep_tokens = 1`` holds:
``--add X --at 0``, ``--front X`` and ``--sort`` put their tags right after it, and
``--tag-style`` never respells it, a trigger found elsewhere (a folder token, a trigger
written last) or a kaomoji. Removing or renaming the anchor itself is the user's call
and goes through unchanged.

:func:`plan_edit` reports how many captions it held, so a command can say why ``--front``
did not put a tag first and how to change that (confirm another core tag).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.edits import TagChange, Tags
from lorapan.core.method.anchor import Anchor, anchor_of, protect_anchor, restyle, tag_key
from lorapan.core.method.triggers import find_triggers

TagFn = Callable[[Tags], Tags]


@dataclass
class EditPlan:
    """The changes of one edit, the anchor it held, and in how many captions it had to."""

    changes: list[TagChange] = field(default_factory=list)
    anchor: Anchor = field(default_factory=Anchor)
    held: int = 0  # captions where the edit would have moved the anchor from first place

    def held_note(self) -> str:
        """One line for the user when the anchor was held ('' when it never had to be)."""
        if not self.held:
            return ""
        name = self.anchor.single or ", ".join(sorted(self.anchor.spellings.values()))
        n = self.held
        how = (
            "confirm another core_tag in lorapan.toml to lead with it"
            if self.anchor.source != "core tag"
            else "change core_tag in lorapan.toml to lead with another tag"
        )
        return (
            f"kept {name!r} first in {n} caption{'s' * (n != 1)}: it is the dataset's "
            f"anchor ({self.anchor.source}), the field keep_tokens = 1 holds; {how}"
        )


def protected_keys(dataset: Any, anchor: Anchor) -> Anchor:
    """The anchor plus every trigger of the dataset: the spellings a restyle keeps."""
    spellings = dict(anchor.spellings)
    for trigger in find_triggers(dataset):
        spellings.setdefault(trigger.key, trigger.tag)
    return Anchor(frozenset(spellings), spellings, anchor.source, anchor.prefixes)


def restyler(dataset: Any, style: str, anchor: Anchor | None = None) -> TagFn:
    """``--tag-style``: every tag in ``style`` except the anchor, the triggers and kaomoji."""
    keep = protected_keys(dataset, anchor_of(dataset) if anchor is None else anchor)
    return lambda tags: restyle(tags, style, keep)


def plan_edit(
    dataset: Any, relpaths: Iterable[str], fn: TagFn, anchor: Anchor | None = None
) -> EditPlan:
    """``fn`` over each image's tags with the anchor held first; only changed captions kept.

    A caption that started with an anchor tag still starts with it, unless ``fn``
    removed it (or renamed it to a tag that is not the anchor any more).
    """
    anchor = anchor_of(dataset) if anchor is None else anchor
    out = EditPlan(anchor=anchor)
    items = dataset.items
    for rel in relpaths:
        before = tuple(items[rel].tags)
        after = tuple(fn(before))
        if anchor and before and after and tag_key(after[0]) != tag_key(before[0]):
            held = protect_anchor(lambda _t, a=after: a, anchor)(before)
            out.held += held != after
            after = held
        if after != before:
            out.changes.append(TagChange(rel, before, after))
    return out
