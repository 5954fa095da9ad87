"""The question asked when quitting while edits, tagging or augment writes still run."""

from __future__ import annotations

from lorapan.tui.screens.confirm import ChoiceScreen

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
