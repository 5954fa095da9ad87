"""Which image owns which caption file, and the images that share one.

kohya trains ``a.png`` and ``a.jpg`` with the same ``a.txt``. The first of them
in natural order owns the caption; the others share it, and the first sharer
takes over when the owner goes. Writes of a shared caption reach every image
that reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from lorapan.core.dataset.items import ImageItem
from lorapan.core.naming import IMAGE_EXTS


class CaptionOwners:
    """caption relpath -> its owner image, and further images with the same stem."""

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}
        #: caption relpath -> further images with the same stem (a.jpg beside a.png)
        self._sharers: dict[str, list[str]] = {}

    def __contains__(self, caption_rel: str) -> bool:
        return caption_rel in self._owner

    def owner_of(self, caption_rel: str) -> str | None:
        return self._owner.get(caption_rel)

    def images_of(self, caption_rel: str) -> list[str]:
        """Every image that reads ``caption_rel``, the owner first."""
        owner = self._owner.get(caption_rel)
        return ([owner] if owner else []) + self._sharers.get(caption_rel, [])

    def claim(self, item: ImageItem) -> None:
        """Map the caption to its image; a second image with the same stem shares it."""
        cap = item.caption_rel
        assert cap is not None
        owner = self._owner.get(cap)
        if owner is None or owner == item.relpath:
            self._owner[cap] = item.relpath
        elif item.relpath not in self._sharers.setdefault(cap, []):
            self._sharers[cap].append(item.relpath)

    def release(self, relpath: str, cap: str) -> None:
        """``relpath`` no longer reads ``cap``; its first sharer (if any) owns it now."""
        sharers = self._sharers.get(cap, [])
        if self._owner.get(cap) == relpath:
            del self._owner[cap]
            if sharers:
                self._owner[cap] = sharers.pop(0)
        elif relpath in sharers:
            sharers.remove(relpath)
        if not sharers:
            self._sharers.pop(cap, None)

    def collisions(self) -> list[tuple[str, str, str]]:
        """(image, other image, caption): images kohya trains with the same caption."""
        return [
            (self._owner[cap], other, cap)
            for cap, others in self._sharers.items()
            for other in others
            if cap in self._owner
        ]


def image_for_new_caption(caption_rel: str, items: Mapping[str, ImageItem]) -> str | None:
    """The image of the same stem that a caption just written will belong to, if any."""
    stem_rel = os.path.splitext(caption_rel)[0]
    for ext in IMAGE_EXTS:
        for cand in (stem_rel + ext, stem_rel + ext.upper()):
            if cand in items:
                return cand
    return None
