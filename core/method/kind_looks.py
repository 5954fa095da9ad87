"""What the people and things in a set's pictures say about its kind.

One character has one look, so hair of many colours is several people (a concept, or an
asset they all wear); a trigger naming a thing (``trcn hat``) is an asset, one naming a
person (``ohwx woman``) a character. :mod:`lorapan.core.method.kind` weighs these with
the rest of its evidence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from lorapan.core.method.anchor import tag_key
from lorapan.core.method.triggers import Trigger, main_trigger
from lorapan.core.method.vocab import colour_counts

MOST = 0.5  # share of images for "on most images"
#: a hair colour counts as one of the looks when it is on this share of the images that
#: name a hair colour (a tagger's odd 'brown hair' for black hair on one image does not)
LOOK_SHARE = 0.15
LOOK_MIN_IMAGES = 6  # images naming a hair colour before their variety says anything
#: or, thinly spread: this many colours each on at least SPREAD_MIN images (a tagger's
#: odd colour is on one image; several looks repeated are several people)
SPREAD_LOOKS = 4
SPREAD_MIN = 3


def trigger_thing(triggers: list[Trigger], voc: Any, n: int) -> str:
    """Why the trigger makes the set an asset ('' when it does not): it names a thing
    (``trcn hat``) and is the set's, named by its owner or first on most captions."""
    t = main_trigger(triggers)
    if t is None or not (t.from_owner or t.first >= MOST * n) or not voc.names_object(t.tag):
        return ""
    return (
        f"the trigger '{t.tag}' names a thing ({'; '.join(t.evidence)}): the guide's "
        "assets are clothing, weapons, furniture and other objects"
    )


def trigger_person(triggers: list[Trigger], voc: Any) -> str:
    """Why the owner's trigger says the subject is a person (``20_ohwx woman``: the class
    word of a DreamBooth-style name), for sets whose captions are sentences, which name
    no kind as tags do; '' when it does not."""
    t = main_trigger(triggers)
    if t is None or not t.from_owner:
        return ""
    words = set(re.split(r"[\s_\-]+", tag_key(t.tag)))
    person = sorted(words & voc["person_words"])
    if not person:
        return ""
    return f"the trigger '{t.tag}' names a person ('{person[0]}'; {'; '.join(t.evidence)})"


def worn_thing(captions: Any, voc: Any) -> str:
    """The tags naming a thing on nearly every image (``'hat' on 32/32``), as evidence
    that what the set shares is that thing, not a pose or a body part; '' when none."""
    keyed = list(captions)
    counts = Counter(k for keys in keyed for k in keys)
    need = math.ceil(0.9 * len(keyed))
    things = [k for k, c in counts.most_common() if c >= need and voc.names_object(k)]
    if not things:
        return ""
    shown = ", ".join(f"'{k}' on {counts[k]}/{len(keyed)}" for k in things[:3])
    return f"a thing is on nearly every image ({shown}): one asset worn or held by them"


def varied_hair(captions: Any, colours: list[str]) -> str:
    """The hair colours, counted (``'blonde hair' ×6, 'pink hair' ×4, …``), when they
    show different people; '' when one look could be one character's."""
    per, naming = colour_counts(captions, colours, "hair")
    if naming < LOOK_MIN_IMAGES:
        return ""
    ranked = per.most_common()
    if ranked[0][1] >= MOST * naming:
        return ""
    looks = [(colour, n) for colour, n in ranked if n >= LOOK_SHARE * naming]
    # many looks split thinly: ten colours on 5-17 % each are more people, not fewer
    spread = [(colour, n) for colour, n in ranked if n >= SPREAD_MIN]
    if len(looks) < 3 and len(spread) < SPREAD_LOOKS:
        return ""
    shown = ", ".join(f"'{colour} hair' ×{n}" for colour, n in ranked[:4])
    return shown + (", …" if len(per) > 4 else "")


def foreign_tags(captions: Iterable[frozenset[str]]) -> str:
    """A few of the tags, quoted, when most distinct tags are written in another script
    than Latin (Japanese or Chinese tags); '' otherwise."""
    tags = sorted({t for keys in captions for t in keys})
    other = [t for t in tags if not t.isascii() and not any("a" <= ch <= "z" for ch in t)]
    if not tags or len(other) < MOST * len(tags):
        return ""
    return ", ".join(f"'{t}'" for t in other[:3])
