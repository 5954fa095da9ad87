"""A dataset folder: images paired with captions, a tag index, safe edits.

``Dataset.open(root)`` walks the folder without decoding any image: it pairs each
image with its caption by stem, reads the captions, notes orphans both ways and
the kohya ``N_name`` folders, and builds the tag index. Every change of captions
goes through :meth:`Dataset.apply_changes`, which journals it (undoable, crash-safe)
and refuses to overwrite files that changed on disk since they were read.

Modules: ``dataset`` (the :class:`Dataset` itself), ``items`` (:class:`ImageItem`),
``scan`` (walking and pairing), ``ownership`` (which image owns which caption),
``kohya`` (repeat folders and ignored images), ``changes`` (planning writes,
:class:`ApplyResult`) and ``refresh`` (following changes on disk).
"""

from lorapan.core.dataset.changes import ApplyResult
from lorapan.core.dataset.dataset import Dataset, Listener
from lorapan.core.dataset.items import ImageItem
from lorapan.core.dataset.kohya import IgnoredFolder, KohyaFolder

__all__ = [
    "ApplyResult",
    "Dataset",
    "IgnoredFolder",
    "ImageItem",
    "KohyaFolder",
    "Listener",
]
