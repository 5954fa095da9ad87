"""Pixel-level check of a candidate near-duplicate pair, on small thumbnails.

Perceptual hashes of flat art with a shared layout (a figure in the middle, sky
above, ground below) collide: a different pose, a back view or another
background can hash within a few bits. So a pair the hashes propose is checked
here before it is linked: both pictures are reduced to ``SIDE`` x ``SIDE`` RGB,
and the copy must be a *function* of the source's colours — every pixel whose
source colour falls in one colour bin must have about the same colour in the
copy. Identical, resized, recompressed, blurred, colour-shifted and grayscale
copies all pass (the colour map is arbitrary but pointwise); a different pose
or background leaves a patch of pixels that no colour map explains. Flipped
copies pass against the mirrored source.

Only candidate pairs are decoded (JPEG draft mode via the shared decode path),
each thumbnail once per run, so this stays cheap on large datasets.

A crop is checked the same way against the window of its source that the
hashes matched, searched a little around it; both files are then read larger
(``CROP_SIDE``) so the two resampling chains line up.

Passing this check links two files; whether a copy is a *clone* (the same
picture stored again) is decided by the stricter ``same_picture`` test. Every
verdict goes through a :class:`PairMemo`, keyed by the files' content hashes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from lorapan.core.analysis.imaging import load_reduced
from lorapan.core.analysis.pair_memo import PairMemo
from lorapan.core.analysis.same_picture import is_same_picture
from PIL import Image

SIDE = 64
_BITS = 4  # colour bins per channel: 2**_BITS
_GRAY_SPREAD = 8.0  # most channel difference of a grayscale thumbnail
_FAR = 40.0  # a pixel this far (RGB distance) from its bin's mean colour is unexplained
# Most unexplained pixels for a match: generated copies (recompressed, resized, blurred,
# colour-shifted, grayscale, flipped) measure 0; a small figure waving instead of raising
# its arms 0.54%, the demo's look-alikes 1.6% and more. A copy with a local edit (a
# signature) over about 0.2% of the picture is not matched.
MAX_UNEXPLAINED = 0.002
SAME_COLOURS = 6.0  # mean difference (0..255) under which two thumbnails need no detail
MIN_COLOURS = 4  # colour bins (of at least 1% each) a colour-changing match needs
CROP_SIDE = 512
MAX_CROP_UNEXPLAINED = 0.01  # real window crops measure 0, the demo's look-alikes 4%+
NEAR_WINDOW = 0.05  # above this on the window itself, no search around it (look-alikes 8%+)
_SHIFTS = (-0.04, -0.02, 0.0, 0.02, 0.04)  # of the source's size, around a window
_ZOOMS = (0.96, 1.0, 1.04)
_LARGE_KEPT = 16  # larger decodes kept at once (about 0.6 MB each)
Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions


class Thumbs:
    """Pixel verdicts on pairs of files under ``root``; each file is decoded once per run.

    With ``shas`` (relpath -> content hash) and a ``memo``, every verdict is
    remembered by the two files' contents: a later run with the same memo (the
    analysis cache keeps it) decodes nothing for a pair it has judged before.
    A file that will not decode gets no verdict ("none", False, 1.0) and none
    is remembered for it.
    """

    def __init__(
        self, root: Path, shas: Mapping[str, str] | None = None, memo: PairMemo | None = None
    ) -> None:
        self.root = Path(root)
        self.shas = dict(shas or {})
        self.memo = memo if memo is not None else PairMemo()
        self._cache: dict[str, np.ndarray | None] = {}
        self._large: OrderedDict[str, Image.Image | None] = OrderedDict()

    def relation(self, a: str, b: str) -> str:
        """:func:`relation` of two files: "same", "flip" or "none" (symmetric)."""
        a, b = self._ordered(a, b)
        return self._remember("relation", a, b, lambda: relation(self.get(a), self.get(b)))

    def score(self, a: str, b: str) -> float:
        """:func:`difference` of two files, mirrored or not, whichever is smaller."""
        a, b = self._ordered(a, b)

        def compute() -> float | None:
            ta, tb = self.get(a), self.get(b)
            if ta is None or tb is None:
                return None
            return min(difference(ta, tb), difference(ta[:, ::-1], tb))

        return self._remember("score", a, b, compute, missing=1.0)

    def is_crop(self, source: str, copy: str, windows: list[Box]) -> bool:
        """Is ``copy`` one of ``source``'s ``windows`` (or close to one), pixel for pixel?

        ``windows`` follow from the two files' hashes, so the verdict is
        remembered by content like the others.
        """
        return self._remember(
            "crop", source, copy, lambda: self._crop_check(source, copy, windows), missing=False
        )

    def same_picture(self, original: str, copy: str, side: int, mirrored: bool = False) -> bool:
        """Same framing and content within re-encoding tolerance (a clone; ``same_picture``).

        ``mirrored``: is ``copy`` the mirror image of ``original`` re-encoded?
        """

        def compute() -> bool | None:
            a, b = self._get_large(original), self._get_large(copy)
            if a is None or b is None:
                return None
            if mirrored:
                a = a.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            return is_same_picture(a, b, side)

        kind = f"{'mirror' if mirrored else 'same'}{side}"
        return self._remember(kind, original, copy, compute, missing=False)

    def _ordered(self, a: str, b: str) -> tuple[str, str]:
        """A symmetric verdict's two files in content order, so renames keep its key."""
        return (a, b) if self._content(a) <= self._content(b) else (b, a)

    def _content(self, relpath: str) -> str:
        return self.shas.get(relpath) or f"path:{relpath}"

    def _remember(self, kind: str, a: str, b: str, compute, missing: object = "none"):
        key = (self._content(a), self._content(b))
        known = self.memo.get(kind, *key)
        if known is not None:
            return known
        value = compute()
        if value is None:  # a file that did not decode: no verdict, nothing remembered
            return missing
        self.memo.put(kind, *key, value)
        return value

    def _crop_check(self, source: str, copy: str, windows: Iterable[Box]) -> bool | None:
        src, cp = self._get_large(source), self._get_large(copy)
        if src is None or cp is None:
            return None
        b = np.asarray(cp.resize((SIDE, SIDE), Image.Resampling.BOX), np.float32)
        if colour_count(b) < MIN_COLOURS:
            return False  # a plain patch (sky, a wall) is a window of too many pictures
        for window in windows:
            first = mismatch(np.asarray(_window(src, window), np.float32), b)
            if first <= MAX_CROP_UNEXPLAINED:
                return True
            if first > NEAR_WINDOW:
                continue  # not this window, nor one a little off it: skip the search
            if any(
                mismatch(np.asarray(_window(src, box), np.float32), b) <= MAX_CROP_UNEXPLAINED
                for box in _around(window)[1:]
            ):
                return True
        return False

    def _get_large(self, relpath: str) -> Image.Image | None:
        if relpath in self._large:
            self._large.move_to_end(relpath)
            return self._large[relpath]
        try:
            img = load_reduced(self.root / relpath, (CROP_SIDE, CROP_SIDE)).convert("RGB")
            img.thumbnail((CROP_SIDE, CROP_SIDE), Image.Resampling.BOX)
        except Exception:  # noqa: BLE001 - a file that changed since the scan: no verdict
            img = None
        self._large[relpath] = img
        if len(self._large) > _LARGE_KEPT:
            self._large.popitem(last=False)
        return img

    def get(self, relpath: str) -> np.ndarray | None:
        if relpath not in self._cache:
            self._cache[relpath] = self._load(relpath)
        return self._cache[relpath]

    def _load(self, relpath: str) -> np.ndarray | None:
        try:
            img = load_reduced(self.root / relpath, (SIDE * 2, SIDE * 2))
            small = img.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BOX)
        except Exception:  # noqa: BLE001 - a file that changed since the scan: no verdict
            return None
        return np.asarray(small, np.float32)


