"""Clone groups and pixel verdicts, cached beside the analysis (``clones.sqlite``).

Two tables, both keyed by content, never by path or time:

* ``pairs``: one pixel verdict per (kind, content hash, content hash), for the
  current ``PIXEL_VERSION`` (see ``pair_memo``). Verdicts about contents no
  longer in the dataset are dropped when new ones are stored.
* ``grouping``: the last grouping result, under a key that digests everything
  it depends on (each readable image's path and content hash, the files
  lorapan made, the thresholds, the algorithm versions). A scan where nothing
  changed reads it back instead of linking and labelling again.

A separate file from ``analysis.sqlite`` so the facts cache keeps its schema.
Everything here can be computed again, so any database error means "not
cached": a damaged file is deleted and rebuilt on the next store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from lorapan.core.analysis.facts import ANALYSIS_VERSION, AnalysisConfig, ImageFacts
from lorapan.core.analysis.pair_memo import PIXEL_VERSION, Key, Value

CLONE_CACHE_NAME = "clones.sqlite"
# Bump when linking or labelling changes: the cached grouping is then recomputed.
GROUPING_VERSION = 2  # 2: of identical files, the plain name is the original

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS pairs (
        kind TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,
        version INTEGER NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (kind, a, b))""",
    """CREATE TABLE IF NOT EXISTS grouping (
        slot INTEGER PRIMARY KEY, key TEXT NOT NULL, data TEXT NOT NULL)""",
)


def grouping_key(
    items: Iterable[ImageFacts],
    config: AnalysisConfig,
    made: Mapping[str, tuple],
    pixels: bool,
) -> str:
    """Digest of everything a grouping depends on (facts follow from path + content)."""
    digest = hashlib.sha256()
    settings = (config.near_threshold, config.near_dhash_threshold, config.crop_threshold)
    head = (GROUPING_VERSION, PIXEL_VERSION, ANALYSIS_VERSION, pixels, settings)
    digest.update(repr(head).encode())
    digest.update("\n".join(f"{f.relpath}\0{f.sha256}" for f in items).encode())
    digest.update(repr(sorted(made.items())).encode())
    return digest.hexdigest()


class CloneCache:
    """Read and write the clone cache; no method raises for a database problem.

    A locked or unreadable file only means "not cached this time"; a file that
    is not a database (or a damaged one) is deleted.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> CloneCache:
        return cls(Path(state_dir) / CLONE_CACHE_NAME)

    def load_grouping(self, key: str) -> list[dict] | None:
        """The cached groups (as stored) when the key matches, else None."""
        row = self._read("SELECT key, data FROM grouping WHERE slot = 0")
        if not row or row[0][0] != key:
            return None
        try:
            data = json.loads(row[0][1])
        except ValueError:
            return None
        return data if isinstance(data, list) else None

    def load_pairs(self) -> list[tuple[Key, Value]]:
        rows = self._read("SELECT kind, a, b, value FROM pairs WHERE version = ?", (PIXEL_VERSION,))
        out = []
        for kind, a, b, value in rows or ():
            with contextlib.suppress(ValueError):
                out.append(((kind, a, b), json.loads(value)))
        return out

    def store(
        self,
        key: str,
        groups: list[dict],
        fresh: Mapping[Key, Value],
        contents: set[str],
    ) -> None:
        """Store the grouping and new verdicts; drop verdicts about contents now gone."""
        try:
            conn = self._connect()
        except sqlite3.OperationalError:
            return  # locked, or a folder lorapan may not write: only not cached
        except (sqlite3.DatabaseError, OSError):
            self._reset()
            return
        try:
            with conn:
                conn.execute("DELETE FROM pairs WHERE version != ?", (PIXEL_VERSION,))
                stale = [
                    (kind, a, b)
                    for kind, a, b in conn.execute("SELECT kind, a, b FROM pairs")
                    if a not in contents or b not in contents
                ]
                conn.executemany("DELETE FROM pairs WHERE kind = ? AND a = ? AND b = ?", stale)
                conn.executemany(
                    "INSERT OR REPLACE INTO pairs (kind, a, b, version, value) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(*k, PIXEL_VERSION, json.dumps(v)) for k, v in fresh.items()],
                )
                conn.execute(
                    "INSERT OR REPLACE INTO grouping (slot, key, data) VALUES (0, ?, ?)",
                    (key, json.dumps(groups, separators=(",", ":"))),
                )
        except sqlite3.OperationalError:
            pass
        except sqlite3.DatabaseError:
            conn.close()
            self._reset()
        finally:
            conn.close()

    def _read(self, sql: str, params: tuple = ()) -> list[tuple] | None:
        if not self.path.is_file():
            return None
        try:
            conn = self._connect()
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        except (sqlite3.OperationalError, OSError):
            return None  # locked or unreadable: not cached this time
        except sqlite3.DatabaseError:
            self._reset()  # not a database, or a damaged one
            return None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # a lost row is only recomputed
            for statement in _SCHEMA:
                conn.execute(statement)
        except BaseException:
            conn.close()
            raise
        return conn

    def _reset(self) -> None:
        """Delete a damaged file: it only holds verdicts that are computed again."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
