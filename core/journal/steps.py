"""Moving each file of a transaction from one side of its op to the other.

A content change (:class:`FileOp`) is written to a temp file beside the target,
made durable (one ``os.sync()`` for a big batch instead of thousands of fsyncs),
re-checked and swapped in with ``os.replace``; a move (:class:`MoveOp`) is one
``rename``. Before anything is written each file is checked against what the
transaction expects: a file already on the far side counts as done (a resumed
crash), one that is neither is a conflict and is left alone.

Links (see docs/safety.md): a caption that is a symlink to a file inside the
dataset is written *through* (the link stays a link); a symlink leading outside,
a hard-linked file (a replace would silently split it from its other names) and
a file without write permission are not written: each is reported as a conflict.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.confine import ConfinementError, Confiner
from lorapan.core.journal.model import FileOp, MoveOp, Op, sha256
from lorapan.core.safe_write import TEMP_PREFIX, fsync_dir, read_all, umask

SYNC_ONCE_ABOVE = 16  # staged files above which one os.sync() beats per-file fsync
CHANGED = "changed on disk by another program"


@dataclass
class OpResult:
    """What happened to each file of a transaction step."""

    done: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def write_block(path: str | Path, st: os.stat_result) -> str | None:
    """Why lorapan will not replace the file ``st`` describes (None: it may)."""
    if st.st_nlink > 1:
        return (
            f"is hard-linked ({st.st_nlink} names): writing would split it from its other "
            "names, so lorapan leaves it read-only"
        )
    if not st.st_mode & 0o222:
        return f"is read-only (mode {stat.S_IMODE(st.st_mode):04o}): make it writable to edit it"
    return None


def fingerprint(path: Path) -> str | None:
    """sha256 of a file's content, or of where a symlink points; None: no file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return hashlib.sha256(b"symlink:" + os.fsencode(os.readlink(path))).hexdigest()
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


Blob = Callable[[str], bytes]
#: ``on_write(rel, data)`` after each file a step changed: ``data`` is the content now
#: at ``rel``, None when the file was deleted or moved (read it if you need it)
OnWrite = Callable[[str, "bytes | None"], None]


