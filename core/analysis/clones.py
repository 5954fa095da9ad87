"""Clone groups: identical files, near-duplicates and altered copies, labelled.

Pictures are linked when their perceptual hashes (64-bit pHash) are within
``near_threshold`` bits and their dHashes agree too (pHash alone links some
unrelated flat-colour art), when both hashes match the other's mirror-image
hashes (a flip), or when one's pHash matches a hash of a window of the other (a crop
or aspect change: see ``measure.crop_hashes``). Linked pictures form a group;
the group's original is the largest, then sharpest, member that is not itself a
crop or a grayscale copy, and every other member is labelled by how it differs
from the original, in the guide's vocabulary.

Given the dataset ``root``, every hash-proposed pair of same-framing or
mirrored pictures is checked on small thumbnails before it is linked (see
``pixel_match``): hashes of flat art that shares a layout collide. Files that
lorapan made (augment/collage provenance) join their source's group, are
labelled by how they were made, and are never the original nor a clone.
Byte-identical, resized and recompressed copies of one another are clones even
when they are themselves altered copies of the original.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lorapan.core import provenance as provenance_file
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.measure import (
    _window_boxes,
    colour_distance,
    hamming,
    luma_signature,
)
from lorapan.core.analysis.pixel_match import Thumbs

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
CROP_ASPECT_TOLERANCE = 0.1  # a crop's shape against the source window it matched
FLIP_MARGIN = 4  # without pixels, a flip's mirrored pHash must beat the plain one by this
CLONE_SET_LIMIT = (
    64  # distinct files in a group above which clones are found against the original only
)
# How lorapan made a file (last step of its provenance record) -> label.
MADE_LABELS = {
    "flip": "flipped",
    "grayscale": "grayscale",
    "crop": "cropped",
    "aspect": "cropped",
    "tint": "colour-shifted",
    "enhance": "colour-shifted",
}


@dataclass
class CloneGroup:
    """An original and its copies, each with a label from ``LABELS``."""

    original: str
    members: list[tuple[str, str]] = field(default_factory=list)
    # member -> the member it is a clone of, when that is not the original
    copy_of: dict[str, str] = field(default_factory=dict)

    @property
    def clones(self) -> list[str]:
        return [rel for rel, label in self.members if label in CLONE_LABELS]

    @property
    def altered(self) -> list[str]:
        return [rel for rel, label in self.members if label in ALTERED_LABELS]

    def _member_dict(self, rel: str, label: str) -> dict:
        data = {"relpath": rel, "label": label}
        if rel in self.copy_of:  # a clone of another member, not of the original
            data["of"] = self.copy_of[rel]
        return data

    def to_dict(self) -> dict:
        return {
            "original": self.original,
            "members": [self._member_dict(rel, label) for rel, label in self.members],
        }


def find_groups(
    facts: Mapping[str, ImageFacts],
    config: AnalysisConfig | None = None,
    *,
    root: Path | str | None = None,
    provenance: Mapping[str, dict] | None = None,
) -> list[CloneGroup]:
    """Group clones and altered copies among readable images, largest groups first.

    ``root`` (the dataset folder) turns on the pixel check of candidate pairs and,
    when ``provenance`` is not given, reads lorapan's records of the files it made.
    Without it, pairs are judged on their hashes and colour signatures alone.
    """
    config = config or AnalysisConfig()
    items = sorted((f for f in facts.values() if f.ok), key=lambda f: f.relpath)
    if len(items) < 2:
        return []
    if provenance is None and root is not None:
        provenance = provenance_file.load(Path(root))
    made = made_labels(items, provenance or {})
    thumbs = Thumbs(Path(root)) if root is not None else None
    links = _UnionFind(len(items))
    _link_identical(items, links)
    _link_near(items, links, config, thumbs, skip=made.keys())
    _link_made(items, links, made)
    groups = [
        _label_group([items[i] for i in indices], config, made, thumbs)
        for indices in links.groups()
    ]
    groups.sort(key=lambda g: (-len(g.members), g.original))
    return groups


def made_labels(items: Iterable[ImageFacts], provenance: Mapping[str, dict]) -> dict[str, tuple]:
    """relpath -> (source relpath, label) for files lorapan made whose source is here."""
    present = {f.relpath for f in items}
    out: dict[str, tuple] = {}
    for rel in present:
        record = provenance.get(rel)
        source = record.get("source") if isinstance(record, dict) else None
        if isinstance(source, str) and source in present and source != rel:
            out[rel] = (source, MADE_LABELS.get(str(record.get("operation")), "altered"))
    return out


def _link_made(items: list[ImageFacts], links: _UnionFind, made: dict[str, tuple]) -> None:
    index = {f.relpath: i for i, f in enumerate(items)}
    for rel, (source, _label) in made.items():
        links.union(index[rel], index[source])


def _label_group(
    members: list[ImageFacts],
    config: AnalysisConfig,
    made: dict[str, tuple],
    thumbs: Thumbs | None,
) -> CloneGroup:
    """The original, then each member's label; clones of one another share a clone set."""
    original = choose_original(members, config, made)
    group = CloneGroup(original.relpath)
    rest = [m for m in members if m.relpath != original.relpath]
    found = [m for m in rest if m.relpath not in made]
    heads = _clone_sets(original, found, config, thumbs)
    labelled = []
    for m in rest:
        if m.relpath in made:
            labelled.append((m.relpath, made[m.relpath][1]))
            continue
        head = heads.get(m.relpath, original)
        if head is original:
            labelled.append(
                (m.relpath, label_copy(original, m, config, _match(original, m, thumbs)))
            )
        else:
            labelled.append((m.relpath, label_copy(head, m, config, _match(head, m, thumbs))))
            group.copy_of[m.relpath] = head.relpath
    group.members = sorted(labelled)
    return group


