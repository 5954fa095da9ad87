"""The edit journal: every change to files is a transaction on disk.

A transaction lists file operations (path, content before, content after; ``None``
meaning "no file"; or a move of a file from one place to another). It is written to
``.lorapan/journal/`` *before* any file is touched, so a crash half-way (even
kill -9) leaves a ``pending`` transaction that the next start can finish or roll
back: each file's current content tells whether its operation already happened.

Bulk steps write every temp file first, make them durable with one ``os.sync()``
instead of 10,000 fsyncs, then re-check each target and ``os.replace`` it, then
fsync each folder once. A crash at any point leaves each file either as it was or
as it should be, never half-written.

Undo and redo walk the same transactions, so they work across restarts. Before any
file is written, it is checked against the content the transaction expects; a file
changed by another program is reported as a conflict and left alone.

Modules: ``model`` (entries and their untrusting parser), ``store`` (the files under
``.lorapan/journal/``), ``steps`` (moving files from one side of an op to the other),
``compact`` (folding old entries; the undo depth) and ``journal`` (:class:`Journal`).
What lorapan promises under crashes and concurrency: docs/safety.md.
"""

from lorapan.core.journal.journal import Change, Journal, JournalError
from lorapan.core.journal.model import (
    APPLIED,
    DISCARDED,
    INCOMPLETE,
    PENDING,
    ROLLED_BACK,
    SKIPPED,
    UNDOING,
    UNDONE,
    BrokenEntry,
    FileOp,
    MoveOp,
    Op,
    Transaction,
    sha256,
)
from lorapan.core.journal.steps import OpResult

__all__ = [
    "APPLIED",
    "DISCARDED",
    "INCOMPLETE",
    "PENDING",
    "ROLLED_BACK",
    "SKIPPED",
    "UNDOING",
    "UNDONE",
    "BrokenEntry",
    "Change",
    "FileOp",
    "Journal",
    "JournalError",
    "MoveOp",
    "Op",
    "OpResult",
    "Transaction",
    "sha256",
]
