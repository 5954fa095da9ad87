"""How two pictures compare, one pair at a time: hashes, colours and shape.

The clone search (``clone_links``) and the labels (``clone_labels``) both ask
these questions of two :class:`~lorapan.core.analysis.facts.ImageFacts`; none of
them looks at pixels (that is ``pixel_match``).
"""

from __future__ import annotations

import numpy as np
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.measure import colour_distance, hamming, luma_signature

COLOUR_TOLERANCE = 10.0  # mean 4x4-grid colour difference (0..255) still "same colour"
ASPECT_TOLERANCE = 0.03
FLIP_MARGIN = 4  # without pixels, a flip's mirrored pHash must beat the plain one by this


def hash_match(a: ImageFacts, b: ImageFacts, config: AnalysisConfig) -> str:
    """ "flip", "same" or "none": how ``b`` relates to ``a`` on hashes alone."""
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
    return mirrored_colour_distance(a, b) <= COLOUR_TOLERANCE


def mirrored_colour_distance(a: ImageFacts, b: ImageFacts) -> float:
    """Colour difference of ``a`` mirrored and ``b`` (of lumas when one is grayscale)."""
    if len(a.colour_sig) != 48 or len(b.colour_sig) != 48:
        return 0.0
    mirrored = np.frombuffer(a.colour_sig, np.uint8).reshape(4, 4, 3)[:, ::-1].tobytes()
    if a.grayscale != b.grayscale:
        la, lb = luma_signature(mirrored), luma_signature(b.colour_sig)
        return float(np.abs(la - lb).mean())
    return colour_distance(mirrored, b.colour_sig)


def mean_colour_distance(a: ImageFacts, b: ImageFacts) -> float:
    """Difference of the two pictures' average colours (0..255)."""
    if not a.colour_sig or not b.colour_sig:
        return 0.0
    ma = np.frombuffer(a.colour_sig, np.uint8).reshape(-1, 3).mean(axis=0)
    mb = np.frombuffer(b.colour_sig, np.uint8).reshape(-1, 3).mean(axis=0)
    return float(np.abs(ma - mb).mean())


def is_near(a: ImageFacts, b: ImageFacts, config: AnalysisConfig) -> bool:
    """Same framing: the pHashes are within ``near_threshold`` bits."""
    return hamming(a.phash, b.phash) <= config.near_threshold


def is_crop_of(copy: ImageFacts, source: ImageFacts, config: AnalysisConfig) -> bool:
    """``copy``'s pHash is near the hash of one of ``source``'s crop windows."""
    return any(hamming(copy.phash, h) <= config.crop_threshold for h in source.crop_hashes)


def aspect_changed(a: ImageFacts, b: ImageFacts) -> bool:
    """The width/height ratios differ by more than ``ASPECT_TOLERANCE``."""
    if not a.aspect or not b.aspect:
        return False
    return abs(a.aspect - b.aspect) / a.aspect > ASPECT_TOLERANCE
