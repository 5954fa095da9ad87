"""Edits of one occurrence of a tag: the chip the user pointed at.

A caption can hold the same tag twice (``red hair, solo, red hair``, or
``long_hair, long hair``). The app shows one chip per occurrence, so a key pressed
on a chip must change that chip only; the functions of :mod:`lorapan.core.edits`
address a tag by name and act on every occurrence (delete) or the first (move).

Each function takes the ``index`` the chip had when it was drawn and the ``tag``
it showed. When the tags changed since (an outside edit), the index may point
elsewhere: then the first occurrence of ``tag`` is used, and nothing changes when
the tag is gone.
"""

from __future__ import annotations

from lorapan.core.captions import norm_tag

Tags = tuple[str, ...]


def occurrence(tags: Tags, tag: str, index: int) -> int:
    """Where the chip (``tag`` drawn at ``index``) is in ``tags`` now; -1: gone."""
    key = norm_tag(tag)
    if 0 <= index < len(tags) and norm_tag(tags[index]) == key:
        return index
    return next((i for i, t in enumerate(tags) if norm_tag(t) == key), -1)


def remove_at(tags: Tags, tag: str, index: int) -> Tags:
    """Remove this occurrence only (another ``tag`` in the caption stays)."""
    i = occurrence(tags, tag, index)
    return tags if i < 0 else tags[:i] + tags[i + 1 :]


def move_at(tags: Tags, tag: str, index: int, position: int) -> Tags:
    """Move this occurrence to ``position`` (clamped) among the other tags."""
    i = occurrence(tags, tag, index)
    if i < 0:
        return tags
    rest = tags[:i] + tags[i + 1 :]
    pos = max(0, min(position, len(rest)))
    return rest[:pos] + (tags[i],) + rest[pos:]


def rename_at(tags: Tags, tag: str, index: int, new: str) -> Tags:
    """Rename this occurrence to ``new``.

    When ``new`` is already another tag of the caption, this occurrence is removed
    instead (renaming never makes a duplicate); an empty ``new`` removes it too.
    """
    new = new.strip()
    i = occurrence(tags, tag, index)
    if i < 0 or tags[i] == new:
        return tags
    key = norm_tag(new)
    if not new or any(norm_tag(t) == key for j, t in enumerate(tags) if j != i):
        return tags[:i] + tags[i + 1 :]
    return tags[:i] + (new,) + tags[i + 1 :]
