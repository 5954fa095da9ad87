"""Clone groups: identical files, near-duplicates and altered copies, labelled.

Pictures are linked when their perceptual hashes (64-bit pHash) are within
``near_threshold`` bits, when one's pHash matches the other's mirror-image hash
(a flip), or when one's pHash matches a hash of a window of the other (a crop
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
    derived = {
        b.relpath
        for a in members
        for b in members
        if a is not b and _is_crop_of(b, a, config) and not _near(a, b, config)
    }
    if any(not m.grayscale for m in members):
        derived |= {m.relpath for m in members if m.grayscale}
    pool = [m for m in members if m.relpath not in derived] or members

    def support(m: ImageFacts) -> int:
        # The original is the member most others were made from directly (same
        # framing or a crop of it) without changing colour.
        return sum(
            1
            for o in members
            if (_near(m, o, config) or _is_crop_of(o, m, config))
            and _mean_colour_distance(m, o) <= COLOUR_TOLERANCE
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
    """Link pairs by pHash, mirrored pHash and crop-window hashes (vectorised, chunked)."""
    phash = np.array([f.phash for f in items], dtype=np.uint64)
    flips = np.array([f.phash_flip for f in items], dtype=np.uint64)
    width = max(len(f.crop_hashes) for f in items)
    windows = np.zeros((len(items), max(width, 1)), dtype=np.uint64)
    has_window = np.zeros_like(windows, dtype=bool)
    for i, f in enumerate(items):
        windows[i, : len(f.crop_hashes)] = np.array(f.crop_hashes, dtype=np.uint64)
        has_window[i, : len(f.crop_hashes)] = True
    n = len(items)
    step = max(1, min(_CHUNK, _BLOCK_ELEMENTS // (n * windows.shape[1])))
    for start in range(0, n, step):
        rows = slice(start, start + step)
        near = _popcount(phash[rows, None] ^ phash[None, :]) <= config.near_threshold
        near |= _popcount(flips[rows, None] ^ phash[None, :]) <= config.near_threshold
        # image j (column) is a crop of image i (row) when j's pHash is near a window of i.
        crop = _popcount(windows[rows, :, None] ^ phash[None, None, :]) <= config.crop_threshold
        crop &= has_window[rows, :, None]
        near |= crop.any(axis=1)
        for i, j in zip(*np.nonzero(near), strict=True):
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
