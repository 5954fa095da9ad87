"""Linking pictures that are copies of one another into groups.

Pairs are proposed by pHash+dHash and their mirrored forms (every pair at once,
vectorised in blocks), then by crop windows (every window against every pHash
for small sets, a banded index of hash quarters for large ones). With the
dataset's thumbnails at hand each proposed pair is confirmed on pixels before it
is linked; a grayscale copy joins only the one colour picture it matches best.
:class:`UnionFind` holds the links.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from lorapan.core.analysis.clone_compare import (
    COLOUR_TOLERANCE,
    aspect_changed,
    mirrored_colour_distance,
)
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.measure import hamming, window_boxes
from lorapan.core.analysis.pixel_match import Thumbs
from lorapan.core.analysis.same_picture import compare_side

_CHUNK = 512
EXHAUSTIVE_CROP_LIMIT = 1000  # above: crop search uses a banded index (see below)
_BLOCK_ELEMENTS = 1 << 18  # one comparison block (2 MB of uint64): stays in cache
CROP_ASPECT_TOLERANCE = 0.1  # a crop's shape against the source window it matched


class UnionFind:
    """Which of ``n`` pictures are linked: disjoint sets, the smallest index as root."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        by_root: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            by_root.setdefault(self.find(i), []).append(i)
        return [g for g in by_root.values() if len(g) > 1]


def link_identical(items: list[ImageFacts], links: UnionFind) -> None:
    """Byte-identical files (same sha256) are linked."""
    first: dict[str, int] = {}
    for i, f in enumerate(items):
        if f.sha256 in first:
            links.union(first[f.sha256], i)
        else:
            first[f.sha256] = i


def link_made(items: list[ImageFacts], links: UnionFind, made: dict[str, tuple]) -> None:
    """Each file lorapan made joins its source (``made``: relpath -> (source, label))."""
    index = {f.relpath: i for i, f in enumerate(items)}
    for rel, (source, _label) in made.items():
        links.union(index[rel], index[source])


def link_near(
    items: list[ImageFacts],
    links: UnionFind,
    config: AnalysisConfig,
    thumbs: Thumbs | None = None,
    skip: Iterable[str] = (),
) -> None:
    """Link pairs by pHash+dHash and their mirrored forms (every pair, vectorised), then crops.

    One file per distinct content takes part (byte-identical copies are linked
    already), files in ``skip`` none (made files: linked by their provenance;
    a plain sky-and-grass crop would otherwise match any like scene). Each proposed
    same-framing or mirrored pair is confirmed on pixels when ``thumbs`` is given,
    else a mirrored pair needs its colours to agree.
    """
    skipped = set(skip)
    kept = [(i, f) for i, f in enumerate(items) if f.relpath not in skipped]
    firsts = list({f.sha256: i for i, f in reversed(kept)}.values())
    firsts.sort()
    reps = [items[i] for i in firsts]
    sub = UnionFind(len(reps))
    _link_near_distinct(reps, sub, config, thumbs)
    for i in range(len(reps)):
        links.union(firsts[i], firsts[sub.find(i)])


def _link_near_distinct(
    items: list[ImageFacts], links: UnionFind, config: AnalysisConfig, thumbs: Thumbs | None
) -> None:
    phash = np.array([f.phash for f in items], dtype=np.uint64)
    gray_pairs: list[tuple[int, float, int, int]] = []
    pairs, flip_only = near_pairs(items, config)
    _union_checked(items, links, pairs, flip_only, thumbs, gray_pairs)
    windows, owners = _window_table(items)
    if len(windows):
        checked = _CropCheck(items, links, config, thumbs)
        if len(items) <= EXHAUSTIVE_CROP_LIMIT:
            _link_crops_exhaustive(phash, windows, owners, checked, config)
        else:
            _link_crops_banded(phash, windows, owners, checked, config)
    _attach_gray(items, links, gray_pairs)


