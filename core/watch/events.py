"""From raw watchdog events to settled sets of changed paths.

Two parts, both used by :mod:`lorapan.core.watch`:

* :class:`Settler` collects relative paths from any thread and hands them on in
  batches on its own thread. A burst of events becomes one batch (trailing-edge
  debounce, with a maximum latency so a constant stream still flushes), and a file
  still being written (a copy in progress) is held until it is complete: closed
  after writing (inotify tells), renamed into place, or its size and mtime have not
  moved for ``stable_for`` seconds.
* :func:`start_observer` schedules a recursive watchdog observer that feeds a
  settler, falling back to polling when inotify cannot watch the tree (too many
  folders for ``fs.inotify.max_user_watches``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.safe_write import TEMP_PREFIX
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)

#: Event kinds worth hearing about; opens, reads and attribute changes are not.
EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

SKIP_DIRS = frozenset({"__pycache__"})

ReadyCallback = Callable[[set[str]], None]
GoneCallback = Callable[[str], Iterable[str]]


def is_ignored(rel: str) -> bool:
    """True for paths a watcher never reports.

    Hidden files and folders cover ``.lorapan/`` (journal, caches), the temp files
    of lorapan's atomic writes, rsync's ``.name.XXXX`` partials and editors' swap
    files; ``name~`` backups and ``__pycache__`` are skipped too.
    """
    if not rel or rel == ".":
        return True
    parts = rel.split("/")
    if parts[-1].startswith(TEMP_PREFIX) or parts[-1].endswith("~"):
        return True
    return any(p.startswith(".") or p in SKIP_DIRS for p in parts)


def walk_files(root: Path, rel_dir: str) -> list[str]:
    """Relative paths of the files under ``rel_dir`` (hidden folders skipped)."""
    out: list[str] = []
    base = root / rel_dir
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS]
        rel = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            path = name if rel == "." else f"{rel}/{name}"
            if not is_ignored(path):
                out.append(path)
    return out


@dataclass
class _Held:
    key: tuple[int, int]  # (size, mtime_ns) when last looked at
    since: float  # monotonic time the key was first seen


class Settler:
    """Debounce and stability gate on a thread of its own; see module docstring.

    ``add`` may be called from any thread. ``on_ready(paths)`` runs on the
    settler's thread with the relative paths that settled (present and complete,
    or gone). ``expand_gone(rel_dir)`` lists the known files under a folder that
    disappeared (a folder moved away reports no event for its files).
    """

    def __init__(
        self,
        root: Path,
        on_ready: ReadyCallback,
        *,
        debounce: float = 0.3,
        max_latency: float = 2.0,
        stable_for: float = 0.5,
        expand_gone: GoneCallback | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.root = Path(root)
        self.on_ready = on_ready
        self.debounce = debounce
        self.max_latency = max(max_latency, debounce)
        self.stable_for = stable_for
        self.expand_gone = expand_gone or (lambda _rel: ())
        self.on_error = on_error or (lambda exc: log.exception("watcher batch failed: %s", exc))
        self._cond = threading.Condition()
        self._pending: dict[str, bool] = {}  # rel -> is a folder
        self._complete: set[str] = set()  # closed after writing / renamed into place
        self._held: dict[str, _Held] = {}
        self._released: set[str] = set()  # settled, waiting for the rest of the burst
        self._released_since = 0.0
        self._burst_start = 0.0
        self._last_event = 0.0
        self._next_recheck: float | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    # ---- feeding (any thread) ---------------------------------------------
    def add(self, rel: str, *, is_dir: bool = False, complete: bool = False) -> None:
        """Note a change of ``rel``; ``complete`` when the writer is known done."""
        now = time.monotonic()
        with self._cond:
            if not self._pending:
                self._burst_start = now
            self._last_event = now
            self._pending[rel] = self._pending.get(rel, False) or is_dir
            if complete:
                self._complete.add(rel)
            else:
                self._complete.discard(rel)
            self._cond.notify()

    @property
    def busy(self) -> bool:
        """True while changes wait to be handed on (pending or held)."""
        with self._cond:
            return bool(self._pending or self._held or self._released)

    # ---- thread -------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="lorapan-settler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; changes not yet settled are dropped."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()  # (from inside on_ready the thread ends once it returns)

    def _deadline(self) -> float | None:
        times = []
        if self._pending:
            times.append(
                min(self._last_event + self.debounce, self._burst_start + self.max_latency)
            )
        if self._held and self._next_recheck is not None:
            times.append(self._next_recheck)
        if self._released:
            times.append(self._released_since + self.max_latency)
        return min(times) if times else None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    deadline = self._deadline()
                    now = time.monotonic()
                    if deadline is not None and deadline <= now:
                        break
                    self._cond.wait(None if deadline is None else deadline - now)
                if self._stopping:
                    return
                pending, self._pending = self._pending, {}
                complete = set(self._complete)
            try:
                ready = self._settle(pending, complete)
                if ready:
                    self.on_ready(ready)
            except Exception as exc:  # a bad batch must not end live updates
                self.on_error(exc)
            with self._cond:
                # Events that queued up while the batch was applied get a fresh
                # debounce window, so a busy machine does not split a burst.
                if self._pending:
                    self._last_event = max(self._last_event, time.monotonic())

    # ---- settling (settler thread) -------------------------------------------
    def _expand(self, pending: dict[str, bool]) -> set[str]:
        files: set[str] = set()
        for rel, is_dir in pending.items():
            if not is_dir:
                files.add(rel)
            elif (self.root / rel).is_dir():
                files.update(walk_files(self.root, rel))
            else:
                files.update(r for r in self.expand_gone(rel) if not is_ignored(r))
        return files

    def _settle(self, pending: dict[str, bool], complete: set[str]) -> set[str]:
        """Paths to hand on now: settled ones, once no file of the burst is held.

        Files of one burst settle at slightly different times (each waits for its
        own writer); handing each on as it settles would split a 1,000-file drop
        into many batches. So settled files wait while others are still held,
        but never longer than ``max_latency`` (a slow copy holds nothing else up
        for long).
        """
        now = time.monotonic()
        candidates = self._expand(pending)  # may walk folders: not under the lock
        with self._cond:
            candidates |= set(self._held)
        ready = {rel for rel in candidates if self._is_settled(rel, rel in complete, now)}
        with self._cond:
            for rel in ready:
                self._held.pop(rel, None)
                self._complete.discard(rel)
            if ready and not self._released:
                self._released_since = now
            self._released |= ready
            out: set[str] = set()
            if self._released and (
                not self._held or now - self._released_since >= self.max_latency
            ):
                out, self._released = self._released, set()
            self._next_recheck = (
                max(now + 0.05, min(h.since for h in self._held.values()) + self.stable_for)
                if self._held
                else None
            )
        return out

    def _is_settled(self, rel: str, complete: bool, now: float) -> bool:
        try:
            st = os.stat(self.root / rel)
        except OSError:
            return True  # gone (or unreadable): the consumer finds out which
        if complete or time.time() - st.st_mtime >= self.stable_for:
            return True
        key = (st.st_size, st.st_mtime_ns)
        with self._cond:
            prev = self._held.get(rel)
            if prev is not None and prev.key == key:
                return now - prev.since >= self.stable_for
            self._held[rel] = _Held(key, now)
        return False


class _Forward(FileSystemEventHandler):
    """Observer thread -> settler: relative paths, ignored ones dropped."""

    def __init__(self, root: Path, settler: Settler, accept: Callable[[str], bool]) -> None:
        self._root = str(root).rstrip(os.sep)
        self._prefix = self._root + os.sep
        self._settler = settler
        self._accept = accept

    def _rel(self, path: bytes | str) -> str | None:
        path = os.fsdecode(path)
        if not path.startswith(self._prefix):
            return None
        rel = path[len(self._prefix) :].replace(os.sep, "/")
        return None if is_ignored(rel) else rel

    def _feed(self, path: bytes | str, is_dir: bool, complete: bool = False) -> None:
        rel = self._rel(path)
        if rel is not None and (is_dir or self._accept(rel)):
            self._settler.add(rel, is_dir=is_dir, complete=complete)

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind == "deleted" and os.fsdecode(event.src_path).rstrip(os.sep) == self._root:
            self._settler.on_error(FileNotFoundError(f"{self._root} was deleted; not watching"))
            return
        if kind == "moved":
            # A rename is a delete of the old name and a create of the new one; the
            # file under the new name is whole (renames are atomic).
            self._feed(event.src_path, event.is_directory)
            self._feed(event.dest_path, event.is_directory, complete=True)
        elif kind == "closed" and not event.is_directory:
            self._feed(event.src_path, False, complete=True)
        elif kind in ("created", "deleted") or (kind == "modified" and not event.is_directory):
            self._feed(event.src_path, event.is_directory)


def start_observer(
    root: Path,
    settler: Settler,
    accept: Callable[[str], bool],
    *,
    polling: bool,
    poll_interval: float = 1.0,
) -> tuple[BaseObserver, str]:
    """Start a recursive observer on ``root``; returns it and a description of its mode.

    inotify can fail on deep trees (``fs.inotify.max_user_watches``); then this
    falls back to polling and says so in the mode text.
    """
    handler = _Forward(root, settler, accept)
    if not polling:
        observer = Observer()
        try:
            observer.schedule(handler, str(root), recursive=True, event_filter=EVENT_FILTER)
            observer.start()
            return observer, "native"
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            observer.stop()
            raise  # polling would fail the same way
        except OSError as exc:  # ENOSPC/EMFILE: inotify watch or instance limits
            observer.stop()
            reason = exc.strerror or str(exc)
            mode = f"polling (native watching failed: {reason}; raise fs.inotify.max_user_watches)"
    else:
        mode = "polling"
    observer = PollingObserver(timeout=poll_interval)
    observer.schedule(handler, str(root), recursive=True, event_filter=EVENT_FILTER)
    observer.start()
    return observer, mode


def stop_observer(observer: BaseObserver | None) -> None:
    if observer is None:
        return
    observer.stop()
    if observer.is_alive() and observer is not threading.current_thread():
        observer.join()
