"""Trigger words: what a dataset's own owner meant the LoRA to be called, with evidence.

Published kohya datasets name their trigger in several places, and lorapan reads them
all, keeping the owner's spelling (``M1N2N3Z4_K``, ``Yanagise Eika``):

- a kohya folder ``N_token class`` (``5_tk girl``): ``tk`` is the trigger, ``girl`` the
  class word (kohya's DreamBooth naming), unless the captions carry the whole name
  (``8_umbrella pose`` with ``umbrella pose`` in them, ``20_ohwx woman`` with ``a photo
  of ohwx woman``) at least as often as the token alone: then the whole name is the
  trigger. Several folders sharing the token (``10_mika``, ``4_mika swimsuit``) name one
  trigger, cited by the folder named the token itself;
- an sd-scripts dataset config beside the images (``dataset.toml`` with
  ``[[datasets.subsets]] class_tokens = 'itojunji style'``);
- the captions: a tag (nearly) every caption starts with, or one every caption ends
  with (a trigger written last, which ``keep_tokens = 1`` does not protect), unless a
  tagger writes it on any subject (``1girl``, ``solo``) or a booru wrote it as an
  artist's or character's name (``mocha_(cotton)``): :mod:`.names`. A caption
  that starts with a block of prompt prefixes (``score_9, score_8_up, rating_safe``:
  :mod:`.prefixes`) starts, for this, with the field after it; a prefix is never a
  trigger.

Only the captions kohya trains are read (:func:`~.anchor.trained_items`): a ``solos/``
folder of sources beside the ``N_name`` folders is never trained, so its ``1girl``
captions say nothing about what the LoRA is called. A caption tag in the guide's core
shape (``... focus``) leading them outranks a folder's name (:func:`_rank`).

A caption carries a trigger as a field, leading its first sentence (``ohwx woman sitting
at a cafe``) or named inside a sentence (``a photo of ohwx woman``): all are counted.

A trigger found only by its place counts when (nearly) every caption has it there; one
the owner named (a folder, a dataset config) counts however many captions carry it: the
ones that lack it are what the fixes add it to.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.method.anchor import leading_token, mentions, tag_key, tag_keys, trained_items
from lorapan.core.method.names import core_shaped, not_a_name
from lorapan.core.method.names import tagger_words as tagger_words  # where callers read it
from lorapan.core.method.prefixes import Prefixes, prefixes_of
from lorapan.core.method.prose import is_sentence
from lorapan.core.method.vocab import data_file
from lorapan.core.naming import parse_kohya_folder

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Share of captions a tag must be in to be the dataset's trigger.
TRIGGER_SHARE = 0.9
#: A tag in the guide's core shape first on more than half the captions is the owner's
#: core tag (the rest want it first: tags.trigger-first), where a position alone needs
#: nearly all.
CORE_SHAPE_SHARE = 0.5


@dataclass
class Trigger:
    """One trigger candidate: spelled as written, where it is, and why lorapan thinks so."""

    tag: str
    key: str
    captions: int = 0  # captions carrying it (any field, or in a sentence)
    first: int = 0  # captions whose first field it is
    last: int = 0  # captions whose last field it is (and not the first)
    lead: int = 0  # captions whose first field is a sentence it leads
    within: int = 0  # captions that name it only inside a sentence ('a photo of ohwx')
    evidence: list[str] = field(default_factory=list)
    class_word: str = ""
    from_owner: bool = False  # named by a folder or a dataset config, not only by position

    def describe(self, total: int, some_ignored: bool = False) -> str:
        """``total``: the captions kohya trains (``some_ignored``: beside others it never
        reads, which the count leaves out and the words say)."""
        where = f"in {self.captions} of {total} captions"
        if some_ignored and not any("kohya trains" in e for e in self.evidence):
            where = f"in {self.captions} of the {total} captions kohya trains"
        return "; ".join([*self.evidence, where])


def folder_token(folder_name: str) -> tuple[str, str] | None:
    """``5_tk girl`` -> (``tk``, ``girl``); ``20_ATSV_MilesSuit`` -> (``ATSV_MilesSuit``, '')."""
    parsed = parse_kohya_folder(folder_name)
    if not parsed:
        return None
    name = parsed[1].strip()
    token, _, cls = name.partition(" ")
    if tag_key(token) in _generic_names():
        return None
    return token, cls.strip()


def _generic_names() -> frozenset[str]:
    return frozenset(tag_key(t) for t in data_file("kinds.toml")["generic_folder_names"])


def config_class_tokens(root: Path) -> list[tuple[str, str]]:
    """(class_tokens, file name) from sd-scripts dataset configs in the dataset root."""
    out = []
    for path in sorted(Path(root).glob("*.toml")):
        if path.name == "lorapan.toml":
            continue
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        for ds in doc.get("datasets", []) if isinstance(doc.get("datasets"), list) else []:
            subsets = ds.get("subsets", []) if isinstance(ds, dict) else []
            for sub in subsets if isinstance(subsets, list) else []:
                tokens = sub.get("class_tokens") if isinstance(sub, dict) else None
                if isinstance(tokens, str) and tokens.strip():
                    out.append((tokens.strip(), path.name))
    return out


def _count(trigger: Trigger, captions: list[tuple[str, ...]], keyed: list[tuple[str, ...]]) -> None:
    key = trigger.key
    spellings: Counter[str] = Counter()
    for tags, keys in zip(captions, keyed, strict=True):
        lead = bool(tags) and key not in keys[:1] and leading_token(tags[0], key) is not None
        if key not in keys and not lead:
            if any(mentions(t, key) for t in tags):  # 'a photo of ohwx woman with ...'
                trigger.captions += 1
                trigger.within += 1
            continue
        trigger.captions += 1
        if keys and keys[0] == key:
            trigger.first += 1
        elif keys and keys[-1] == key:
            trigger.last += 1
        if lead:
            trigger.lead += 1
        if keys.count(key) == 1:  # the usual case, found in C
            spellings[tags[keys.index(key)].strip()] += 1
        else:
            spellings.update(t.strip() for t, k in zip(tags, keys, strict=True) if k == key)
    if spellings and not trigger.from_owner:
        trigger.tag = _clean_spelling(spellings.most_common(1)[0][0])


def _clean_spelling(tag: str) -> str:
    """``itojunji style.`` -> ``itojunji style``; ``**x**`` -> ``x`` (the tag, not its dressing)."""
    from lorapan.core.method.anchor import strip_markup

    t = strip_markup(tag)
    return t[:-1].rstrip() if t.endswith(".") and not t.endswith("..") else t


def find_triggers(dataset: Any) -> list[Trigger]:
    """Trigger candidates, the most convincing first (owner-named, then most captions)."""
    captions = [tuple(it.tags) for it in trained_items(dataset).values() if it.tags]
    total = len(captions)
    found: dict[str, Trigger] = {}
    prefixes = prefixes_of(getattr(dataset, "settings", None))

    def note(tag: str, evidence: str, owner: bool, class_word: str = "") -> None:
        key = tag_key(tag)
        if not key or prefixes.is_prefix(key):  # 'score_9' names no subject
            return
        t = found.get(key)
        if t is None:
            t = found[key] = Trigger(_clean_spelling(tag), key)
        t.evidence.append(evidence)
        t.from_owner = t.from_owner or owner
        t.class_word = t.class_word or class_word

    # the images a 'solos/' folder beside the N_name folders holds are never trained
    skipped = sum(1 for it in dataset.items.values() if it.tags) - total
    _from_folders(dataset, captions, note)
    for class_tokens, fname in config_class_tokens(dataset.root):
        note(class_tokens, f"class_tokens in {fname}", True)
    _from_positions(
        captions, note, prefixes, f" of the {total} captions kohya trains" if skipped else ""
    )
    keyed = [tag_keys(tags) for tags in captions] if found else []
    for t in found.values():
        _count(t, captions, keyed)
    need = math.ceil(TRIGGER_SHARE * total) if total else 1
    # an owner's word counts however few captions carry it yet (those that lack it are
    # what the trigger and core tag fixes are for); a position alone needs nearly all
    shaped = math.ceil(CORE_SHAPE_SHARE * total) if total else 1
    kept = [
        t
        for t in found.values()
        if t.captions >= need or t.from_owner or (core_shaped(t.tag) and t.first >= shaped)
    ]
    kept.sort(key=lambda t: (_rank(t), -t.captions, t.key))
    return kept


def _rank(t: Trigger) -> int:
    """A tag in the guide's core shape leading the captions is the owner's core tag,
    written where it counts: it outranks a folder's name (``10_nightcord`` beside
    captions that all start ``kanade and mizuki and ena and mafuyu_4girls focus``),
    which the core fix would otherwise put in front of it, or split it after
    (``10_gob`` beside ``gob goblin with third eye focus``). Then what the owner named,
    then what the captions' places say."""
    if not t.from_owner and t.first and core_shaped(t.tag):
        return 0
    return 1 if t.from_owner else 2


