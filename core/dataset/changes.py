"""Caption changes as journal writes, and what each edit, undo or redo did.

An edit is planned against the tags each image had when it was read: a change
whose ``before`` no longer matches is a conflict, an image whose caption cannot
be read is left alone, a change that changes nothing is skipped. Images that
share one caption file (``a.png`` and ``a.jpg``) get one write with both edits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from lorapan.core.captions import Caption, format_caption, new_caption, norm_tag
from lorapan.core.dataset.items import ImageItem
from lorapan.core.edits import TagChange
from lorapan.core.journal import OpResult

#: (caption relpath, bytes before, bytes after): a file change as the journal takes it
Write = tuple[str, bytes | None, bytes | None]


@dataclass
class ApplyResult:
    """What an edit, undo or redo did."""

    label: str
    applied: list[str] = field(default_factory=list)  # image relpaths
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    txn_id: str | None = None
    #: lorapan.toml was written (a checklist tick, or its undo): the settings followed it
    settings: bool = False

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.unreadable

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "applied": self.applied,
            "conflicts": [{"image": p, "reason": r} for p, r in self.conflicts],
            "unreadable": [{"image": p, "reason": r} for p, r in self.unreadable],
            "unchanged": self.unchanged,
            "transaction": self.txn_id,
            "settings": self.settings,
        }


def merge_edit(tags: tuple[str, ...], change: TagChange) -> tuple[str, ...]:
    """Apply ``change``'s removals and additions on top of tags already edited."""
    gone = {norm_tag(t) for t in change.removed}
    out = [t for t in tags if norm_tag(t) not in gone]
    have = {norm_tag(t) for t in out}
    out += [t for t in change.added if norm_tag(t) not in have]
    return tuple(out)


def tag_line_only(cap: Caption) -> Caption:
    """``cap`` without the lines after its tag line: formatted anew as one line (its
    separator, line end, byte-order mark and final newline kept)."""
    return Caption(
        tags=cap.tags,
        bom=cap.bom,
        newline=cap.newline,
        final_newline=cap.final_newline,
        separator=cap.separator,
    )


def plan_writes(
    items: Mapping[str, ImageItem],
    changes: Iterable[TagChange],
    result: ApplyResult,
) -> tuple[list[Write], dict[str, str]]:
    """The caption writes for ``changes``, and the image that asked for each caption.

    Changes that write nothing (unchanged, unreadable, in conflict) are counted
    in ``result`` instead.
    """
    ops: dict[str, tuple[bytes | None, Caption, tuple[str, ...]]] = {}
    owners: dict[str, str] = {}
    for ch in changes:
        item = items.get(ch.relpath)
        if item is None:
            result.conflicts.append((ch.relpath, "image no longer in the dataset"))
            continue
        if item.write_block:
            item.recheck_block()
        if (refusal := item.write_refusal) is not None:
            what = f"caption {item.caption_file}" if item.write_block else "caption"
            result.unreadable.append(
                (ch.relpath, f"{what} {refusal}" if item.write_block else refusal)
            )
            continue
        if tuple(ch.after) == item.tags and (item.has_caption or not ch.after) and not ch.anew:
            result.unchanged += 1
            continue
        if tuple(ch.before) != item.tags:
            result.conflicts.append((ch.relpath, "tags changed since the edit was planned"))
            continue
        rel = item.caption_rel or item.default_caption_rel
        if rel in ops:  # a.png and a.jpg share a.txt: one write with both edits
            raw, cap, tags = ops[rel]
            ops[rel] = (raw, cap, merge_edit(tags, ch))
            continue
        cap = item.caption or new_caption()
        raw = cap.raw  # the bytes on disk, which the journal keeps for undo
        if ch.one_line:
            cap = tag_line_only(cap)
        elif ch.anew:
            cap = replace(tag_line_only(cap), extra_lines=cap.extra_lines)
        ops[rel] = (raw, cap, tuple(ch.after))
        owners[rel] = ch.relpath
    writes = [(rel, raw, format_caption(cap, tags)) for rel, (raw, cap, tags) in ops.items()]
    return writes, owners


def absorb(res: OpResult, owners: Mapping[str, str], result: ApplyResult) -> None:
    """Note the journal's outcome per file in ``result``, by the image each file is for."""
    for rel in res.done:
        result.applied.append(owners.get(rel, rel))
    for rel, reason in res.conflicts:
        result.conflicts.append((owners.get(rel, rel), reason))
