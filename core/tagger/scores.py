"""Raw tagger scores kept in ``<dataset>/.lorapan/tagger.sqlite``.

Keyed by model id + image relpath + file size + mtime, so re-running with other
thresholds, MCut or a blacklist needs no inference, and a changed image is scored
again. Scores are stored sparsely (everything at or above ``FLOOR``), which keeps a
10,861-tag model to a few hundred bytes per image. The rules engine reads them with
:func:`load_scores` and :func:`tag_categories` (``tags.inconsistent``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from lorapan.core.tagger.labels import CATEGORY_NAMES, TagList

DB_FILE = "tagger.sqlite"
FLOOR = 0.01

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    model_id TEXT PRIMARY KEY, name TEXT NOT NULL, tags TEXT NOT NULL,
    categories TEXT NOT NULL, last_used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS scores (
    model_id TEXT NOT NULL, relpath TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, idx BLOB NOT NULL, val BLOB NOT NULL,
    PRIMARY KEY (model_id, relpath)
);
"""


def _connect(state_dir: Path, create: bool) -> sqlite3.Connection | None:
    """Open the cache; a damaged file is moved aside (it is only a cache) and, when
    ``create``, replaced by an empty one; readers then see no scores."""
    path = Path(state_dir) / DB_FILE
    if not create and not path.is_file():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open_db(path, create)
    except sqlite3.DatabaseError:
        path.replace(path.with_name(f"{DB_FILE}.damaged-{int(time.time())}"))
        return _open_db(path, create) if create else None


def _open_db(path: Path, create: bool) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
    try:
        if create:
            con.execute("PRAGMA journal_mode=WAL")  # the rules engine reads while a run writes
        con.executescript(_SCHEMA)
    except sqlite3.DatabaseError:
        con.close()
        raise
    return con


def _pack(scores: np.ndarray) -> tuple[bytes, bytes]:
    idx = np.flatnonzero(scores >= FLOOR).astype("<i4")
    return idx.tobytes(), scores[idx].astype("<f4").tobytes()


def _unpack(idx: bytes, val: bytes) -> tuple[np.ndarray, np.ndarray]:
    return np.frombuffer(idx, dtype="<i4"), np.frombuffer(val, dtype="<f4")


class ScoreCache:
    """Read and write cached scores for one dataset."""

    def __init__(self, state_dir: Path) -> None:
        con = _connect(state_dir, create=True)
        if con is None:  # pragma: no cover - create=True always connects
            raise OSError(f"cannot open {Path(state_dir) / DB_FILE}")
        self._con = con

    def __enter__(self) -> ScoreCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def register_model(self, model_id: str, name: str, tags: TagList) -> None:
        self._con.execute(
            "INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?)",
            (
                model_id,
                name,
                json.dumps(list(tags.names)),
                json.dumps(tags.categories.tolist()),
                time.time(),
            ),
        )
        self._con.commit()

    def get(
        self, model_id: str, relpath: str, size: int, mtime_ns: int, width: int
    ) -> np.ndarray | None:
        """The dense score vector, or None when absent or the file changed since."""
        row = self._con.execute(
            "SELECT size, mtime_ns, idx, val FROM scores WHERE model_id=? AND relpath=?",
            (model_id, relpath),
        ).fetchone()
        if row is None or row[0] != size or row[1] != mtime_ns:
            return None
        idx, val = _unpack(row[2], row[3])
        dense = np.zeros(width, dtype=np.float32)
        dense[idx[idx < width]] = val[idx < width]
        return dense

    def put_many(self, model_id: str, rows: Iterable[tuple[str, int, int, np.ndarray]]) -> None:
        self._con.executemany(
            "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?, ?)",
            [
                (model_id, rel, size, mtime, *_pack(np.asarray(s, dtype=np.float32)))
                for rel, size, mtime, s in rows
            ],
        )
        self._con.commit()


def _model_row(
    con: sqlite3.Connection, model_id: str | None
) -> tuple[str, list[str], list[int]] | None:
    if model_id is None:
        row = con.execute(
            "SELECT model_id, tags, categories FROM models ORDER BY last_used DESC LIMIT 1"
        ).fetchone()
    else:
        row = con.execute(
            "SELECT model_id, tags, categories FROM models WHERE model_id=?", (model_id,)
        ).fetchone()
    return None if row is None else (row[0], json.loads(row[1]), json.loads(row[2]))


def _stored_model(state_dir: Path, model_id: str | None) -> tuple[str, list[str], list[int]] | None:
    """(model id, tag names, categories) as cached; latest when ``model_id`` is None."""
    con = _connect(state_dir, create=False)
    if con is None:
        return None
    try:
        return _model_row(con, model_id)
    finally:
        con.close()


def latest_model(state_dir: Path) -> str | None:
    """The id of the model used most recently on this dataset, if any."""
    model = _stored_model(state_dir, None)
    return model[0] if model else None


def load_scores(state_dir: Path, model_id: str | None = None) -> dict[str, dict[str, float]]:
    """relpath -> {tag (as the model names it): score} for every cached image (scores >= FLOOR).

    ``model_id=None`` reads the most recently used model. Empty when nothing is cached.
    """
    con = _connect(state_dir, create=False)
    if con is None:
        return {}
    try:
        model = _model_row(con, model_id)
        if model is None:
            return {}
        mid, names, _cats = model
        out: dict[str, dict[str, float]] = {}
        for rel, idx_b, val_b in con.execute(
            "SELECT relpath, idx, val FROM scores WHERE model_id=?", (mid,)
        ):
            idx, val = _unpack(idx_b, val_b)
            out[rel] = {
                names[i]: float(v)
                for i, v in zip(idx.tolist(), val.tolist(), strict=True)
                if i < len(names)
            }
        return out
    finally:
        con.close()


def cached_tag_list(state_dir: Path, model_id: str | None = None) -> tuple[str, TagList] | None:
    """(model id, its TagList) as stored with the scores; None when nothing is cached."""
    model = _stored_model(state_dir, model_id)
    if model is None:
        return None
    mid, names, cats = model
    return mid, TagList(tuple(names), np.asarray(cats, dtype=np.int16))


def tag_categories(state_dir: Path, model_id: str | None = None) -> dict[str, str]:
    """tag -> "general" | "character" | "rating" for the model (latest when None)."""
    model = _stored_model(state_dir, model_id)
    if model is None:
        return {}
    _mid, names, cats = model
    return {n: CATEGORY_NAMES.get(c, "other") for n, c in zip(names, cats, strict=True)}
