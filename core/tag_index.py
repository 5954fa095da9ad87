"""Tag -> images index, updated incrementally on each edit."""

from __future__ import annotations

from collections.abc import Iterable

from lorapan.core.captions import norm_tag


class TagIndex:
    """Which images carry which tag.

    Tags are indexed by their compared form (:func:`norm_tag`), so ``long_hair``
    and ``long hair`` count as one tag; the most common spelling is kept for
    display. One edit touches only the tags of the images it changed.
    """

    def __init__(self) -> None:
        self._images: dict[str, set[str]] = {}
        self._spellings: dict[str, dict[str, int]] = {}

    def add_images(self, pairs: Iterable[tuple[str, Iterable[str]]]) -> None:
        """``add_image`` for many images at once (opening a dataset): same result."""
        images, spellings = self._images, self._spellings
        for relpath, tags in pairs:
            for tag in set(tags):
                key = norm_tag(tag)
                try:
                    images[key].add(relpath)
                except KeyError:
                    images[key] = {relpath}
                if tag != key:
                    sp = spellings.setdefault(key, {})
                    sp[tag] = sp.get(tag, 0) + 1

    def add_image(self, relpath: str, tags: Iterable[str]) -> None:
        images, spellings = self._images, self._spellings
        for tag in set(tags):
            key = norm_tag(tag)
            found = images.get(key)
            if found is None:
                images[key] = found = set()
            found.add(relpath)
            if tag != key:  # only other spellings are counted; see display()
                sp = spellings.setdefault(key, {})
                sp[tag] = sp.get(tag, 0) + 1

    def remove_image(self, relpath: str, tags: Iterable[str]) -> None:
        for tag in set(tags):
            key = norm_tag(tag)
            images = self._images.get(key)
            if images is None:
                continue
            images.discard(relpath)
            sp = self._spellings.get(key, {})
            if tag != key and tag in sp:
                sp[tag] -= 1
                if sp[tag] <= 0:
                    del sp[tag]
            if not images:
                del self._images[key]
                self._spellings.pop(key, None)

    def update_image(self, relpath: str, before: Iterable[str], after: Iterable[str]) -> None:
        self.remove_image(relpath, before)
        self.add_image(relpath, after)

    def images(self, tag: str) -> set[str]:
        return set(self._images.get(norm_tag(tag), ()))

    def count(self, tag: str) -> int:
        return len(self._images.get(norm_tag(tag), ()))

    def display(self, key: str) -> str:
        """The most common spelling of a tag (``key`` itself unless others win)."""
        sp = self._spellings.get(key)
        if not sp:
            return key
        counts = dict(sp)
        own = len(self._images.get(key, ())) - sum(sp.values())
        if own > 0:
            counts[key] = own
        return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]

    def frequencies(self) -> list[tuple[str, int]]:
        """(tag, image count), most common first, then by name."""
        rows = [(self.display(k), len(v)) for k, v in self._images.items()]
        rows.sort(key=lambda r: (-r[1], r[0]))
        return rows

    def __contains__(self, tag: str) -> bool:
        return norm_tag(tag) in self._images

    def __len__(self) -> int:
        return len(self._images)
