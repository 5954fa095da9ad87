"""The :class:`Journal` of one dataset: begin, commit, undo, redo, recover, skip.

Each public write runs under the dataset's writer lock (one writer per dataset,
see ``writer_lock``) and checks the whole transaction (its ops confined to the
dataset, its pack whole) before its state changes or any file is touched, so a
damaged or crafted entry is refused with a :class:`JournalError` and left as it
was: ``lorapan history --broken`` shows it, ``lorapan recover --skip ID`` sets it
aside. A skipped or unreadable entry is a barrier: undo and redo never reach past
it, so the chain they walk is always one whose every step is known.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.core.confine import ConfinementError, Confiner
from lorapan.core.errors import StateError
from lorapan.core.interrupts import held_interrupts
from lorapan.core.journal import compact
from lorapan.core.journal.model import (
    APPLIED,
    DISCARDED,
    INCOMPLETE,
    PENDING,
    ROLLED_BACK,
    SKIPPED,
    UNDOING,
    UNDONE,
    BadEntry,
    BrokenEntry,
    FileOp,
    MoveOp,
    Op,
    Transaction,
    sha256,
)
from lorapan.core.journal.steps import FileSteps, OnWrite, OpResult
from lorapan.core.journal.store import JournalStore
from lorapan.core.writer_lock import WriterLock

Change = tuple[str, bytes | None, bytes | None]


class JournalError(StateError):
    """A journal entry cannot be used as it is; nothing was touched."""


class Journal:
    """Transactions of one dataset, stored under ``state_dir/journal``."""

    def __init__(self, root: Path, state_dir: Path) -> None:
        self.root = Path(root)
        self.dir = Path(state_dir) / "journal"
        self.store = JournalStore(self.dir)
        self.writer = WriterLock(Path(state_dir), self.root)
        self._packs: dict[str, dict[str, bytes]] = {}
        self._live: set[str] = set()  # transactions this process is running now
        #: Called with the relative path and the bytes written (None: deleted or moved)
        #: after each file this journal writes, so the dataset can take the new caption
        #: as it is and the watcher can ignore our own writes.
        self.on_write: list[OnWrite] = []
        self.steps = FileSteps(self.root, self.on_write)

    # ---- reading -------------------------------------------------------------------
    def entries(self) -> list[Transaction | BrokenEntry]:
        """Every entry (usable or broken), oldest first; reads only the small state files."""
        out = self.store.entries(fresh=self.writer.held_here())
        for e in out:
            if isinstance(e, Transaction) and e._ops is None:
                e._loader = self._load_ops
        return out

    def transactions(self) -> list[Transaction]:
        """The usable transactions, oldest first."""
        return [e for e in self.entries() if isinstance(e, Transaction)]

    def broken(self) -> list[BrokenEntry]:
        """Entries whose state file cannot be read (see also :meth:`check`)."""
        return [e for e in self.entries() if isinstance(e, BrokenEntry)]

    def incomplete(self) -> list[Transaction]:
        """Transactions a crash interrupted. While another process holds the writer
        lock, its pending transaction is live, not interrupted: none is reported.

        Only entries marked incomplete are read (no file at all on a journal with
        nothing pending), unless the journal predates the markers.
        """
        names = self.store.names()
        if not names or self.writer.busy() is not None:
            return []
        marked = self.store.marked(names)
        if marked is not None and not marked:
            return []
        entries = self.store.entries(fresh=self.writer.held_here(), only=marked)
        for e in entries:
            if isinstance(e, Transaction) and e._ops is None:
                e._loader = self._load_ops
        return [
            e
            for e in entries
            if isinstance(e, Transaction) and e.state in INCOMPLETE and e.id not in self._live
        ]

    def find(self, ref: str) -> Transaction | BrokenEntry | None:
        """An entry by id, id prefix or sequence number."""
        entries = self.entries()
        hits = [e for e in entries if e.id == ref] or [
            e for e in entries if ref.isdigit() and e.seq == int(ref)
        ]
        if not hits and len(ref) >= 4:
            hits = [e for e in entries if e.id.startswith(ref)]
        return hits[0] if len(hits) == 1 else None

    def history(self) -> list[dict]:
        """Summaries of entries folded away (no longer undoable), oldest first."""
        return self.store.history()

    def _load_ops(self, txn: Transaction) -> list[Op]:
        """The transaction's ops, each checked to stay inside the dataset."""
        if txn.files == 0 and not self.store.is_legacy(txn):
            return []
        try:
            ops = self.store.read_ops(txn)
        except BadEntry as exc:
            raise self._error(txn, str(exc)) from None
        confiner = Confiner(self.root)
        for op in ops:
            for rel in (op.path, getattr(op, "dest", None)):
                if rel is None:
                    continue
                try:
                    confiner.path(rel, follow=isinstance(op, FileOp))
                except ConfinementError as exc:
                    raise self._error(txn, exc.message) from None
        bad = {c["path"] for c in txn.conflicts}
        return [op for op in ops if op.path not in bad]

    def _pack(self, txn: Transaction) -> dict[str, bytes]:
        if txn.id not in self._packs:
            try:
                self._packs[txn.id] = self.store.read_pack(txn.id)
            except BadEntry as exc:
                raise self._error(txn, str(exc)) from None
        return self._packs[txn.id]

    def _prepare(self, txn: Transaction) -> Callable[[str], bytes]:
        """Check everything a step of ``txn`` needs before anything changes."""
        ops = txn.ops
        pack = self._pack(txn) if any(isinstance(op, FileOp) for op in ops) else {}
        for op in ops:
            if isinstance(op, FileOp):
                for digest in (op.before, op.after):
                    if digest is not None and digest not in pack:
                        raise self._error(txn, f"its pack lacks the content of {op.path}")
        return pack.__getitem__

    def _error(self, entry: Transaction | BrokenEntry, why: str) -> JournalError:
        label = f" {entry.label!r}" if isinstance(entry, Transaction) else ""
        return JournalError(
            f"journal entry #{entry.seq}{label} ({entry.id}) cannot be used: {why}; "
            "no file was touched",
            f"inspect it with `{hint('history', self.root, '--broken')}`; set it aside with "
            f"`{hint('recover', self.root, '--skip', entry.id)}` (files stay as they are, "
            "and undo stops there)",
        )

    def check(self, txn: Transaction) -> str | None:
        """Why ``txn`` could not be undone, redone or recovered (None: it can)."""
        try:
            self._prepare(txn)
        except JournalError as exc:
            return exc.message
        finally:
            self._packs.pop(txn.id, None)
        return None

    # ---- writing -------------------------------------------------------------------
    def _ensure(self) -> None:
        try:
            self.store.ensure()
        except OSError as exc:
            raise StateError(
                f"cannot create the journal folder {self.dir}: {exc.strerror}",
                f"if {self.dir} is a file, move it aside; lorapan makes the folder",
            ) from None

    def save(self, txn: Transaction) -> None:
        """Write the entry's state; an incomplete one is marked first, unmarked after."""
        self._ensure()
        try:
            if txn.state in INCOMPLETE:
                self.store.mark(txn.id)
            self.store.save(txn)
            if txn.state not in INCOMPLETE:
                self.store.unmark(txn.id)
        except OSError as exc:
            raise StateError(
                f"cannot write journal entry #{txn.seq} in {self.dir}: {exc.strerror or exc}",
                f"make {self.dir} writable (or free space); then "
                f"`{hint('recover', self.root, '--finish')}` completes anything left half-done",
            ) from None

    def _next_seq(self) -> int:
        seqs = [e.seq for e in self.entries()] + [r["seq"] for r in self.store.history()]
        return max(seqs, default=0) + 1

    def begin(self, label: str, changes: list[Change], moves: Sequence[MoveOp] = ()) -> Transaction:
        """Record a pending transaction (before touching any file).

        ``moves`` join the same transaction (a fix that sets images aside and edits the
        captions of others is one undo); the step makes them before the content changes.
        """
        blobs: dict[str, bytes] = {}
        ops: list[Op] = list(moves)
        for path, before, after in changes:
            ops.append(FileOp(path, _keep(blobs, before), _keep(blobs, after)))
        return self._begin(label, ops, blobs)

    def begin_ops(self, label: str, ops: list[Op]) -> Transaction:
        """Record a pending transaction of ready-made ops (moves carry no content)."""
        return self._begin(label, ops, {})

    def _begin(self, label: str, ops: list[Op], blobs: dict[str, bytes]) -> Transaction:
        confiner = Confiner(self.root)
        for op in ops:  # plain paths under real folders; the step resolves links itself
            confiner.real(op.path, follow=False)
        with self.writer.hold():
            self._ensure()
            seq = self._next_seq()
            txn = Transaction(uuid.uuid4().hex[:10], seq, label, time.time(), PENDING, len(ops))
            txn.ops = ops
            try:
                with held_interrupts("the journal entry"):
                    self.store.write_pack(txn.id, blobs)
                    self.store.write_ops(txn.id, ops)
            except OSError as exc:
                raise StateError(
                    f"cannot write the journal in {self.dir}: {exc.strerror or exc}",
                    f"nothing was written; make {self.dir} writable (or free space) and try again",
                ) from None
            self._packs[txn.id] = blobs
            self.save(txn)
        return txn

    def commit(self, txn: Transaction) -> OpResult:
        """Apply a pending transaction; conflicting files are dropped from it."""
        with self.writer.hold():
            with held_interrupts(_files(txn)):
                res = self._commit(txn)
            with contextlib.suppress(OSError):  # housekeeping: the next commit folds again
                compact.fold(self)
        return res

    def _commit(self, txn: Transaction) -> OpResult:
        self._live.add(txn.id)
        try:
            res = self.steps.step(txn.ops, True, self._prepare(txn))
        finally:
            self._live.discard(txn.id)
            self._packs.pop(txn.id, None)  # contents stay on disk, not in memory
        bad = {p for p, _ in res.conflicts}
        txn.ops = [op for op in txn.ops if op.path not in bad]
        txn.conflicts = [{"path": p, "reason": r} for p, r in res.conflicts]
        txn.state = APPLIED
        self.save(txn)
        self._discard_redo(txn)
        return res

    def run(
        self, label: str, changes: list[Change], moves: Sequence[MoveOp] = ()
    ) -> tuple[Transaction, OpResult]:
        with self.writer.hold():
            txn = self.begin(label, changes, moves)
            return txn, self.commit(txn)

    def run_ops(self, label: str, ops: list[Op]) -> tuple[Transaction, OpResult]:
        with self.writer.hold():
            txn = self.begin_ops(label, ops)
            return txn, self.commit(txn)

    def _discard_redo(self, newest: Transaction) -> None:
        for t in self.transactions():
            if t.state == UNDONE and t.seq < newest.seq:
                t.state = DISCARDED
                self.save(t)

    def _chain(self) -> list[Transaction | BrokenEntry]:
        """Entries undo and redo may walk: those after the newest barrier."""
        entries = self.entries()
        for i in range(len(entries) - 1, -1, -1):
            e = entries[i]
            if isinstance(e, BrokenEntry) or e.state == SKIPPED:
                return entries[i + 1 :]
        return entries

    def last_applied(self) -> Transaction | None:
        """The transaction undo would revert (None: nothing left to undo)."""
        entries = self.entries()
        for e in reversed(entries):
            if isinstance(e, BrokenEntry):
                raise self._error(e, e.reason)
            if e.state == SKIPPED:
                return None
            if e.state == APPLIED:
                return e
        return None

    def next_redo(self) -> Transaction | None:
        chain = [e for e in self._chain() if isinstance(e, Transaction)]
        last = max((t.seq for t in chain if t.state == APPLIED), default=0)
        undone = [t for t in chain if t.state == UNDONE and t.seq > last]
        return undone[0] if undone else None

    def _move(self, txn: Transaction, during: str, forward: bool, done: str) -> OpResult:
        """Step ``txn`` one way, marking it ``during`` on disk first (crash-safe).

        A step that changed no file (each one changed on disk since) leaves ``txn``
        where it was: an undo refused is not an undo, and the next one must not
        revert an older edit instead."""
        blob = self._prepare(txn)
        was = txn.state
        with held_interrupts(_files(txn)):
            txn.state = during
            self.save(txn)
            self._live.add(txn.id)
            try:
                res = self.steps.step(txn.ops, forward, blob)
            finally:
                self._live.discard(txn.id)
                self._packs.pop(txn.id, None)
            txn.state = was if res.conflicts and not res.done else done
            self.save(txn)
        return res

    def undo(self) -> tuple[Transaction, OpResult] | None:
        with self.writer.hold():
            txn = self.last_applied()
            if txn is None:
                return None
            return txn, self._move(txn, UNDOING, forward=False, done=UNDONE)

    def redo(self) -> tuple[Transaction, OpResult] | None:
        with self.writer.hold():
            txn = self.next_redo()
            if txn is None:
                return None
            return txn, self._move(txn, PENDING, forward=True, done=APPLIED)

    def finish(self, txn: Transaction) -> OpResult:
        """Complete an interrupted transaction in the direction it was going."""
        with self.writer.hold(wait_s=0), held_interrupts(_files(txn)):
            blob = self._prepare(txn)
            self.steps.clean_temps(txn.ops)
            forward = txn.state == PENDING
            res = self.steps.step(txn.ops, forward, blob)
            txn.state = APPLIED if forward else UNDONE
            self._packs.pop(txn.id, None)
            self.save(txn)
        return res

    def rollback(self, txn: Transaction) -> OpResult:
        """Return every file of an interrupted transaction to where it started."""
        with self.writer.hold(wait_s=0), held_interrupts(_files(txn)):
            blob = self._prepare(txn)
            self.steps.clean_temps(txn.ops)
            forward = txn.state == PENDING
            res = self.steps.step(txn.ops, not forward, blob)
            txn.state = ROLLED_BACK if forward else APPLIED
            self._packs.pop(txn.id, None)
            self.save(txn)
        return res

    def skip(self, entry: Transaction | BrokenEntry) -> Path:
        """Set an entry aside: its files go to ``journal/skipped/``, no dataset file is
        touched, and a small ``skipped`` entry stays in its place as a barrier."""
        with self.writer.hold(wait_s=0):
            name = entry.name if isinstance(entry, BrokenEntry) else None
            where = self.store.set_aside(name or self.store.state_path(entry).name, entry.id)
            label = entry.label if isinstance(entry, Transaction) else "(unreadable entry)"
            marker = Transaction(entry.id, entry.seq, label, time.time(), SKIPPED, 0)
            self.save(marker)
        return where


def _keep(blobs: dict[str, bytes], data: bytes | None) -> str | None:
    """Put ``data`` into ``blobs`` under its sha256 and return the digest (None for no
    file): one hash per content."""
    digest = sha256(data)
    if digest is not None and data is not None:
        blobs[digest] = data
    return digest


def _files(txn: Transaction) -> str:
    return f"the {len(txn.ops)} file{'s' if len(txn.ops) != 1 else ''} of '{txn.label}'"
