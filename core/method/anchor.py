"""The anchor: the tag that holds the first comma field of every caption.

kohya's ``keep_tokens = 1`` keeps the first comma-separated field of a caption in
place and shuffles the rest, so whatever sits first is what the LoRA ties the subject
to. The *anchor* is the confirmed core tag, or while none is confirmed the tag every
caption starts with (per folder: in a bundle each subject's own first tag). Nothing
lorapan writes may move it from position 0: fixes, bulk edits, autotag modes and new
captions from augment all go through the helpers here.

- :func:`anchor_of` finds the anchor of a dataset (anything with ``settings`` and
  ``items``, so the rules' composed-fix overlay works too);
- :func:`protect_anchor` wraps a tag function so the anchor stays first;
- :func:`insert_after_anchor` puts a tag (the style tag) right after it;
- :func:`put_first` puts a tag first and drops its other copies (``itojunji style.``
  at the end, ``[x]`` leading a sentence), as the core and trigger fixes do;
- :func:`restyle` converts the tag style of a caption but never the anchor's spelling
  (nor a prompt prefix's: ``score_9`` is the base model's word as it learned it).

A trigger may also stand in a sentence: leading the first one (``ohwx woman sitting at a
cafe``, :func:`leading_token`) or inside it (``a photo of ohwx woman``,
:func:`mentions`). :func:`first_place` says where a caption carries it first.

Prompt prefixes (``score_9, score_8_up, rating_safe``: :mod:`.prefixes`) never anchor:
every caption of a Pony set may start with ``score_9``, which says nothing about the
subject, and new tags go after the block rather than inside it.

Tags compare by :func:`tag_key`: :func:`norm_tag` after dropping markdown emphasis
and a sentence's closing full stop, so ``**[a_b]**`` and ``[a b]`` and ``a b.`` match.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lorapan.core.captions import apply_tag_style, is_kaomoji, norm_tag
from lorapan.core.method.names import core_shaped, unique_shaped
from lorapan.core.method.prefixes import Prefixes, prefixes_of

Tags = tuple[str, ...]
TagFn = Callable[[Tags], Tags]

#: Share of a folder's captions that must start with one tag for it to be the anchor.
ANCHOR_SHARE = 0.9
_MARKUP = re.compile(r"^(\*\*|__|\*|_|`)(.+?)\1$")
_LEAD = re.compile(r"^\s*(?:\*\*|__)?(\[[^\]]+\]|[^\s*]+)(?:\*\*|__)?\s+(\S.*)$", re.DOTALL)


def strip_markup(tag: str) -> str:
    """``**[x]**`` -> ``[x]``: markdown emphasis an LLM captioner left around a token."""
    t = tag.strip()
    while True:
        m = _MARKUP.match(t)
        if not m or is_kaomoji(t):
            return t
        t = m.group(2).strip()


@lru_cache(maxsize=131072)
def tag_key(tag: str) -> str:
    """The compared form: markdown and a closing full stop dropped, then :func:`norm_tag`."""
    t = strip_markup(tag)
    if t.endswith(".") and not t.endswith("..") and len(t) > 1:
        t = t[:-1].rstrip()
    return norm_tag(t)


@lru_cache(maxsize=1 << 16)
def tag_keys(tags: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`tag_key` of each tag of one caption, remembered per caption: the method's
    passes (caption style, triggers, kind, rules) each look at every caption's keys, and
    at 10,000 captions each lookup pass was 0.05 s (issue 17). Bounded: about 20 MB at
    most, the tuples of keys sharing :func:`tag_key`'s strings."""
    return tuple(map(tag_key, tags))


