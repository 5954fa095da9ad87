"""The question asked when quitting while edits, tagging or augment writes still run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lorapan.tui.screens.confirm import ChoiceScreen
from textual.worker import WorkerState

CHOICES = [("q", "quit", "Quit anyway"), ("w", "wait", "Keep working")]


class QuitScreen(ChoiceScreen):
    """Quit anyway or keep working (a second quit key while it shows quits at once)."""

    def __init__(self, busy: list[str], unsaved: list[str] | None = None) -> None:
        lines = []
        if busy:
            lines += [
                "Still working:",
                *(f"  {b}" for b in busy[:5]),
                "",
                "Quitting now stops it. Files already written stay written; an edit cut",
                "off half way is offered for finishing or rolling back next time.",
            ]
        if unsaved:
            lines += ["", "Not saved yet:"] if busy else ["Not saved yet:"]
            lines += [*(f"  {u}" for u in unsaved), "", "Quitting now loses it."]
        title = "Quit while work is running?" if busy else "Quit without saving?"
        super().__init__(title, "\n".join(lines), CHOICES, "wait")


def unsaved_text(screens: Iterable[Any]) -> list[str]:
    """What open screens hold typed and not saved yet (a caption's text, settings): each
    such screen says it with ``unsaved()``."""
    return [u for s in screens if (u := getattr(s, "unsaved", lambda: None)())]


def work_in_flight(workers: Iterable[Any], groups: dict[str, str], main: Any) -> list[str]:
    """What quitting now would interrupt, in words: the running workers of ``groups``
    (group -> words), the main screen's own words for an edit or tagging run first."""
    running = {
        w.group
        for w in workers
        if w.group in groups and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
    }
    if main is not None and main.busy_label:
        # the status bar's words for the edit or tagging run ("add x: writing 90 files…")
        running -= {"edits", "autotag"}
        return [main.busy_label, *(groups[g] for g in sorted(running))]
    return [groups[g] for g in sorted(running)]
