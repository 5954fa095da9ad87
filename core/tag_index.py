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

    def add_image(self, relpath: str, tags: Iterable[str]) -> None:
        images, spellings = self._images, self._spellings
        for tag in set(tags):  # inline: this runs for every tag of every image at open
            key = norm_tag(tag)
            found = images.get(key)
            if found is None:
                images[key] = found = set()
            found.add(relpath)
            if tag != key:
                sp = spellings.setdefault(key, {})
                sp[tag] = sp.get(tag, 0) + 1

    @staticmethod
    def _add(
        relpath: str,
        tag: str,
        key: str,
        images: dict[str, set[str]],
        spellings: dict[str, dict[str, int]],
    ) -> None:
        found = images.get(key)
        if found is None:
            images[key] = found = set()
        found.add(relpath)
        if tag != key:  # only other spellings are counted; see display()
            sp = spellings.setdefault(key, {})
            sp[tag] = sp.get(tag, 0) + 1

    def _drop_spelling(self, key: str, tag: str) -> None:
        sp = self._spellings.get(key, {})
        if tag != key and tag in sp:
            sp[tag] -= 1
            if sp[tag] <= 0:
                del sp[tag]

    def _drop_image(self, relpath: str, key: str) -> None:
        images = self._images.get(key)
        if images is None:
            return
        images.discard(relpath)
        if not images:
            del self._images[key]
            self._spellings.pop(key, None)

    def remove_image(self, relpath: str, tags: Iterable[str]) -> None:
        for tag in set(tags):
            key = norm_tag(tag)
            if key in self._images:
                self._drop_spelling(key, tag)
                self._drop_image(relpath, key)

    def update_image(self, relpath: str, before: Iterable[str], after: Iterable[str]) -> None:
        """Only the tags that changed are touched (a bulk add: one tag per image)."""
        old, new = set(before), set(after)
        if old == new:
            return
        still = set(map(norm_tag, new))  # tags the image keeps, in any spelling
        for tag in old - new:
            key = norm_tag(tag)
            if key in self._images:
                self._drop_spelling(key, tag)
                if key not in still:
                    self._drop_image(relpath, key)
        images, spellings = self._images, self._spellings
        for tag in new - old:
            self._add(relpath, tag, norm_tag(tag), images, spellings)

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
