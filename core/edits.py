"""Tag edits as pure functions on tag tuples, and planning them over images.

Matching compares tags in their normalised form (case, underscores vs spaces), so
``long_hair`` and ``long hair`` are one tag; kaomoji such as ``^_^`` keep their
underscores. A plan is a list of :class:`TagChange`; only images whose tags
actually change are in it, so untouched captions are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from lorapan.core.captions import norm_keys, norm_tag
from lorapan.core.tag_diff import TagDiff, tag_diff

Tags = tuple[str, ...]


@dataclass(frozen=True)
class TagChange:
    """New tags for one image's caption (``before`` is what the plan saw)."""

    relpath: str
    before: Tags
    after: Tags
    #: Write the caption as its tag line alone: its other lines were joined into the tags
    #: (kohya reads the first line only; :mod:`lorapan.core.rules.caption_form`).
    one_line: bool = False
    #: Write the tag line anew even where the tags read the same: its empty fields
    #: (a leading ',', ',,') go (:mod:`lorapan.core.rules.caption_form`).
    anew: bool = False

    @cached_property
    def diff(self) -> TagDiff:
        """Added, removed, respelled and moved tags (each named once), in linear time."""
        return tag_diff(self.before, self.after)

    @property
    def added(self) -> list[str]:
        return self.diff.added

    @property
    def removed(self) -> list[str]:
        return self.diff.removed

    def to_dict(self) -> dict:
        return {
            "image": self.relpath,
            "before": list(self.before),
            "after": list(self.after),
            "added": self.added,
            "removed": self.removed,
        }


def _index(tags: Tags, tag: str) -> int:
    """Where ``tag`` first is in ``tags`` (-1: not there); C-speed for bulk edits."""
    keys = norm_keys(tags) if isinstance(tags, tuple) else tuple(map(norm_tag, tags))
    key = norm_tag(tag)
    return keys.index(key) if key in keys else -1


def has_tag(tags: Iterable[str], tag: str) -> bool:
    return norm_tag(tag) in map(norm_tag, tags)


def add_tag(tags: Tags, tag: str, position: int | None = None) -> Tags:
    """Add ``tag`` at ``position`` (end when None); no-op if already present."""
    tag = tag.strip()
    if not tag or _index(tags, tag) >= 0:
        return tags
    pos = len(tags) if position is None else max(0, min(position, len(tags)))
    return tags[:pos] + (tag,) + tags[pos:]


def remove_tag(tags: Tags, tag: str) -> Tags:
    key = norm_tag(tag)
    if not has_tag(tags, tag):
        return tags
    return tuple(t for t in tags if norm_tag(t) != key)


def replace_tag(tags: Tags, old: str, new: str) -> Tags:
    """Rename every occurrence of ``old`` to ``new`` in place.

    Occurrences match as tags do everywhere (:func:`norm_tag`: case, underscores
    as spaces), so ``solo=solo person`` renames ``solo`` and ``Solo`` alike. When
    ``new`` is another tag that is already there, ``old`` is dropped instead (no
    duplicate is made). Replacing a tag with a respelling of itself (``Solo=solo``)
    respells every occurrence; replacing it with itself changes nothing.
    """
    new = new.strip()
    key = norm_tag(old)
    if not any(norm_tag(t) == key for t in tags):
        return tags
    if not new:
        return remove_tag(tags, old)
    if norm_tag(new) != key and has_tag(tags, new):
        return remove_tag(tags, old)
    return tuple(new if norm_tag(t) == key else t for t in tags)


def move_to_front(tags: Tags, tag: str) -> Tags:
    i = _index(tags, tag)
    if i <= 0:
        return tags
    return (tags[i],) + tags[:i] + tags[i + 1 :]


def move_tag(tags: Tags, tag: str, position: int) -> Tags:
    i = _index(tags, tag)
    if i < 0:
        return tags
    rest = tags[:i] + tags[i + 1 :]
    pos = max(0, min(position, len(rest)))
    return rest[:pos] + (tags[i],) + rest[pos:]


def dedupe(tags: Tags) -> Tags:
    seen: set[str] = set()
    out = []
    for t in tags:
        key = norm_tag(t)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return tuple(out)


def sort_tags(tags: Tags, keep_first: int = 1) -> Tags:
    """Sort alphabetically, keeping the first ``keep_first`` tags (the core tag) in place."""
    head, tail = tags[:keep_first], tags[keep_first:]
    return head + tuple(sorted(tail, key=norm_tag))


def plan(
    current: Mapping[str, Tags], relpaths: Iterable[str], fn: Callable[[Tags], Tags]
) -> list[TagChange]:
    """Apply ``fn`` to each image's tags; keep only the images that change."""
    changes = []
    for rel in relpaths:
        before = tuple(current[rel])
        after = tuple(fn(before))
        if after != before:
            changes.append(TagChange(rel, before, after))
    return changes


def chain(*fns: Callable[[Tags], Tags]) -> Callable[[Tags], Tags]:
    def run(tags: Tags) -> Tags:
        for fn in fns:
            tags = fn(tags)
        return tags

    return run
