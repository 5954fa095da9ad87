"""Folding old entries away, so the journal stays small and opening stays cheap.

Undo depth: the last ``UNDO_DEPTH`` applied transactions stay undoable. When
their contents pass ``MAX_BYTES`` the oldest fold sooner, but the last
``MIN_DEPTH`` always stay. Folding an entry deletes its state, ops and pack and
keeps a line for it in ``history.json`` (``lorapan history`` still lists it, as
no longer undoable). Entries that can never be walked again (discarded redo,
rolled-back crashes) fold at once. Folding goes oldest first and stops at the
first entry that must stay (undone ones, an interrupted one), so the undo chain
is only ever shortened from its far end. A broken entry stays (for ``history
--broken``) and is stepped over: undo never walks below it.

Entries written by the first journal format (the file list inside the state
file, so every open parsed it) are rewritten in the current format here, and
each incomplete entry gets its marker; then the flag ``format-2`` says the
markers can be trusted, and opening a dataset reads no journal file at all while
nothing is pending.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from lorapan.core.journal.model import (
    APPLIED,
    DISCARDED,
    INCOMPLETE,
    ROLLED_BACK,
    SKIPPED,
    BadEntry,
    BrokenEntry,
    Transaction,
)

if TYPE_CHECKING:
    from lorapan.core.journal.journal import Journal

UNDO_DEPTH = 50
MIN_DEPTH = 10
MAX_BYTES = 256 * 1024 * 1024


def _row(txn: Transaction) -> dict:
    return {
        "seq": txn.seq,
        "id": txn.id,
        "label": txn.label,
        "created": txn.created,
        "state": txn.state,
        "files": txn.files,
        "folded": time.time(),
    }


def fold(journal: Journal) -> list[Transaction]:
    """Fold what the policy allows (the caller holds the writer lock); the folded."""
    store = journal.store
    entries = journal.entries()
    folded = [
        e for e in entries if isinstance(e, Transaction) and e.state in (DISCARDED, ROLLED_BACK)
    ]
    kept = [e for e in entries if e not in folded]
    applied = sum(1 for e in kept if isinstance(e, Transaction) and e.state == APPLIED)
    size = sum(store.sizes(e.id) for e in kept)
    for e in list(kept):
        over = applied > UNDO_DEPTH or (size > MAX_BYTES and applied > MIN_DEPTH)
        if not over:
            break
        if isinstance(e, BrokenEntry):
            continue  # stays for `history --broken`; undo never walks below it anyway
        if e.state not in (APPLIED, SKIPPED):
            break
        folded.append(e)
        kept.remove(e)
        size -= store.sizes(e.id)
        applied -= e.state == APPLIED
    if folded:
        store.add_history([_row(t) for t in sorted(folded, key=lambda t: t.seq)])
        for t in folded:
            store.remove(store.state_path(t).name, t.id)
    legacy = False
    for e in kept:
        if not isinstance(e, Transaction):
            continue
        if store.is_legacy(e):
            try:
                store.save(e)
            except BadEntry:  # a damaged one stays for `history --broken`
                legacy = True
                continue
        if e.state in INCOMPLETE:
            store.mark(e.id)
    if not legacy:
        store.set_flag()
    store.clean_temps()
    return folded
