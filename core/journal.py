"""The edit journal: every change to files is a transaction on disk.

A transaction lists file operations (path, content before, content after; ``None``
meaning "no file"). It is written to ``.lorapan/journal/`` *before* any file is
touched, so a crash half-way (even kill -9) leaves a ``pending`` transaction that the
next start can finish or roll back: each file's current content tells whether its
operation already happened. Contents live in a content-addressed blob store, so a
bulk edit of 10,000 captions costs one JSON file plus the changed captions.

Undo and redo walk the same transactions, so they work across restarts. Before any
file is written, it is checked against the content the transaction expects; a file
changed by another program is reported as a conflict and left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.safe_write import atomic_write

PENDING, APPLIED, UNDOING, UNDONE = "pending", "applied", "undoing", "undone"
ROLLED_BACK, DISCARDED = "rolled-back", "discarded"
INCOMPLETE = (PENDING, UNDOING)


def sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


@dataclass
class FileOp:
    """One file's change: ``before``/``after`` are blob hashes, None = no file."""

    path: str  # relative to the dataset root, POSIX separators
    before: str | None
    after: str | None

    def to_json(self) -> dict:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass
class Transaction:
    id: str
    seq: int
    label: str
    created: float
    state: str
    ops: list[FileOp]
    conflicts: list[dict] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [op.path for op in self.ops]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "seq": self.seq,
            "label": self.label,
            "created": self.created,
            "state": self.state,
            "ops": [op.to_json() for op in self.ops],
            "conflicts": self.conflicts,
        }

    @classmethod
    def from_json(cls, d: dict) -> Transaction:
        ops = [FileOp(o["path"], o["before"], o["after"]) for o in d["ops"]]
        return cls(
            d["id"], d["seq"], d["label"], d["created"], d["state"], ops, d.get("conflicts", [])
        )


@dataclass
class OpResult:
    """What happened to each file of a transaction step."""

    done: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


class JournalError(Exception):
    pass


