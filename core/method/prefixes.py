"""Prompt prefixes: ``score_9, score_8_up, source_anime, rating_safe`` and their kin.

SDXL fine-tunes were trained with quality, source and rating tags in front of each
caption (Pony's ``score_*``, ``source_*``, ``rating_*``; Animagine's ``masterpiece, best
quality``), and LoRA trainers for them write the same block first in their own
captions. The block says how good or how explicit a picture is, nothing about the
subject, so:

- it is never a trigger, the anchor, or the name the unique hair/eye tags carry, even
  when every caption starts with it (``score_9``);
- new tags (the style tag, the low-quality tags) go after the block, not inside it;
- in a set that follows the convention (:meth:`Prefixes.convention_in`), ``rating_safe``
  is the base model's own rating vocabulary, so ``tags.junk`` keeps it;
- a low-quality image loses its quality claims (``score_9``) when the low-quality tags
  are added: both cannot be true.

The lists are data (``core/data/prefixes.toml``), changed per dataset with
``[rules.vocab]`` / ``[rules.vocab_add]`` like the other vocabularies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from lorapan.core.captions import norm_tag
from lorapan.core.method.vocab import data_file

#: Share of captions that must carry a convention tag for the set to follow it.
CONVENTION_SHARE = 0.5


@dataclass(frozen=True)
class Matcher:
    """Tags by exact name and by ``*`` pattern, both in :func:`norm_tag` form."""

    exact: frozenset[str] = frozenset()
    patterns: tuple[str, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[Any]) -> Matcher:
        exact: set[str] = set()
        patterns: list[str] = []
        for e in entries:
            # 'score_*' -> 'score *' (norm_tag's form, the '*' kept as written)
            text = norm_tag(str(e))
            if "*" in text:
                patterns.append(text)
            elif text:
                exact.add(text)
        return cls(frozenset(exact), tuple(dict.fromkeys(patterns)))

    def __call__(self, key: str) -> bool:
        """Whether the tag (:func:`norm_tag` form) is one of these."""
        if key in self.exact:
            return True
        return any(fnmatchcase(key, p) for p in self.patterns)


@dataclass(frozen=True)
class Prefixes:
    """The prefix vocabulary of one dataset (shipped lists with its overrides)."""

    tags: Matcher = Matcher()
    convention: Matcher = Matcher()
    claims: Matcher = Matcher()

    def is_prefix(self, tag: str) -> bool:
        return self._is(tag, "tags")

    def is_claim(self, tag: str) -> bool:
        """A tag saying the picture is good (``score_9``, ``best quality``)."""
        return self._is(tag, "claims")

    def _is(self, tag: str, which: str) -> bool:
        return _matches(self, which, norm_tag(_bare(tag)))

    def lead(self, tags: Iterable[str]) -> int:
        """How many of a caption's first fields are prefix tags (the block)."""
        n = 0
        for t in tags:
            if not self.is_prefix(t):
                break
            n += 1
        return n

    def convention_in(self, captions: Iterable[Iterable[str]]) -> bool:
        """Whether (at least half of) the captions carry a convention tag (``score_9``)."""
        total = carrying = 0
        for tags in captions:
            tags = tuple(tags)
            if not tags:
                continue
            total += 1
            carrying += any(_matches(self, "convention", norm_tag(_bare(t))) for t in tags)
        return bool(total) and carrying >= math.ceil(CONVENTION_SHARE * total)


def _bare(tag: str) -> str:
    """``**score_9**`` / ``score_9.``: the tag without markdown or a closing full stop."""
    t = tag.strip().strip("*`").strip()
    return t[:-1] if t.endswith(".") and not t.endswith("..") else t


@lru_cache(maxsize=65536)
def _matches(p: Prefixes, which: str, key: str) -> bool:
    return getattr(p, which)(key)


_NAMES = {"tags": "prefixes", "convention": "convention", "claims": "quality_claims"}


def prefixes_of(settings: Any = None) -> Prefixes:
    """The prefix vocabulary for a dataset's settings (the shipped one for ``None``)."""
    rules = settings.section("rules") if settings is not None else {}
    replaced = rules.get("vocab") or {}
    added = rules.get("vocab_add") or {}
    key = tuple(
        (
            tuple(map(str, replaced.get(n) or ())) if n in replaced else None,
            tuple(map(str, added.get(n) or ())),
        )
        for n in _NAMES.values()
    )
    return _build(key)


@lru_cache(maxsize=64)
def _build(key: tuple) -> Prefixes:
    doc = data_file("prefixes.toml")
    lists = {}
    for (field, name), (stated, extra) in zip(_NAMES.items(), key, strict=True):
        base = list(doc.get(name, [])) if stated is None else list(stated)
        lists[field] = Matcher.of([*base, *extra])
    return Prefixes(**lists)
