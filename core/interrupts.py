"""Ctrl-C, a closed SSH session or a kill wait until the files of a step are written.

A bulk edit writes thousands of captions. Interrupted half-way (Ctrl-C, SIGHUP when the
SSH link drops, SIGTERM), it would leave some captions edited, temp files beside them
and a pending journal entry that blocks every later edit until ``lorapan recover``.
:func:`held_interrupts` holds those signals while a journal step writes its files and
records its state, then delivers the first one, as if it came a moment later: the step
is whole, and the command stops as it would have.

Signal handlers belong to the main thread: elsewhere (the app's workers, which finish
their step anyway when the app quits) this does nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

HELD = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s)
_state = threading.local()


@contextlib.contextmanager
def held_interrupts(what: str = "the files") -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then deliver the first."""
    if threading.current_thread() is not threading.main_thread() or getattr(_state, "on", False):
        yield
        return
    caught: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        if not caught:
            with contextlib.suppress(OSError, ValueError):  # no terminal after a hang-up
                print(f"lorapan: finishing writing {what} first…", file=sys.stderr, flush=True)
        caught.append(signum)

    try:
        previous = {s: signal.signal(s, hold) for s in HELD}
    except ValueError:  # not the main interpreter
        yield
        return
    _state.on = True
    try:
        yield
    finally:
        _state.on = False
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if caught:
            os.kill(os.getpid(), caught[0])  # as it would have come, now the step is whole
