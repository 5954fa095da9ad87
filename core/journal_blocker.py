"""Which journal entry stops an undo or a redo, so it can be shown and set aside.

``Journal.undo`` and ``redo`` refuse an entry they cannot use (unreadable, crafted,
its pack missing) with a :class:`~lorapan.core.journal.JournalError` that says what
to do. A program that wants to offer the remedy itself (the app's "set it aside")
needs the entry: :func:`blocking_entry` finds the one the next undo or redo would
step over, by the journal's own rules.
"""

from __future__ import annotations

from lorapan.core.journal import APPLIED, SKIPPED, Journal
from lorapan.core.journal.model import BrokenEntry, Transaction


def blocking_entry(journal: Journal, which: str) -> Transaction | BrokenEntry | None:
    """The entry the next ``which`` ("undo" or "redo") stops at, or None when it can go."""
    if which == "undo":
        for entry in reversed(journal.entries()):
            if isinstance(entry, BrokenEntry):
                return entry
            if entry.state == SKIPPED:
                return None
            if entry.state == APPLIED:
                return entry if journal.check(entry) else None
        return None
    txn = journal.next_redo()
    return txn if txn is not None and journal.check(txn) else None