@dataclass(frozen=True)
class Anchor:
    """Tags (by :func:`tag_key`) that hold position 0, with their spelling and source."""

    keys: frozenset[str] = frozenset()
    spellings: Mapping[str, str] = field(default_factory=dict)
    #: "core tag", "first tag of every caption" (or "of 17 of 18 captions"), "each folder's
    #: first tag"
    source: str = ""
    #: the dataset's prompt prefixes: never the anchor; new tags go after their block
    prefixes: Prefixes = field(default_factory=prefixes_of)

    def starts(self, tags: Iterable[str]) -> bool:
        """True when the caption's first field is an anchor tag."""
        for t in tags:
            return tag_key(t) in self.keys
        return False

    def spelled(self, key: str) -> str:
        return self.spellings.get(key, key)

    @property
    def single(self) -> str:
        """The one anchor tag as written ('' when there is none or several)."""
        if len(self.keys) != 1:
            return ""
        return self.spelled(next(iter(self.keys)))

    def __bool__(self) -> bool:
        return bool(self.keys)


def kohya_trains(dataset: Any, item: Any) -> bool:
    """Whether kohya trains ``item``: beside ``N_name`` folders, an image in none (a
    ``solos/`` folder of collage sources, a subfolder of one) is never read. Without any
    ``N_name`` folder every image trains (lorapan's dataset TOML names the folder)."""
    return getattr(item, "folder", None) is not None or not getattr(
        dataset, "ignored_folders", None
    )


def trained_items(dataset: Any) -> Mapping[str, Any]:
    """The images kohya trains (relpath -> item, :func:`kohya_trains`): an image it never
    reads says nothing about the trigger, the anchor or the kind."""
    items = dataset.items
    if not getattr(dataset, "ignored_folders", None):
        return items
    return {rel: it for rel, it in items.items() if kohya_trains(dataset, it)}


def _group_of(rel: str, item: Any) -> str:
    """The folder an image trains from (its kohya folder, else the folder it sits in)."""
    folder = getattr(item, "folder", None)
    if folder is not None:
        return folder.path
    return os.path.dirname(rel)


def shared_first(
    captions: list[Tags], share: float = ANCHOR_SHARE, prefixes: Prefixes | None = None
) -> str | None:
    """The first field (as written) that at least ``share`` of the captions start with;
    never a prompt prefix (``score_9``)."""
    firsts = [c[0] for c in captions if c]
    if not firsts:
        return None
    keys = Counter(tag_key(t) for t in firsts)
    key, n = keys.most_common(1)[0]
    if n < math.ceil(share * len(firsts)):
        return None
    if (prefixes_of() if prefixes is None else prefixes).is_prefix(key):
        return None
    spellings = Counter(t.strip() for t in firsts if tag_key(t) == key)
    return spellings.most_common(1)[0][0]


def stated_subjects(settings: Any) -> list[str]:
    """``[rules] subjects``: a bundle's core tags as the user wrote them."""
    raw = settings.section("rules").get("subjects", [])
    return [str(s).strip() for s in raw if str(s).strip()] if isinstance(raw, list) else []


def anchor_of(dataset: Any) -> Anchor:
    """The dataset's anchor: the core tag when set (plus a bundle's stated subjects),
    else per folder the tag (nearly) every caption there starts with (of the folders
    kohya trains: :func:`trained_items`)."""
    settings = dataset.settings
    prefixes = prefixes_of(settings)
    spellings: dict[str, str] = {}
    for s in stated_subjects(settings):
        spellings.setdefault(tag_key(s), s)
    core = settings.core_tag.strip()
    if core:
        spellings[tag_key(core)] = core
        return Anchor(frozenset(spellings), spellings, "core tag", prefixes)
    groups: dict[str, list[Tags]] = {}
    trained = trained_items(dataset)
    for rel, item in trained.items():
        if item.tags:
            groups.setdefault(_group_of(rel, item), []).append(tuple(item.tags))
    found, starting, total = 0, 0, 0
    for captions in groups.values():
        first = shared_first(captions, prefixes=prefixes)
        if first is not None:
            spellings.setdefault(tag_key(first), first)
            found += 1
            starting += sum(1 for c in captions if tag_key(c[0]) == tag_key(first))
            total += len(captions)
    if not spellings:
        return Anchor(prefixes=prefixes)
    if found > 1:
        source = "each folder's first tag"
    elif starting == total:
        source = "first tag of every caption"
    else:  # nearly every: the rest are the ones the trigger-first finding names
        source = f"first tag of {starting} of {total} captions"
    if len(trained) < len(dataset.items):
        source += " kohya trains"
    return Anchor(frozenset(spellings), spellings, source, prefixes)


