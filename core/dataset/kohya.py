"""Kohya's folder layout: ``N_name`` folders (N = repeats) and the images it would skip.

An image belongs to the ``N_name`` folder it lies directly in, at any depth: published
sets nest them (``minimalist/8_minimalist/``, one per style), and lorapan's training
names each such folder as a subset's ``image_dir``. The root itself counts when it is
named so and holds no such folders. sd-scripts globs each subset's folder without
looking into its subfolders (``glob_images(subset.image_dir, "*")``), so an image in
``12_kai/best/`` is never trained, however it is named: those are reported as ignored
per subfolder of the ``N_name`` folder, and other images outside every ``N_name``
folder per top-level folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lorapan.core.naming import natural_key, parse_kohya_folder

if TYPE_CHECKING:
    from lorapan.core.dataset.items import ImageItem


@dataclass(frozen=True)
class KohyaFolder:
    path: str  # relative to root ("" for the root itself)
    repeats: int
    name: str
    image_count: int = 0


@dataclass(frozen=True)
class IgnoredFolder:
    path: str
    image_count: int
    reason: str
    #: the ``N_name`` folder this one lies in ("" for the root named so), when it does
    inside: str | None = None

    def holds(self, relpath: str) -> bool:
        """Whether the ignored image ``relpath`` is one of this folder's."""
        return ignored_group(relpath)[0] == self.path


def kohya_folder_of(relpath: str) -> str | None:
    """The ``N_name`` folder ``relpath`` lies directly in (its path), or None."""
    folder = relpath.rpartition("/")[0]
    return folder if folder and parse_kohya_folder(folder.rpartition("/")[2]) else None


def ignored_group(relpath: str, root_named: bool = False) -> tuple[str, str | None]:
    """Where an image no ``N_name`` folder trains is reported: below the nearest
    ``N_name`` folder above it, the subfolder of that folder it lies in, with that
    folder; else its top-level folder ("" for the root) and None. ``root_named``: the
    root itself is the ``N_name`` folder."""
    parts = relpath.split("/")[:-1]
    for depth in range(len(parts) - 1, 0, -1):
        if parse_kohya_folder(parts[depth - 1]):
            return "/".join(parts[: depth + 1]), "/".join(parts[:depth])
    if root_named and parts:
        return parts[0], ""
    return (parts[0] if parts else ""), None


def layout_folders(
    root_name: str, items: list[ImageItem]
) -> tuple[list[KohyaFolder], list[IgnoredFolder]]:
    """Kohya folders (repeats) and the images kohya would ignore beside them.

    Sets each item's ``folder`` to its kohya folder (None outside one).
    """
    per_folder: dict[str, int] = {}
    homes: dict[str, str | None] = {}
    home_of_dir: dict[str, str | None] = {}  # each folder parsed once, not once per image
    for it in items:
        folder = it.relpath.rpartition("/")[0]
        if folder not in home_of_dir:
            home_of_dir[folder] = kohya_folder_of(it.relpath)
        home = homes[it.relpath] = home_of_dir[folder]
        if home is not None:
            per_folder[home] = per_folder.get(home, 0) + 1
    root_kohya = parse_kohya_folder(root_name)
    if root_kohya and not per_folder:
        return _root_named(root_kohya, items)
    kohya = {}
    for path, count in per_folder.items():
        repeats, name = parse_kohya_folder(path.rsplit("/", 1)[-1]) or (1, path)
        kohya[path] = KohyaFolder(path, repeats, name, count)
    folders = sorted(kohya.values(), key=lambda f: natural_key(f.path))
    for it in items:
        home = homes[it.relpath]
        it.folder = kohya.get(home) if home is not None else None
    if not kohya:
        return folders, []
    return folders, _ignored([it for it in items if it.folder is None])


def _root_named(
    root_kohya: tuple[int, str], items: list[ImageItem]
) -> tuple[list[KohyaFolder], list[IgnoredFolder]]:
    """The root is the one ``N_name`` folder: the images directly in it train."""
    direct = [it for it in items if "/" not in it.relpath]
    f = KohyaFolder("", root_kohya[0], root_kohya[1], len(direct))
    for it in items:
        it.folder = f if "/" not in it.relpath else None
    return [f], _ignored([it for it in items if "/" in it.relpath], root_named=True)


def _ignored(outside: list[ImageItem], root_named: bool = False) -> list[IgnoredFolder]:
    counts: dict[tuple[str, str | None], int] = {}
    for it in outside:
        where = ignored_group(it.relpath, root_named)
        counts[where] = counts.get(where, 0) + 1
    out = []
    for (path, inside), count in sorted(counts.items(), key=lambda kv: natural_key(kv[0][0])):
        images = f"{count} image{'s' * (count != 1)}"
        if inside is not None:
            home = f"kohya folder {inside!r}" if inside else "the dataset root, a kohya folder"
            reason = (
                f"folder {path!r} lies inside the {home}, and kohya reads only the images "
                f"directly in a kohya folder, never its subfolders: its {images} are not trained"
            )
        else:
            where = "the dataset root" if not path else f"folder {path!r}"
            reason = (
                f"{where} has {images} that kohya ignores: only `N_name` folders "
                "(N = repeats) beside it are read"
            )
        out.append(IgnoredFolder(path, count, reason, inside))
    return out
