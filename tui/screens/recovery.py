"""At start: edits that lorapan stopped writing half way (a crash, a kill) are offered
for finishing or rolling back; the journal knows every file's before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lorapan.core.errors import LorapanError
from lorapan.tui.errors import show_error
from lorapan.tui.screens.confirm import ChoiceScreen

CHOICES = [("f", "finish", "Finish"), ("r", "rollback", "Roll back"), ("l", "later", "Later")]


class RecoveryScreen(ChoiceScreen):
    """Finish, roll back, or later (asked again next time); returns the choice."""

    def __init__(self, incomplete: Sequence[Any]) -> None:
        lines = ["lorapan stopped in the middle of writing these edits:"]
        lines += [f"  {txn.label} ({len(txn.ops)} file(s))" for txn in incomplete]
        lines += ["", "Finish writes the rest; roll back restores every file as it was."]
        super().__init__("An edit was interrupted", "\n".join(lines), CHOICES, "later")


def offer_recovery(app: Any) -> None:
    """At start: an edit a crash interrupted is finished or rolled back, as the user
    chooses (nothing is done without asking; a broken journal is a message)."""
    try:
        incomplete = app.dataset.journal.incomplete()
    except LorapanError as exc:  # a damaged .lorapan/: say so, keep running
        show_error(app, exc, title="journal")
        return
    if not incomplete:
        return

    def decided(choice: str | None) -> None:
        if choice not in ("finish", "rollback"):
            app.notify("left as is; you will be asked again next time", timeout=4)
            return
        try:
            results = app.dataset.recover(choice == "finish")
        except LorapanError as exc:  # another writer, or an entry it cannot use
            show_error(app, exc, title="not recovered")
            return
        files = sum(len(r.applied) for r in results)
        verb = "finished" if choice == "finish" else "rolled back"
        app.notify(f"{verb} {len(results)} interrupted edit(s), {files} file(s)")

    app.push_screen(RecoveryScreen(incomplete), decided)
