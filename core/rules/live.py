"""The rules engine on a thread of its own: every engine call is a job on one queue.

The engine rebuilds synchronously (``set_facts``, ``set_scores``,
``settings_changed``, an image added or removed) and its dataset listener would run
on whichever thread made the edit: the event loop for a small edit, a worker for a
bulk one, the watcher's thread for an outside change. Here one thread owns the
engine and runs, in order:

- the build (with tagger scores and image facts when they are already known),
- dataset changes (the runner, not the engine, listens to the dataset),
- new image facts, new tagger scores, a settings change,
- calls such as ``apply_fix`` (the caller gets a :class:`concurrent.futures.Future`).

Jobs that queue up while the engine is busy are folded: many dataset changes become
one incremental update, and only the newest facts or scores are used (a rebuild
already covers any change queued before it). Each batch runs under
``dataset.lock``, so the engine never reads the dataset while another thread
changes it; then one report goes to ``on_report``. A UI turns that into a message
for its event loop (the reviewer app does), so nothing here knows about widgets.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.dataset import Dataset

ReportSink = Callable[[Any], None]
ErrorSink = Callable[[str], None]
_STOP = object()


@dataclass
class _Call:
    fn: Callable[[Any], Any]
    future: Future = field(default_factory=Future)


@dataclass
class _Inputs:
    """What arrived since the last batch; ``None`` fields did not change."""

    build: bool = False
    facts: tuple[Mapping[str, Any] | None, list[Any] | None] | None = None
    scores: tuple[Mapping | None, Mapping | None] | None = None
    settings: bool = False
    changed: set[str] = field(default_factory=set)
    reason: str = ""
    calls: list[_Call] = field(default_factory=list)

    @property
    def rebuilds(self) -> bool:
        return self.build or self.facts is not None or self.scores is not None or self.settings


def _fold(jobs: list[tuple[str, Any]]) -> _Inputs:
    inputs = _Inputs()
    for kind, payload in jobs:
        if kind == "build":
            inputs.build = True
        elif kind == "facts":
            inputs.facts = payload
        elif kind == "scores":
            inputs.scores = payload
        elif kind == "settings":
            inputs.settings = True
        elif kind == "changed":
            inputs.changed |= payload[0]
            inputs.reason = payload[1]
        elif kind == "call":
            inputs.calls.append(payload)
    return inputs


class RulesRunner:
    """Owns a :class:`lorapan.core.rules.engine.RulesEngine` on one thread."""

    def __init__(self, dataset: Dataset, on_report: ReportSink, on_error: ErrorSink) -> None:
        self.dataset = dataset
        self.on_report = on_report
        self.on_error = on_error
        self.engine: Any = None
        self._jobs: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="lorapan-rules", daemon=True)
        self._stopped = False

    # ---- any thread ------------------------------------------------------------------
    def start(self) -> None:
        self.dataset.subscribe(self._dataset_changed)
        self._jobs.put(("build", None))
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(ValueError):
            self.dataset.listeners.remove(self._dataset_changed)
        self._jobs.put(_STOP)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def set_facts(self, facts: Mapping[str, Any] | None, groups: list[Any] | None = None) -> None:
        self._jobs.put(("facts", (facts, groups)))

    def set_scores(self, scores: Mapping | None, categories: Mapping | None = None) -> None:
        self._jobs.put(("scores", (scores, categories)))

    def settings_changed(self) -> None:
        self._jobs.put(("settings", None))

    def call(self, fn: Callable[[Any], Any]) -> Future:
        """Run ``fn(engine)`` on the rules thread; the future holds its result or error."""
        job = _Call(fn)
        if self._stopped:
            job.future.set_exception(RuntimeError("the rules engine has stopped"))
        else:
            self._jobs.put(("call", job))
        return job.future

    def _dataset_changed(self, relpaths: set[str], reason: str) -> None:
        # Runs on the editing thread: only queue, never touch the engine here.
        self._jobs.put(("changed", (set(relpaths), reason)))

    # ---- the rules thread ---------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            jobs = [self._jobs.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    jobs.append(self._jobs.get_nowait())
            if any(job is _STOP for job in jobs):
                for job in jobs:
                    if job is not _STOP and job[0] == "call":
                        job[1].future.set_exception(RuntimeError("the rules engine has stopped"))
                return
            try:
                self._run(_fold(jobs))
            finally:
                for _ in jobs:
                    self._jobs.task_done()

    @property
    def idle(self) -> bool:
        """Nothing queued or running, and the last report has been handed on."""
        return self._jobs.unfinished_tasks == 0

    def _run(self, inputs: _Inputs) -> None:
        with self.dataset.lock:
            try:
                self._update(inputs)
            except Exception as exc:  # report, keep the thread alive for the next job
                self.on_error(f"rules: {exc}")
            for job in inputs.calls:
                try:
                    job.future.set_result(job.fn(self.engine))
                except Exception as exc:
                    job.future.set_exception(exc)
            if self.engine is None:
                return
            try:
                report = self.engine.check()
            except Exception as exc:
                self.on_error(f"rules: {exc}")
                return
        self.on_report(report)

    def _update(self, inputs: _Inputs) -> None:
        engine = self.engine
        if engine is None and not inputs.build:
            return
        if inputs.build:
            from lorapan.core.rules.engine import RulesEngine

            facts, groups = inputs.facts or (None, None)
            scores, cats = inputs.scores or (None, None)
            self.engine = RulesEngine(
                self.dataset,
                facts=facts,
                clone_groups=groups,
                scores=scores,
                categories=cats,
                live=False,
            )
            return
        if inputs.facts is not None:
            engine.set_facts(*inputs.facts)
        if inputs.scores is not None:
            engine.set_scores(*inputs.scores)
        if inputs.settings:
            engine.settings_changed()
        if not inputs.rebuilds and inputs.changed:
            # The engine's incremental path (a rebuild when images came or went).
            engine.update(inputs.changed, inputs.reason)
