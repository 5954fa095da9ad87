"""What the dataset-wide rules read from the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.groups import Group

IssueKey = tuple[str, str]


@dataclass
class View:
    """What the dataset-wide rules read from the engine."""

    ctx: RuleContext
    groups: Mapping[IssueKey, Group]
    counts: Mapping[str, int]  # norm tag -> images
    frequent: set[str]  # tags on at least half the images (kept by the engine)
    first_counts: Mapping[str, int]  # first tag -> images
    total: int
    order: Mapping[str, int]
    images_of: Callable[[str], list[str]]  # norm tag -> images in dataset order
    first_of: Callable[[str], str]  # image -> its first tag (normalised)

    def group(self, rule: str, sub: str = "") -> Group | None:
        g = self.groups.get((rule, sub))
        return g if g is not None and len(g) else None

    def subs(self, rule: str) -> list[tuple[str, Group]]:
        return [(s, g) for (r, s), g in self.groups.items() if r == rule and len(g)]
