"""At start: edits that lorapan stopped writing half way (a crash, a kill) are offered
for finishing or rolling back; the journal knows every file's before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lorapan.tui.screens.confirm import ChoiceScreen

CHOICES = [("f", "finish", "Finish"), ("r", "rollback", "Roll back"), ("l", "later", "Later")]


class RecoveryScreen(ChoiceScreen):
    """Finish, roll back, or later (asked again next time); returns the choice."""

    def __init__(self, incomplete: Sequence[Any]) -> None:
        lines = ["lorapan stopped in the middle of writing these edits:"]
        lines += [f"  {txn.label} ({len(txn.ops)} file(s))" for txn in incomplete]
        lines += ["", "Finish writes the rest; roll back restores every file as it was."]
        super().__init__("An edit was interrupted", "\n".join(lines), CHOICES, "later")
