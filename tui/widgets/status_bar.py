"""The status bar: dataset, subject kind, counts, background work, last action."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widget import Widget


class StatusBar(Widget):
    """One line; each part is a reactive so the owner just assigns values."""

    DEFAULT_CSS = """
    StatusBar { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    dataset: reactive[str] = reactive("")
    kind: reactive[str] = reactive("")
    counts: reactive[str] = reactive("")
    work: reactive[str] = reactive("")
    last_action: reactive[str] = reactive("")

    def render(self) -> str:
        head = f"{self.dataset} ({self.kind})" if self.kind else self.dataset
        parts = [p for p in (head, self.counts, self.work, self.last_action) if p]
        return " │ ".join(parts)
