"""The journal's files under ``.lorapan/journal/``.

Per entry: ``NNNNNNNN-<id>.json``, its *state* (a few hundred bytes, rewritten as
the entry moves on); ``<id>.ops.json``, its file list; ``<id>.pack``, the
contents before and after (see :mod:`.pack`; an older ``<id>.pack.json`` is read
too). The ops and the pack are written once, before
any file is touched, and read only by undo, redo, recovery and ``history``, so
opening a dataset reads the small state files and nothing else.
``history.json`` keeps a line for each entry folded away (see ``compact``), and
``skipped/`` the files of entries set aside with ``recover --skip``.

Every read goes through :meth:`JournalStore.read`, which counts files and bytes:
tests prove with it what opening a dataset costs.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lorapan.core.journal import pack
from lorapan.core.journal.model import (
    ENTRY_NAME,
    BadEntry,
    BrokenEntry,
    Op,
    Transaction,
    parse_ops,
    parse_state,
)
from lorapan.core.safe_write import TEMP_PREFIX, atomic_write

HISTORY_FILE = "history.json"
SKIPPED_DIR = "skipped"
#: Present once every entry is in the current format and every incomplete one has
#: its marker: from then on the markers alone say which entries to read at open.
FORMAT_FLAG = "format-2"
MARKER = ".incomplete"
HISTORY_KEEP = 1000  # folded entries remembered for `lorapan history`


@dataclass
class ReadStats:
    files: int = 0
    bytes: int = 0


class JournalStore:
    """Reads and writes the journal's files; knows nothing of datasets."""

    def __init__(self, folder: Path) -> None:
        self.dir = Path(folder)
        self.stats = ReadStats()
        #: state file name -> ((mtime_ns, size, ino), parsed entry)
        self._cache: dict[str, tuple[tuple[int, int, int], Transaction | BrokenEntry]] = {}
        self._legacy_ops: dict[str, Any] = {}  # id -> raw ops of a first-format entry

    # ---- names -----------------------------------------------------------------
    def state_path(self, txn: Transaction) -> Path:
        return self.dir / f"{txn.seq:08d}-{txn.id}.json"

    def ops_path(self, txn_id: str) -> Path:
        return self.dir / f"{txn_id}.ops.json"

    def pack_path(self, txn_id: str) -> Path:
        return self.dir / f"{txn_id}.pack"

    def legacy_pack_path(self, txn_id: str) -> Path:
        return self.dir / f"{txn_id}.pack.json"

    def _files(self, txn_id: str) -> tuple[Path, Path, Path]:
        """The entry's ops and pack files (either pack format)."""
        return self.ops_path(txn_id), self.pack_path(txn_id), self.legacy_pack_path(txn_id)

    # ---- reading ---------------------------------------------------------------
    def read(self, path: Path) -> bytes:
        data = path.read_bytes()
        self.stats.files += 1
        self.stats.bytes += len(data)
        return data

    def names(self) -> list[str]:
        """The journal folder's file names, sorted (none when it is missing)."""
        try:
            return sorted(os.listdir(self.dir))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def entries(
        self, fresh: bool = False, only: set[str] | None = None
    ) -> list[Transaction | BrokenEntry]:
        """Every entry (or those whose id is in ``only``), oldest first; unreadable
        ones as :class:`BrokenEntry`.

        Parsed state files are cached by (mtime, size, inode) unless ``fresh``
        (a writer holding the lock reads them again: they are small).
        """
        try:
            listing = sorted(os.scandir(self.dir), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return []
        out: list[Transaction | BrokenEntry] = []
        for entry in listing:
            m = ENTRY_NAME.match(entry.name)
            if m is None or (only is not None and m.group(2) not in only):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
                key = (st.st_mtime_ns, st.st_size, st.st_ino)
                cached = self._cache.get(entry.name)
                if fresh or cached is None or cached[0] != key:
                    cached = (key, self._parse(entry.name, Path(entry.path)))
                    self._cache[entry.name] = cached
            except OSError as exc:
                cached = (
                    (0, 0, 0),
                    BrokenEntry(entry.name, int(m.group(1)), m.group(2), f"cannot read: {exc}"),
                )
            out.append(cached[1])
        return out

    def _parse(self, name: str, path: Path) -> Transaction | BrokenEntry:
        m = ENTRY_NAME.match(name)
        assert m is not None
        if path.is_symlink() or not path.is_file():
            return BrokenEntry(name, int(m.group(1)), m.group(2), "it is not a plain file")
        try:
            txn, legacy = parse_state(name, self.read(path))
        except BadEntry as exc:
            return BrokenEntry(name, int(m.group(1)), m.group(2), str(exc))
        if legacy is not None:
            self._legacy_ops[txn.id] = legacy
        return txn

    def read_ops(self, txn: Transaction) -> list[Op]:
        """The entry's ops as written at its start (BadEntry when unreadable)."""
        if txn.id in self._legacy_ops:
            return parse_ops(self._legacy_ops[txn.id])
        try:
            raw = json.loads(self.read(self.ops_path(txn.id)))
        except FileNotFoundError:
            raise BadEntry("its file list is missing") from None
        except (OSError, ValueError, UnicodeDecodeError):
            raise BadEntry("its file list is unreadable") from None
        return parse_ops(raw)

    def read_pack(self, txn_id: str) -> dict[str, bytes]:
        """Contents by sha256, each checked against its hash (BadEntry when not)."""
        for path, decode in (
            (self.pack_path(txn_id), pack.decode),
            (self.legacy_pack_path(txn_id), pack.decode_json),
        ):
            try:
                return decode(self.read(path))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise BadEntry(f"its pack cannot be read: {exc.strerror}") from None
        raise BadEntry("its pack (the contents before and after) is missing")

    def is_legacy(self, txn: Transaction) -> bool:
        return txn.id in self._legacy_ops

    # ---- writing -----------------------------------------------------------------
    def ensure(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)

    def write_pack(self, txn_id: str, blobs: dict[str, bytes]) -> None:
        atomic_write(self.pack_path(txn_id), pack.encode(blobs))

    def write_ops(self, txn_id: str, ops: list[Op]) -> None:
        atomic_write(self.ops_path(txn_id), json.dumps([op.to_json() for op in ops]).encode())

    def save(self, txn: Transaction) -> None:
        """Write the state file (an old-format entry gets its ops file first)."""
        if txn.id in self._legacy_ops:
            self.write_ops(txn.id, self.read_ops(txn))
        atomic_write(self.state_path(txn), json.dumps(txn.to_json()).encode())
        self._legacy_ops.pop(txn.id, None)

    def sizes(self, txn_id: str) -> int:
        """Bytes the entry's ops and pack hold on disk."""
        total = 0
        for path in self._files(txn_id):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    def remove(self, name: str, txn_id: str) -> None:
        """Delete an entry's files (folded away)."""
        marker = self.dir / f"{txn_id}{MARKER}"
        for path in (self.dir / name, *self._files(txn_id), marker):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._cache.pop(name, None)
        self._legacy_ops.pop(txn_id, None)

    def set_aside(self, name: str, txn_id: str) -> Path:
        """Move an entry's files into ``skipped/`` (kept for a person to inspect)."""
        dest = self.dir / SKIPPED_DIR
        dest.mkdir(exist_ok=True)
        self.unmark(txn_id)
        for path in (self.dir / name, *self._files(txn_id)):
            if path.exists() or path.is_symlink():
                os.replace(path, dest / path.name)
        self._cache.pop(name, None)
        self._legacy_ops.pop(txn_id, None)
        return dest

    # ---- markers of incomplete entries ----------------------------------------------
    def marked(self, names: list[str]) -> set[str] | None:
        """Ids of entries marked incomplete; None while markers cannot be trusted yet."""
        if FORMAT_FLAG not in names:
            return None
        return {n[: -len(MARKER)] for n in names if n.endswith(MARKER)}

    def mark(self, txn_id: str) -> None:
        path = self.dir / f"{txn_id}{MARKER}"
        if not path.exists():
            atomic_write(path, b"")

    def unmark(self, txn_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.dir / f"{txn_id}{MARKER}").unlink()

    def set_flag(self) -> None:
        if not (self.dir / FORMAT_FLAG).exists():
            atomic_write(self.dir / FORMAT_FLAG, b"")

    def clean_temps(self) -> None:
        """Remove temp files a killed writer left here (the caller holds the lock)."""
        for name in self.names():
            if name.startswith(TEMP_PREFIX):
                with contextlib.suppress(OSError):
                    (self.dir / name).unlink()

    # ---- folded history --------------------------------------------------------
    def history(self) -> list[dict]:
        """Summaries of folded entries, oldest first (an unreadable file counts as none)."""
        try:
            doc = json.loads(self.read(self.dir / HISTORY_FILE))
        except (OSError, ValueError, UnicodeDecodeError):
            return []
        rows = doc.get("folded") if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            return []
        return [r for r in rows if isinstance(r, dict) and type(r.get("seq")) is int]

    def add_history(self, rows: list[dict]) -> None:
        kept = (self.history() + rows)[-HISTORY_KEEP:]
        atomic_write(self.dir / HISTORY_FILE, json.dumps({"v": 1, "folded": kept}).encode())