def _around(window: Box) -> list[Box]:
    """The window, then boxes shifted and zoomed a little around it, clipped to the image."""
    left, top, right, bottom = window
    cx, cy, w, h = (left + right) / 2, (top + bottom) / 2, right - left, bottom - top
    boxes = [window]
    for zoom in _ZOOMS:
        for dx in _SHIFTS:
            for dy in _SHIFTS:
                x0, x1 = cx + dx - w * zoom / 2, cx + dx + w * zoom / 2
                y0, y1 = cy + dy - h * zoom / 2, cy + dy + h * zoom / 2
                box = (max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1))
                if box[2] > box[0] and box[3] > box[1] and box != window:
                    boxes.append(box)
    return boxes


def _window(img: Image.Image, box: Box) -> Image.Image:
    w, h = img.size
    pixels = (box[0] * w, box[1] * h, box[2] * w, box[3] * h)
    return img.resize((SIDE, SIDE), Image.Resampling.BOX, box=pixels)


def unexplained(source: np.ndarray, copy: np.ndarray) -> float:
    """Fraction of ``copy``'s pixels that no pointwise colour map of ``source`` explains."""
    q = source.astype(np.int32) >> (8 - _BITS)
    key = ((q[..., 0] << (2 * _BITS)) | (q[..., 1] << _BITS) | q[..., 2]).ravel()
    pixels = copy.reshape(-1, 3).astype(np.float64)
    size = 1 << (3 * _BITS)
    count = np.maximum(np.bincount(key, minlength=size), 1)
    means = np.stack(
        [np.bincount(key, pixels[:, c], minlength=size) / count for c in range(3)], axis=1
    )
    far = np.sqrt(((pixels - means[key]) ** 2).sum(axis=1)) > _FAR
    return float(far.mean())


