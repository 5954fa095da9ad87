"""Atomic, conflict-checked file writes.

Every write of a user's file goes through :func:`atomic_write`: a temp file in the
same folder, flushed and fsynced, then ``os.replace`` so a reader (or a crash) sees
the old or the new file, never half of one. The file mode is kept. When the caller
passes the :class:`FileStamp` of what it read, the file on disk is checked first
and a :class:`ConflictError` is raised instead of overwriting somebody else's
change.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = ".lorapan-tmp-"


class ConflictError(Exception):
    """The file changed on disk since it was read; it was not written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when read: size, mtime and content hash.

    ``exists=False`` stands for "there was no file" (a caption about to be created).
    """

    exists: bool
    size: int = 0
    mtime_ns: int = 0
    sha256: str = ""

    @classmethod
    def of_bytes(cls, path: Path, data: bytes) -> FileStamp:
        st = os.stat(path)
        return cls(True, st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())

    @classmethod
    def missing(cls) -> FileStamp:
        return cls(False)

    @classmethod
    def read(cls, path: Path) -> tuple[FileStamp, bytes | None]:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            return cls.missing(), None
        return cls.of_bytes(path, data), data


def check_unchanged(path: Path, expected: FileStamp) -> None:
    """Raise ConflictError when ``path`` is no longer what ``expected`` describes."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if expected.exists:
            raise ConflictError(path, "was deleted on disk since it was read") from None
        return
    if not expected.exists:
        raise ConflictError(path, "was created on disk by another program")
    if st.st_size == expected.size and st.st_mtime_ns == expected.mtime_ns:
        return
    # Size or mtime moved: only the content decides (a `touch` is not a conflict).
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != expected.sha256:
        raise ConflictError(path, "was changed on disk by another program since it was read")


def atomic_write(path: Path, data: bytes, expected: FileStamp | None = None) -> None:
    """Write ``data`` to ``path`` atomically.

    With ``expected``, refuse (ConflictError) when the file changed since it was read.
    """
    path = Path(path)
    if expected is not None:
        check_unchanged(path, expected)
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def remove_file(path: Path, expected: FileStamp | None = None) -> None:
    """Delete ``path`` unless it changed since read (used by undo of created files)."""
    if expected is not None:
        check_unchanged(path, expected)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    fsync_dir(Path(path).parent)


def fsync_dir(folder: str | Path) -> None:
    """Make a rename in ``folder`` durable (best effort where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def umask() -> int:
    """The process's umask, read without changing it where Linux tells it
    (``os.umask`` sets it to read it, a race with any thread creating a file)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_all(fd: int, size: int) -> bytes:
    """Every byte of an open file whose size ``fstat`` gave: one read, unless it grew
    since or the read came back short."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    chunks = [data]
    while more := os.read(fd, 1 << 16):
        chunks.append(more)
    return b"".join(chunks)