class Journal:
    """Transactions of one dataset, stored under ``state_dir/journal``."""

    def __init__(self, root: Path, state_dir: Path) -> None:
        self.root = Path(root)
        self.dir = Path(state_dir) / "journal"
        self.blobs = self.dir / "blobs"
        #: Called with the relative path after each file this journal writes, so the
        #: dataset can refresh its view and the watcher can ignore our own writes.
        self.on_write: list[Callable[[str], None]] = []

    # ---- storage -----------------------------------------------------------
    def _ensure(self) -> None:
        self.blobs.mkdir(parents=True, exist_ok=True)

    def put_blob(self, data: bytes | None) -> str | None:
        if data is None:
            return None
        digest = sha256(data)
        assert digest is not None
        path = self.blobs / digest
        if not path.exists():
            self._ensure()
            atomic_write(path, data)
        return digest

    def blob(self, digest: str | None) -> bytes | None:
        if digest is None:
            return None
        try:
            return (self.blobs / digest).read_bytes()
        except FileNotFoundError:
            raise JournalError(f"journal blob {digest[:12]} is missing") from None

    def _txn_path(self, txn: Transaction) -> Path:
        return self.dir / f"{txn.seq:08d}-{txn.id}.json"

    def save(self, txn: Transaction) -> None:
        self._ensure()
        atomic_write(self._txn_path(txn), json.dumps(txn.to_json()).encode())

    def transactions(self) -> list[Transaction]:
        if not self.dir.is_dir():
            return []
        out = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                out.append(Transaction.from_json(json.loads(path.read_text())))
            except (ValueError, KeyError, OSError):
                continue  # a torn journal file cannot have touched any caption yet
        return out

    def incomplete(self) -> list[Transaction]:
        return [t for t in self.transactions() if t.state in INCOMPLETE]

    # ---- file steps --------------------------------------------------------
    def _current(self, rel: str) -> str | None:
        try:
            return sha256((self.root / rel).read_bytes())
        except FileNotFoundError:
            return None

    def _write(self, rel: str, digest: str | None) -> None:
        path = self.root / rel
        if digest is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = self.blob(digest)
            assert data is not None
            atomic_write(path, data)
        for cb in self.on_write:
            cb(rel)

    def _step(self, txn: Transaction, forward: bool) -> OpResult:
        """Move each file from one side of its op to the other, checking first."""
        res = OpResult()
        for op in txn.ops:
            src, dst = (op.before, op.after) if forward else (op.after, op.before)
            try:
                current = self._current(op.path)
            except OSError as exc:
                res.conflicts.append((op.path, f"cannot read: {exc.strerror}"))
                continue
            if current == dst:
                res.done.append(op.path)  # already there (resumed after a crash)
                continue
            if current != src:
                res.conflicts.append((op.path, "changed on disk by another program"))
                continue
            try:
                self._write(op.path, dst)
            except OSError as exc:
                res.conflicts.append((op.path, f"cannot write: {exc.strerror}"))
                continue
            res.done.append(op.path)
        return res

    # ---- public operations -------------------------------------------------
    def _next_seq(self) -> int:
        txns = self.transactions()
        return (txns[-1].seq + 1) if txns else 1

    def begin(
        self, label: str, changes: list[tuple[str, bytes | None, bytes | None]]
    ) -> Transaction:
        """Record a pending transaction (before touching any file)."""
        ops = [FileOp(p, self.put_blob(b), self.put_blob(a)) for p, b, a in changes]
        txn = Transaction(uuid.uuid4().hex[:10], self._next_seq(), label, time.time(), PENDING, ops)
        self.save(txn)
        return txn

    def commit(self, txn: Transaction) -> OpResult:
        """Apply a pending transaction; conflicting files are dropped from it."""
        res = self._step(txn, forward=True)
        bad = {p for p, _ in res.conflicts}
        txn.ops = [op for op in txn.ops if op.path not in bad]
        txn.conflicts = [{"path": p, "reason": r} for p, r in res.conflicts]
        txn.state = APPLIED
        self.save(txn)
        self._discard_redo(txn)
        return res

    def run(
        self, label: str, changes: list[tuple[str, bytes | None, bytes | None]]
    ) -> tuple[Transaction, OpResult]:
        txn = self.begin(label, changes)
        return txn, self.commit(txn)

    def _discard_redo(self, newest: Transaction) -> None:
        for t in self.transactions():
            if t.state == UNDONE and t.seq < newest.seq:
                t.state = DISCARDED
                self.save(t)

    def last_applied(self) -> Transaction | None:
        applied = [t for t in self.transactions() if t.state == APPLIED]
        return applied[-1] if applied else None

    def next_redo(self) -> Transaction | None:
        txns = self.transactions()
        last = max((t.seq for t in txns if t.state == APPLIED), default=0)
        undone = [t for t in txns if t.state == UNDONE and t.seq > last]
        return undone[0] if undone else None

    def undo(self) -> tuple[Transaction, OpResult] | None:
        txn = self.last_applied()
        if txn is None:
            return None
        txn.state = UNDOING
        self.save(txn)
        res = self._step(txn, forward=False)
        txn.state = UNDONE
        self.save(txn)
        return txn, res

    def redo(self) -> tuple[Transaction, OpResult] | None:
        txn = self.next_redo()
        if txn is None:
            return None
        txn.state = PENDING
        self.save(txn)
        res = self._step(txn, forward=True)
        txn.state = APPLIED
        self.save(txn)
        return txn, res

    def finish(self, txn: Transaction) -> OpResult:
        """Complete an interrupted transaction in the direction it was going."""
        forward = txn.state == PENDING
        res = self._step(txn, forward=forward)
        txn.state = APPLIED if forward else UNDONE
        self.save(txn)
        return res

    def rollback(self, txn: Transaction) -> OpResult:
        """Return every file of an interrupted transaction to where it started."""
        forward = txn.state == PENDING
        res = self._step(txn, forward=not forward)
        txn.state = ROLLED_BACK if forward else APPLIED
        self.save(txn)
        return res
