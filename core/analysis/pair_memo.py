"""Pixel verdicts on pairs of pictures, remembered by the pictures' contents.

A verdict (are these two the same framing, mirror images, is one a crop or a
clone of the other) depends only on the two files' bytes and the algorithm, so
it is keyed by the two content hashes (sha256) and ``PIXEL_VERSION``. The
analysis cache stores the memo between runs (``cache.AnalysisCache``): a scan
where nothing changed decodes no image for the clone check, and after one file
changes only pairs with its new content are judged.
"""

from __future__ import annotations

from collections.abc import Iterable

# Bump when a pixel test or its thresholds change: remembered verdicts are then dropped.
PIXEL_VERSION = 1

Key = tuple[str, str, str]  # (kind, first content hash, second content hash)
Value = str | float | bool


class PairMemo:
    """Verdicts by (kind, content, content); ``fresh`` holds those found since loading."""

    def __init__(self, known: Iterable[tuple[Key, Value]] = ()) -> None:
        self._known: dict[Key, Value] = dict(known)
        self.fresh: dict[Key, Value] = {}

    def __len__(self) -> int:
        return len(self._known)

    def get(self, kind: str, a: str, b: str) -> Value | None:
        return self._known.get((kind, a, b))

    def put(self, kind: str, a: str, b: str, value: Value) -> None:
        key = (kind, a, b)
        self._known[key] = value
        if not a.startswith("path:") and not b.startswith("path:"):
            self.fresh[key] = value  # only verdicts keyed by content outlive the run
