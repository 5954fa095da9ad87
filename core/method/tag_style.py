"""The dataset's own tag style (``long_hair`` or ``long hair``), for tags lorapan writes.

Tags lorapan inserts (the style tag, merged ``<colour>_<name>_hair``, the low-quality
tags, tagger and augment tags) are spelled the way the dataset already writes its
tags. A trigger's spelling (``M1N2N3Z4_K``, ``Yanagise Eika``) is its owner's and
says nothing about the rest, so anchors are not counted, and never respelled
(:func:`lorapan.core.method.anchor.restyle`).
"""

from __future__ import annotations

from collections.abc import Iterable

from lorapan.core.method.anchor import tag_key

STYLES = ("underscores", "spaces")


def detect_style(
    captions: Iterable[Iterable[str]], skip: frozenset[str] = frozenset(), sample: int = 400
) -> str:
    """``underscores`` when most multi-word tags use them, else ``spaces``."""
    under = spaced = 0
    for i, tags in enumerate(captions):
        if i >= sample:
            break
        for t in tags:
            if skip and tag_key(t) in skip:
                continue
            if "_" in t and " " not in t:
                under += 1
            elif " " in t:
                spaced += 1
    return "underscores" if under > spaced else "spaces"


def style_for(
    setting: str, captions: Iterable[Iterable[str]], skip: frozenset[str] = frozenset()
) -> str:
    """The style to write new tags in: the ``tag_style`` setting, or the captions' own."""
    return setting if setting in STYLES else detect_style(captions, skip)
