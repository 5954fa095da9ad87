"""Several fixes planned as one: each plans on the captions the ones before it would
write, so ``lorapan fix`` writes one change per caption in one journal transaction
(one undo) and no fix undoes another."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.rules.model import Fix

Tags = tuple[str, ...]


class _OverlayItem:
    __slots__ = ("anew", "folder", "has_caption", "one_line", "read_only", "tags")

    def __init__(
        self,
        tags: Tags,
        has_caption: bool,
        read_only: bool,
        folder: object,
        one_line: bool,
        anew: bool = False,
    ) -> None:
        self.tags = tags
        self.has_caption = has_caption
        self.read_only = read_only
        self.folder = folder
        self.one_line = one_line  # an earlier fix joined the caption's lines into its tags
        self.anew = anew  # an earlier fix writes the tag line anew (its empty fields go)


class _OverlayItems(Mapping):
    """The dataset's items with the tags earlier fixes in a batch would write."""

    def __init__(self, base: Mapping, changed: dict[str, _OverlayItem]) -> None:
        self._base = base
        self._changed = changed

    def __getitem__(self, rel: str):  # noqa: ANN204
        return self._changed[rel] if rel in self._changed else self._base[rel]

    def __iter__(self):  # noqa: ANN204
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


class _Overlay:
    def __init__(self, ds: Dataset) -> None:
        self.root = ds.root
        self.settings = ds.settings
        self.index = ds.index
        self.ignored_folders = ds.ignored_folders  # what kohya trains: anchor.trained_items
        self.folders = ds.folders  # the trigger an N_name folder names (find_triggers)
        self.changed: dict[str, _OverlayItem] = {}
        self.items = _OverlayItems(ds.items, self.changed)

    def record(self, change: TagChange) -> None:
        old = self.items[change.relpath]
        has = old.has_caption or bool(change.after)
        one_line = change.one_line or getattr(old, "one_line", False)
        anew = change.anew or getattr(old, "anew", False)
        self.changed[change.relpath] = _OverlayItem(
            tuple(change.after), has, old.read_only, getattr(old, "folder", None), one_line, anew
        )


def compose(
    ds: Dataset, batch: Iterable[Fix]
) -> tuple[list[TagChange], list[tuple[Fix, list[TagChange]]]]:
    """Plan fixes one after another as if each were applied; one change per image in all.

    Returns the combined changes (for one journal transaction, so one undo reverts
    the whole batch) and each fix's own steps (for the report).
    """
    overlay = _Overlay(ds)
    steps = []
    for fix in batch:
        changes = fix.plan(overlay)  # type: ignore[arg-type]
        for ch in changes:
            overlay.record(ch)
        steps.append((fix, changes))
    combined = []
    for rel, item in overlay.changed.items():
        before = ds.items[rel].tags
        if item.tags != before or item.anew or (item.tags and not ds.items[rel].has_caption):
            combined.append(TagChange(rel, before, item.tags, item.one_line, item.anew))
    order = {rel: i for i, rel in enumerate(ds.items)}
    combined.sort(key=lambda c: order.get(c.relpath, 0))
    return combined, steps
