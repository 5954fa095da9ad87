"""The status bar: dataset, subject kind, counts, background work, last action."""

from __future__ import annotations

from textual.content import Content
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

    def render(self) -> Content:
        head = f"{self.dataset} · {self.kind}" if self.kind else self.dataset
        # The last action (and its undo key) matters most after an edit, so it
        # comes before counts and background work, which can be cut off.
        parts = [p for p in (head, self.last_action, self.work, self.counts) if p]
        return Content(" │ ".join(parts))  # names and tags: plain text, never markup
