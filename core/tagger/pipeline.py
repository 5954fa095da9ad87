"""Decode and preprocess in a thread pool while the model runs, so it never waits on disk.

Pillow's decoders and resampling and onnxruntime's ``run`` all release the GIL, so
threads overlap them without pickling image tensors between processes. The pool works
a bounded distance ahead of the model (a few batches), so memory stays flat on large
datasets. Results come back in input order; an unreadable image yields an error result
and the run goes on.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lorapan.core.tagger import preprocess
from lorapan.core.tagger.model import TaggerModel


@dataclass
class ImageResult:
    key: str
    scores: np.ndarray | None = None
    error: str | None = None


@dataclass
class RunStats:
    images: int = 0
    failed: int = 0
    infer_s: float = 0.0  # inside session.run
    wait_s: float = 0.0  # the model waiting for preprocessed images
    elapsed_s: float = 0.0
    started: float = field(default_factory=time.perf_counter)


def default_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 2)))


def _lower_priority() -> None:
    """Pool threads yield to inference on a CPU-only run: onnxruntime's parallel loops slow
    down when one of their threads is preempted. Off by default: on a shared machine the
    lower-priority pool also loses to other processes (see docs/benchmarks.md).
    Linux sets nice per thread."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def _load(path: Path, size: int) -> np.ndarray:
    return preprocess.load(path, size)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"cannot read the image: {text}"


def run_pipeline(
    model: TaggerModel,
    items: Sequence[tuple[str, Path]],
    batch_size: int = 4,
    *,
    workers: int | None = None,
    cancel: threading.Event | None = None,
    stats: RunStats | None = None,
    loader: Callable[[Path, int], np.ndarray] = _load,
    yield_cpu: bool = False,
) -> Iterator[ImageResult]:
    """Yield one ImageResult per (key, path) in order; stop early when ``cancel`` is set.

    ``yield_cpu`` runs the pool at lower priority (see ``_lower_priority``).
    """
    stats = stats if stats is not None else RunStats()
    batch = model.batch_size(batch_size)
    size = model.spec.height
    pool = ThreadPoolExecutor(
        max_workers=workers or default_workers(),
        thread_name_prefix="tagger-load",
        initializer=_lower_priority if yield_cpu else None,
    )
    ahead = batch * 3 + (workers or default_workers())
    pending: deque[tuple[str, Future[np.ndarray]]] = deque()
    todo = iter(items)

    def fill() -> None:
        while len(pending) < ahead:
            nxt = next(todo, None)
            if nxt is None:
                return
            pending.append((nxt[0], pool.submit(loader, nxt[1], size)))

    try:
        while True:
            if cancel is not None and cancel.is_set():
                break
            fill()
            if not pending:
                break
            keys, arrays = [], []
            waited = time.perf_counter()
            while pending and len(arrays) < batch:
                key, fut = pending.popleft()
                try:
                    arrays.append(fut.result())
                    keys.append(key)
                except Exception as exc:  # any decoder error: report and go on
                    stats.failed += 1
                    yield ImageResult(key, error=_describe(exc))
            stats.wait_s += time.perf_counter() - waited
            fill()  # before inference, so the pool works while the model runs
            if not arrays:
                continue
            t0 = time.perf_counter()
            probs = model.run(np.stack(arrays))
            stats.infer_s += time.perf_counter() - t0
            for key, row in zip(keys, probs, strict=True):
                stats.images += 1
                yield ImageResult(key, scores=row)
    finally:
        for _key, fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        stats.elapsed_s = time.perf_counter() - stats.started


def run_sequential(
    model: TaggerModel, items: Sequence[tuple[str, Path]], batch_size: int = 4
) -> Iterator[ImageResult]:
    """Decode, then infer, one batch after another (the benchmark's baseline)."""
    batch = model.batch_size(batch_size)
    size = model.spec.height
    for start in range(0, len(items), batch):
        keys, arrays = [], []
        for key, path in items[start : start + batch]:
            try:
                arrays.append(_load(path, size))
                keys.append(key)
            except Exception as exc:
                yield ImageResult(key, error=_describe(exc))
        if arrays:
            for key, row in zip(keys, model.run(np.stack(arrays)), strict=True):
                yield ImageResult(key, scores=row)