def near_pairs(items: list[ImageFacts], config: AnalysisConfig) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) whose pHash and dHash agree, plainly or one mirrored; and which are
    mirror-only.

    Every pair is compared once (the upper triangle, in blocks), and on the pHash
    alone; the dHash is checked only for the few pairs the pHash lets through.
    Still quadratic, but about 2.7x fewer bit counts than every hash both ways.
    """
    phash = np.array([f.phash for f in items], dtype=np.uint64)
    flips = np.array([f.phash_flip for f in items], dtype=np.uint64)
    dhash = np.array([f.dhash for f in items], dtype=np.uint64)
    dflips = np.array([f.dhash_flip for f in items], dtype=np.uint64)
    n = len(items)
    p_max, d_max = config.near_threshold, config.near_dhash_threshold
    step = max(1, min(_CHUNK, _BLOCK_ELEMENTS // max(n, 1)))
    near: list[np.ndarray] = []
    flip: list[np.ndarray] = []
    for start in range(0, n, step):
        rows = slice(start, min(n, start + step))
        i, j = _close(phash[rows], phash[start:], p_max, start)
        ok = _popcount(dhash[i] ^ dhash[j]) <= d_max
        near.append(np.stack([i[ok], j[ok]], axis=1))
        for mirrored, other, d_mirrored, d_other in (
            (flips, phash, dflips, dhash),  # i mirrored is like j
            (phash, flips, dhash, dflips),  # j mirrored is like i
        ):
            i, j = _close(mirrored[rows], other[start:], p_max, start)
            ok = _popcount(d_mirrored[i] ^ d_other[j]) <= d_max
            flip.append(np.stack([i[ok], j[ok]], axis=1))
    near_set = {(int(a), int(b)) for a, b in np.concatenate(near)} if near else set()
    flip_set = {(int(a), int(b)) for a, b in np.concatenate(flip)} if flip else set()
    ordered = sorted(near_set | flip_set)
    pairs = np.array(ordered, dtype=np.int64).reshape(-1, 2)
    return pairs, np.array([p not in near_set for p in ordered], dtype=bool)


def _close(
    rows: np.ndarray, cols: np.ndarray, max_bits: int, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Absolute (i, j), i < j, of rows (from ``start``) and columns (from ``start``)
    whose hashes differ in at most ``max_bits``."""
    ri, cj = np.nonzero(_popcount(rows[:, None] ^ cols[None, :]) <= max_bits)
    i, j = ri + start, cj + start
    keep = i < j
    return i[keep], j[keep]


def _attach_gray(
    items: list[ImageFacts], links: UnionFind, pairs: list[tuple[int, float, int, int]]
) -> None:
    """Each grayscale picture joins the one colour picture it matches best, never two.

    Colour that differs only where the lumas agree (green arms on a blue sky of the
    same brightness) leaves one gray copy matching two colour pictures; joining
    both would group pictures that are not copies of each other.
    """
    coloured = {links.find(i) for i, f in enumerate(items) if not f.grayscale}
    for gray, _score, _bits, colour in sorted(pairs):
        if links.find(gray) in coloured:
            continue
        coloured.discard(links.find(colour))
        links.union(gray, colour)
        coloured.add(links.find(gray))


class _CropCheck:
    """Unions crop links, after a pixel check of each new one when thumbnails are at hand."""

    def __init__(
        self,
        items: list[ImageFacts],
        links: UnionFind,
        config: AnalysisConfig,
        thumbs: Thumbs | None,
    ) -> None:
        self.items, self.links, self.config, self.thumbs = items, links, config, thumbs

    def union(self, source: int, copy: int) -> None:
        if source == copy or self.links.find(source) == self.links.find(copy):
            return
        if self.thumbs is None or self._pixels_agree(self.items[source], self.items[copy]):
            self.links.union(source, copy)

    def _pixels_agree(self, source: ImageFacts, copy: ImageFacts) -> bool:
        return self.thumbs is not None and self.thumbs.is_crop(
            source.relpath, copy.relpath, _matched_windows(source, copy, self.config)
        )


def _matched_windows(source: ImageFacts, copy: ImageFacts, config: AnalysisConfig) -> list:
    """The crop windows of ``source`` (fractions) whose pHash is near ``copy``'s.

    Only windows of the copy's shape: a crop is not stretched, and a squeezed
    window of flat art is a colour map of too many pictures.
    """
    w, h = source.width, source.height
    boxes = window_boxes(w, h)
    return [
        (left / w, top / h, (left + width) / w, (top + height) / h)
        for ((left, width), (top, height)), hashed in zip(boxes, source.crop_hashes, strict=False)
        if hamming(copy.phash, hashed) <= config.crop_threshold
        and copy.aspect
        and abs(width / height - copy.aspect) / copy.aspect <= CROP_ASPECT_TOLERANCE
    ]


def _window_table(items: list[ImageFacts]) -> tuple[np.ndarray, np.ndarray]:
    """All crop-window hashes in one array, with the index of the image each belongs to."""
    hashes = [h for f in items for h in f.crop_hashes]
    owners = [i for i, f in enumerate(items) for _ in f.crop_hashes]
    return np.array(hashes, dtype=np.uint64), np.array(owners, dtype=np.int64)


