"""Score a set of images with a model, reusing cached scores, with progress and cancel.

This is what the CLI and the app both call: images already scored by the same model
(same size and mtime) come from the cache; the rest go through the pipeline and are
saved as they arrive, so a cancelled run keeps what it finished.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lorapan.core.tagger.model import TaggerModel
from lorapan.core.tagger.pipeline import RunStats, run_pipeline
from lorapan.core.tagger.scores import ScoreCache

Progress = Callable[[int, int], None]  # (done, total)
SAVE_EVERY = 32


@dataclass
class ScoreRun:
    model_id: str
    provider: str
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cached: int = 0
    cancelled: bool = False
    stats: RunStats = field(default_factory=RunStats)
    cache_note: str | None = None  # set when scores could not be cached


class _NoCache:
    """Stands in when the dataset's state folder cannot be written (read-only media)."""

    def register_model(self, *args: object) -> None: ...
    def get(self, *args: object, **kwargs: object) -> None: ...
    def put_many(self, *args: object) -> None: ...
    def close(self) -> None: ...


def _open_cache(state_dir: Path, run: ScoreRun) -> ScoreCache | _NoCache:
    try:
        return ScoreCache(state_dir)
    except (OSError, sqlite3.Error) as exc:
        run.cache_note = f"scores not cached ({exc}); the next run will infer again"
        return _NoCache()


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def score_images(
    model: TaggerModel,
    state_dir: Path,
    items: Sequence[tuple[str, Path]],
    *,
    batch_size: int = 4,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
    workers: int | None = None,
) -> ScoreRun:
    """Scores for every (relpath, path); errors per relpath for unreadable images."""
    run = ScoreRun(model.id, model.provider)
    total = len(items)
    cache = _open_cache(state_dir, run)
    try:
        cache.register_model(model.id, model.name, model.tags)
        todo: list[tuple[str, Path]] = []
        stats_of: dict[str, tuple[int, int]] = {}
        for rel, path in items:
            st = _stat(path)
            if st is None:
                run.errors[rel] = "the file is gone"
                continue
            stats_of[rel] = st
            hit = cache.get(model.id, rel, *st, width=len(model.tags)) if use_cache else None
            if hit is not None:
                run.scores[rel] = hit
                run.cached += 1
            else:
                todo.append((rel, path))
        done = run.cached + len(run.errors)
        if progress:
            progress(done, total)
        unsaved: list[tuple[str, int, int, np.ndarray]] = []
        for result in run_pipeline(
            model, todo, batch_size, workers=workers, cancel=cancel, stats=run.stats
        ):
            done += 1
            if result.scores is None:
                run.errors[result.key] = result.error or "unreadable"
            else:
                run.scores[result.key] = result.scores
                unsaved.append((result.key, *stats_of[result.key], result.scores))
            if len(unsaved) >= SAVE_EVERY:
                cache.put_many(model.id, unsaved)
                unsaved = []
            if progress:
                progress(done, total)
        cache.put_many(model.id, unsaved)
    finally:
        cache.close()
    run.cancelled = bool(cancel is not None and cancel.is_set() and done < total)
    return run
