"""Turn image arguments (paths inside the dataset, or relative to it) into relpaths."""

from __future__ import annotations

import os
from pathlib import Path

from lorapan.core.dataset import Dataset


def resolve_image(dataset: Dataset, text: str) -> str | None:
    """The relpath of ``text`` in the dataset: a relpath, or a path to a file in it."""
    candidate = text.replace(os.sep, "/").strip()
    if candidate in dataset.items:
        return candidate
    for base in (Path.cwd(), dataset.root):
        path = (base / Path(text).expanduser()).resolve()
        try:
            rel = path.relative_to(dataset.root).as_posix()
        except ValueError:
            continue
        if rel in dataset.items:
            return rel
    return None


def resolve_images(dataset: Dataset, texts: list[str]) -> tuple[list[str], list[str]]:
    """(relpaths found, arguments that name no image of the dataset)."""
    found, missing = [], []
    for text in texts:
        rel = resolve_image(dataset, text)
        if rel is None:
            missing.append(text)
        elif rel not in found:
            found.append(rel)
    return found, missing