def _index(tags: Tags, key: str) -> int:
    for i, t in enumerate(tags):
        if tag_key(t) == key:
            return i
    return -1


def protect_anchor(fn: TagFn, anchor: Anchor) -> TagFn:
    """``fn`` with the anchor kept first: a caption that starts with an anchor tag still
    starts with it afterwards (unless ``fn`` removed it, which only a user asks for)."""
    if not anchor:
        return fn

    def run(tags: Tags) -> Tags:
        after = tuple(fn(tags))
        if not tags or tag_key(tags[0]) not in anchor.keys:
            return after
        i = _index(after, tag_key(tags[0]))
        if i <= 0:
            return after
        return (after[i],) + after[:i] + after[i + 1 :]

    return run


def lead_length(tags: Tags, anchor: Anchor, also: Iterable[str] = ()) -> int:
    """How many leading fields are anchor tags or ``also`` (keys): new tags go after."""
    own = set(anchor.keys) | {tag_key(t) for t in also if t}
    n = 0
    for t in tags:
        if tag_key(t) not in own:
            break
        n += 1
    return n


def insert_after_anchor(
    tags: Tags, tag: str, anchor: Anchor, place: Callable[[Tags, int], int] | None = None
) -> Tags:
    """Add ``tag`` right after the anchor (never in front of the first field).

    A caption that does not start with the anchor keeps its own first field too:
    ``keep_tokens = 1`` keeps it, and only a confirmed core tag may displace it.
    ``place`` may move the position on (past a sentence it would cut:
    :func:`lorapan.core.method.prose.past_sentence`, which reads this module).
    """
    tag = tag.strip()
    if not tag or _index(tags, tag_key(tag)) >= 0:
        return tags
    pos = 1 if tags else 0
    if anchor.starts(tags):
        pos = lead_length(tags, anchor) or 1
    else:  # a caption led by 'score_9, score_8_up, ...': after the block, not inside it
        pos = anchor.prefixes.lead(tags) or pos
    pos = place(tags, pos) if place is not None else pos
    return tags[:pos] + (tag,) + tags[pos:]


_PUNCT = "*.,;:!?\"'()`"


@lru_cache(maxsize=131072)
def _words(text: str) -> tuple[str, ...]:
    """Words as compared: :func:`norm_tag` form, punctuation at their ends dropped."""
    return tuple(w for w in (w.strip(_PUNCT) for w in norm_tag(text).split()) if w)


def leading_token(field: str, key: str) -> str | None:
    """The rest of ``field`` when it is a sentence that starts with the tag ``key``
    (``[aldar_kose_token] A man ...`` -> ``A man ...``; ``ohwx woman sitting at a cafe
    table`` -> ``sitting at a cafe table``, a phrase kept whole); None otherwise. A field
    in the guide's core shape (``gob goblin with third eye focus``, ``kaito and rei couple
    focus``) is one tag, never a sentence to split after its first name."""
    if core_shaped(field) or unique_shaped(field):
        return None
    m = _LEAD.match(field)
    if m and tag_key(m.group(1)) == key:
        rest = m.group(2).strip()
        return rest if len(rest.split()) >= 3 else None
    want = len(key.split())
    if want < 2:
        return None
    parts = field.strip().split()
    for n in range(1, min(want, len(parts)) + 1):  # 'ohwx_woman' is one word of two
        if tag_key(" ".join(parts[:n])) == key:
            rest = " ".join(parts[n:])
            return rest if len(parts) - n >= 3 else None
    return None


