"""Kohya's folder layout: ``N_name`` folders (N = repeats) and the images it would skip.

An image belongs to the nearest ``N_name`` folder above it, at any depth: published
sets nest them (``minimalist/8_minimalist/``, one per style), and lorapan's training
names each such folder as a subset's ``image_dir``. The root itself counts when it is
named so and holds no such folders. Images outside every ``N_name`` folder are never
trained on, so they are reported as ignored (per top-level folder).
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


def _top(relpath: str) -> str:
    """The first folder of ``relpath`` ("" for an image in the root)."""
    return relpath.split("/", 1)[0] if "/" in relpath else ""


def kohya_folder_of(relpath: str) -> str | None:
    """The nearest ``N_name`` folder above ``relpath`` (its path), or None."""
    parts = relpath.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        if parse_kohya_folder(parts[depth - 1]):
            return "/".join(parts[:depth])
    return None


def layout_folders(
    root_name: str, items: list[ImageItem]
) -> tuple[list[KohyaFolder], list[IgnoredFolder]]:
    """Kohya folders (repeats) and the images kohya would ignore beside them.

    Sets each item's ``folder`` to its kohya folder (None outside one).
    """
    per_folder: dict[str, int] = {}
    outside: dict[str, int] = {}  # top-level folder -> images in no N_name folder
    homes: dict[str, str | None] = {}
    home_of_dir: dict[str, str | None] = {}  # each folder parsed once, not once per image
    for it in items:
        folder = it.relpath.rpartition("/")[0]
        if folder not in home_of_dir:
            home_of_dir[folder] = kohya_folder_of(it.relpath)
        home = homes[it.relpath] = home_of_dir[folder]
        if home is None:
            top = _top(it.relpath)
            outside[top] = outside.get(top, 0) + 1
        else:
            per_folder[home] = per_folder.get(home, 0) + 1
    root_kohya = parse_kohya_folder(root_name)
    if root_kohya and not per_folder:
        f = KohyaFolder("", root_kohya[0], root_kohya[1], len(items))
        for it in items:
            it.folder = f
        return [f], []
    kohya = {}
    for path, count in per_folder.items():
        repeats, name = parse_kohya_folder(path.rsplit("/", 1)[-1]) or (1, path)
        kohya[path] = KohyaFolder(path, repeats, name, count)
    folders = sorted(kohya.values(), key=lambda f: natural_key(f.path))
    for it in items:
        home = homes[it.relpath]
        it.folder = kohya.get(home) if home is not None else None
    ignored: list[IgnoredFolder] = []
    if not kohya:
        return folders, ignored
    for top, count in sorted(outside.items()):
        where = "the dataset root" if not top else f"folder {top!r}"
        reason = (
            f"{where} has {count} image{'s' * (count != 1)} that kohya ignores: only `N_name` "
            "folders (N = repeats) beside it are read"
        )
        ignored.append(IgnoredFolder(top, count, reason))
    return folders, ignored
