"""The analysis cache: one sqlite file in the dataset's state folder.

Rows are keyed by relative path and hold the file's size and mtime_ns when it
was analysed, so a lookup tells at once whether the file changed since.

The cache only holds facts that can be measured again, so a damaged one (not a
database, bit-flipped, of another schema, a folder in its place) is never fatal:
it is set aside as ``analysis.sqlite.broken-<time>`` (kept for a person to look
at), a new one is made, and a line in :attr:`AnalysisCache.notices` says so.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from lorapan.core.analysis.facts import ANALYSIS_VERSION, ImageFacts
from lorapan.core.confine import is_safe_rel
from lorapan.core.errors import StateError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    relpath TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
)
"""
_COLUMNS = ["relpath", "size", "mtime_ns", "version", "data"]


class AnalysisCache:
    """Read and write cached :class:`ImageFacts`; safe to reopen from any thread.

    Used as a context manager (``with cache:``), writes share one connection
    until the block ends; otherwise each write opens and closes its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        #: What happened to a damaged cache, for the caller to show (read and clear).
        self.notices: list[str] = []

    def __enter__(self) -> AnalysisCache:
        if self._conn is None:
            self._conn = self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # A commit need not wait for the disk: a crash can at worst lose the last
            # rows of a cache that is rebuilt from the images anyway (WAL stays consistent).
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            columns = [row[1] for row in conn.execute("PRAGMA table_info(facts)")]
            if columns != _COLUMNS:
                raise sqlite3.DatabaseError(f"its table has other columns: {columns}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open(self) -> sqlite3.Connection:
        """A connection to a usable cache: a damaged one is set aside and made anew."""
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if self.path.is_file() and "unable to open" in str(exc):
                raise StateError(  # a folder lorapan may not write, not a damaged file
                    f"cannot open the analysis cache {self.path}: {exc}",
                    f"make {self.path.parent} writable",
                ) from None
            self._set_aside(str(exc))
            return self._connect()

    def _set_aside(self, reason: str) -> None:
        """Move a damaged cache (and its WAL files) out of the way, keeping it."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        dest = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        try:
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists() or src.is_symlink():
                    os.replace(src, Path(str(dest) + suffix))
        except OSError as exc:
            raise StateError(
                f"the analysis cache {self.path} is damaged ({reason}) and cannot be set "
                f"aside: {exc.strerror}",
                f"delete {self.path} (it only holds facts lorapan measures again)",
            ) from None
        self.notices.append(
            f"the analysis cache was damaged ({reason}); it was set aside as {dest.name} "
            "and is being rebuilt: images are analysed again"
        )

    def load(self) -> dict[str, tuple[int, int, ImageFacts]]:
        """Every current-version row: relpath -> (size, mtime_ns, facts)."""
        if not self.path.exists() and not self.path.is_symlink():
            return {}
        try:
            conn = self._open()
            try:
                rows = conn.execute(
                    "SELECT relpath, size, mtime_ns, data FROM facts WHERE version = ?",
                    (ANALYSIS_VERSION,),
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:  # damaged beyond its header: found on reading
            self._set_aside(str(exc))
            return {}
        out: dict[str, tuple[int, int, ImageFacts]] = {}
        for relpath, size, mtime_ns, data in rows:
            if not is_safe_rel(relpath):
                continue  # a crafted row: never a path outside the dataset
            try:
                out[relpath] = (size, mtime_ns, ImageFacts.from_record(json.loads(data)))
            except (ValueError, TypeError, KeyError):
                continue
        return out

    def store(self, facts: Iterable[ImageFacts]) -> None:
        rows = [
            (f.relpath, f.file_size, f.mtime_ns, ANALYSIS_VERSION, json.dumps(f.to_record()))
            for f in facts
        ]
        if not rows:
            return
        self._write(
            "INSERT OR REPLACE INTO facts (relpath, size, mtime_ns, version, data) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    def drop(self, relpaths: Iterable[str]) -> None:
        rows = [(r,) for r in relpaths]
        if rows:
            self._write("DELETE FROM facts WHERE relpath = ?", rows)

    def _write(self, sql: str, rows: list[tuple]) -> None:
        if self._conn is not None:
            try:
                with self._conn:
                    self._conn.executemany(sql, rows)
            except sqlite3.DatabaseError as exc:
                self._conn.close()
                self._set_aside(str(exc))
                self._conn = self._connect()
                with self._conn:
                    self._conn.executemany(sql, rows)
            return
        for attempt in (1, 2):
            conn = self._open()
            try:
                with conn:
                    conn.executemany(sql, rows)
                return
            except sqlite3.DatabaseError as exc:
                if attempt == 2:
                    raise
                self._set_aside(str(exc))
            finally:
                conn.close()
