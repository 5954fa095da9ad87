"""Prose captions: comma fields that are sentences, not tags.

BLIP, Florence and LLM captioners write sentences; kohya still splits them at commas
and (with ``shuffle_caption``) shuffles the clauses. The tag rules (blacklist, hair/eye
merge, conflicts, duplicates, constant tags, coverage counts) only make sense on tags,
so each field is classified first:

- a field is a *sentence* when it has at least :data:`SENTENCE_WORDS` words, or ends
  with ``.``/``!``/``?`` and has at least :data:`SHORT_SENTENCE_WORDS`, or holds
  sentence punctuation inside (``. `` between words); words are counted by whitespace,
  so Cyrillic or any other spaced script counts the same way;
- in a caption written as sentences (a field ends with ``.``/``!``/``?``) whose
  sentences carry most of its words (:data:`SENTENCE_SHARE`), every field is a clause
  of them except the tags many captions share (a trigger such as
  ``itojunji style.``, ``[aldar kose token]``);
- elsewhere the clauses that follow an unfinished sentence belong to it (``holding a
  lighted match`` after ``a boy wearing ...``) when they have two words or more.

A caption is *prose* when its sentences carry most of its words and at most
:data:`PROSE_MAX_TAGS` fields are tags, *mixed* when it has sentences and more tags,
*tags* otherwise; a dataset is prose, mixed or tags by the share of its captions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from lorapan.core.method.anchor import tag_key, tag_keys

Tags = tuple[str, ...]

SENTENCE_WORDS = 6
SHORT_SENTENCE_WORDS = 4
PROSE_MAX_TAGS = 2
#: a dataset is "prose" when at least this share of its captions are, "tags" when
#: fewer than MIXED_SHARE of them hold any sentence, "mixed" in between
PROSE_SHARE = 0.5
MIXED_SHARE = 0.2
SHARED_SHARE = 0.25
SENTENCE_SHARE = 0.6
_INNER_STOP = re.compile(r"\w[.!?]\s+\w")


def words(field: str) -> int:
    return len(field.split())


@lru_cache(maxsize=131072)
def is_sentence(field: str) -> bool:
    """A comma field that reads as a sentence rather than a tag."""
    t = field.strip()
    n = words(t)
    if n >= SENTENCE_WORDS:
        return True
    return bool(
        n >= SHORT_SENTENCE_WORDS and (t.endswith((".", "!", "?")) or _INNER_STOP.search(t))
    )


@lru_cache(maxsize=131072)
def _punctuated(field: str) -> bool:
    """A sentence by its punctuation (a closing or inner full stop), not by length."""
    t = field.strip()
    return words(t) >= SHORT_SENTENCE_WORDS and (
        t.endswith((".", "!", "?")) or bool(_INNER_STOP.search(t))
    )


@lru_cache(maxsize=1 << 17)
def _may_hold_sentence(tags: Tags) -> bool:
    """Whether any field has the spaces of a sentence's four words (counted in C and
    remembered per caption: most captions are short tags, and the caption style, the
    kind and the rules each ask of every caption)."""
    return bool(tags) and max(map(str.count, tags, repeat(" "))) >= SHORT_SENTENCE_WORDS - 1


def prose_mask(tags: Iterable[str], shared: frozenset[str] = frozenset()) -> tuple[bool, ...]:
    """Per field: True when it is (part of) a sentence. ``shared``: tag keys many
    captions carry, which stay tags even where a sentence runs on."""
    tags = tuple(tags)
    # a run-on clause needs a sentence first; a sentence has at least four words
    if not _may_hold_sentence(tags) or not any(
        t.count(" ") >= SHORT_SENTENCE_WORDS - 1 and is_sentence(t) for t in tags
    ):
        return (False,) * len(tags)
    keys = tag_keys(tags)
    own = [words(t) for t, k in zip(tags, keys, strict=True) if k not in shared]
    said = sum(
        words(t) for t, k in zip(tags, keys, strict=True) if k not in shared and is_sentence(t)
    )
    ended = any(t.rstrip().endswith((".", "!", "?")) for t in tags)  # written as sentences
    if ended and own and said >= SENTENCE_SHARE * sum(own):
        return tuple(k not in shared for k in keys)
    out = []
    open_sentence = False
    for t in tags:
        key = tag_key(t)
        if key in shared:
            prose = False
        elif is_sentence(t):
            prose = True
        else:
            prose = open_sentence and words(t) >= 2
        out.append(prose)
        open_sentence = prose and not t.rstrip().endswith((".", "!", "?"))
    return tuple(out)


def past_sentence(tags: Tags, pos: int) -> int:
    """``pos`` moved past the sentence it would cut: a new tag inserted between two
    comma fields of one sentence (``He is wearing glasses, a plaid shirt``) would break
    it, so it goes after the sentence's last field (the caption's end, for prose)."""
    if not 0 < pos < len(tags):
        return pos
    mask = prose_mask(tags)
    if not (mask[pos - 1] and mask[pos]) or tags[pos - 1].rstrip().endswith((".", "!", "?")):
        return pos
    while pos < len(tags) and mask[pos]:
        pos += 1
        if tags[pos - 1].rstrip().endswith((".", "!", "?")):
            break
    return pos


def tag_fields(tags: Tags, shared: frozenset[str] = frozenset()) -> Tags:
    """The fields of a caption that are tags (its sentences left out)."""
    mask = prose_mask(tags, shared)
    if not any(mask):
        return tuple(tags)  # a caption of tags (most are): no field to leave out
    return tuple(t for t, p in zip(tags, mask, strict=True) if not p)


def caption_kind(tags: Tags, shared: frozenset[str] = frozenset()) -> str:
    """``prose``, ``mixed`` or ``tags`` for one caption."""
    mask = prose_mask(tags, shared)
    if not any(mask):
        return "tags"
    prose_words = sum(words(t) for t, p in zip(tags, mask, strict=True) if p)
    all_words = sum(words(t) for t in tags) or 1
    n_tags = mask.count(False)
    if n_tags <= PROSE_MAX_TAGS and prose_words >= 0.5 * all_words:
        return "prose"
    return "mixed"


def shared_keys(captions: list[Tags]) -> frozenset[str]:
    """Fields many captions carry: tags (a long core tag such as 'gob goblin with third
    eye focus' too), never clauses of prose; a punctuated sentence is never one."""
    counts: Counter[str] = Counter()
    for tags in captions:
        if _may_hold_sentence(tags):
            counts.update({tag_key(t) for t in tags if not _punctuated(t)})
        else:  # no field has the words of a punctuated sentence
            counts.update(set(tag_keys(tags)))
    need = max(2, math.ceil(SHARED_SHARE * len(captions)))
    return frozenset(k for k, n in counts.items() if n >= need)


def _be(n: int) -> str:
    return "is" if n == 1 else "are"


@dataclass(frozen=True)
class CaptionStyle:
    """How a dataset's captions are written, with the counts behind the verdict."""

    style: str  # "tags", "prose" or "mixed"
    prose: int  # captions that are prose
    mixed: int  # captions with sentences and tags
    total: int  # captions with any text
    shared: frozenset[str] = frozenset()

    @property
    def has_sentences(self) -> bool:
        return self.style != "tags"

    def describe(self) -> str:
        if not self.total:
            return "none yet"
        if self.style == "tags":
            return f"tags ({self.total} captions of comma-separated tags)"
        parts = []
        of = f" of {self.total} captions"
        if self.prose:
            parts.append(f"{self.prose}{of} {_be(self.prose)} written in sentences")
            of = ""
        if self.mixed:
            verb = "mixes" if self.mixed == 1 else "mix"
            parts.append(f"{self.mixed}{of} {verb} tags and sentences")
        return f"{self.style} ({', '.join(parts)})"

    def to_dict(self) -> dict:
        return {"style": self.style, "prose": self.prose, "mixed": self.mixed, "total": self.total}


def caption_style(captions: Iterable[Tags]) -> CaptionStyle:
    """The dataset's caption style (``tags``, ``prose`` or ``mixed``)."""
    caps = [tuple(c) for c in captions if c]
    shared = shared_keys(caps)
    kinds = Counter(caption_kind(c, shared) for c in caps)
    total = len(caps)
    prose, mixed = kinds["prose"], kinds["mixed"]
    if total and prose >= PROSE_SHARE * total:
        style = "prose"
    elif total and prose + mixed >= MIXED_SHARE * total:
        style = "mixed"
    else:
        style = "tags"
    return CaptionStyle(style, prose, mixed, total, shared)


def dataset_caption_style(dataset: object) -> CaptionStyle:
    """:func:`caption_style` of a dataset's captions (for the training planner: a prose
    or mixed set trains with ``shuffle_caption = false``, see :func:`shuffle_advice`)."""
    return caption_style(tuple(it.tags) for it in dataset.items.values() if it.tags)  # type: ignore[attr-defined]


def shuffle_advice(style: CaptionStyle) -> tuple[bool | None, str]:
    """(``shuffle_caption`` to train with, why); ``None``: no advice (tag captions)."""
    if not style.has_sentences:
        return None, ""
    return False, (
        "kohya's shuffle_caption shuffles comma fields, so it scrambles the clauses of a "
        "sentence; train sentences with shuffle_caption = false (or put the tags before a "
        "keep_tokens_separator)"
    )
