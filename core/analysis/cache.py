"""The analysis cache: one sqlite file in the dataset's state folder.

Rows are keyed by relative path and hold the file's size and mtime_ns when it
was analysed, so a lookup tells at once whether the file changed since.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from lorapan.core.analysis.facts import ANALYSIS_VERSION, ImageFacts
from lorapan.core.confine import is_safe_rel

_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (
    relpath TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
)
"""


class AnalysisCache:
    """Read and write cached :class:`ImageFacts`; safe to reopen from any thread.

    Used as a context manager (``with cache:``), writes share one connection
    until the block ends; otherwise each write opens and closes its own.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> AnalysisCache:
        if self._conn is None:
            try:
                self._conn = self._connect()
            except sqlite3.DatabaseError:
                self._reset()
                self._conn = self._connect()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        # A commit need not wait for the disk: a crash can at worst lose the last
        # rows of a cache that is rebuilt from the images anyway (WAL stays consistent).
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(_SCHEMA)
        return conn

    def load(self) -> dict[str, tuple[int, int, ImageFacts]]:
        """Every current-version row: relpath -> (size, mtime_ns, facts)."""
        if not self.path.exists():
            return {}
        try:
            conn = self._connect()
            try:
                rows = conn.execute(
                    "SELECT relpath, size, mtime_ns, data FROM facts WHERE version = ?",
                    (ANALYSIS_VERSION,),
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return {}  # a damaged cache is only a slower scan
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
            with self._conn:
                self._conn.executemany(sql, rows)
            return
        try:
            conn = self._connect()
        except sqlite3.DatabaseError:
            self._reset()
            conn = self._connect()
        try:
            with conn:
                conn.executemany(sql, rows)
        finally:
            conn.close()

    def _reset(self) -> None:
        """Replace an unreadable cache file (it only holds recomputable facts)."""
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
