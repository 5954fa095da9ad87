"""Tag -> images index, updated incrementally on each edit, built on first use.

Opening a dataset hands every image's tags to the index, but a command that
never asks it anything (``lorapan edit``, ``undo``) should not pay for building
it: changes are queued, and the first question applies them, in order, under a
lock (the app asks from more than one thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

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
        self._pending: list[tuple[Callable[..., None], tuple]] = []
        self._lock = threading.RLock()  # questions nest (frequencies asks display)

    # ---- changes: queued, applied on the first question -----------------------
    def add_image(self, relpath: str, tags: Iterable[str]) -> None:
        self._queue(self._add_image, relpath, tuple(tags))

    def add_images(self, pairs: Iterable[tuple[str, Iterable[str]]]) -> None:
        """``add_image`` for many images at once (opening a dataset): same result."""
        self._queue(self._add_images, [(rel, tuple(tags)) for rel, tags in pairs])

    def remove_image(self, relpath: str, tags: Iterable[str]) -> None:
        self._queue(self._remove_image, relpath, tuple(tags))

    def update_image(self, relpath: str, before: Iterable[str], after: Iterable[str]) -> None:
        self._queue(self._update_image, relpath, tuple(before), tuple(after))

    def _queue(self, change: Callable[..., None], *args: object) -> None:
        with self._lock:
            self._pending.append((change, args))

    def _apply(self) -> None:
        """Apply the queued changes; called by each question with the lock held."""
        pending, self._pending = self._pending, []
        for change, args in pending:
            change(*args)

    def _add_images(self, pairs: list[tuple[str, tuple[str, ...]]]) -> None:
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

    def _add_image(self, relpath: str, tags: Iterable[str]) -> None:
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

    def _remove_image(self, relpath: str, tags: Iterable[str]) -> None:
        for tag in set(tags):
            key = norm_tag(tag)
            if key in self._images:
                self._drop_spelling(key, tag)
                self._drop_image(relpath, key)

    def _update_image(self, relpath: str, before: Iterable[str], after: Iterable[str]) -> None:
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

    # ---- questions -------------------------------------------------------------
    def images(self, tag: str) -> set[str]:
        with self._lock:
            self._apply()
            return set(self._images.get(norm_tag(tag), ()))

    def count(self, tag: str) -> int:
        with self._lock:
            self._apply()
            return len(self._images.get(norm_tag(tag), ()))

    def display(self, key: str) -> str:
        """The most common spelling of a tag (``key`` itself unless others win)."""
        with self._lock:
            self._apply()
            sp = dict(self._spellings.get(key) or {})
            own = len(self._images.get(key, ())) - sum(sp.values())
        if not sp:
            return key
        counts = sp
        if own > 0:
            counts[key] = own
        return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]

    def frequencies(self) -> list[tuple[str, int]]:
        """(tag, image count), most common first, then by name."""
        with self._lock:
            self._apply()
            rows = [(self.display(k), len(v)) for k, v in self._images.items()]
        rows.sort(key=lambda r: (-r[1], r[0]))
        return rows

    def __contains__(self, tag: str) -> bool:
        with self._lock:
            self._apply()
            return norm_tag(tag) in self._images

    def __len__(self) -> int:
        with self._lock:
            self._apply()
            return len(self._images)

    def distinct(self) -> int:
        """How many different tags (``len``), without building the index when nothing
        but whole images were added: ``lorapan info`` asks only this, and building
        the index for it was a tenth of the command at 10,000 images."""
        with self._lock:
            if self._images or any(change != self._add_images for change, _ in self._pending):
                return len(self)
            keys: set[str] = set()
            for _change, (pairs,) in self._pending:
                for _rel, tags in pairs:
                    keys.update(map(norm_tag, tags))
            return len(keys)
