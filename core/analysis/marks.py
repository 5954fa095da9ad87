"""What the file list and the preview say about an image's clone group.

The analysis finds clone groups (:func:`lorapan.core.analysis.clones.find_groups`);
the reviewer marks each image of a group with ``=`` and names the relation in the
preview caption. Only true clones (identical, resized, recompressed) are marked:
altered copies (crops, flips, grayscale) are deliberate augmentations, not problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lorapan.core.analysis.clones import CloneGroup


def clone_marks(groups: Iterable[CloneGroup]) -> dict[str, str]:
    """relpath -> how it relates to its group, for true clones and their originals.

    ``"resized clone of x.png"`` for a clone (its label, then the original's file
    name), ``"original of 2 clone(s)"`` for an original that has clones. Images of a
    group with only altered copies are left out.
    """
    out: dict[str, str] = {}
    for group in groups:
        clones = group.clones
        labels = dict(group.members)
        name = group.original.rpartition("/")[2]
        for rel in clones:
            out[rel] = f"{labels.get(rel, 'clone')} clone of {name}"
        if clones:
            out[group.original] = f"original of {len(clones)} clone(s)"
    return out
