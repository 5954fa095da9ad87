"""Images and captions that belong together but are not paired: names that differ only
by a trailing dot or space, or by case (``image_3..jpeg`` beside ``image_3.txt``)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any


def _loose_stem(rel: str) -> str:
    """``image_3.`` and ``image_3`` (and ``Image_3 ``) name the same picture to a person."""
    stem = os.path.splitext(rel)[0]
    return stem.rstrip(". ").lower()


def near_pairs(ds: Any) -> list[tuple[str, str]]:
    """(image without caption, caption without image) that a rename would pair."""
    loose = {_loose_stem(c): c for c in ds.orphan_captions}
    out = []
    for rel in ds.images_without_caption:
        cap = loose.get(_loose_stem(rel))
        if cap is not None:
            out.append((rel, cap))
    return out


def rename_hint(root: Path, image: str, caption: str) -> str:
    """The ``mv`` that gives ``image`` the caption's stem, quoted to copy and run."""
    target = os.path.splitext(caption)[0] + os.path.splitext(image)[1]
    return f"mv {shlex.quote(str(Path(root) / image))} {shlex.quote(str(Path(root) / target))}"