class FileSteps:
    """Applies ops under ``root``; each ``on_write`` callback runs after each file it changed."""

    def __init__(self, root: Path, on_write: list[OnWrite]) -> None:
        self.root = Path(root)
        self.confiner = Confiner(root)
        self.on_write = on_write
        self._token, self._staged = "", 0  # temp file names of the running step
        self._umask = 0o022

    # ---- content changes -----------------------------------------------------------
    def _current(self, rel: str) -> tuple[str, str | None, os.stat_result | None]:
        """The real path of ``rel``, the sha256 of what is there (None: no file) and its
        stat; ConfinementError when it leads outside the dataset.

        The file is opened without following a link: only a link (ELOOP) pays for
        resolving it, 10,000 ``lstat`` calls fewer in a bulk edit (issue 17).
        """
        target = self.confiner.real(rel, follow=False)
        try:
            try:
                fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                target = self.confiner.real(rel)  # a link: written through, if inside
                fd = os.open(target, os.O_RDONLY)
        except FileNotFoundError:
            return target, None, None
        try:
            st = os.fstat(fd)
            return target, sha256(read_all(fd, st.st_size)), st
        finally:
            os.close(fd)

    def step(self, ops: list[Op], forward: bool, blob: Blob) -> OpResult:
        """Move every op one way; moves first, then content changes in one batch."""
        res = OpResult()
        self.confiner.forget()
        self._token, self._staged = secrets.token_hex(4), 0
        self._umask = umask()
        writes = [op for op in ops if isinstance(op, FileOp)]
        for op in ops:
            if isinstance(op, MoveOp):
                self._move(op, forward, res)
        staged: list[tuple[FileOp, str, str | None, os.stat_result | None]] = []
        for op in writes:
            src, dst = (op.before, op.after) if forward else (op.after, op.before)
            try:
                target, current, st = self._current(op.path)
            except ConfinementError as exc:
                res.conflicts.append((op.path, exc.message))
                continue
            except OSError as exc:
                res.conflicts.append((op.path, f"cannot read: {exc.strerror}"))
                continue
            if current == dst:
                res.done.append(op.path)  # already there (resumed after a crash)
                continue
            if current != src:
                res.conflicts.append((op.path, CHANGED))
                continue
            if st is not None and dst is not None and (why := write_block(op.path, st)):
                res.conflicts.append((op.path, why))
                continue
            try:
                tmp = self._stage(target, None if dst is None else blob(dst), st)
            except OSError as exc:
                res.conflicts.append((op.path, f"cannot write: {exc.strerror}"))
                continue
            staged.append((op, target, tmp, st))
        if staged:
            self._make_durable([tmp for _, _, tmp, _ in staged if tmp])
        folders: set[str] = set()
        for op, target, tmp, st in staged:
            dst = op.after if forward else op.before
            reason = self._swap(op.path, target, tmp, st)
            if reason:
                res.conflicts.append((op.path, reason))
                continue
            folders.add(os.path.dirname(target))
            res.done.append(op.path)
            self._wrote(op.path, None if dst is None else blob(dst))
        for folder in folders:
            fsync_dir(folder)
        return res

    def _stage(self, target: str, data: bytes | None, st: os.stat_result | None) -> str | None:
        """Write the new content to a temp file beside the target (None: delete).

        The temp file takes the target's mode (``st``, as read; 0644 for a new file),
        at creation when the umask lets it, else by ``fchmod``. Names are this step's
        token and a counter, created exclusively: at 10,000 captions ``mkstemp``'s
        random names and a ``stat`` and ``chmod`` by path each were a measurable part
        of a bulk edit (issue 17).
        """
        if data is None:
            return None
        folder = os.path.dirname(target)
        if st is None:
            os.makedirs(folder, exist_ok=True)
        self._staged += 1
        tmp = os.path.join(folder, f"{TEMP_PREFIX}{self._token}-{self._staged}")
        mode = stat.S_IMODE(st.st_mode) if st is not None else 0o644
        chmod = mode & self._umask != 0  # the umask would take bits off: set them after
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if chmod else mode)
        except FileExistsError:  # a leftover of the same name: let mkstemp pick one
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
            chmod = True
        try:
            if chmod:
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        os.close(fd)
        return tmp

    @staticmethod
    def _make_durable(temps: list[str]) -> None:
        if len(temps) > SYNC_ONCE_ABOVE:
            os.sync()  # one flush instead of thousands of fsyncs
            return
        for tmp in temps:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _swap(
        self, rel: str, target: str, tmp: str | None, seen: os.stat_result | None
    ) -> str | None:
        """Replace (or delete) the target unless it moved since it was checked.

        A delete removes the name the op gives (a link, not what it points to).
        """
        try:
            now = os.stat(target)
        except FileNotFoundError:
            now = None
        moved = (now is None) != (seen is None) or (
            now is not None
            and seen is not None
            and (now.st_size, now.st_mtime_ns) != (seen.st_size, seen.st_mtime_ns)
        )
        if moved:
            if tmp:
                os.unlink(tmp)
            return CHANGED
        try:
            if tmp is None:
                if now is not None:
                    os.unlink(self.root / rel)
            else:
                os.replace(tmp, target)
        except OSError as exc:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return f"cannot write: {exc.strerror}"
        return None

    # ---- moves ---------------------------------------------------------------------
    def _move(self, op: MoveOp, forward: bool, res: OpResult) -> None:
        """Rename one file unless it changed or something else took its new place."""
        src_rel, dst_rel = (op.path, op.dest) if forward else (op.dest, op.path)
        try:
            src = self.confiner.path(src_rel, follow=False)
            dst = self.confiner.path(dst_rel, follow=False)
            here, there = fingerprint(src), fingerprint(dst)
        except ConfinementError as exc:
            res.conflicts.append((op.path, exc.message))
            return
        except OSError as exc:
            res.conflicts.append((op.path, f"cannot read: {exc.strerror}"))
            return
        if here is None and there == op.digest:
            res.done.append(op.path)  # already moved (resumed after a crash)
            return
        if here != op.digest:
            why = f"{src_rel} is gone" if here is None else f"{src_rel} was {CHANGED}"
            res.conflicts.append((op.path, why))
            return
        if there is not None:
            res.conflicts.append((op.path, f"another file is already at {dst_rel}"))
            return
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.rename(src, dst)
        except OSError as exc:
            res.conflicts.append((op.path, f"cannot move: {exc.strerror}"))
            return
        self.confiner.forget()
        fsync_dir(dst.parent)
        fsync_dir(src.parent)
        res.done.append(op.path)
        self._wrote(op.path)
        self._wrote(op.dest)

    def _wrote(self, rel: str, data: bytes | None = None) -> None:
        for cb in self.on_write:
            cb(rel, data)

    def clean_temps(self, ops: list[Op]) -> None:
        """Remove temp files a crash left beside the transaction's files.

        Only called under the writer lock: no other writer's temp files can be there.
        """
        folders: set[Path] = set()
        for op in ops:
            with contextlib.suppress(ConfinementError, OSError):
                folders.add(self.confiner.path(op.path).parent)
        for folder in folders:
            for tmp in folder.glob(TEMP_PREFIX + "*"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
