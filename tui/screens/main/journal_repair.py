"""An undo or redo that meets a journal entry it cannot use: say why, offer to set it aside.

The journal refuses such an entry before touching any file (``JournalError``: a crafted
path, a state file that is not an entry, a missing pack). The CLI's remedy is
``lorapan recover DIR --skip ID``; here the same is one key: the entry's files go to
``.lorapan/journal/skipped/``, no dataset file is touched, and undo stops there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lorapan.core.errors import LorapanError
from lorapan.core.journal import JournalError
from lorapan.core.journal_blocker import blocking_entry
from lorapan.tui.errors import show_error
from lorapan.tui.screens.confirm import ChoiceScreen

if TYPE_CHECKING:
    from lorapan.tui.screens.main.screen import MainScreen


def offer_skip(screen: MainScreen, exc: JournalError, which: str) -> None:
    """Show ``exc``; when the entry is found, offer to set it aside (``which``: undo|redo)."""
    journal = screen.dataset.journal
    try:
        entry = blocking_entry(journal, which)
    except LorapanError:
        entry = None
    if entry is None:
        show_error(screen, exc, title=f"cannot {which}")
        return

    def decided(choice: str | None) -> None:
        if choice != "skip":
            screen.set_last_action(f"{which} stopped at journal entry #{entry.seq}")
            return
        try:
            where = journal.skip(entry)
        except LorapanError as err:
            show_error(screen, err, title="not set aside")
            return
        screen.set_last_action(
            f"journal entry #{entry.seq} set aside in {where.parent.name}/ (files untouched; "
            f"{which} stops there)"
        )

    screen.app.push_screen(
        ChoiceScreen(
            f"Cannot {which}: a journal entry cannot be used",
            f"{exc.message}\n\nSet it aside? Its files move to .lorapan/journal/skipped/ "
            f"for a person to inspect; no caption or image is touched, and {which} stops "
            "there from now on.",
            [("s", "skip", "Set it aside"), ("l", "leave", "Leave it")],
            escape_value="leave",
        ),
        decided,
    )
