"""What a change did to one caption's tags, for reports: linear in the tag count.

Tags are compared by meaning (:func:`norm_tag`). Most bulk edits touch one or
two tags of each caption, so the work is done with set operations and only the
tags that differ are looked at one by one; a report of 10,000 captions or of a
single 1 MB caption stays proportional to its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lorapan.core.captions import norm_keys, norm_tag


@dataclass(frozen=True)
class TagDiff:
    """Added, removed and respelled tags (each named once), and what else moved."""

    added: list[str]
    removed: list[str]
    renamed: list[tuple[str, str]]  # same tag, new spelling (case, tag style)
    reordered: bool  # the tags kept are in another order
    repeats: int = 0  # change in how many times kept tags occur (-2: two repeats dropped)


def _first_spelling(tags: Sequence[str], keys: Sequence[str], wanted: set[str]) -> list[str]:
    """The first spelling of each tag whose key is in ``wanted``, in order."""
    seen: dict[str, str] = {}
    for t, k in zip(tags, keys, strict=True):
        if k in wanted:
            seen.setdefault(k, t)
    return list(seen.values())


def _spellings(tags: Iterable[str], keys: Iterable[str], wanted: set[str]) -> dict[str, list[str]]:
    """Each wanted tag's distinct spellings, in order of first use."""
    out: dict[str, dict[str, None]] = {}
    for t, k in zip(tags, keys, strict=True):
        if k in wanted:
            out.setdefault(k, {})[t] = None
    return {k: list(spellings) for k, spellings in out.items()}


def _respelled(
    before: Sequence[str],
    old: list[str],
    after: Sequence[str],
    new: list[str],
    changed_after: Sequence[str],
    kept: set[str],
) -> list[tuple[str, str]]:
    """(old, new) spellings of tags now written only in another spelling.

    ``before``/``old`` and ``changed_after``/``new`` are the differing middles
    (tags and keys); ``after`` is the whole new list. A tag still written as
    before somewhere is not respelled (``a, A`` → ``a`` dropped a repeat).
    """
    gone = set(before) - set(after) if before else set()
    if not gone:
        return []
    candidates = {k for t, k in zip(before, old, strict=True) if t in gone} & kept
    if not candidates:
        return []
    was, now = _spellings(before, old, candidates), _spellings(changed_after, new, candidates)
    pairs = []
    for key, spellings in was.items():
        written = now.get(key)
        if written and not set(spellings) & set(written):
            pairs += [(t, written[min(n, len(written) - 1)]) for n, t in enumerate(spellings)]
    return pairs


def _kept_order(keys: list[str], dropped: set[str]) -> list[str]:
    """Keys not in ``dropped``, each once, in the order they first appear."""
    if not dropped:
        return list(dict.fromkeys(keys))
    return list(dict.fromkeys(k for k in keys if k not in dropped))


def _shared_ends(before: Sequence[str], after: Sequence[str]) -> tuple[int, int]:
    """How many tags the lists share at the start, and then at the end."""
    limit = min(len(before), len(after))
    if tuple(before[:limit]) == tuple(after[:limit]):  # one tuple comparison in C
        head = limit
    else:
        head = 0
        while before[head] == after[head]:
            head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return head, tail


def _only_added(before: Sequence[str], inserted: Sequence[str]) -> TagDiff | None:
    """The diff of a bulk ``--add``: new tags inserted in one place, none of them a repeat.

    None when an inserted tag repeats one already there (the general case decides).
    """
    keys = list(map(norm_tag, inserted))
    old = norm_keys(before) if isinstance(before, tuple) else tuple(map(norm_tag, before))
    if len(keys) > 4:  # many inserted: one set; a few (a bulk --add): a scan each, in C
        if not set(old).isdisjoint(keys) or len(set(keys)) != len(keys):
            return None
    elif any(k in old for k in keys) or len(set(keys)) != len(keys):
        return None
    return TagDiff(added=list(inserted), removed=[], renamed=[], reordered=False, repeats=0)


def tag_diff(before: Sequence[str], after: Sequence[str]) -> TagDiff:
    """How ``after`` differs from ``before``.

    Tags the two share at the start and at the end are the same text, so only
    the tags between are looked at one by one (adding a tag to a caption looks
    at that tag alone).
    """
    head, tail = _shared_ends(before, after)
    if head + tail == len(before):
        fast = _only_added(before, after[head : len(after) - tail])
        if fast is not None:
            return fast
    old = list(map(norm_tag, before))
    mid_old = old[head : len(old) - tail]
    mid_new = list(map(norm_tag, after[head : len(after) - tail]))
    old_keys = set(old)
    shared_keys = set(old[:head]) | set(old[len(old) - tail :])
    new_keys = shared_keys | set(mid_new)
    added_keys, removed_keys = set(mid_new) - old_keys, set(mid_old) - new_keys
    added_n = sum(k in added_keys for k in mid_new) if added_keys else 0
    removed_n = sum(k in removed_keys for k in mid_old) if removed_keys else 0
    mid_after = after[head : len(after) - tail]
    mid_before = before[head : len(before) - tail]
    if (not mid_old and added_n == len(mid_new)) or (not mid_new and removed_n == len(mid_old)):
        reordered = False  # only new tags came in, or only whole tags went out
    else:
        new = old[:head] + mid_new + old[len(old) - tail :]
        reordered = _kept_order(old, removed_keys) != _kept_order(new, added_keys)
    return TagDiff(
        added=_first_spelling(mid_after, mid_new, added_keys) if added_keys else [],
        removed=_first_spelling(mid_before, mid_old, removed_keys) if removed_keys else [],
        renamed=_respelled(
            mid_before, mid_old, after, mid_new, mid_after, (old_keys & new_keys) - shared_keys
        ),
        reordered=reordered,
        repeats=(len(after) - added_n) - (len(before) - removed_n),
    )
