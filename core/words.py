"""Counted words for messages: ``1 image``, ``2 images``; ``1 image carries``."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def verb(n: int, one: str, many: str) -> str:
    """``1 image carries`` / ``2 images carry``."""
    return one if n == 1 else many


def article(word: str) -> str:
    """``word`` with 'a' or 'an' before it (by its first letter: 'an asset')."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
