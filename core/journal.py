"""The edit journal: every change to files is a transaction on disk.

A transaction lists file operations (path, content before, content after; ``None``
meaning "no file"). It is written to ``.lorapan/journal/`` *before* any file is
touched, so a crash half-way (even kill -9) leaves a ``pending`` transaction that the
next start can finish or roll back: each file's current content tells whether its
operation already happened. The contents before and after live in one pack file per
transaction (written once), next to a small state file that is rewritten as the
transaction moves on; a bulk edit of 10,000 captions costs two journal writes.

Bulk steps write every temp file first, make them durable with one ``os.sync()``
instead of 10,000 fsyncs, then re-check each target and ``os.replace`` it, then
fsync each folder once. A crash at any point leaves each file either as it was or
as it should be, never half-written.

Undo and redo walk the same transactions, so they work across restarts. Before any
file is written, it is checked against the content the transaction expects; a file
changed by another program is reported as a conflict and left alone.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.safe_write import TEMP_PREFIX, atomic_write, fsync_dir

PENDING, APPLIED, UNDOING, UNDONE = "pending", "applied", "undoing", "undone"
ROLLED_BACK, DISCARDED = "rolled-back", "discarded"
SYNC_ONCE_ABOVE = 16  # staged files above which one os.sync() beats per-file fsync
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
        self._packs: dict[str, dict[str, bytes]] = {}
        self._cache: dict[str, tuple[tuple[int, int], Transaction]] = {}
        #: Called with the relative path after each file this journal writes, so the
        #: dataset can refresh its view and the watcher can ignore our own writes.
        self.on_write: list[Callable[[str], None]] = []

    # ---- storage -----------------------------------------------------------
    def _ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)

    def _pack_path(self, txn_id: str) -> Path:
        return self.dir / f"{txn_id}.pack.json"

    def _write_pack(self, txn_id: str, blobs: dict[str, bytes]) -> None:
        self._ensure()
        payload = {k: base64.b64encode(v).decode("ascii") for k, v in blobs.items()}
        atomic_write(self._pack_path(txn_id), json.dumps(payload).encode())

    def _load_pack(self, txn_id: str) -> dict[str, bytes]:
        if txn_id not in self._packs:
            try:
                raw = json.loads(self._pack_path(txn_id).read_bytes())
            except (OSError, ValueError):
                raise JournalError(
                    f"journal pack of transaction {txn_id} is missing or torn"
                ) from None
            self._packs[txn_id] = {k: base64.b64decode(v) for k, v in raw.items()}
        return self._packs[txn_id]

    def blob(self, txn: Transaction, digest: str | None) -> bytes | None:
        if digest is None:
            return None
        data = self._load_pack(txn.id).get(digest)
        if data is None:
            raise JournalError(f"journal content {digest[:12]} of {txn.label!r} is missing")
        return data

    def _txn_path(self, txn: Transaction) -> Path:
        return self.dir / f"{txn.seq:08d}-{txn.id}.json"

    def save(self, txn: Transaction) -> None:
        self._ensure()
        atomic_write(self._txn_path(txn), json.dumps(txn.to_json()).encode())

    def transactions(self) -> list[Transaction]:
        """All transactions, oldest first.

        Parsed files are cached by (mtime, size), so a long history costs one
        ``stat`` per file per call, and a change by another lorapan process is seen.
        """
        if not self.dir.is_dir():
            return []
        out = []
        for entry in sorted(os.scandir(self.dir), key=lambda e: e.name):
            if not entry.name.endswith(".json") or entry.name.endswith(".pack.json"):
                continue
            try:
                st = entry.stat()
                key = (st.st_mtime_ns, st.st_size)
                cached = self._cache.get(entry.name)
                if cached is None or cached[0] != key:
                    txn = Transaction.from_json(json.loads(Path(entry.path).read_bytes()))
                    cached = (key, txn)
                    self._cache[entry.name] = cached
            except (ValueError, KeyError, OSError):
                continue  # a torn journal file cannot have touched any caption yet
            out.append(cached[1])
        return out

    def incomplete(self) -> list[Transaction]:
        return [t for t in self.transactions() if t.state in INCOMPLETE]

    # ---- file steps --------------------------------------------------------
    def _current(self, rel: str) -> tuple[str | None, os.stat_result | None]:
        path = self.root / rel
        try:
            with open(path, "rb") as fh:
                data = fh.read()
                st = os.fstat(fh.fileno())
        except FileNotFoundError:
            return None, None
        return sha256(data), st

    def _step(self, txn: Transaction, forward: bool) -> OpResult:
        """Move each file from one side of its op to the other, checking first."""
        res = OpResult()
        staged: list[tuple[FileOp, str | None, os.stat_result | None, str | None]] = []
        for op in txn.ops:
            src, dst = (op.before, op.after) if forward else (op.after, op.before)
            try:
                current, st = self._current(op.path)
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
                tmp = self._stage(txn, op.path, dst)
            except OSError as exc:
                res.conflicts.append((op.path, f"cannot write: {exc.strerror}"))
                continue
            staged.append((op, tmp, st, dst))
        if staged:
            self._make_durable([tmp for _, tmp, _, _ in staged if tmp])
        folders: set[Path] = set()
        for op, tmp, st, _dst in staged:
            reason = self._swap(op.path, tmp, st)
            if reason:
                res.conflicts.append((op.path, reason))
                continue
            folders.add((self.root / op.path).parent)
            res.done.append(op.path)
            for cb in self.on_write:
                cb(op.path)
        for folder in folders:
            fsync_dir(folder)
        return res

    def _stage(self, txn: Transaction, rel: str, digest: str | None) -> str | None:
        """Write the new content to a temp file beside the target (None: delete)."""
        if digest is None:
            return None
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.blob(txn, digest)
        assert data is not None
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        return tmp

    @staticmethod
    def _make_durable(temps: list[str]) -> None:
        if len(temps) > SYNC_ONCE_ABOVE:
            os.sync()  # one flush instead of thousands of fsyncs
            return
        for tmp in temps:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _swap(self, rel: str, tmp: str | None, seen: os.stat_result | None) -> str | None:
        """Replace (or delete) the target unless it moved since it was checked."""
        path = self.root / rel
        try:
            now = os.stat(path)
        except FileNotFoundError:
            now = None
        moved = (now is None) != (seen is None) or (
            now is not None
            and seen is not None
            and (now.st_size, now.st_mtime_ns) != (seen.st_size, seen.st_mtime_ns)
        )
        if moved:
            if tmp:
                os.unlink(tmp)
            return "changed on disk by another program"
        try:
            if tmp is None:
                if now is not None:
                    os.unlink(path)
            else:
                os.replace(tmp, path)
        except OSError as exc:
            return f"cannot write: {exc.strerror}"
        return None

    # ---- public operations -------------------------------------------------
    def _next_seq(self) -> int:
        txns = self.transactions()
        return (txns[-1].seq + 1) if txns else 1

    def begin(
        self, label: str, changes: list[tuple[str, bytes | None, bytes | None]]
    ) -> Transaction:
        """Record a pending transaction (before touching any file)."""
        blobs: dict[str, bytes] = {}
        ops = []
        for path, before, after in changes:
            for data in (before, after):
                if data is not None:
                    blobs[sha256(data) or ""] = data
            ops.append(FileOp(path, sha256(before), sha256(after)))
        txn = Transaction(uuid.uuid4().hex[:10], self._next_seq(), label, time.time(), PENDING, ops)
        self._write_pack(txn.id, blobs)
        self._packs[txn.id] = blobs
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

    def _move(self, txn: Transaction, during: str, forward: bool, done: str) -> OpResult:
        """Step ``txn`` one way, marking it ``during`` on disk first (crash-safe)."""
        txn.state = during
        self.save(txn)
        res = self._step(txn, forward=forward)
        txn.state = done
        self.save(txn)
        return res

    def undo(self) -> tuple[Transaction, OpResult] | None:
        txn = self.last_applied()
        if txn is None:
            return None
        return txn, self._move(txn, UNDOING, forward=False, done=UNDONE)

    def redo(self) -> tuple[Transaction, OpResult] | None:
        txn = self.next_redo()
        if txn is None:
            return None
        return txn, self._move(txn, PENDING, forward=True, done=APPLIED)

    def _clean_temps(self, txn: Transaction) -> None:
        """Remove temp files a crash left beside the transaction's files."""
        for folder in {(self.root / op.path).parent for op in txn.ops}:
            for tmp in folder.glob(TEMP_PREFIX + "*"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def finish(self, txn: Transaction) -> OpResult:
        """Complete an interrupted transaction in the direction it was going."""
        self._clean_temps(txn)
        forward = txn.state == PENDING
        res = self._step(txn, forward=forward)
        txn.state = APPLIED if forward else UNDONE
        self.save(txn)
        return res

    def rollback(self, txn: Transaction) -> OpResult:
        """Return every file of an interrupted transaction to where it started."""
        self._clean_temps(txn)
        forward = txn.state == PENDING
        res = self._step(txn, forward=not forward)
        txn.state = ROLLED_BACK if forward else APPLIED
        self.save(txn)
        return res