@lru_cache(maxsize=131072)
def mentions(field: str, key: str) -> bool:
    """Whether ``field`` is a sentence that names the tag ``key`` among its words
    (``a photo of ohwx woman with curly hair``). A short field (``white zara hair``, a
    unique tag) is a tag, not a sentence: three words besides the tag's are needed, and a
    field in the guide's core shape is one tag however long."""
    if core_shaped(field) or unique_shaped(field):
        return False
    said = _words(key)
    have = _words(field)
    n = len(said)
    if not n or len(have) < n + 3:
        return False
    return any(have[i : i + n] == said for i in range(len(have) - n + 1))


def first_place(tags: Tags, key: str) -> str:
    """Where a caption's first field carries the tag ``key``: ``field`` (it is the
    field), ``lead`` (it leads the field's sentence), ``within`` (the sentence names it
    further on) or ``''``. keep_tokens = 1 keeps the whole first field, so in all three
    the tag is kept; only a lead can be made its own field without breaking a sentence."""
    if not tags:
        return ""
    if tag_key(tags[0]) == key:
        return "field"
    if leading_token(tags[0], key) is not None:
        return "lead"
    return "within" if mentions(tags[0], key) else ""


def carries(tags: Tags, key: str) -> bool:
    """Whether a caption carries the tag ``key``: as a field, or in a sentence."""
    return any(tag_key(t) == key or mentions(t, key) for t in tags) or bool(first_place(tags, key))


def put_first(tags: Tags, tag: str) -> Tags:
    """``tag`` first, its other copies gone (``x.``, ``**x**``, a sentence led by ``x``).

    A copy already spelled like ``tag`` (same :func:`norm_tag`) keeps its own spelling.
    A caption that names the tag only in a sentence is not given a second copy: a
    sentence led by it is split after it (``ohwx woman, sitting at a cafe``), a first
    sentence naming it further on stays as it is (keep_tokens = 1 keeps that whole
    field), and a later sentence naming it becomes the first field.
    """
    key = tag_key(tag)
    own = next((t for t in tags if norm_tag(t) == norm_tag(tag)), tag.strip())
    rest = [t for t in tags if tag_key(t) != key and not second_name(t, tag)]
    if len(rest) == len(tags):  # no field is the tag: a sentence may name it
        named = next((i for i, t in enumerate(tags) if first_place((t,), key)), -1)
        if named > 0:
            rest = [tags[named], *tags[:named], *tags[named + 1 :]]
        if rest and first_place((rest[0],), key) == "within":
            return tuple(rest)
        tags = tuple(rest)
    if rest and tags and rest[0] == tags[0]:
        split = leading_token(rest[0], key)
        if split is not None:
            rest[0] = split
    return (own, *rest)


def second_name(field: str, core: str) -> bool:
    """A field that names the subject of ``core`` a second way, which would train beside
    it: the core tag's words in another order (``rei and kaito couple focus`` for
    ``kaito and rei couple focus``, both in the guide's core shape), or a trigger
    phrase's first word alone (``ohwx`` for ``ohwx man``)."""
    a, b = tag_key(field), tag_key(core)
    if a == b:
        return False
    if core_shaped(core):
        return core_shaped(field) and sorted(a.split()) == sorted(b.split())
    return a == bare_name(core)


def bare_name(core: str) -> str | None:
    """The first word of a short trigger phrase (``ohwx`` of ``ohwx man``), which some
    captions write alone; None for a one-word tag or a longer one."""
    words = tag_key(core).split()
    return words[0] if 2 <= len(words) <= 3 and not core_shaped(core) else None


def restyle(tags: Tags, style: str, anchor: Anchor) -> Tags:
    """Convert every tag to ``style`` except the anchor's (its spelling is the trigger's)
    and the prompt prefixes' (``score_9`` is the base model's word, spelled as it learned
    it: ``score 9`` is another word to it)."""
    keep = anchor.keys
    return tuple(
        t if tag_key(t) in keep or anchor.prefixes.is_prefix(t) else apply_tag_style(t, style)
        for t in tags
    )
