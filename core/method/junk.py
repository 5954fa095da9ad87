"""Text in captions that is not a tag of the picture: tagger junk, markup, prompt weights.

- rating and meta tags a tagger or a booru left (``rating:general``, ``what``,
  ``highres``): they say how a picture was posted, not what it shows (the guide removes
  "conflicting meta tags"). A Pony set's ``rating_safe`` is kept by the rule
  (:func:`lorapan.core.rules.fixes.junk_test`): there it is the base model's own word;
- markdown emphasis an LLM captioner left around a token (``**[token]**``);
- prompt-weight syntax (``(no humans)``, ``(red hair:1.2)``, or one weight over several
  tags: ``(masterpiece, best quality:1.1)``, which lorapan reads as one field): a
  prompt's emphasis, but kohya reads a caption literally and trains the parentheses and
  numbers as text;
- words only a prompt reads (``BREAK``, ``<lora:name:0.6>``, ``embedding:name``), which
  a generation prompt pasted as the caption brings (the guide's second single-image
  version adds generated images): sd-scripts' ``process_caption`` reads none of them.

The lists are data (``core/data/junk.toml``).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from lorapan.core.captions import norm_tag
from lorapan.core.method.vocab import data_file

_MARKDOWN = re.compile(r"(\*\*|__)(.+?)\1")
_WEIGHT = re.compile(r"^\((.*)\)$", re.DOTALL)
_NUMBER = re.compile(r"^(.*?):\s*-?\d+(?:\.\d+)?$", re.DOTALL)
_NETWORK = re.compile(r"^<(?:lora|lyco|lycoris|hypernet):[^<>]*>$", re.IGNORECASE)
_NETWORKS = re.compile(r"<(?:lora|lyco|lycoris|hypernet):[^<>]*>", re.IGNORECASE)
_BREAK = re.compile(r"(?<![\w])BREAK(?![\w])")


@cache
def _junk_lists() -> tuple[tuple[str, ...], frozenset[str]]:
    doc = data_file("junk.toml")
    prefixes = tuple(str(p).lower() for p in doc.get("rating_prefixes", []))
    return prefixes, frozenset(norm_tag(str(t)) for t in doc.get("meta", []))


@lru_cache(maxsize=131072)
def junk_reason(tag: str, extra_meta: frozenset[str] = frozenset()) -> str:
    """Why ``tag`` is junk ('' when it is a tag): a rating tag or a meta tag."""
    prefixes, meta = _junk_lists()
    low = tag.strip().lower()
    if any(low.startswith(p) and len(low) > len(p) for p in prefixes):
        return "a rating tag"
    if norm_tag(tag) in meta or norm_tag(tag) in extra_meta:
        return "a meta tag"
    return ""


@lru_cache(maxsize=131072)
def has_markdown(tag: str) -> bool:
    return ("*" in tag or "__" in tag) and bool(_MARKDOWN.search(tag))


def markdown_of(tag: str) -> list[str]:
    """The emphasised pieces as written (``**[x]**``), to show."""
    return [m.group(0) for m in _MARKDOWN.finditer(tag)]


def strip_markdown(tag: str) -> str:
    """``**[x]** rest`` -> ``[x] rest``."""
    return _MARKDOWN.sub(r"\2", tag)


def _balanced(text: str) -> bool:
    depth = 0
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@lru_cache(maxsize=131072)
def unweighted(tag: str) -> str | None:
    """``(no humans)`` -> ``no humans``; ``((red hair:1.2))`` -> ``red hair``; None for
    a tag with no prompt weight (``digimon (creature)`` is a danbooru name, not a weight)."""
    t = tag.strip()
    changed = False
    while True:
        m = _WEIGHT.match(t)
        if not m or not _balanced(m.group(1)):
            break
        inner = m.group(1).strip()
        n = _NUMBER.match(inner)
        t = (n.group(1) if n else inner).strip()
        changed = True
    return t if changed and t else None


@lru_cache(maxsize=131072)
def prompt_only(tag: str) -> bool:
    """A word only a prompt reads: ``BREAK``, ``<lora:x:0.6>``, ``embedding:x``."""
    t = tag.strip()
    return t == "BREAK" or bool(_NETWORK.match(t)) or t.lower().startswith("embedding:")


@lru_cache(maxsize=131072)
def without_prompt_words(tag: str) -> str | None:
    """``city <lora:x:0.8>`` -> ``city``; ``solo BREAK city`` -> ``solo, city`` (BREAK
    parts a prompt into chunks): the prompt words written inside a field, taken out
    (None when it holds none)."""
    if "<" not in tag and "BREAK" not in tag:
        return None
    parts = _BREAK.split(_NETWORKS.sub(" ", tag))
    out = ", ".join(p for p in (" ".join(part.split()) for part in parts) if p)
    return out if out != tag.strip() else None
