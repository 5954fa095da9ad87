"""Images grouped by issue key, kept in dataset order and updated one image at a time.

Each group keeps its members sorted by their position in the dataset (natural order)
with ``bisect``, so an edit that moves one image in or out of a finding costs a list
insertion, not a re-sort of thousands of names.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable


class Group:
    __slots__ = ("_cached", "_pos", "_rels", "details")

    def __init__(self) -> None:
        self._pos: list[int] = []
        self._rels: list[str] = []
        self._cached: list[str] | None = None
        self.details: Counter[str] = Counter()

    def add(self, pos: int, rel: str, details: Iterable[str]) -> None:
        i = bisect.bisect_left(self._pos, pos)
        if i < len(self._pos) and self._pos[i] == pos:
            return
        self._pos.insert(i, pos)
        self._rels.insert(i, rel)
        self._cached = None
        self.details.update(details)

    def remove(self, pos: int, details: Iterable[str]) -> None:
        i = bisect.bisect_left(self._pos, pos)
        if i < len(self._pos) and self._pos[i] == pos:
            del self._pos[i]
            del self._rels[i]
            self._cached = None
            self.details.subtract(details)
            for k in [k for k, c in self.details.items() if c <= 0]:
                del self.details[k]

    def renumber(self, order: dict[str, int]) -> bool:
        """New positions after images came or went; False if members changed their order."""
        pos = [order[rel] for rel in self._rels]
        if any(a >= b for a, b in zip(pos, pos[1:], strict=False)):
            return False
        self._pos = pos
        return True

    @property
    def images(self) -> list[str]:
        """Members in dataset order. The list is shared until the group changes: read only."""
        if self._cached is None:
            self._cached = list(self._rels)
        return self._cached

    def __len__(self) -> int:
        return len(self._rels)

    def __contains__(self, rel: str) -> bool:
        return rel in self._rels
