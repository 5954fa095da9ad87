"""Paths read from lorapan's own state must stay inside the dataset.

The journal, its packs, the provenance records, the analysis cache and run state all
name files by a path relative to the dataset root. Those files travel with the
dataset (an archive of a folder holds its ``.lorapan/``), so a crafted entry naming
``../victim.txt``, ``/etc/passwd`` or a file under a symlinked folder must be
refused before anything is read or written. :class:`Confiner` checks a relative
path lexically (no absolute paths, no ``..``, ``.`` or empty parts, no NUL) and
then resolves it, symlinks included, against the real root.
"""

from __future__ import annotations

import os
from pathlib import Path

from lorapan.core.errors import StateError


class ConfinementError(StateError):
    """A path from lorapan's state points outside the dataset; nothing was touched."""


def is_safe_rel(rel: object) -> bool:
    """A relative POSIX path with only plain parts: the lexical half of the check."""
    if not isinstance(rel, str) or not rel or "\0" in rel or rel.startswith("/"):
        return False
    parts = rel.split("/")  # three scans in C: a bulk edit checks 20,000 paths
    return "" not in parts and "." not in parts and ".." not in parts


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class Confiner:
    """Resolves relative paths under one root and refuses any that leave it.

    Resolved folders are cached, so checking the 10,000 paths of a bulk edit costs
    one ``lstat`` per path after the first path of each folder.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = os.path.realpath(root)
        self._dirs: dict[str, str | None] = {"": self.root}

    def _real_dir(self, rel_dir: str) -> str | None:
        """The folder's real path; None when it resolves outside the root."""
        if rel_dir in self._dirs:
            return self._dirs[rel_dir]
        real: str | None = os.path.realpath(os.path.join(self.root, rel_dir))
        if not _within(real, self.root):
            real = None
        self._dirs[rel_dir] = real
        return real

    def path(self, rel: object, *, follow: bool = True) -> Path:
        """The real path of ``rel`` inside the root, or ConfinementError.

        ``follow=False`` resolves the folders but not the last part (a move of a
        symlink moves the link, whatever it points to).
        """
        return Path(self.real(rel, follow=follow))

    def real(self, rel: object, *, follow: bool = True) -> str:
        """:meth:`path` as a string: a bulk edit checks 10,000 paths twice, and a
        ``Path`` for each was a measurable part of it (issue 17)."""
        if not is_safe_rel(rel):
            raise ConfinementError(f"{rel!r} is not a plain path inside the dataset")
        assert isinstance(rel, str)
        rel_dir, _, name = rel.rpartition("/")
        real_dir = self._real_dir(rel_dir)
        if real_dir is None:
            raise ConfinementError(f"{rel!r} lies under a link that leads outside the dataset")
        full = os.path.join(real_dir, name)
        if follow and os.path.islink(full):
            full = os.path.realpath(full)
            if not _within(full, self.root):
                raise ConfinementError(f"{rel!r} is a link to a file outside the dataset")
        return full

    def forget(self) -> None:
        """Drop cached folders (after moves may have created or removed some)."""
        self._dirs = {"": self.root}


def inside(root: Path | str, rel: object, *, follow: bool = True) -> Path:
    """The real path of ``rel`` under ``root``; ConfinementError when it leaves it."""
    return Confiner(root).path(rel, follow=follow)


def is_inside(root: Path | str, path: Path | str) -> bool:
    """Whether ``path`` (absolute, or relative to the cwd) resolves inside ``root``."""
    return _within(os.path.realpath(path), os.path.realpath(root))
