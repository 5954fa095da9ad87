"""Reviewing clone groups: which groups to show, in what order, what "keep this" takes out.

A clone group (:class:`~lorapan.core.analysis.clones.CloneGroup`) holds an original
and its copies. Within it, a *clone set* is a picture and its plain copies
(identical, resized, recompressed): the original with its clones, or an altered
copy (a flip, a crop) with the clones made of it. Keeping one image of a clone set
sets the rest of that set aside; altered copies are deliberate augmentations and
are never taken out with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from lorapan.core.analysis.clone_labels import CLONE_LABELS

if TYPE_CHECKING:
    from lorapan.core.analysis.clones import CloneGroup

ORIGINAL = "original"


def groups_with(groups: Sequence[CloneGroup], images: Iterable[str]) -> list[CloneGroup]:
    """The groups that hold any of ``images``, in the order of ``groups``."""
    wanted = set(images)
    return [g for g in groups if g.original in wanted or any(r in wanted for r, _ in g.members)]


def members_in_order(group: CloneGroup) -> list[tuple[str, str]]:
    """(relpath, label) for the original first, then its clones, then altered copies."""
    clones = [(r, label) for r, label in group.members if label in CLONE_LABELS]
    altered = [(r, label) for r, label in group.members if label not in CLONE_LABELS]
    return [(group.original, ORIGINAL), *clones, *altered]


def label_of(group: CloneGroup, rel: str) -> str | None:
    if rel == group.original:
        return ORIGINAL
    return dict(group.members).get(rel)


def head_of(group: CloneGroup, rel: str) -> str:
    """The picture ``rel`` is a plain copy of, or ``rel`` itself (original, altered copy)."""
    label = label_of(group, rel)
    if label is None or label == ORIGINAL or label not in CLONE_LABELS:
        return rel
    return group.copy_of.get(rel, group.original)


def clone_set(group: CloneGroup, rel: str) -> list[str]:
    """``rel``'s clone set: its head and every plain copy of that head, in review order."""
    head = head_of(group, rel)
    return [
        r
        for r, label in members_in_order(group)
        if r == head or (label in CLONE_LABELS and head_of(group, r) == head)
    ]


def keep_only(group: CloneGroup, keep: str) -> list[str]:
    """What to set aside to keep ``keep``: the rest of its clone set (never altered copies)."""
    return [r for r in clone_set(group, keep) if r != keep]


def without(group: CloneGroup, gone: Iterable[str]) -> CloneGroup | None:
    """The group once ``gone`` left the dataset; None when fewer than two images remain.

    When the original went, the first remaining plain copy of it takes its place, so
    the rest still read as copies of something shown.
    """
    from lorapan.core.analysis.clones import CloneGroup

    out = set(gone)
    members = [(r, label) for r, label in group.members if r not in out]
    copy_of = {r: h for r, h in group.copy_of.items() if r not in out and h not in out}
    original = group.original
    if original in out:
        clones = [r for r, label in members if label in CLONE_LABELS and r not in copy_of]
        if not clones:
            if len(members) < 2:
                return None
            original, members = members[0][0], members[1:]
        else:
            original = clones[0]
            members = [(r, label) for r, label in members if r != original]
    if not members:
        return None
    return CloneGroup(original, members, copy_of)
