"""One writer per dataset: an OS file lock on ``.lorapan/lock``.

Every journal transaction (edit, fix, undo, redo, recover, augment, autotag,
triage) runs while holding it, in the CLI and in the app, so two processes never
write captions at once and a sequence number is never handed out twice. The lock
is ``flock`` on an open file: the kernel releases it when its holder exits, even
on ``kill -9``, so a lock is never stale. While held, the file says who holds it
(pid, command, since), for the message a second writer shows while it waits.

Within one process the lock is re-entrant (the CLI takes it for a whole command
and the journal again for each transaction) and threads take turns.

A journal entry left ``pending`` while another process holds the lock belongs to
a live writer: :func:`busy` tells the journal so, and it is never offered as
interrupted.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.errors import LorapanError, StateError

LOCK_FILE = "lock"
POLL_S = 0.1
#: A writer that must not wait still retries this long: a reader probing the lock
#: (``busy``) holds it for microseconds.
NO_WAIT_GRACE_S = 0.3


@dataclass(frozen=True)
class Holder:
    """Who holds a dataset's writer lock."""

    pid: int
    command: str
    since: float

    def describe(self) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(self.since)) if self.since else "?"
        here = " (this process)" if self.pid == os.getpid() else ""
        return f"pid {self.pid}{here}, `{self.command}`, writing since {when}"


class DatasetBusy(LorapanError):
    """Another process (or thread) is writing to the dataset."""

    def __init__(self, root: Path, holder: Holder | None) -> None:
        who = holder.describe() if holder else "another lorapan process"
        super().__init__(
            f"another lorapan is writing to {root}: {who}",
            "wait for it to finish and try again (without --no-wait, lorapan waits for it)",
        )
        self.holder = holder


Waiting = Callable[[Holder | None], None]


@dataclass
class Policy:
    """How long a writer waits for the lock (None: as long as it takes; 0: not at all)."""

    wait_s: float | None = 60.0
    on_wait: Waiting | None = None


_policy = Policy()


def configure(wait_s: float | None, on_wait: Waiting | None = None) -> Policy:
    """Set how this process waits for a busy dataset (the CLI sets it from --no-wait);
    returns the policy it replaces."""
    before = Policy(_policy.wait_s, _policy.on_wait)
    _policy.wait_s, _policy.on_wait = wait_s, on_wait
    return before


def _identity() -> str:
    argv0 = os.path.basename(sys.argv[0]) if sys.argv else ""
    if argv0 in ("lorapan", "__main__.py") or not argv0:
        return shlex.join(["lorapan", *sys.argv[1:]])
    return shlex.join([argv0, *sys.argv[1:]])


class _Held:
    """The process-wide state of one lock file: one fd, a count, a thread lock."""

    def __init__(self) -> None:
        self.turn = threading.RLock()
        self.fd: int | None = None
        self.count = 0
        self.owner: int | None = None  # thread ident holding it
        self.since = 0.0


_registry: dict[str, _Held] = {}
_registry_lock = threading.Lock()


def _held_for(path: Path) -> _Held:
    key = os.path.realpath(path)
    with _registry_lock:
        return _registry.setdefault(key, _Held())


def read_holder(path: Path) -> Holder | None:
    try:
        d = json.loads(Path(path).read_bytes() or b"null")
        return Holder(int(d["pid"]), str(d["command"]), float(d["since"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


class WriterLock:
    """The writer lock of the dataset whose state folder is ``state_dir``."""

    def __init__(self, state_dir: Path, root: Path | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.root = Path(root) if root is not None else self.state_dir.parent
        self.path = self.state_dir / LOCK_FILE

    def held_here(self) -> bool:
        """Whether the calling thread holds the lock."""
        h = _held_for(self.path)
        return h.count > 0 and h.owner == threading.get_ident()

    def busy(self) -> Holder | None:
        """Who else is writing now (another process or thread), or None."""
        h = _held_for(self.path)
        if h.count > 0:
            return None if h.owner == threading.get_ident() else self._own_holder(h)
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None  # no lock file: nobody has ever written here
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_holder(self.path) or Holder(0, "another lorapan process", 0.0)
        finally:
            os.close(fd)  # closing drops the shared lock taken to probe
        return None

    @staticmethod
    def _own_holder(h: _Held) -> Holder:
        return Holder(os.getpid(), _identity() + " (another thread)", h.since)

    @contextmanager
    def hold(self, wait_s: float | None | str = "policy") -> Iterator[None]:
        """Hold the lock for the block; DatasetBusy when it cannot be had in time.

        ``wait_s``: seconds to wait (None: no limit, 0: do not wait); by default
        the process's policy (:func:`configure`).
        """
        wait = _policy.wait_s if wait_s == "policy" else wait_s
        assert wait is None or isinstance(wait, (int, float))
        h = _held_for(self.path)
        self._acquire(h, wait)
        try:
            yield
        finally:
            self._release(h)

    def _deadline(self, wait: float | None) -> float | None:
        if wait is None:
            return None
        return time.monotonic() + max(wait, NO_WAIT_GRACE_S)

    def _acquire(self, h: _Held, wait: float | None) -> None:
        deadline = self._deadline(wait)
        told = False
        while not h.turn.acquire(timeout=POLL_S):
            if not told:
                self._tell(self._own_holder(h))
                told = True
            if deadline is not None and time.monotonic() > deadline:
                raise DatasetBusy(self.root, self._own_holder(h))
        if h.count == 0:
            try:
                h.fd = self._lock_file(deadline, told)
            except BaseException:
                h.turn.release()
                raise
            h.since = time.time()
            self._write_holder(h)
        h.count += 1
        h.owner = threading.get_ident()

    def _lock_file(self, deadline: float | None, told: bool) -> int:
        fd = self._open()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                pass
            holder = read_holder(self.path)
            if not told and holder is not None:
                self._tell(holder)
                told = True
            if deadline is not None and time.monotonic() > deadline:
                os.close(fd)
                raise DatasetBusy(self.root, holder)
            time.sleep(POLL_S if deadline is None or holder else 0.01)

    def _tell(self, holder: Holder | None) -> None:
        if _policy.on_wait is not None:
            _policy.on_wait(holder)

    def _open(self) -> int:
        try:
            self.state_dir.mkdir(exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise _unwritable(self.state_dir, self.path, exc) from None

    def _write_holder(self, h: _Held) -> None:
        assert h.fd is not None
        info = {"pid": os.getpid(), "command": _identity(), "since": h.since}
        data = json.dumps(info).encode()
        try:
            os.ftruncate(h.fd, 0)
            os.pwrite(h.fd, data, 0)
        except OSError:
            pass  # only the waiting message loses its details

    def _release(self, h: _Held) -> None:
        h.count -= 1
        if h.count == 0:
            h.owner = None
            fd, h.fd = h.fd, None
            if fd is not None:
                with suppress(OSError):
                    os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        h.turn.release()


def _unwritable(state_dir: Path, path: Path, exc: OSError) -> StateError:
    """A clear error for a state folder (or lock file) lorapan cannot write."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StateError(
            f"cannot write in {state_dir}: {exc.strerror}",
            "lorapan keeps its journal there; make the dataset folder writable "
            "(or copy the dataset somewhere you can write) to edit it",
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.ELOOP, errno.EISDIR):
        return StateError(
            f"{path} or {state_dir} is not what lorapan expects ({exc.strerror})",
            f"move it aside; lorapan recreates {state_dir.name}/ as it needs",
        )
    return StateError(f"cannot use {path}: {exc.strerror}", "check the dataset folder")
