"""Worker processes for analysis: start method, helper processes, per-worker setup.

Kept apart from :mod:`analyzer` because each piece works around a property of
the host process: threads (fork is unsafe), a ``sys.stderr`` without a file
descriptor (Textual replaces it), and glibc's malloc returning memory to the
system after every image.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import sys
import threading
from multiprocessing.context import BaseContext

_HELPER_LOCK = threading.Lock()
# glibc mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def mp_context() -> BaseContext:
    """fork while this process has one thread (fast, no re-import); else forkserver.

    Forking a threaded process (the app) can deadlock a child on a lock some
    other thread held, so then a clean server process forks the workers. The
    helper processes that needs are started here, safely (see
    :func:`start_helpers`).
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    start_helpers(ctx)
    return ctx


def start_helpers(ctx: BaseContext) -> None:
    """Start multiprocessing's forkserver and resource tracker even without a usable stderr.

    The resource tracker is started with ``sys.stderr.fileno()`` among the
    descriptors its child keeps; inside a Textual app ``sys.stderr`` is a
    capture object whose ``fileno()`` is -1 (or absent, or the descriptor is
    closed), and starting a pool then fails with "bad value(s) in fds_to_keep".
    Here, for the moment the helpers start, ``sys.stderr`` is an open null
    device instead; once running they are reused, whatever ``sys.stderr`` is later.
    """
    if _stderr_usable():
        return
    with _HELPER_LOCK, open(os.devnull, "w") as sink:
        saved, sys.stderr = sys.stderr, sink
        try:
            with contextlib.suppress(Exception):  # the pool reports real failures
                from multiprocessing import resource_tracker

                resource_tracker.ensure_running()
                if ctx.get_start_method() == "forkserver":
                    from multiprocessing import forkserver

                    forkserver.ensure_running()
        finally:
            sys.stderr = saved


def _stderr_usable() -> bool:
    try:
        fd = sys.stderr.fileno()
        os.fstat(fd)
    except Exception:  # noqa: BLE001 - None, no fileno(), -1, closed: all unusable
        return False
    return fd >= 0


def prepare_worker(niceness: int = 0) -> None:
    """Per-worker setup: a lower CPU priority when asked, and (glibc only) keep freed
    memory for the next image.

    ``niceness``: how much nicer than its parent the worker runs; the app passes a
    positive value so decoding never takes a core from drawing a key's frame.

    Every image allocates and frees the same few hundred-kilobyte buffers. By
    default glibc serves those with fresh mmap()s or trims them off the heap
    on free, so each image pays page faults again (about 1 ms of a 5 ms JPEG).
    Raising both thresholds keeps the memory in the worker, which is
    short-lived. Elsewhere this does nothing.
    """
    if niceness > 0:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(niceness)
    if not _glibc():
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)  # this process's own symbols, glibc's among them
        libc.mallopt(_M_MMAP_THRESHOLD, 16 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False
