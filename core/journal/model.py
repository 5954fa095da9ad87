"""What a journal entry holds, and how its files are parsed without trusting them.

Journal files travel with the dataset, so each one is read as untrusted input: a
field of the wrong type, an id that is not hex (it names the entry's other files),
a digest that is not a sha256 or a path that is not a plain relative path makes
the entry *broken* (:class:`BadEntry`), never a traceback. Whether a path stays
inside the dataset once symlinks are resolved is checked by the journal with a
:class:`~lorapan.core.confine.Confiner` before any file is touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.confine import is_safe_rel

PENDING, APPLIED, UNDOING, UNDONE = "pending", "applied", "undoing", "undone"
ROLLED_BACK, DISCARDED, SKIPPED = "rolled-back", "discarded", "skipped"
STATES = (PENDING, APPLIED, UNDOING, UNDONE, ROLLED_BACK, DISCARDED, SKIPPED)
INCOMPLETE = (PENDING, UNDOING)

#: ``00000012-3fa9c0d1e2.json``: the state file of entry 12 (its name says seq and id)
ENTRY_NAME = re.compile(r"^(\d{8,})-([0-9a-f]{1,32})\.json$")
_HEX_ID = re.compile(r"^[0-9a-f]{1,32}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


class BadEntry(Exception):
    """A journal file that cannot be used as it is; the message says why."""


@dataclass
class FileOp:
    """One file's content change: ``before``/``after`` are blob hashes, None = no file."""

    path: str  # relative to the dataset root, POSIX separators
    before: str | None
    after: str | None
    kind = "write"

    def to_json(self) -> dict:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass
class MoveOp:
    """One file moved from ``path`` to ``dest`` (both root-relative), unchanged.

    ``digest`` fingerprints the file (its content, or where a symlink points), so a
    move never carries off a file that changed; no content goes into the pack.
    """

    path: str
    dest: str
    digest: str
    kind = "move"

    def to_json(self) -> dict:
        return {"kind": "move", "path": self.path, "dest": self.dest, "digest": self.digest}


Op = FileOp | MoveOp


@dataclass
class Transaction:
    """One journal entry. Its ops are read from their own file only when needed."""

    id: str
    seq: int
    label: str
    created: float
    state: str
    files: int  # how many ops it has (kept in the state file, so listing reads no ops)
    conflicts: list[dict] = field(default_factory=list)
    _ops: list[Op] | None = field(default=None, repr=False)
    _loader: Callable[[Transaction], list[Op]] | None = field(default=None, repr=False)

    @property
    def ops(self) -> list[Op]:
        """The ops still in the transaction (those that conflicted at commit are dropped).

        Loaded (and checked) on first use; raises JournalError when they cannot be.
        """
        if self._ops is None:
            assert self._loader is not None, "transaction without ops"
            self._ops = self._loader(self)
        return self._ops

    @ops.setter
    def ops(self, value: list[Op]) -> None:
        self._ops = value

    @property
    def paths(self) -> list[str]:
        return [op.path for op in self.ops]

    def to_json(self) -> dict:
        """The state file: small, rewritten as the transaction moves on."""
        return {
            "v": 2,
            "id": self.id,
            "seq": self.seq,
            "label": self.label,
            "created": self.created,
            "state": self.state,
            "files": self.files,
            "conflicts": self.conflicts,
        }


@dataclass(frozen=True)
class BrokenEntry:
    """A journal entry that cannot be read or used: shown by ``history --broken``."""

    name: str  # its state file
    seq: int
    id: str
    reason: str


def _need(cond: bool, why: str) -> None:
    if not cond:
        raise BadEntry(why)


def parse_state(name: str, data: bytes) -> tuple[Transaction, Any]:
    """The transaction in state file ``name``; for an old-format file, its raw ops too."""
    m = ENTRY_NAME.match(name)
    _need(m is not None, "its file name is not a journal entry name")
    assert m is not None
    try:
        d = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise BadEntry("it is not valid JSON") from None
    _need(isinstance(d, dict), f"it holds {type(d).__name__}, not an entry")
    seq, txn_id = d.get("seq"), d.get("id")
    _need(type(seq) is int and seq == int(m.group(1)), "its sequence number is missing or wrong")
    _need(isinstance(txn_id, str) and txn_id == m.group(2), "its id is missing or wrong")
    _need(isinstance(d.get("label"), str), "its label is missing")
    _need(type(d.get("created")) in (int, float), "its time is missing")
    _need(d.get("state") in STATES, f"its state {d.get('state')!r} is unknown")
    conflicts = d.get("conflicts", [])
    _need(
        isinstance(conflicts, list)
        and all(isinstance(c, dict) and isinstance(c.get("path"), str) for c in conflicts),
        "its conflict list is malformed",
    )
    legacy_ops = None
    if "ops" in d:  # the first format kept the ops in the state file (checked when used)
        legacy_ops = d["ops"]
        files = len(legacy_ops) if isinstance(legacy_ops, list) else 0
    else:
        files = d.get("files")
        _need(type(files) is int and files >= 0, "its file count is missing")
    txn = Transaction(txn_id, seq, d["label"], float(d["created"]), d["state"], files, conflicts)
    return txn, legacy_ops


def parse_ops(raw: Any) -> list[Op]:
    """Ops from their JSON form; BadEntry names the first malformed one."""
    _need(isinstance(raw, list), "its file list is not a list")
    ops: list[Op] = []
    for i, o in enumerate(raw):
        _need(isinstance(o, dict), f"file {i + 1} is not an object")
        path = o.get("path")
        _need(is_safe_rel(path), f"file {i + 1} has the path {path!r}, not one inside the dataset")
        if o.get("kind", "write") == "move":
            dest, digest = o.get("dest"), o.get("digest")
            _need(
                is_safe_rel(dest), f"file {i + 1} moves to {dest!r}, not a path inside the dataset"
            )
            _need(
                isinstance(digest, str) and bool(_DIGEST.match(digest)),
                f"file {i + 1} has no digest",
            )
            ops.append(MoveOp(path, dest, digest))
            continue
        _need(o.get("kind", "write") == "write", f"file {i + 1} has an unknown kind")
        for side in ("before", "after"):
            v = o.get(side)
            _need(
                v is None or (isinstance(v, str) and bool(_DIGEST.match(v))),
                f"file {i + 1}: bad {side}",
            )
        ops.append(FileOp(path, o.get("before"), o.get("after")))
    return ops


def valid_id(txn_id: object) -> bool:
    return isinstance(txn_id, str) and bool(_HEX_ID.match(txn_id))
