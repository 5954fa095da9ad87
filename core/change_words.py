"""One caption's planned change in words, for fix plans in the CLI and the app.

``+'low quality' first; -'simple_background' (a repeat)``: tags added (and where),
removed, repeats dropped (a repeat may be spelled otherwise: ``simple_background``
after ``simple background``), a trigger moved first. Tags are compared as the method
compares them (:func:`lorapan.core.method.anchor.tag_key`).
"""

from __future__ import annotations

from collections import Counter

from lorapan.core.edits import TagChange
from lorapan.core.method.anchor import tag_key


def split_from(field: str, added: list[str]) -> str | None:
    """The added tag that ``field`` ends with, when a tag was taken off the front of the
    field (a trigger split off a sentence); None when ``field`` was not split."""
    return next((a for a in added if field.endswith(a) and len(field) > len(a)), None)


def describe_change(change: TagChange) -> str:
    """What one caption change does: tags added (where), removed, moved first."""
    parts = []
    before = [tag_key(t) for t in change.before]
    after = [tag_key(t) for t in change.after]
    before_keys, after_keys = set(before), set(after)  # linear in a huge caption
    added = [t for t in change.after if tag_key(t) not in before_keys]
    removed = [t for t in change.before if tag_key(t) not in after_keys]
    for r in list(removed):  # a field split: what went is the start of a longer one
        a = split_from(r, added)
        if a is not None:
            parts.append(f"'{r[: -len(a)].strip()}' taken off the front of a sentence")
            removed.remove(r)
            added.remove(a)
    head = change.after[:2]  # where an added tag went matters only at the front
    for t in added:
        if t == head[0]:
            where = " first"
        elif len(head) > 1 and t == head[1]:
            where = f" after '{head[0]}'"
        else:
            where = ""
        parts.append(f"+'{t}'{where}")
    parts += [f"-'{t}'" for t in removed]
    kept = Counter(after)
    for t in change.before:  # a repeat removed: the same tag again, maybe spelled otherwise
        k = tag_key(t)
        if k not in kept:
            continue
        if kept[k] > 0:
            kept[k] -= 1
        else:
            parts.append(f"-'{t}' (a repeat)")
    if after and before and after[0] != before[0] and after[0] in before_keys:
        parts.append(f"'{change.after[0]}' moved first")
    if not parts:
        parts.append("order or spelling")
    return "; ".join(parts)
