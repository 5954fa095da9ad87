"""Labels: which member of a group is the original, and how each other one differs.

Labels come from the guide's vocabulary (:data:`LABELS`). Identical, resized and
recompressed copies are clones (:data:`CLONE_LABELS`); the rest are altered on
purpose. Files lorapan made are labelled by how they were made (:data:`MADE_LABELS`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping

from lorapan.core.analysis.clone_compare import (
    COLOUR_TOLERANCE,
    aspect_changed,
    hash_match,
    is_crop_of,
    is_near,
    mean_colour_distance,
)
from lorapan.core.analysis.clone_links import UnionFind
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.measure import colour_distance, hamming
from lorapan.core.analysis.pixel_match import Thumbs
from lorapan.core.analysis.same_picture import compare_side

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
# How lorapan made a file (last step of its provenance record) -> label.
MADE_LABELS = {
    "flip": "flipped",
    "grayscale": "grayscale",
    "crop": "cropped",
    "aspect": "cropped",
    "tint": "colour-shifted",
    "enhance": "colour-shifted",
}

_LOSSY_FORMATS = frozenset({"JPEG", "MPO", "WEBP"})  # WebP may be lossless; lossy is likelier
# Edges this much wider or narrower at the same size: a blur or sharpen filter. JPEG at
# quality 40 changes the edge width by at most 1.14x in 9 of 10 pictures, a sigma 1.5 px
# blur by at least 1.23x (bench/calibrate_clones.py); doubt falls on "not a clone".
FILTER_RATIO = 1.25
# Without pixels, a clone's hashes must (all but) agree; a 2 % zoom is often within these.
CLONE_PHASH_BITS = 2
CLONE_DHASH_BITS = 6
# Distinct files in a group above which clones are found against the original only.
CLONE_SET_LIMIT = 64


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
        if a is not b and not is_near(a, b, config) and is_crop_of(b, a, config)
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
                (is_near(m, o, config) or is_crop_of(o, m, config))
                and mean_colour_distance(m, o) <= COLOUR_TOLERANCE
            )
        )

    return max(
        pool,
        key=lambda m: (m.pixels, support(m), *_quality(m)[1:]),
    )


_COPY_WORD = re.compile(r"(?i)\bcopy\b|\bkopie\b|\(\d+\)\s*$")


def _copy_rank(relpath: str) -> tuple[bool, int]:
    """Lower for the name an original has: 'sneaker_02.png' before 'sneaker_02 - Copy.png',
    'DSC04100.jpg' before 'DSC04100-2.jpg' (no copy word, then the shorter name). Decides
    only between files alike in every other way."""
    stem = os.path.splitext(os.path.basename(relpath))[0]
    return bool(_COPY_WORD.search(stem)), len(stem)


def _plain_rank(relpath: str) -> tuple[bool, int]:
    """:func:`_copy_rank` for ``max``: higher for the plain name."""
    copy_word, length = _copy_rank(relpath)
    return not copy_word, -length


def label_copy(
    original: ImageFacts,
    copy: ImageFacts,
    config: AnalysisConfig,
    thumbs: Thumbs | None = None,
) -> str:
    """How ``copy`` differs from ``original`` (first matching label wins).

    A clone (identical, resized, recompressed) must be the same picture: same
    shape, and with ``thumbs`` the strict pixel test of ``same_picture`` (else
    hashes that all but agree), and edges as sharp. Anything else that is linked
    is an altered copy, named by the first difference found: mirrored, cropped
    or reshaped, grayscale, recoloured, or just ``altered`` (moved, zoomed a
    little, partly repainted, filtered).
    """
    if copy.sha256 == original.sha256:
        return "identical"
    if aspect_changed(original, copy):
        return "cropped"
    if _same_picture(original, copy, config, thumbs):
        if (copy.width, copy.height) != (original.width, original.height):
            return "resized"
        if _filtered(original, copy):
            return "altered"  # same size and picture, but blurred or sharpened
        return "recompressed"
    if thumbs is not None:
        match = thumbs.relation(original.relpath, copy.relpath)
        if match == "none" and _same_picture(original, copy, config, thumbs, mirrored=True):
            match = "flip"  # mirrored and re-encoded, past what the colour map allows
    else:
        match = hash_match(original, copy, config)
    if match == "flip":
        return "flipped"
    if match == "same" and copy.grayscale and not original.grayscale:
        return "grayscale"
    if match == "same" and colour_distance(original.colour_sig, copy.colour_sig) > (
        COLOUR_TOLERANCE
    ):
        return "colour-shifted"
    # moved, zoomed, partly changed, or linked only through other members
    return "cropped" if is_crop_of(copy, original, config) else "altered"


def _same_picture(
    original: ImageFacts,
    copy: ImageFacts,
    config: AnalysisConfig,
    thumbs: Thumbs | None,
    mirrored: bool = False,
) -> bool:
    if thumbs is not None:
        side = compare_side(original.width, original.height, copy.width, copy.height)
        return thumbs.same_picture(original.relpath, copy.relpath, side, mirrored=mirrored)
    # Hashes are of luma only: colour must agree too.
    return (
        hamming(original.phash, copy.phash) <= CLONE_PHASH_BITS
        and hamming(original.dhash, copy.dhash) <= CLONE_DHASH_BITS
        and copy.grayscale == original.grayscale
        and colour_distance(original.colour_sig, copy.colour_sig) <= COLOUR_TOLERANCE
    )


def _filtered(a: ImageFacts, b: ImageFacts) -> bool:
    """Edges clearly wider or narrower: a blur or sharpening filter, not a re-encode."""
    wa, wb = max(a.edge_width, 1.0), max(b.edge_width, 1.0)
    return max(wa, wb) / min(wa, wb) > FILTER_RATIO


def clone_sets(
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
    loose = [m for m in members if label_copy(original, m, config, thumbs) not in CLONE_LABELS]
    first: dict[str, ImageFacts] = {}
    for m in sorted(loose, key=lambda m: (_copy_rank(m.relpath), m.relpath)):
        first.setdefault(m.sha256, m)  # of identical files, the plain name heads the set
    distinct = list(first.values())
    if len(distinct) > CLONE_SET_LIMIT:
        distinct = []
    sets = UnionFind(len(distinct))
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
    return (
        label_copy(a, b, config, thumbs) in CLONE_LABELS
        or label_copy(b, a, config, thumbs) in CLONE_LABELS
    )


def quality_key(m: ImageFacts) -> tuple:
    """Sort key, best file last: bigger, clearly sharper, lossless, more bytes."""
    return _quality(m)


def _quality(m: ImageFacts) -> tuple:
    """Bigger, then clearly sharper, then stored without loss, then more bytes, then the
    plain name ('a.png' over 'a - Copy.png')."""
    lossless = m.format not in _LOSSY_FORMATS
    return (
        m.pixels,
        _sharpness_band(m),
        lossless,
        m.file_size,
        _plain_rank(m.relpath),
        _reverse(m.relpath),
    )


def _sharpness_band(m: ImageFacts) -> int:
    """Sharper by a clear step (edges 25% narrower) ranks higher; JPEG noise does not."""
    return -round(math.log(max(m.edge_width, 1.0)) / math.log(1.25))


def _reverse(relpath: str) -> tuple[int, ...]:
    # max() prefers the alphabetically first path on a tie.
    return tuple(-ord(c) for c in relpath)
