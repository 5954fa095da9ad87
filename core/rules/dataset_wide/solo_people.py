"""Who is who among a couple's or group's solos, for ``kohya.ignored-folder``'s example
``lorapan collage`` command: the guide's collage puts solos of *different* people side by
side, and a review found the advice pairing ``kaito_0.png`` with ``kaito_2.png``.

The solos are told apart by the first way that splits them into two people or more:

1. the name their captions start with (``kaito, 1boy, solo`` / ``rei, 1girl, solo``),
   when it is no tagger's word (``1girl``, ``solo``, a hair colour);
2. their hair and eye colours (``black hair, blue eyes`` / ``pink hair, pink eyes``);
3. the file name before its number (``kaito_0.png``, ``rei_1.png``; not ``IMG_0001``).

A way counts only when its people repeat (at most one per two solos): a first tag that
differs on every solo is a pose or a sentence, not a name. When none counts, the caller
says the user must pick the solos.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from lorapan.core.method.anchor import tag_key
from lorapan.core.method.names import tagger_words

Person = Callable[[Any, str, tuple[str, ...]], str]

_NAME_WORDS = 4  # a name is a short tag, not a sentence
_NUMBERED = re.compile(r"^(.*?[^\W\d_])[\W_]*\(?\d+\)?$")  # kaito_0, rei (2), sam-07


def _name(ctx: Any, rel: str, tags: tuple[str, ...]) -> str:
    if not tags:
        return ""
    key = tag_key(tags[0])
    if not key or key in tagger_words() or len(key.split()) > _NAME_WORDS:
        return ""
    return key


def _colours(ctx: Any, rel: str, tags: tuple[str, ...]) -> str:
    colours = ctx.vocab.colours
    looks = set()
    for key in map(tag_key, tags):
        colour, _, part = key.rpartition(" ")
        if part in ("hair", "eyes") and colour in colours:
            looks.add(key)
    return ", ".join(sorted(looks))


def _stem(ctx: Any, rel: str, tags: tuple[str, ...]) -> str:
    stem = os.path.splitext(os.path.basename(rel))[0]
    m = _NUMBERED.match(stem)
    return m.group(1).lower() if m else ""


WAYS: tuple[tuple[str, Person], ...] = (
    ("the names their captions start with", _name),
    ("their hair and eye colours", _colours),
    ("their file names", _stem),
)


def one_of_each(ctx: Any, images: list[str], want: int) -> tuple[list[str], str]:
    """(the first solo of up to ``want`` different people, in dataset order; how they
    were told apart), or ([], '') when no way tells two people apart."""
    items = ctx.dataset.items
    for how, person in WAYS:
        first: dict[str, str] = {}
        for rel in images:
            who = person(ctx, rel, tuple(items[rel].tags))
            if who:
                first.setdefault(who, rel)
        if 2 <= len(first) <= max(2, len(images) // 2):
            return list(first.values())[:want], f"told apart by {how}"
    return [], ""
