"""Labels: which member of a group is the original, and how each other one differs.

Labels come from the guide's vocabulary (:data:`LABELS`). Identical, resized and
recompressed copies are clones (:data:`CLONE_LABELS`); the rest are altered on
purpose. Files lorapan made are labelled by how they were made (:data:`MADE_LABELS`).
"""

from __future__ import annotations

import math
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
from lorapan.core.analysis.measure import colour_distance
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
SHARPNESS_TOLERANCE = 10.0  # a bigger change at the same size means a filter (blur/sharpen)
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
        match = hash_match(original, copy, config)
    if match == "flip":
        return "flipped"
    if aspect_changed(original, copy) or (match == "none" and is_crop_of(copy, original, config)):
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
    loose = [
        m
        for m in members
        if label_copy(original, m, config, pixel_relation(original, m, thumbs)) not in CLONE_LABELS
    ]
    first: dict[str, ImageFacts] = {}
    for m in sorted(loose, key=lambda m: m.relpath):
        first.setdefault(m.sha256, m)
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


def pixel_relation(a: ImageFacts, b: ImageFacts, thumbs: Thumbs | None) -> str | None:
    """Pixel relation of two files ("same", "flip" or "none"); None without thumbnails."""
    if thumbs is None:
        return None
    return thumbs.relation(a.relpath, b.relpath)


def _are_clones(
    a: ImageFacts, b: ImageFacts, config: AnalysisConfig, thumbs: Thumbs | None
) -> bool:
    match = pixel_relation(a, b, thumbs)
    return (
        label_copy(a, b, config, match) in CLONE_LABELS
        or label_copy(b, a, config, match) in CLONE_LABELS
    )


def _quality(m: ImageFacts) -> tuple:
    """Bigger, then clearly sharper, then stored without loss, then more bytes."""
    lossless = m.format not in _LOSSY_FORMATS
    return (m.pixels, _sharpness_band(m), lossless, m.file_size, _reverse(m.relpath))


def _sharpness_band(m: ImageFacts) -> int:
    """Sharper by a clear step (edges 25% narrower) ranks higher; JPEG noise does not."""
    return -round(math.log(max(m.edge_width, 1.0)) / math.log(1.25))


def _reverse(relpath: str) -> tuple[int, ...]:
    # max() prefers the alphabetically first path on a tie.
    return tuple(-ord(c) for c in relpath)
