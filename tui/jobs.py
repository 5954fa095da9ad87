"""Cancellable background jobs: each run has its own cancel; ``C`` cancels the newest.

An analysis and an autotag run can go at the same time. Each run is a :class:`Job`
with its own ``threading.Event``, handed to the worker thread, so starting one job
never takes the cancel away from another. The cancel key stops the newest job that
is still going (the one the user started last, and whose progress the status bar
shows first); pressing it again stops the next. Starting a job of a kind that is
already running cancels the older run: its outcome arrives later and is dropped.

Jobs are started, finished and cancelled on the event loop only: a job finishes in
the handler of its outcome message, so this needs no lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(eq=False)
class Job:
    """One run of a background job; the worker polls ``cancel``."""

    kind: str  # "analysis" | "autotag"
    label: str  # what it does, in words: "analysis", "autotagging"
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


class Jobs:
    """The jobs running now, oldest first."""

    def __init__(self) -> None:
        self._running: list[Job] = []

    @property
    def running(self) -> list[Job]:
        return list(self._running)

    def start(self, kind: str, label: str) -> Job:
        """A new run of ``kind``; a run of the same kind still going is cancelled."""
        for old in [j for j in self._running if j.kind == kind]:
            old.cancel.set()
            self._running.remove(old)
        job = Job(kind, label)
        self._running.append(job)
        return job

    def is_current(self, job: Job | None) -> bool:
        """Whether ``job``'s messages still count (None: a message without a job)."""
        return job is None or job in self._running

    def finish(self, job: Job | None) -> bool:
        """Forget ``job``; False when it had been replaced (its outcome is stale)."""
        if job is None:
            return True
        if job in self._running:
            self._running.remove(job)
            return True
        return False

    def cancel_newest(self) -> Job | None:
        """Cancel the newest job not already cancelled; None when there is none."""
        for job in reversed(self._running):
            if not job.cancelled:
                job.cancel.set()
                return job
        return None

    def cancel_all(self) -> None:
        for job in self._running:
            job.cancel.set()
