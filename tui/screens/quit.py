"""The question asked when quitting while edits, tagging or augment writes still run."""

from __future__ import annotations

from lorapan.tui.screens.confirm import ChoiceScreen

CHOICES = [("q", "quit", "Quit anyway"), ("w", "wait", "Keep working")]


class QuitScreen(ChoiceScreen):
    """Quit anyway or keep working (a second quit key while it shows quits at once)."""

    def __init__(self, busy: list[str]) -> None:
        body = "\n".join(
            [
                "Still working:",
                *(f"  {b}" for b in busy[:5]),
                "",
                "Quitting now stops it. Files already written stay written; an edit cut",
                "off half way is offered for finishing or rolling back next time.",
            ]
        )
        super().__init__("Quit while work is running?", body, CHOICES, "wait")