def _link_crops_exhaustive(
    phash: np.ndarray,
    windows: np.ndarray,
    owners: np.ndarray,
    links: UnionFind | _CropCheck,
    config: AnalysisConfig,
) -> None:
    """Image j is a crop of image i when j's pHash is near one of i's windows."""
    step = max(1, min(_CHUNK, _BLOCK_ELEMENTS // len(phash)))
    for start in range(0, len(windows), step):
        block = _popcount(windows[start : start + step, None] ^ phash[None, :])
        for w, j in zip(*np.nonzero(block <= config.crop_threshold), strict=True):
            links.union(int(owners[start + w]), int(j))


def _link_crops_banded(
    phash: np.ndarray,
    windows: np.ndarray,
    owners: np.ndarray,
    links: UnionFind | _CropCheck,
    config: AnalysisConfig,
) -> None:
    """Large sets: only pairs sharing one exact 16-bit quarter of the hash are compared.

    Every crop within 3 bits is found (4 quarters, so one is untouched); farther
    ones are found when their differing bits leave a quarter whole, which keeps
    the work near-linear instead of images x windows.
    """
    found: set[tuple[int, int]] = set()
    for shift in (0, 16, 32, 48):
        keys_p = (phash >> np.uint64(shift)) & np.uint64(0xFFFF)
        keys_w = (windows >> np.uint64(shift)) & np.uint64(0xFFFF)
        order = np.argsort(keys_p, kind="stable")
        sorted_keys = keys_p[order]
        lo = np.searchsorted(sorted_keys, keys_w, side="left")
        counts = np.searchsorted(sorted_keys, keys_w, side="right") - lo
        # every (window, image) sharing this quarter, as two flat arrays
        window = np.repeat(np.arange(len(windows)), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        image = order[np.repeat(lo, counts) + offset]
        close = _popcount(phash[image] ^ windows[window]) <= config.crop_threshold
        found.update(zip(owners[window[close]].tolist(), image[close].tolist(), strict=True))
    for source, copy in sorted(found):
        links.union(source, copy)


def _union_checked(
    items: list[ImageFacts],
    links: UnionFind,
    pairs: np.ndarray,
    flip_only: np.ndarray,
    thumbs: Thumbs | None,
    gray_pairs: list[tuple[int, float, int, int]],
) -> None:
    """Union each proposed pair that the pixels (or, without them, the colours) confirm.

    A grayscale picture and a colour one are only noted in ``gray_pairs`` (gray,
    pixel difference, pHash bits, colour), for :func:`_attach_gray`.
    """
    for (a, b), mirrored in zip(pairs.tolist(), flip_only.tolist(), strict=True):
        if links.find(a) == links.find(b):
            continue  # already joined: no check needed
        if thumbs is not None:
            ok = thumbs.relation(items[a].relpath, items[b].relpath) != "none" or (
                same_picture(items[a], items[b], thumbs, mirrored=mirrored)
            )
        else:
            ok = not mirrored or mirrored_colour_distance(items[a], items[b]) <= (COLOUR_TOLERANCE)
        if not ok:
            continue
        if items[a].grayscale == items[b].grayscale:
            links.union(a, b)
            continue
        gray, colour = (a, b) if items[a].grayscale else (b, a)
        score = thumbs.score(items[gray].relpath, items[colour].relpath) if thumbs else 0.0
        bits = hamming(items[gray].phash, items[colour].phash)
        gray_pairs.append((gray, score, bits, colour))


def same_picture(a: ImageFacts, b: ImageFacts, thumbs: Thumbs, mirrored: bool = False) -> bool:
    """The strict clone test (or its mirror image), for pairs the colour map turned down.

    JPEG ringing around the outlines of flat art can leave more pixels
    unexplained at 64 px than a colour map allows (2.6 % for a q90 JPEG of a
    1024 px drawing, against 0.2 %), though the copy is only re-encoded (or
    mirrored and re-encoded); compared at a larger size it is the same picture.
    """
    if aspect_changed(a, b):
        return False
    side = compare_side(a.width, a.height, b.width, b.height)
    return thumbs.same_picture(a.relpath, b.relpath, side, mirrored=mirrored)


if hasattr(np, "bitwise_count"):

    def _popcount(arr: np.ndarray) -> np.ndarray:
        return np.bitwise_count(arr)

else:  # numpy < 2.0
    _BYTE_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def _popcount(arr: np.ndarray) -> np.ndarray:
        as_bytes = arr.view(np.uint8).reshape(*arr.shape, 8)
        return _BYTE_COUNTS[as_bytes].sum(axis=-1)