def mismatch(a: np.ndarray, b: np.ndarray) -> float:
    """Smaller of the two directions (a grayscale copy explains nothing of its colour source)."""
    return min(unexplained(a, b), unexplained(b, a))


def relation(a: np.ndarray | None, b: np.ndarray | None) -> str | None:
    """ "same" (same framing), "flip" (mirror images), "none", or None without both thumbnails.

    A flip needs the mirrored match and no unmirrored one (a symmetric picture is "same").
    """
    if a is None or b is None:
        return None
    if _matches(a, b):
        return "same"
    if _matches(a[:, ::-1], b):
        return "flip"
    return "none"


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Unexplained fraction of a pair, same framing (0: one is a colour map of the other)."""
    if _is_gray(a) or _is_gray(b):
        # Gray against gray, both ways: a colour picture "explains" any gray one whose
        # differences fall on its own one-off edge colours, so the colour side is reduced
        # to its luma and the map must hold in both directions.
        la, lb = _luma(a), _luma(b)
        return max(unexplained(la, lb), unexplained(lb, la))
    return mismatch(a, b)


def _matches(a: np.ndarray, b: np.ndarray) -> bool:
    if difference(a, b) > MAX_UNEXPLAINED:
        return False
    if _is_gray(a) or _is_gray(b):
        return True
    # A picture of a few flat colours (sky over grass) is a colour map of any other
    # such picture: a match that changes colours needs some detail to go on.
    same_colours = float(np.abs(a - b).mean()) <= SAME_COLOURS
    return same_colours or max(colour_count(a), colour_count(b)) >= MIN_COLOURS


def _is_gray(thumb: np.ndarray) -> bool:
    # every 4th pixel each way: a grayscale file is gray everywhere
    return float(np.ptp(thumb[::4, ::4], axis=2).max()) <= _GRAY_SPREAD


def _luma(thumb: np.ndarray) -> np.ndarray:
    luma = thumb @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.repeat(luma[..., None], 3, axis=2)


def colour_count(thumb: np.ndarray) -> int:
    """Colour bins covering at least 1% of the thumbnail."""
    q = thumb.astype(np.int32) >> (8 - _BITS)
    key = ((q[..., 0] << (2 * _BITS)) | (q[..., 1] << _BITS) | q[..., 2]).ravel()
    return int((np.bincount(key) >= key.size / 100).sum())
