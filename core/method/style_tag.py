"""The style tag, proposed when lorapan.toml does not state one.

The guide puts two tags in every caption: the core tag and 'anime screencap', "for
switching on and off the average style in the dataset". 'anime screencap' is its
style tag *for its anime sets*; an oil-painting style set or a 3D render needs its own.
So an unset style tag is asked for, not demanded:

1. a tag already in (nearly) every caption that looks like a style: it names one
   (``spiderverse style``), it is the dataset config's ``class_tokens``, it is the
   guide's own (``anime screencap``, ``anime coloring``), or it is danbooru's tag for
   the images' medium (``3d``, ``realistic``, ``pixel art``);
2. else ``anime screencap`` when the tags look anime (``anime coloring``, ``cel
   shading``) on at least a third of the captions;
3. else ``anime screencap`` as the guide's tag when the captions are an anime-trained
   tagger's (danbooru person counts such as ``1girl``/``1boy`` on a third of them) and
   no medium tag says otherwise: WD14 writes those counts on photos and 3D renders too,
   so the evidence says so and asks for a look at the images before confirming;
4. else nothing: the report asks the user to set one (or ``style_tag = ""`` for none).

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


def _looks_like_style(
    key: str, class_tokens: set[str], not_style: frozenset[str], media: frozenset[str]
) -> str:
    """Why ``key`` looks like a style tag ('' when it does not)."""
    if key in not_style:
        return ""
    if key in GUIDES_OWN:
        return "the guide's own style tag"
    if key in class_tokens:
        return "the dataset config's class_tokens"
    if key in media:
        return "it names the images' medium"
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
    dataset: Any,
    anchor: Anchor,
    captions: list[tuple[str, ...]],
    kind: str,
    removed: frozenset[str] = frozenset(),
) -> StyleGuess | None:
    """The style tag to propose for ``captions`` (tag fields), or None. A tag in
    ``removed`` (tag keys of the blacklist and kind_prune) is never proposed: the fix
    would write it as the style tag and another remove it from every caption."""
    total = len(captions)
    if not total:
        return None
    doc = data_file("kinds.toml")
    media = _keys(doc["medium_tags"])
    counts: Counter[str] = Counter()
    for tags in captions:
        counts.update({tag_key(t) for t in tags} - set(anchor.keys) - removed)
    guess = _carried(dataset, captions, counts, media, _keys(doc["not_style_tags"]))
    if guess is not None or kind == "style":
        return guess
    least = ANIME_SHARE * total
    anime = _found(captions, _keys(doc["anime_tags"]))
    if anime[1] >= least:
        return StyleGuess(
            GUIDE_STYLE_TAG,
            counts.get(GUIDE_STYLE_TAG, 0),
            f"the tags look anime ({anime[0]} on {anime[1]}/{total} captions), and "
            "'anime screencap' is the guide's style tag for anime sets",
        )
    people = _found(captions, _keys(doc["tagger_person_tags"]))
    if people[1] >= least and _found(captions, media)[1] < least:
        return StyleGuess(
            GUIDE_STYLE_TAG,
            counts.get(GUIDE_STYLE_TAG, 0),
            f"the guide's style tag for anime sets; {people[0]} on {people[1]}/{total} "
            "captions only shows an anime tagger ran, and it writes that on photos and 3D renders "
            "too: confirm it if the images are anime, else set their look, such as '3d render'",
        )
    return None


def _keys(tags: list[str]) -> frozenset[str]:
    return frozenset(tag_key(t) for t in tags)


def _carried(
    dataset: Any,
    captions: list[tuple[str, ...]],
    counts: Counter[str],
    media: frozenset[str],
    not_style: frozenset[str],
) -> StyleGuess | None:
    """A tag on nearly every caption that looks like a style (rule 1), or None."""
    class_tokens = {tag_key(t) for t, _f in config_class_tokens(dataset.root)}
    total = len(captions)
    need = math.ceil(STYLE_SHARE * total)
    for key, n in counts.most_common():
        if n < need:
            break
        why = _looks_like_style(key, class_tokens, not_style, media)
        if why:
            spelled, positions = _where(captions, key)
            pos, at = positions.most_common(1)[0]
            where = f", always field {pos + 1}" if at == n else ""
            return StyleGuess(spelled, n, f"in {n}/{total} captions{where}; {why}")
    return None


def _found(captions: list[tuple[str, ...]], keys: frozenset[str]) -> tuple[str, int]:
    """The first few of ``keys`` the captions carry, quoted, and how many captions carry any."""
    seen: set[str] = set()
    carrying = 0
    for tags in captions:
        here = {tag_key(t) for t in tags} & keys
        seen |= here
        carrying += bool(here)
    return ", ".join(f"'{t}'" for t in sorted(seen)[:4]), carrying
