"""Scores -> tags: thresholds per category, optional MCut, rating, blacklist, tag style.

The comparison is ``score > threshold`` (the SmilingWolf space and imgutils, whose defaults
general 0.35 / character 0.85 these are). Tags come out characters first, then generals,
each by descending score, then the rating when asked for. Underscores are turned into
spaces (or kept) per the dataset's tag style; kaomoji such as ``^_^`` are never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from lorapan.core.captions import apply_tag_style, norm_tag
from lorapan.core.tagger.labels import CHARACTER, GENERAL, RATING, TagList

DEFAULT_GENERAL = 0.35
DEFAULT_CHARACTER = 0.85


@dataclass(frozen=True)
class Prediction:
    tag: str  # styled, as it would be written
    score: float
    category: str  # "general", "character" or "rating"


@dataclass(frozen=True)
class TagOptions:
    general: float = DEFAULT_GENERAL
    character: float = DEFAULT_CHARACTER
    mcut_general: bool = False
    mcut_character: bool = False
    rating: bool = False
    style: str = "spaces"  # "spaces", "underscores" or "keep" (as the model writes them)
    blacklist: frozenset[str] = field(default_factory=frozenset)  # compared normalised
    exclude: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        *,
        blacklist: Iterable[str] = (),
        exclude: Iterable[str] = (),
        **kwargs: object,
    ) -> TagOptions:
        return cls(
            blacklist=frozenset(norm_tag(t) for t in blacklist),
            exclude=frozenset(norm_tag(t) for t in exclude),
            **kwargs,  # type: ignore[arg-type]
        )


def mcut_threshold(probs: np.ndarray) -> float:
    """Maximum Cut Thresholding (Largeron et al. 2012): the middle of the widest gap."""
    if probs.size < 2:
        return 0.0
    ordered = np.sort(probs)[::-1]
    gaps = ordered[:-1] - ordered[1:]
    t = int(np.argmax(gaps))
    return float((ordered[t] + ordered[t + 1]) / 2)


def _pick(
    scores: np.ndarray, idx: np.ndarray, threshold: float, mcut: bool, floor: float | None = None
) -> list[int]:
    if idx.size == 0:
        return []
    values = scores[idx]
    if mcut:
        threshold = mcut_threshold(values)
        if floor is not None:
            threshold = max(threshold, floor)
    chosen = idx[values > threshold]
    return sorted(chosen.tolist(), key=lambda i: -scores[i])


def select(scores: np.ndarray, tags: TagList, opts: TagOptions) -> list[Prediction]:
    """The tags to suggest for one image's score vector."""
    scores = np.asarray(scores, dtype=np.float32)
    picked = _pick(scores, tags.indices(CHARACTER), opts.character, opts.mcut_character, floor=0.15)
    picked += _pick(scores, tags.indices(GENERAL), opts.general, opts.mcut_general)
    if opts.rating:
        ratings = tags.indices(RATING)
        if ratings.size:
            picked.append(int(ratings[np.argmax(scores[ratings])]))
    out: list[Prediction] = []
    for i in picked:
        name = tags.names[i]
        key = norm_tag(name)
        if key in opts.blacklist or key in opts.exclude:
            continue
        out.append(
            Prediction(apply_tag_style(name, opts.style), float(scores[i]), tags.category_name(i))
        )
    return out


def select_from_mapping(
    scores: Mapping[str, float], tags: TagList, opts: TagOptions
) -> list[Prediction]:
    """``select`` for cached sparse scores (tag name -> score; absent tags score 0)."""
    vector = np.zeros(len(tags), dtype=np.float32)
    index = {name: i for i, name in enumerate(tags.names)}
    for name, value in scores.items():
        i = index.get(name)
        if i is not None:
            vector[i] = value
    return select(vector, tags, opts)
