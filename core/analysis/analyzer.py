"""Run image analysis over a dataset: cached, parallel, chunked, cancellable.

Facts are cached in ``state_dir / "analysis.sqlite"`` keyed by relative path,
file size and mtime_ns: an unchanged file is never decoded twice, a changed one
is analysed again, and rows for deleted files are dropped. Decoding runs in a
process pool (forkserver, so a threaded host such as the app is safe to fork
from; see :mod:`workers`) sized to the machine; small jobs run in this process,
where starting workers would cost more than it saves.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core import provenance
from lorapan.core.analysis import verdicts
from lorapan.core.analysis.cache import AnalysisCache
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.probe import analyse_chunk
from lorapan.core.analysis.workers import mp_context, prepare_worker

CACHE_NAME = "analysis.sqlite"
INLINE_LIMIT = 16  # at or under this many files to decode, no pool is started
_MISSING = "file not found: it was moved or deleted; rescan"

Progress = Callable[[int, int], None]


@dataclass
class RunStats:
    """What the last :meth:`Analyzer.run` did (the app and tests read it)."""

    total: int = 0
    from_cache: int = 0
    analysed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    cancelled: bool = False
    workers: int = 0  # processes that decoded (0: none were needed, 1: this one)


class Analyzer:
    """Analyse images under ``root``; results cached under ``state_dir``."""

    def __init__(
        self,
        root: Path,
        state_dir: Path,
        config: AnalysisConfig | None = None,
        *,
        niceness: int = 0,
    ) -> None:
        """``niceness``: how much nicer than this process the decoding processes run
        (the app runs them behind its drawing; a command leaves them at its own)."""
        self.root = Path(root)
        self.niceness = niceness
        self.state_dir = Path(state_dir)
        self.config = config or AnalysisConfig()
        self.cache = AnalysisCache(self.state_dir / CACHE_NAME)
        self.last_run = RunStats()

    # -- reading -----------------------------------------------------------------------
    def cached(self, relpaths: list[str]) -> dict[str, ImageFacts]:
        """Cached facts for the files that did not change since, with verdicts; decodes nothing.

        Blur verdicts are relative to the images returned, so pass the whole dataset.
        """
        rows = self.cache.load()
        out: dict[str, ImageFacts] = {}
        for rel in relpaths:
            row = rows.get(rel)
            if row is not None and self._stat(rel) == row[:2]:
                out[rel] = row[2]
        return verdicts.apply(out, self.config, provenance.load(self.root))

    # -- running -----------------------------------------------------------------------
    def run(
        self,
        relpaths: list[str],
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        force: bool = False,
    ) -> dict[str, ImageFacts]:
        """Facts with verdicts for every path in ``relpaths`` (those done so far when cancelled).

        Blur verdicts are relative to the images returned, so pass the whole dataset.
        """
        stats = RunStats(total=len(relpaths))
        self.last_run = stats
        rows = self.cache.load()
        results, todo, missing = self._plan(relpaths, rows, force)
        stats.from_cache = len(results) - len(missing)
        done = len(results)
        if progress:
            progress(done, len(relpaths))
        with self.cache:  # one connection for every write of this run
            stats.dropped = self._drop_deleted(rows, relpaths, missing)
            for batch in self._analyse(todo, cancel):
                self.cache.store(batch)
                for facts in batch:
                    results[facts.relpath] = facts
                    stats.analysed.append(facts.relpath)
                done += len(batch)
                if progress:
                    progress(done, len(relpaths))
        stats.cancelled = bool(cancel and cancel.is_set() and done < len(relpaths))
        ordered = {rel: results[rel] for rel in relpaths if rel in results}
        return verdicts.apply(ordered, self.config, provenance.load(self.root))

    def _plan(
        self, relpaths: list[str], rows: dict, force: bool
    ) -> tuple[dict[str, ImageFacts], list[str], set[str]]:
        """(facts known without decoding, paths to analyse, paths that are gone)."""
        results: dict[str, ImageFacts] = {}
        todo: list[str] = []
        missing: set[str] = set()
        for rel in relpaths:
            current = self._stat(rel)
            row = rows.get(rel)
            if current is None:
                results[rel] = _missing(rel)
                missing.add(rel)
            elif not force and row is not None and row[:2] == current:
                results[rel] = row[2]
            else:
                todo.append(rel)
        return results, todo, missing

    def _stat(self, rel: str) -> tuple[int, int] | None:
        try:  # a string join: a cached scan stats every file, and Path objects cost more
            st = os.stat(os.path.join(self.root, rel))
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def _drop_deleted(self, rows: dict, relpaths: list[str], missing: set[str]) -> list[str]:
        """Rows of files that are gone: asked-for ones found missing, and any others."""
        wanted = set(relpaths)
        gone = [
            rel
            for rel in rows
            if rel in missing or (rel not in wanted and not (self.root / rel).exists())
        ]
        self.cache.drop(gone)
        return gone

    def _analyse(self, todo: list[str], cancel: threading.Event | None):
        """Yield lists of fresh facts, one per finished chunk."""
        if not todo:
            return
        workers = self._workers(len(todo))
        self.last_run.workers = workers
        if workers <= 1:
            size = max(1, min(32, len(todo)))
            for start in range(0, len(todo), size):
                if cancel and cancel.is_set():
                    return
                yield analyse_chunk(
                    str(self.root), todo[start : start + size], self.config.max_pixels
                )
            return
        yield from self._analyse_pool(todo, workers, cancel)

    def _workers(self, n_todo: int) -> int:
        if n_todo <= INLINE_LIMIT:
            return 1
        machine = self.config.workers or os.cpu_count() or 1
        return max(1, min(machine, math.ceil(n_todo / INLINE_LIMIT)))

    def _analyse_pool(self, todo: list[str], workers: int, cancel: threading.Event | None):
        # Small chunks: the last one keeps a single worker busy while the others idle.
        chunk = max(4, min(16, math.ceil(len(todo) / (workers * 8))))
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=mp_context(),
            initializer=prepare_worker,
            initargs=(self.niceness,),
        )
        jobs: dict[Future, list[str]] = {}
        pending: set[Future] = set()
        try:
            for start in range(0, len(todo), chunk):
                part = todo[start : start + chunk]
                fut = pool.submit(analyse_chunk, str(self.root), part, self.config.max_pixels)
                jobs[fut] = part
            pending = set(jobs)
            while pending:
                if cancel and cancel.is_set():
                    return
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for fut in finished:
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        # Workers could not start or died (e.g. killed for memory): go on here.
                        yield analyse_chunk(str(self.root), jobs[fut], self.config.max_pixels)
        finally:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=not (cancel and cancel.is_set()), cancel_futures=True)


def _missing(rel: str) -> ImageFacts:
    return ImageFacts(relpath=rel, error_kind="unreadable", error_message=_MISSING)


__all__ = ["AnalysisConfig", "Analyzer", "ImageFacts", "RunStats"]
