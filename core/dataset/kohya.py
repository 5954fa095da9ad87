"""Kohya's folder layout: ``N_name`` folders (N = repeats) and the images it would skip.

kohya reads the images of ``N_name`` folders right under the dataset root (or the
root itself when the root is named so and holds no such folders); images beside
those folders are never trained on, so they are reported as ignored.
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


def layout_folders(
    root_name: str, items: list[ImageItem]
) -> tuple[list[KohyaFolder], list[IgnoredFolder]]:
    """Kohya folders (repeats) and the images kohya would ignore beside them.

    Sets each item's ``folder`` to its kohya folder (None outside one).
    """
    per_top: dict[str, int] = {}
    for it in items:
        top = _top(it.relpath)
        per_top[top] = per_top.get(top, 0) + 1
    root_kohya = parse_kohya_folder(root_name)
    tops = {t: parse_kohya_folder(t) for t in per_top if t}
    if root_kohya and not any(tops.values()):
        f = KohyaFolder("", root_kohya[0], root_kohya[1], len(items))
        for it in items:
            it.folder = f
        return [f], []
    kohya = {t: KohyaFolder(t, p[0], p[1], per_top[t]) for t, p in tops.items() if p}
    folders = sorted(kohya.values(), key=lambda f: natural_key(f.path))
    for it in items:
        it.folder = kohya.get(_top(it.relpath))
    ignored: list[IgnoredFolder] = []
    if not kohya:
        return folders, ignored
    for top, count in sorted(per_top.items()):
        if top in kohya:
            continue
        where = "the dataset root" if not top else f"folder {top!r}"
        reason = (
            f"{where} has {count} image(s) that kohya ignores: only `N_name` "
            "folders (N = repeats) beside it are read; move them into one"
        )
        ignored.append(IgnoredFolder(top, count, reason))
    return folders, ignored