def _from_folders(dataset: Any, captions: list[tuple[str, ...]], note: Any) -> None:
    """The trigger kohya folders name: one token shared by every named folder."""
    tokens: dict[str, list[tuple[tuple[str, str], str]]] = {}
    for folder in getattr(dataset, "folders", []):
        token = folder_token(folder.path.rsplit("/", 1)[-1])
        if token:
            tokens.setdefault(tag_key(token[0]), []).append((token, folder.path))
    if len(tokens) != 1:  # several folders with their own names are subjects, not one trigger
        return
    named = next(iter(tokens.values()))
    token = named[0][0][0]
    classes = {tag_key(cls) for (_t, cls), _p in named}
    cls = named[0][0][1] if len(classes) == 1 else ""
    whole = f"{token} {cls}".strip()
    if cls and _whole_name_carried(whole, token, captions):
        # '8_umbrella pose' with every caption carrying 'umbrella pose': the captions
        # say the whole name is the trigger; 'umbrella' alone is the tagger's object
        note(whole, f"{_folders([p for _n, p in named])}, its whole name", True)
        return
    # '10_mika' beside '4_mika swimsuit': the folder named the token itself says it,
    # an outfit's folder only shares it
    own = [p for (_t, c), p in named if not c]
    note(token, _folders(own or [p for _n, p in named]), True, cls)