def _match(a: ImageFacts, b: ImageFacts, thumbs: Thumbs | None) -> str | None:
    """Pixel relation of two files ("same", "flip" or "none"); None without thumbnails."""
    if thumbs is None:
        return None
    return thumbs.relation(a.relpath, b.relpath)


def _clone_sets(
    original: ImageFacts,
    members: list[ImageFacts],
    config: AnalysisConfig,
    thumbs: Thumbs | None,
) -> dict[str, ImageFacts]:
    """member relpath -> the member it is a clone of (absent: labelled against the original).

    Clones of the original stay with it; among the rest, files that are identical,
    resized or recompressed copies of one another form a set whose best file is
    labelled against the original and the others against it.
    """
    loose = [
        m
        for m in members
        if label_copy(original, m, config, _match(original, m, thumbs)) not in CLONE_LABELS
    ]
    first: dict[str, ImageFacts] = {}
    for m in sorted(loose, key=lambda m: m.relpath):
        first.setdefault(m.sha256, m)
    distinct = list(first.values())
    if len(distinct) > CLONE_SET_LIMIT:
        distinct = []
    sets = _UnionFind(len(distinct))
    for i, a in enumerate(distinct):
        for j in range(i + 1, len(distinct)):
            if _are_clones(a, distinct[j], config, thumbs):
                sets.union(i, j)
    head_of_sha: dict[str, ImageFacts] = {}
    for indices in sets.groups() + [[i] for i in range(len(distinct))]:
        best = max((distinct[i] for i in indices), key=_quality)
        for i in indices:
            head_of_sha.setdefault(distinct[i].sha256, best)
    heads: dict[str, ImageFacts] = {}
    for sha in {m.sha256 for m in loose}:
        same = sorted((m for m in loose if m.sha256 == sha), key=lambda m: m.relpath)
        head = head_of_sha.get(sha, same[0])
        for m in same:
            if m.relpath != head.relpath:
                heads[m.relpath] = head
    return heads


def _are_clones(
    a: ImageFacts, b: ImageFacts, config: AnalysisConfig, thumbs: Thumbs | None
) -> bool:
    match = _match(a, b, thumbs)
    return (
        label_copy(a, b, config, match) in CLONE_LABELS
        or label_copy(b, a, config, match) in CLONE_LABELS
    )


def _quality(m: ImageFacts) -> tuple:
    return (m.pixels, m.sharpness, m.file_size, _reverse(m.relpath))


def clone_count(groups: Iterable[CloneGroup]) -> int:
    """Images that are clones (identical, resized or recompressed) of another."""
    return sum(len(g.clones) for g in groups)


def choose_original(
    members: list[ImageFacts],
    config: AnalysisConfig,
    made: Mapping[str, tuple] | None = None,
) -> ImageFacts:
    """The member the others were most likely made from (never a file lorapan made)."""
    made = made or {}
    if any(m.relpath not in made for m in members):
        members = [m for m in members if m.relpath not in made]
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


def label_copy(
    original: ImageFacts, copy: ImageFacts, config: AnalysisConfig, match: str | None = None
) -> str:
    """How ``copy`` differs from ``original`` (first matching label wins).

    ``match`` is the pixel check's verdict ("same", "flip" or "none"); without it
    the hashes and colour signatures decide.
    """
    if copy.sha256 == original.sha256:
        return "identical"
    if match is None:
        match = _hash_match(original, copy, config)
    if match == "flip":
        return "flipped"
    if _aspect_changed(original, copy) or (match == "none" and _is_crop_of(copy, original, config)):
        return "cropped"
    if match == "none":
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


def _hash_match(a: ImageFacts, b: ImageFacts, config: AnalysisConfig) -> str:
    full = hamming(a.phash, b.phash)
    if _flip_match(a, b, config) and hamming(a.phash_flip, b.phash) + FLIP_MARGIN <= full:
        return "flip"
    return "same" if full <= config.near_threshold else "none"


def _flip_match(a: ImageFacts, b: ImageFacts, config: AnalysisConfig) -> bool:
    """Mirrored hashes agree and so do the mirrored colour signatures (or lumas)."""
    if hamming(a.phash_flip, b.phash) > config.near_threshold:
        return False
    if hamming(a.dhash_flip, b.dhash) > config.near_dhash_threshold:
        return False
    return _mirrored_colour_distance(a, b) <= COLOUR_TOLERANCE


