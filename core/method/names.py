"""What may name the subject, and the words a tagger or a booru writes that never do.

The guide names the subject in its core tag (``gob goblin with third eye focus``) and
the unique hair and eye tags after it (``green_gob_hair``). While the owner has stated
neither, lorapan reads them from the captions: the trigger, else the tag every caption
starts with. The captions of a freshly tagged or scraped set start with words that
name no one:

- a tagger's own words (``1girl``, ``solo``, ``no humans``): :func:`tagger_words`. A
  WD14 run starts every caption with ``1girl``, which says how the captions were made;
- a booru's name tags, written ``name_(qualifier)`` (``mocha_(cotton)``, an artist;
  ``fern_(sousou_no_frieren)``, a franchise's character): a scraper writes the artist,
  copyright or character tags first, so one leads most captions, but it names who drew
  the pictures or someone else's character, not the owner's LoRA (:func:`booru_name`);
- prompt prefixes (``score_9``, :mod:`.prefixes`), checked by the callers that know the
  dataset's own list.

Such a tag found only by its place is never the trigger, the proposed core tag, nor the
name of the unique tags (:func:`not_a_name` says why). One the owner named (a kohya
folder, a dataset config, lorapan.toml) stays theirs. A caption tag in the guide's own
core shape (:func:`core_shaped`: ``kanade and mizuki_2girls focus``) is the owner's
core tag written in every caption, and outranks a folder's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from lorapan.core.captions import norm_tag
from lorapan.core.method.data import data_file

#: the lists of the shipped vocabularies whose tags a tagger writes on many pictures
_TAGGER_LISTS = {
    "kinds.toml": (
        "person", "two_people", "several_people", "no_humans", "tagger_person_tags",
        "medium_tags", "anime_tags", "scenery",
    ),
    "vocab.toml": (
        "hair_styles", "lowq_tags", "eye_colour_tags", "multi_person", "one_person",
        "face_body_tags", "detail_focus_tags", "indoor_tags", "outdoor_tags",
    ),
}  # fmt: skip

#: ``mocha (cotton)``, ``fern (sousou no frieren)``: a name, then its qualifier in brackets
_BOORU_NAME = re.compile(r"^[^()]*[^\s()]\s\([^()]*[^\s()][^()]*\)$")


@lru_cache(maxsize=1)
def tagger_words() -> frozenset[str]:
    """Keys (:func:`norm_tag` form) of the tags a tagger writes on many pictures of any
    subject: person counts, ``no humans``, medium, view, place, hair and eye tags, and
    every tag the conflict and coverage lists name. First (or last) on nearly every
    caption, one says how the captions were made (a WD14 run starts each with
    ``1girl``), not what the LoRA is called, so it is never a trigger found by position,
    the name of the unique tags, nor a bundle's subject."""
    words: list[str] = []
    for name, lists in _TAGGER_LISTS.items():
        doc = data_file(name)
        for key in lists:
            words += [str(t) for t in doc.get(key, [])]
    vocab = data_file("vocab.toml")
    words += [f"{c} {part}" for c in vocab.get("colours", []) for part in ("hair", "eyes")]
    words += [str(t) for pair in data_file("conflicts.toml").get("pair", []) for t in pair["tags"]]
    for tags in data_file("coverage.toml").get("sets", {}).values():
        words += [str(t) for t in tags]
    return frozenset(norm_tag(w) for w in words)


def booru_name(tag: str) -> bool:
    """Whether ``tag`` is written as a booru writes an artist, character or copyright
    tag with its qualifier: ``mocha_(cotton)``, ``fern (sousou no frieren)``."""
    return bool(_BOORU_NAME.match(norm_tag(tag)))


def core_shaped(tag: str) -> bool:
    """Whether ``tag`` has the guide's core-tag shape: a name, what it is, ``focus``
    (``gob goblin with third eye focus``, ``a and b and c_3girls focus``,
    ``cyberpunk scenery-cityscape focus``). A tagger's ``male focus`` or ``solo focus``
    is not one."""
    key = norm_tag(tag)
    words = key.split()
    return len(words) >= 3 and words[-1] == "focus" and key not in tagger_words()


@lru_cache(maxsize=1)
def _colour_words() -> tuple[str, ...]:
    return tuple(
        sorted(
            (norm_tag(c) for c in data_file("vocab.toml").get("colours", [])), key=len, reverse=True
        )
    )


def unique_shaped(tag: str) -> bool:
    """Whether ``tag`` is a merged look in the guide's shape, ``<colour>_<name>_hair`` /
    ``_eyes`` (``brown ohwx man hair``): one tag, never a sentence naming ``ohwx``."""
    key = norm_tag(tag)
    words = key.split()
    if not 3 <= len(words) <= 7 or words[-1] not in ("hair", "eyes"):
        return False
    return any(key.startswith(c + " ") for c in _colour_words())


def one_name(key: str) -> str:
    """A core-shaped tag's words in order (``kaito and rei couple focus`` and ``rei and
    kaito couple focus`` are one subject's name); any other tag as it is."""
    return " ".join(sorted(key.split())) if core_shaped(key) else key


def not_a_name(tag: str) -> str:
    """Why ``tag``, found only by its place, names no subject ('' when it may)."""
    key = norm_tag(tag)
    if not key:
        return "empty"
    if key in tagger_words():
        return "a tagger's tag, which ties nothing to the subject"
    if booru_name(key):
        return (
            "a booru's artist, character or copyright tag (name_(qualifier)), which names "
            "who drew the pictures or someone else's character, not this LoRA"
        )
    return ""


# ---- a booru's character and franchise names (tags.franchise-name) -----------------
_QUALIFIER = re.compile(r"\(([^()]+)\)$")


def qualifier(tag: str) -> str:
    """``fern (sousou no frieren)`` -> ``sousou no frieren`` ('' for any other tag)."""
    key = norm_tag(tag)
    m = _QUALIFIER.search(key) if booru_name(key) else None
    return m.group(1).strip() if m else ""


def qualifier_list(name: str, rules: dict[str, Any] | None = None) -> frozenset[str]:
    """``general_qualifiers`` or ``variant_qualifiers`` of ``names.toml``, extended by
    ``[rules.vocab_add]`` of the dataset."""
    extra = ((rules or {}).get("vocab_add") or {}).get(name, [])
    return frozenset(norm_tag(str(t)) for t in [*data_file("names.toml").get(name, []), *extra])


def character_qualifier(tag: str, rules: dict[str, Any] | None = None) -> str:
    """The bracket of a tag a booru writes for a character (``archer (fate)`` ->
    ``fate``); '' for a general tag's (``bow (weapon)``) and any other tag."""
    q = qualifier(tag)
    return "" if not q or q in qualifier_list("general_qualifiers", rules) else q


def series_in(tags: Iterable[str], rules: dict[str, Any] | None = None) -> frozenset[str]:
    """The franchises the set's own character tags name in brackets: ``sousou no
    frieren`` from ``fern (sousou no frieren)``; not ``cosplay`` from ``hatsune miku
    (cosplay)``, which names a variant of the character."""
    variants = qualifier_list("variant_qualifiers", rules)
    found = (character_qualifier(t, rules) for t in tags)
    return frozenset(q for q in found if q and q not in variants)
