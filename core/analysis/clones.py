"""Clone groups: identical files, near-duplicates and altered copies, labelled.

Pictures are linked when their perceptual hashes (64-bit pHash) are within
``near_threshold`` bits and their dHashes agree too (pHash alone links some
unrelated flat-colour art), when both hashes match the other's mirror-image
hashes (a flip), or when one's pHash matches a hash of a window of the other (a crop
or aspect change: see ``measure.crop_hashes``). Linked pictures form a group;
the group's original is the largest, then sharpest, member that is not itself a
crop or a grayscale copy, and every other member is labelled by how it differs
from the original, in the guide's vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.measure import colour_distance, hamming

LABELS = (
    "identical",
    "resized",
    "recompressed",
    "colour-shifted",
    "grayscale",
    "cropped",
    "flipped",
    "altered",
)
# Not altered on purpose: these count as clones for the `clones.ratio` rule.
CLONE_LABELS = frozenset({"identical", "resized", "recompressed"})
ALTERED_LABELS = frozenset(LABELS) - CLONE_LABELS

COLOUR_TOLERANCE = 10.0  # mean 4x4-grid colour difference (0..255) still "same colour"
SHARPNESS_TOLERANCE = 10.0  # a bigger change at the same size means a filter (blur/sharpen)
ASPECT_TOLERANCE = 0.03
_CHUNK = 512
EXHAUSTIVE_CROP_LIMIT = 1000  # above: crop search uses a banded index (see below)
_BLOCK_ELEMENTS = 4_000_000  # bounds memory of one vectorised comparison block


@dataclass
class CloneGroup:
    """An original and its copies, each with a label from ``LABELS``."""

    original: str
    members: list[tuple[str, str]] = field(default_factory=list)

    @property
    def clones(self) -> list[str]:
        return [rel for rel, label in self.members if label in CLONE_LABELS]

    @property
    def altered(self) -> list[str]:
        return [rel for rel, label in self.members if label in ALTERED_LABELS]

    def to_dict(self) -> dict:
        return {
            "original": self.original,
            "members": [{"relpath": rel, "label": label} for rel, label in self.members],
        }


def find_groups(
    facts: dict[str, ImageFacts], config: AnalysisConfig | None = None
) -> list[CloneGroup]:
    """Group clones and altered copies among readable images, largest groups first."""
    config = config or AnalysisConfig()
    items = sorted((f for f in facts.values() if f.ok), key=lambda f: f.relpath)
    if len(items) < 2:
        return []
    links = _UnionFind(len(items))
    _link_identical(items, links)
    _link_near(items, links, config)
    groups = []
    for indices in links.groups():
        members = [items[i] for i in indices]
        original = choose_original(members, config)
        labelled = [
            (m.relpath, label_copy(original, m, config))
            for m in members
            if m.relpath != original.relpath
        ]
        groups.append(CloneGroup(original.relpath, sorted(labelled)))
    groups.sort(key=lambda g: (-len(g.members), g.original))
    return groups


def clone_count(groups: Iterable[CloneGroup]) -> int:
    """Images that are clones (identical, resized or recompressed) of another."""
    return sum(len(g.clones) for g in groups)


def choose_original(members: list[ImageFacts], config: AnalysisConfig) -> ImageFacts:
    """The member the others were most likely made from."""
    # One representative per distinct file content: byte-identical copies share every
    # relation, and big groups of copies would otherwise cost members^2 comparisons.
    distinct = list({m.sha256: m for m in members}.values())
    derived_sha = {
        b.sha256
        for a in distinct
        for b in distinct
        if a is not b and not _near(a, b, config) and _is_crop_of(b, a, config)
    }
    derived = {m.relpath for m in members if m.sha256 in derived_sha}
    if any(not m.grayscale for m in members):
        derived |= {m.relpath for m in members if m.grayscale}
    pool = [m for m in members if m.relpath not in derived] or members

    def support(m: ImageFacts) -> int:
        # The original is the member most others were made from directly (same
        # framing or a crop of it) without changing colour.
        return sum(
            1
            for o in members
            if o.sha256 == m.sha256
            or (
                (_near(m, o, config) or _is_crop_of(o, m, config))
                and _mean_colour_distance(m, o) <= COLOUR_TOLERANCE
            )
        )

    return max(
        pool, key=lambda m: (m.pixels, support(m), m.sharpness, m.file_size, _reverse(m.relpath))
    )


def _mean_colour_distance(a: ImageFacts, b: ImageFacts) -> float:
    if not a.colour_sig or not b.colour_sig:
        return 0.0
    ma = np.frombuffer(a.colour_sig, np.uint8).reshape(-1, 3).mean(axis=0)
    mb = np.frombuffer(b.colour_sig, np.uint8).reshape(-1, 3).mean(axis=0)
    return float(np.abs(ma - mb).mean())


def label_copy(original: ImageFacts, copy: ImageFacts, config: AnalysisConfig) -> str:
    """How ``copy`` differs from ``original`` (first matching label wins)."""
    if copy.sha256 == original.sha256:
        return "identical"
    full = hamming(original.phash, copy.phash)
    flip = hamming(original.phash_flip, copy.phash)
    if flip <= config.near_threshold and flip < full:
        return "flipped"
    if _aspect_changed(original, copy) or (
        full > config.near_threshold and _is_crop_of(copy, original, config)
    ):
        return "cropped"
    if full > config.near_threshold:
        return "altered"  # linked only through other members
    if copy.grayscale and not original.grayscale:
        return "grayscale"
    if colour_distance(original.colour_sig, copy.colour_sig) > COLOUR_TOLERANCE:
        return "colour-shifted"
    if (copy.width, copy.height) != (original.width, original.height):
        return "resized"
    if abs(copy.sharpness - original.sharpness) > SHARPNESS_TOLERANCE:
        return "altered"  # same size and colour, but filtered (blurred or sharpened)
    return "recompressed"


def _near(a: ImageFacts, b: ImageFacts, config: AnalysisConfig) -> bool:
    return hamming(a.phash, b.phash) <= config.near_threshold


def _is_crop_of(copy: ImageFacts, source: ImageFacts, config: AnalysisConfig) -> bool:
    return any(hamming(copy.phash, h) <= config.crop_threshold for h in source.crop_hashes)


def _aspect_changed(a: ImageFacts, b: ImageFacts) -> bool:
    if not a.aspect or not b.aspect:
        return False
    return abs(a.aspect - b.aspect) / a.aspect > ASPECT_TOLERANCE


def _reverse(relpath: str) -> tuple[int, ...]:
    # max() prefers the alphabetically first path on a tie.
    return tuple(-ord(c) for c in relpath)


def _link_identical(items: list[ImageFacts], links: _UnionFind) -> None:
    first: dict[str, int] = {}
    for i, f in enumerate(items):
        if f.sha256 in first:
            links.union(first[f.sha256], i)
        else:
            first[f.sha256] = i


def _link_near(items: list[ImageFacts], links: _UnionFind, config: AnalysisConfig) -> None:
    """Link pairs by pHash+dHash and their mirrored forms (every pair, vectorised), then crops."""
    phash = np.array([f.phash for f in items], dtype=np.uint64)
    flips = np.array([f.phash_flip for f in items], dtype=np.uint64)
    dhash = np.array([f.dhash for f in items], dtype=np.uint64)
    dflips = np.array([f.dhash_flip for f in items], dtype=np.uint64)
    n = len(items)
    step = max(1, min(_CHUNK, _BLOCK_ELEMENTS // n))
    p_max, d_max = config.near_threshold, config.near_dhash_threshold
    for start in range(0, n, step):
        rows = slice(start, start + step)
        near = _popcount(phash[rows, None] ^ phash[None, :]) <= p_max
        near &= _popcount(dhash[rows, None] ^ dhash[None, :]) <= d_max
        flip = _popcount(flips[rows, None] ^ phash[None, :]) <= p_max
        flip &= _popcount(dflips[rows, None] ^ dhash[None, :]) <= d_max
        _union_hits(links, start, near | flip)
    windows, owners = _window_table(items)
    if len(windows) == 0:
        return
    if n <= EXHAUSTIVE_CROP_LIMIT:
        _link_crops_exhaustive(phash, windows, owners, links, config)
    else:
        _link_crops_banded(phash, windows, owners, links, config)


def _window_table(items: list[ImageFacts]) -> tuple[np.ndarray, np.ndarray]:
    """All crop-window hashes in one array, with the index of the image each belongs to."""
    hashes = [h for f in items for h in f.crop_hashes]
    owners = [i for i, f in enumerate(items) for _ in f.crop_hashes]
    return np.array(hashes, dtype=np.uint64), np.array(owners, dtype=np.int64)


def _link_crops_exhaustive(
    phash: np.ndarray,
    windows: np.ndarray,
    owners: np.ndarray,
    links: _UnionFind,
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
    links: _UnionFind,
    config: AnalysisConfig,
) -> None:
    """Large sets: only pairs sharing one exact 16-bit quarter of the hash are compared.

    Every crop within 3 bits is found (4 quarters, so one is untouched); farther
    ones are found when their differing bits leave a quarter whole, which keeps
    the work near-linear instead of images x windows.
    """
    for shift in (0, 16, 32, 48):
        keys_p = (phash >> np.uint64(shift)) & np.uint64(0xFFFF)
        keys_w = (windows >> np.uint64(shift)) & np.uint64(0xFFFF)
        order = np.argsort(keys_p, kind="stable")
        sorted_keys = keys_p[order]
        lo = np.searchsorted(sorted_keys, keys_w, side="left")
        hi = np.searchsorted(sorted_keys, keys_w, side="right")
        for w in np.nonzero(hi > lo)[0]:
            cand = order[lo[w] : hi[w]]
            close = _popcount(phash[cand] ^ windows[w]) <= config.crop_threshold
            for j in cand[close]:
                links.union(int(owners[w]), int(j))


def _union_hits(links: _UnionFind, start: int, hits: np.ndarray) -> None:
    for i, j in zip(*np.nonzero(hits), strict=True):
        if start + i != j:
            links.union(start + int(i), int(j))


if hasattr(np, "bitwise_count"):

    def _popcount(arr: np.ndarray) -> np.ndarray:
        return np.bitwise_count(arr)

else:  # numpy < 2.0
    _BYTE_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def _popcount(arr: np.ndarray) -> np.ndarray:
        as_bytes = arr.view(np.uint8).reshape(*arr.shape, 8)
        return _BYTE_COUNTS[as_bytes].sum(axis=-1)


class _UnionFind:
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