def _mirrored_colour_distance(a: ImageFacts, b: ImageFacts) -> float:
    if len(a.colour_sig) != 48 or len(b.colour_sig) != 48:
        return 0.0
    mirrored = np.frombuffer(a.colour_sig, np.uint8).reshape(4, 4, 3)[:, ::-1].tobytes()
    if a.grayscale != b.grayscale:
        la, lb = luma_signature(mirrored), luma_signature(b.colour_sig)
        return float(np.abs(la - lb).mean())
    return colour_distance(mirrored, b.colour_sig)


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


def _link_near(
    items: list[ImageFacts],
    links: _UnionFind,
    config: AnalysisConfig,
    thumbs: Thumbs | None = None,
    skip: Iterable[str] = (),
) -> None:
    """Link pairs by pHash+dHash and their mirrored forms (every pair, vectorised), then crops.

    One file per distinct content takes part (byte-identical copies are linked
    already), files in ``skip`` none (made files: linked by their provenance;
    a plain sky-and-grass crop would otherwise match any like scene). Each proposed same-framing or mirrored pair is confirmed on pixels
    when ``thumbs`` is given, else a mirrored pair needs its colours to agree.
    """
    skipped = set(skip)
    kept = [(i, f) for i, f in enumerate(items) if f.relpath not in skipped]
    firsts = list({f.sha256: i for i, f in reversed(kept)}.values())
    firsts.sort()
    reps = [items[i] for i in firsts]
    sub = _UnionFind(len(reps))
    _link_near_distinct(reps, sub, config, thumbs)
    for i in range(len(reps)):
        links.union(firsts[i], firsts[sub.find(i)])


def _link_near_distinct(
    items: list[ImageFacts], links: _UnionFind, config: AnalysisConfig, thumbs: Thumbs | None
) -> None:
    phash = np.array([f.phash for f in items], dtype=np.uint64)
    flips = np.array([f.phash_flip for f in items], dtype=np.uint64)
    dhash = np.array([f.dhash for f in items], dtype=np.uint64)
    dflips = np.array([f.dhash_flip for f in items], dtype=np.uint64)
    n = len(items)
    step = max(1, min(_CHUNK, _BLOCK_ELEMENTS // n))
    p_max, d_max = config.near_threshold, config.near_dhash_threshold
    gray_pairs: list[tuple[int, float, int, int]] = []
    for start in range(0, n, step):
        rows = slice(start, start + step)
        near = _popcount(phash[rows, None] ^ phash[None, :]) <= p_max
        near &= _popcount(dhash[rows, None] ^ dhash[None, :]) <= d_max
        flip = _popcount(flips[rows, None] ^ phash[None, :]) <= p_max
        flip &= _popcount(dflips[rows, None] ^ dhash[None, :]) <= d_max
        _union_checked(items, links, start, near | flip, flip & ~near, thumbs, gray_pairs)
    windows, owners = _window_table(items)
    if len(windows):
        checked = _CropCheck(items, links, config, thumbs)
        if n <= EXHAUSTIVE_CROP_LIMIT:
            _link_crops_exhaustive(phash, windows, owners, checked, config)
        else:
            _link_crops_banded(phash, windows, owners, checked, config)
    _attach_gray(items, links, gray_pairs)


def _attach_gray(
    items: list[ImageFacts], links: _UnionFind, pairs: list[tuple[int, float, int, int]]
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
        links: _UnionFind,
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
    boxes = _window_boxes(w, h)
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
    links: _UnionFind | _CropCheck,
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
    links: _UnionFind | _CropCheck,
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


def _union_checked(
    items: list[ImageFacts],
    links: _UnionFind,
    start: int,
    hits: np.ndarray,
    flip_only: np.ndarray,
    thumbs: Thumbs | None,
    gray_pairs: list[tuple[int, float, int, int]],
) -> None:
    """Union each proposed pair that the pixels (or, without them, the colours) confirm.

    A grayscale picture and a colour one are only noted in ``gray_pairs`` (gray,
    pixel difference, pHash bits, colour), for :func:`_attach_gray`.
    """
    for i, j in zip(*np.nonzero(hits), strict=True):
        a, b = start + int(i), int(j)
        if links.find(a) == links.find(b):
            continue  # itself, or already joined: no check needed
        if thumbs is not None:
            ok = thumbs.relation(items[a].relpath, items[b].relpath) != "none"
        else:
            ok = not flip_only[i, j] or _mirrored_colour_distance(items[a], items[b]) <= (
                COLOUR_TOLERANCE
            )
        if not ok:
            continue
        if items[a].grayscale == items[b].grayscale:
            links.union(a, b)
            continue
        gray, colour = (a, b) if items[a].grayscale else (b, a)
        score = thumbs.score(items[gray].relpath, items[colour].relpath) if thumbs else 0.0
        bits = hamming(items[gray].phash, items[colour].phash)
        gray_pairs.append((gray, score, bits, colour))


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
