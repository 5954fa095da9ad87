"""Reviewing clone groups: which groups to show, in what order, what "keep this" takes out.

A clone group (:class:`~lorapan.core.analysis.clones.CloneGroup`) holds an original
and its copies. Within it, a *clone set* is a picture and its plain copies
(identical, resized, recompressed): the original with its clones, or an altered
copy (a flip, a crop) with the clones made of it. Keeping one image of a clone set
sets the rest of that set aside; altered copies are deliberate augmentations and
are never taken out with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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


# ---- the clones.ratio fix: which plain copies to set aside ------------------------------
def clone_sets_of(group: CloneGroup) -> list[list[str]]:
    """Every clone set of ``group`` with at least one plain copy: head first, then copies."""
    heads = dict.fromkeys(head_of(group, r) for r, label in group.members if label in CLONE_LABELS)
    return [clone_set(group, h) for h in heads]


def copies_over(clones: int, total: int, ratio: float, most: int | None = None) -> int:
    """How many plain copies must leave so that the rest are at most ``ratio`` of the images
    (or at most ``most`` clones, where the guide gives a number: a couple's three).

    Each copy set aside also leaves the total: ``clones - n <= ratio * (total - n)``.
    """
    if most is not None:
        return max(0, clones - most)
    n = 0
    while n < clones and clones - n > ratio * (total - n) + 1e-9:
        n += 1
    return n


def extra_copies(
    groups: Sequence[CloneGroup],
    total: int,
    ratio: float,
    rank: Callable[[str], tuple] | None = None,
    most: int | None = None,
    may_go: Callable[[str, Sequence[str]], bool] | None = None,
) -> list[tuple[str, str]]:
    """(copy to set aside, the image of its clone set that stays), the fewest that bring
    clones to ``ratio``.

    The guide allows clones up to 3 % of the images (and asks for a few: special
    details shown twice, body/face details settled by clones), so the fix takes out
    only what is over. Who stays, by the guide's reasons:

    * one image of each clone set stays: the best by ``rank(relpath)`` (higher is
      better), else the set's head (the group's original, or an altered copy: a flip,
      a crop, wanted, never a clone); on a tie the head stays. Altered copies are
      never taken out;
    * a copy is taken from the picture stored most often first, so the clones that
      remain are spread over as many pictures as possible, none weighted many times;
    * within a set the worst copy goes first;
    * ``may_go(relpath, taken)`` may hold a copy back (one of the last carriers of a
      special detail); then fewer may go than the ratio asks, and the caller says why.
    """
    sets = [s for g in groups for s in clone_sets_of(g)]
    clones = sum(len(s) - 1 for s in sets)
    need = copies_over(clones, total, ratio, most)
    pools: list[tuple[str, list[str], list[str]]] = []  # (stays, may go, held back)
    for s in sets:
        ranked = sorted(s, key=rank, reverse=True) if rank is not None else s  # stable
        pools.append((ranked[0], ranked[1:], []))
    out: list[tuple[str, str]] = []
    while len(out) < need:
        open_pools = [p for p in pools if p[1]]
        if not open_pools:
            break
        # first of the largest on ties
        keep, copies, held = max(open_pools, key=lambda p: len(p[1]) + len(p[2]))
        taken = [rel for rel, _keep in out]
        rel = copies.pop()
        if may_go is None or may_go(rel, taken):
            out.append((rel, keep))
        else:
            held.append(rel)
    return out
