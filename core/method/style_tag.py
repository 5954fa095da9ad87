"""The style tag, proposed when lorapan.toml does not state one.

The guide puts two tags in every caption: the core tag and 'anime screencap', "for
switching on and off the average style in the dataset". 'anime screencap' is its
style tag *for its anime sets*; an oil-painting style set or a 3D render needs its own.
So an unset style tag is asked for, not demanded:

1. a tag already in (nearly) every caption that looks like a style: it names one
   (``spiderverse style``), it is the dataset config's ``class_tokens``, or it is the
   guide's own (``anime screencap``, ``anime coloring``);
2. else ``anime screencap`` when the tags look anime (danbooru person counts such as
   ``1girl``/``1boy``, ``anime coloring``) on at least a third of the captions;
3. else nothing: the report asks the user to set one (or ``style_tag = ""`` for none).

A style set is the exception: its trigger is the style's switch, so no second style
tag is asked for. The trigger (anchor) is never proposed as the style tag.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from lorapan.core.method.anchor import Anchor, tag_key
from lorapan.core.method.triggers import config_class_tokens
from lorapan.core.method.vocab import data_file

#: share of captions a tag must be in to be the style tag candidate
STYLE_SHARE = 0.9
#: share of captions with anime-looking tags before 'anime screencap' is proposed
ANIME_SHARE = 1 / 3
GUIDE_STYLE_TAG = "anime screencap"
GUIDES_OWN = frozenset({"anime screencap", "anime coloring"})


@dataclass(frozen=True)
class StyleGuess:
    tag: str  # as written in the captions (or the guide's, when proposed for anime sets)
    present: int  # captions that carry it
    evidence: str


def _looks_like_style(key: str, class_tokens: set[str], not_style: frozenset[str]) -> str:
    """Why ``key`` looks like a style tag ('' when it does not)."""
    if key in not_style:
        return ""
    if key in GUIDES_OWN:
        return "the guide's own style tag"
    if key in class_tokens:
        return "the dataset config's class_tokens"
    if "style" in re.split(r"[\s_\-]+", key):
        return "it names a style"
    return ""


def _where(captions: list[tuple[str, ...]], key: str) -> tuple[str, Counter[int]]:
    """The first spelling of ``key`` and the fields it sits in."""
    spelled = ""
    positions: Counter[int] = Counter()
    for tags in captions:
        for i, t in enumerate(tags):
            if tag_key(t) == key:
                spelled = spelled or t.strip()
                positions[i] += 1
    return spelled, positions


def propose_style(
    dataset: Any, anchor: Anchor, captions: list[tuple[str, ...]], kind: str
) -> StyleGuess | None:
    """The style tag to propose for ``captions`` (tag fields), or None."""
    total = len(captions)
    if not total:
        return None
    doc = data_file("kinds.toml")
    not_style = frozenset(tag_key(t) for t in doc["not_style_tags"])
    class_tokens = {tag_key(t) for t, _f in config_class_tokens(dataset.root)}
    counts: Counter[str] = Counter()
    for tags in captions:
        counts.update({tag_key(t) for t in tags} - set(anchor.keys))
    need = math.ceil(STYLE_SHARE * total)
    for key, n in counts.most_common():
        if n < need:
            break
        why = _looks_like_style(key, class_tokens, not_style)
        if why:
            spelled, positions = _where(captions, key)
            pos, at = positions.most_common(1)[0]
            where = f", always field {pos + 1}" if at == n else ""
            return StyleGuess(spelled, n, f"in {n}/{total} captions{where}; {why}")
    anime = frozenset(tag_key(t) for t in doc["anime_tags"])
    looks = sum(1 for tags in captions if {tag_key(t) for t in tags} & anime)
    if kind != "style" and looks >= ANIME_SHARE * total:
        found = sorted({tag_key(t) for tags in captions for t in tags} & anime)
        shown = ", ".join(f"'{t}'" for t in found[:4])
        return StyleGuess(
            GUIDE_STYLE_TAG,
            counts.get(GUIDE_STYLE_TAG, 0),
            f"the tags look anime ({shown} on {looks}/{total} captions), and 'anime screencap' "
            "is the guide's style tag for anime sets",
        )
    return None
