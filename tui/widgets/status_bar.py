"""The status bar: dataset, subject kind, counts, background work, last action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    #: (key, words) at the right end, never cut: what a narrow terminal hides, and the
    #: key that shows it (``("R", "rules 2✗ 1!")``); ``("", "")``: none. Where the last
    #: action would have too little room, only the first word stays (``R rules``).
    hint: reactive[tuple[str, str]] = reactive(("", ""))

    def render(self) -> Content:
        head = f"{self.dataset} · {self.kind}" if self.kind else self.dataset
        # The last action (and its undo key) matters most after an edit, so it comes
        # before counts and background work; a long one is cut in its middle, keeping
        # its end (the undo key) and leaving room for the counts (how many are shown).
        rest = [p for p in (self.work, self.counts) if p]
        fixed = len(" │ ".join([head, *rest])) + 3
        key, words = self.hint
        if (
            key
            and self.last_action
            and self.size.width - fixed - len(f" {key} {words}") < MIN_ACTION
        ):
            words = words.split(" ", 1)[0]
        tail = f" {key} {words}" if key else ""
        width = self.size.width - len(tail)
        parts = [head, _middle_cut(self.last_action, width - fixed), *rest]
        text = " │ ".join(p for p in parts if p)  # plain text, never markup
        if not tail:
            return Content(text)
        if len(text) > width:
            text = text[: max(width - 1, 0)] + "…"
        return Content.assemble(text.ljust(width + 1), (key, "bold"), f" {words}")


#: the shortest last action worth showing cut; below it the counts give way instead
MIN_ACTION = 24


def _middle_cut(text: str, room: int) -> str:
    """``text`` cut to ``room`` characters in its middle ('✓ rename … (1 image; u: undo)')."""
    if len(text) <= room or room < MIN_ACTION:
        return text
    cut = text.rfind(" (")  # the closing '(6 images; u: undo)' whole, when it fits
    whole = len(text) - cut if cut > 0 else 0
    tail = whole if 0 < whole <= room - 10 else min(len(text) // 2, room // 2)
    return text[: room - tail - 1] + "…" + text[-tail:]


def kind_label(kind: Mapping[str, Any] | None, fallback: str) -> str:
    """The kind the rules judge by: ``style``, ``style (inferred)`` or ``character?``
    (no evidence: the default) — from a report's ``dataset["kind"]``."""
    if not kind or not kind.get("kind"):
        return fallback
    source = kind.get("source")
    if source == "inferred":
        return f"{kind['kind']} (inferred)"
    return f"{kind['kind']}?" if source == "default" else str(kind["kind"])
