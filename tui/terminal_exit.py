"""The app ends when its terminal goes away, and the process ends when the app does.

Two things kept a lorapan process alive with no terminal (issue 13: 2 of 2 tries,
and a 10,000-image dataset still open 20 minutes after its tmux session was killed):

1. The terminal going away must end the app in every state. It does through SIGHUP
   (tmux kill-session, an SSH drop, a closed window), installed with
   :func:`signal.signal` so it runs between two bytecodes of the main thread even
   while the event loop is busy, and through a poll of the terminal (a tty that
   went away reads as no tty: ``EIO``) for the cases without a signal.
2. After the app's loop ended, Python waits for every thread the app started:
   ``asyncio.run`` joins the executor behind Textual's thread workers, and grouping
   the clones of 10,000 images in one of them runs for minutes, uninterruptible.

:class:`ExitGuard` bounds the second: once the app begins to exit, a daemon thread
gives it :data:`GRACE_S` to end on its own. Captions or images still being written
(an edit is written whole) get up to :data:`WORK_CAP_S` more. Then the guard stops
the process's child processes (the analysis pool) and ends the process
(``os._exit``). Whatever it cuts is crash-safe: analysis results are cached as they
come, and a journal transaction cut short is offered to finish or roll back at the
next start (``docs/safety.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Container, Iterable
from typing import Any

from textual.worker import WorkerState

#: seconds the app has to end on its own once it began to exit
GRACE_S = 3.0
#: seconds more while files are still being written (an edit is written whole)
WORK_CAP_S = 120.0
#: exit status when the terminal went away (128 + SIGHUP, as a shell reports it)
HANGUP_STATUS = 128 + signal.SIGHUP


def terminal_alive(fd: int | None = None) -> bool:
    """True while ``fd`` (stdin) is a terminal; a hung-up tty answers EIO: not a tty."""
    try:
        return os.isatty(sys.__stdin__.fileno() if fd is None else fd)
    except (OSError, ValueError, AttributeError):
        return False


class ExitGuard:
    """Ends the process when the app has not, ``GRACE_S`` after it began to exit.

    ``writing()`` says whether files are being written now (checked from the guard's
    thread: it must only read). The guard is armed once; arming again is a no-op.
    """

    def __init__(
        self,
        writing: Callable[[], bool],
        grace_s: float = GRACE_S,
        work_cap_s: float = WORK_CAP_S,
        end: Callable[[int], None] = os._exit,
    ) -> None:
        self.writing = writing
        self.grace_s = grace_s
        self.work_cap_s = work_cap_s
        self.end = end
        self._armed = threading.Lock()
        self.thread: threading.Thread | None = None

    def arm(self, status: int) -> None:
        """Start the countdown (from any thread, a signal handler included)."""
        if not self._armed.acquire(blocking=False):
            return
        self.thread = threading.Thread(
            target=self._run, args=(status,), name="lorapan-exit-guard", daemon=True
        )
        self.thread.start()

    def _run(self, status: int) -> None:
        time.sleep(self.grace_s)
        deadline = time.monotonic() + self.work_cap_s
        while time.monotonic() < deadline and self._still_writing():
            time.sleep(0.1)
        stop_children()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        self.end(status)

    def _still_writing(self) -> bool:
        try:
            return bool(self.writing())
        except Exception:  # the app is half torn down: nothing left to wait for
            return False


def stop_children(timeout: float = 1.0) -> None:
    """Terminate the process's child processes (an analysis pool), then kill the rest."""
    children = multiprocessing.active_children()
    for child in children:
        with contextlib.suppress(Exception):
            child.terminate()
    end = time.monotonic() + timeout
    for child in children:
        with contextlib.suppress(Exception):
            child.join(max(0.0, end - time.monotonic()))
            if child.is_alive():
                child.kill()


def on_hangup(handler: Callable[[], None]) -> bool:
    """Run ``handler`` on SIGHUP (main thread only); False where that cannot be done."""
    try:
        signal.signal(signal.SIGHUP, lambda _signum, _frame: handler())
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGHUP
        return False
    return True


def watch_terminal(
    node: Any, guard: Callable[[], ExitGuard | None], gone: Callable[[], None]
) -> None:
    """Call ``gone`` (on ``node``'s event loop) when the terminal goes away: on SIGHUP,
    which also arms ``guard()`` at once, or when a poll finds stdin no longer a tty."""
    loop = asyncio.get_running_loop()

    def hangup() -> None:  # in a signal handler: arm now, exit on the loop
        if (armed := guard()) is not None:
            armed.arm(HANGUP_STATUS)
        with contextlib.suppress(RuntimeError):  # the loop already closed
            loop.call_soon_threadsafe(gone)

    on_hangup(hangup)
    node.set_interval(2.0, lambda: None if terminal_alive() else gone())


def writing_now(dataset: Any, workers: Iterable[Any], groups: Container[str]) -> bool:
    """Files are being written: a thread of this process holds the dataset's writer lock
    (every journal transaction does), or a worker of ``groups`` has not ended. (Quitting
    cancels the workers, which marks them cancelled while their thread still runs.)"""
    with contextlib.suppress(Exception):  # a broken .lorapan/: the workers still tell
        holder = dataset.journal.writer.busy()
        if holder is not None and holder.pid == os.getpid():
            return True
    for _ in range(3):  # the worker set may change under us: look again
        try:
            return any(
                w.group in groups and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                for w in list(workers)
            )
        except RuntimeError:
            continue
    return True