def _folders(paths: list[str]) -> str:
    shown = ", ".join(f"'{p}'" for p in paths[:4])
    more = f" and {len(paths) - 4} more" if len(paths) > 4 else ""
    return f"kohya folder{'s' * (len(paths) > 1)} {shown}{more}"


def _whole_name_carried(whole: str, token: str, captions: list[tuple[str, ...]]) -> bool:
    """Whether the captions carry a folder's whole name (as a field, or leading a
    sentence) at least as often as its first word: then the whole name is the trigger."""
    keyed = [tag_keys(tags) for tags in captions]
    as_whole, alone = Trigger(whole, tag_key(whole)), Trigger(token, tag_key(token))
    _count(as_whole, captions, keyed)
    _count(alone, captions, keyed)
    return as_whole.captions > 0 and as_whole.captions >= alone.captions


def _from_positions(
    captions: list[tuple[str, ...]], note: Any, prefixes: Prefixes, of: str = ""
) -> None:
    """A tag nearly every caption starts with (after its prompt prefixes, if any), else
    one nearly every caption ends with (a caption that starts with a shared tag already
    has its anchor)."""
    total = len(captions)
    if total < 2:
        return
    need = math.ceil(TRIGGER_SHARE * total)
    heads = [c[prefixes.lead(c) :] or c for c in captions]
    prefixed = sum(1 for h, c in zip(heads, captions, strict=True) if len(h) < len(c))
    after = " (after their prompt prefixes)" if prefixed >= need else ""
    for rows, pick, where in ((heads, 0, "first"), (captions, -1, "last")):
        ends = Counter(tag_key(c[pick]) for c in rows if len(c) > 1 or pick == 0)
        for key, n in ends.most_common(1):
            spelled = next(c[pick] for c in rows if tag_key(c[pick]) == key)
            if not pick and core_shaped(spelled) and n >= CORE_SHAPE_SHARE * total:
                note(
                    spelled,
                    f"the first field of {n}{of or ' captions'}, in the guide's core shape",
                    False,
                )
                return
            if (
                n >= need
                and not prefixes.is_prefix(key)
                and not not_a_name(key)
                and not is_sentence(spelled)
            ):
                note(
                    spelled,
                    f"the {where} field of {n}{of or ' captions'}{after * (not pick)}",
                    False,
                )
                return


def main_trigger(triggers: list[Trigger]) -> Trigger | None:
    """The one trigger to propose as core tag: the first candidate the captions carry,
    else an owner-named one no caption carries yet."""
    for t in triggers:
        if t.captions:
            return t
    return triggers[0] if triggers else None
