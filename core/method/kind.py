"""The subject kind, read from the dataset when lorapan.toml does not state it.

The guide's rules differ by kind (which tags are blacklisted, whether hair and eyes
merge, the coverage checklist, the aims, the training preset, the sample prompts), so
a wrong kind ruins advice: a flat folder of backgrounds checked as a character gets
eye and hair coverage. :func:`infer_kind` reads the evidence, counted over the tag
fields of the captions (sentences are not tags) and the folder layout, and says what
it counted; :func:`resolve_kind` uses it for a dataset whose kind is not set, without
writing it anywhere (``lorapan fix DIR --rule dataset.kind`` confirms it).

Decisions (thresholds are shares of the captioned images):

1. two or more subjects (folders with their own first tag, or first tags that each
   start at least :data:`SUBJECT_MIN` captions) -> a *style* when each subject is
   named as one (``8_minimalist``, ``8_geometric``), else a *bundle* whose base kind
   comes from what tells the subjects apart (clothing -> costumes, people ->
   characters, places -> backgrounds, else concepts); per-image ids are not subjects;
2. a trigger or dataset-config class token naming a style (``itojunji style``) -> style;
3. a trigger naming a thing (``trcn hat``: clothing, weapons, furniture) -> asset;
   one the owner named after a person (``ohwx woman``) -> character, when the tags
   (sentences name none) say nothing of the people;
4. one picture made most of the images (lorapan augment's records, followed back from a
   crop's copies to the source), or the set is one image -> *single-image*, the guide's
   limited-dataset LoRA (:func:`one_source`);
5. several people on most images -> group, two -> couple; one person -> character,
   unless the people's hair shows different people (:func:`varied_hair`: no colour on
   half the images that name one, and three colours each on :data:`~.kind_looks.LOOK_SHARE` of them
   or four each on :data:`~.kind_looks.SPREAD_MIN` images):
   one character has one look, so that is an *asset* when a thing is tagged on nearly
   every image (a hat worn by all of them), else a *concept* shown on several characters;
6. ``no humans`` or scenery on most images -> background (scenery) or asset (a thing
   on a plain background, ``(object)``);
7. nothing of the above -> character, *unconfirmed*, and the report asks.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lorapan.core.method.anchor import shared_first, tag_key, tag_keys, trained_items
from lorapan.core.method.junk import junk_reason
from lorapan.core.method.kind_looks import (
    MOST,
    foreign_tags,
    trigger_person,
    trigger_thing,
    varied_hair,
    worn_thing,
)
from lorapan.core.method.names import not_a_name, one_name
from lorapan.core.method.one_source import one_source
from lorapan.core.method.prose import CaptionStyle, caption_style, tag_fields
from lorapan.core.method.triggers import (
    Trigger,
    config_class_tokens,
    find_triggers,
    tagger_words,
)
from lorapan.core.method.vocab import data_file

SUBJECT_MIN = 5  # images a subject needs before it counts as one (not a per-image id)
SUBJECT_COVER = 0.9  # share of captions the subjects' first tags must cover (flat folders)


@dataclass
class KindGuess:
    """The effective kind, where it comes from, and the evidence for it."""

    kind: str
    source: str  # "set" (lorapan.toml or --kind), "inferred", or "default" (no evidence)
    evidence: list[str] = field(default_factory=list)
    subjects: list[tuple[str, int]] = field(default_factory=list)  # (subject, images)
    weak: list[str] = field(default_factory=list)  # hints too weak to decide on

    @property
    def confirmed(self) -> bool:
        return self.source == "set"

    def describe(self) -> str:
        """``background (inferred: 'no humans' on 51/53, ...)``."""
        if self.source == "set":
            return f"{self.kind} ({'; '.join(self.evidence) or 'set in lorapan.toml'})"
        if self.source == "inferred":
            return f"{self.kind} (inferred: {'; '.join(self.evidence)})"
        why = "; ".join([*self.evidence, *self.weak]) or "no evidence in the captions"
        return f"{self.kind} (not inferable: {why})"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "source": self.source,
            "evidence": list(self.evidence),
            "weak_evidence": list(self.weak),
            "subjects": [{"subject": s, "images": n} for s, n in self.subjects],
        }


class _Vocab:
    """The kind evidence lists of ``kinds.toml`` (norm form), with a dataset's additions."""

    def __init__(self, settings: Any) -> None:
        doc = data_file("kinds.toml")
        add = (settings.section("rules").get("vocab_add") or {}) if settings else {}
        self.lists = {
            k: frozenset(tag_key(str(t)) for t in [*v, *add.get(k, [])])
            for k, v in doc.items()
            if isinstance(v, list)
        }

    def __getitem__(self, name: str) -> frozenset[str]:
        return self.lists.get(name, frozenset())

    def names_style(self, name: str) -> bool:
        """``itojunji style``, ``minimalist``, ``ink wash``: a name of a style."""
        key = tag_key(name)
        words = set(re.split(r"[\s_\-]+", key))
        styles = self["style_words"]
        return key in styles or "style" in words or any(" " not in w and w in words for w in styles)

    def is_style_name(self, name: str) -> bool:
        """Stricter, for a tag found only by its place: ``oilz style``, ``watercolor``."""
        key = tag_key(name)
        return key in self["style_words"] or "style" in re.split(r"[\s_\-]+", key)

    def names_object(self, text: str) -> bool:
        """``trcn hat``, ``red_bodysuit``: a name of a thing the guide trains as an asset,
        word by word (not ``hatsune``), and not a person's (``witch hat girl``)."""
        words = [w for w in re.split(r"[\s_\-]+", tag_key(text)) if w]
        if not words or set(words) & self["person_words"]:
            return False
        things, ends = self["object_words"], self["object_suffixes"]
        return any(
            w in things
            or (w.endswith("s") and (w[:-1] in things or w[:-2] in things))
            or any(w.endswith(e) for e in ends)
            for w in words
        )

    def names_clothing(self, text: str) -> bool:
        key = tag_key(text).replace(" ", "")
        return any(w.replace(" ", "") in key for w in self["clothing_words"])


def _share(n: int, total: int) -> str:
    return f"{n}/{total}"


def _groups(dataset: Any) -> dict[str, list[str]]:
    """Images per folder they train from (kohya folder, else the folder they sit in)."""
    out: dict[str, list[str]] = {}
    for rel, item in trained_items(dataset).items():
        folder = getattr(item, "folder", None)
        key = folder.path if folder is not None else os.path.dirname(rel)
        out.setdefault(key, []).append(rel)
    return out


def subjects_of(dataset: Any) -> list[tuple[str, str, list[str]]]:
    """(subject first tag, folder or "", images) of each subject, when there are several.

    Folders count when each has its own first tag on (nearly) all its captions and at
    least :data:`SUBJECT_MIN` images; in one folder, first tags that each start at least
    :data:`SUBJECT_MIN` captions and together nearly all of them. One-image "subjects"
    (per-image ids) never count, nor do images kohya will not train (a ``solos/`` folder
    beside ``N_name`` ones), nor, in one folder, a booru's artist tag a scrape starts
    its captions with (``mocha_(cotton)``: :func:`~lorapan.core.method.names.not_a_name`).
    """
    items = trained_items(dataset)
    groups = _groups(dataset)
    generic = tagger_words()  # a tagger's person, view and look tags name no subject
    found = []
    if len(groups) >= 2:
        for folder, rels in sorted(groups.items()):
            caps = [tuple(items[r].tags) for r in rels if items[r].tags]
            first = shared_first(caps)
            if first is not None and len(rels) >= SUBJECT_MIN and tag_key(first) not in generic:
                found.append((first, folder, rels))
        if len({tag_key(f) for f, _, _ in found}) >= 2:
            return found
    firsts: dict[str, list[str]] = {}
    for rel, item in items.items():
        if item.tags:  # 'rei and kaito couple focus' is 'kaito and rei couple focus' again
            firsts.setdefault(one_name(tag_key(item.tags[0])), []).append(rel)
    big = {
        k: v
        for k, v in firsts.items()
        if len(v) >= SUBJECT_MIN and k not in generic and not junk_reason(k) and not not_a_name(k)
    }
    captioned = sum(len(v) for v in firsts.values())
    if len(big) >= 2 and sum(len(v) for v in big.values()) >= SUBJECT_COVER * captioned:
        # each subject as most of its captions spell it
        return [(_most_first(items, v), "", v) for _k, v in sorted(big.items())]
    return []


def _spelled(items: Any, rels: list[str]) -> str:
    """The first tag most of ``rels`` start with, as written."""
    return Counter(items[r].tags[0] for r in rels).most_common(1)[0][0]


def _most_first(items: Any, rels: list[str]) -> str:
    return Counter(items[r].tags[0] for r in rels).most_common(1)[0][0]


def _subject_constants(dataset: Any, rels: list[str], everywhere: set[str]) -> list[str]:
    """Tags on (nearly) all of one subject's images and not on all the others'."""
    counts: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for r in rels:
        for t in dataset.items[r].tags[1:]:
            k = tag_key(t)
            counts[k] += 1
            spelled.setdefault(k, t)
    need = math.ceil(0.9 * len(rels))
    return [spelled[k] for k, n in counts.items() if n >= need and k not in everywhere]


def subject_tags(dataset: Any) -> frozenset[str]:
    """Keys of the tags that make each subject itself (its first tag, and the tags on
    nearly all its images but not on all the others'): never pruned, never constant."""
    found = subjects_of(dataset)
    if len(found) < 2:
        return frozenset()
    tags_of = {
        r: {tag_key(t) for t in dataset.items[r].tags} for _f, _d, rels in found for r in rels
    }
    everywhere = set.intersection(
        *[set().union(*(tags_of[r] for r in rels)) for _, _, rels in found]
    )
    out = {tag_key(first) for first, _d, _r in found}
    for _first, _d, rels in found:
        out |= {tag_key(t) for t in _subject_constants(dataset, rels, everywhere)}
    return frozenset(out)


def _folder_names(folder: str) -> list[str]:
    """``minimalist/8_minimalist`` -> ['minimalist', 'minimalist'] (kohya name and parents)."""
    out = []
    for part in folder.split("/"):
        m = re.match(r"^\d+_(.+)$", part)
        out.append((m.group(1) if m else part).strip())
    return [p for p in out if p]


def _several(dataset: Any, voc: _Vocab, found: list, tags_of: dict) -> KindGuess:
    """Two or more subjects: styles, or a bundle of what tells them apart."""
    names = [(first, folder, rels) for first, folder, rels in found]
    listed = ", ".join(f"'{first}' ×{len(rels)}" for first, _f, rels in names)
    where = "separate folders" if all(f for _, f, _ in names) else "one folder"
    subjects = [(first, len(rels)) for first, _f, rels in names]
    evidence = [f"{len(names)} subjects in {where}, each with its own first tag: {listed}"]
    styled = [
        any(voc.names_style(n) for n in [first, *_folder_names(folder)])
        for first, folder, _ in names
    ]
    if all(styled):
        evidence.append("each subject is named as a style (folder or first tag)")
        return KindGuess("style", "inferred", evidence, subjects)
    total = sum(len(r) for _, _, r in names)
    everywhere = set.intersection(  # an image not captioned yet has no tags to count
        *[set().union(*(tags_of.get(r, ()) for r in rels)) for _, _, rels in names]
    )
    own = [t for _, _, rels in names for t in _subject_constants(dataset, rels, everywhere)]
    clothing = [t for t in own if voc.names_clothing(t)]
    clothing = clothing or [first for first, _f, _r in names if voc.names_clothing(first)]
    if clothing:
        shown = ", ".join(f"'{t}'" for t in dict.fromkeys(clothing))
        evidence.append(f"what tells them apart is clothing: {shown}")
        return KindGuess("bundle-costumes", "inferred", evidence, subjects)
    counts = _counts([tags_of[r] for _, _, rels in names for r in rels if r in tags_of], voc)
    if counts["person"] >= MOST * total:
        evidence.append(f"person tags on {_share(counts['person'], total)}")
        return KindGuess("bundle-characters", "inferred", evidence, subjects)
    if counts["scenery"] >= MOST * total:
        evidence.append(f"scenery tags on {_share(counts['scenery'], total)}")
        return KindGuess("bundle-backgrounds", "inferred", evidence, subjects)
    evidence.append("no person, place or clothing tags tell them apart: concepts")
    return KindGuess("bundle-concepts", "inferred", evidence, subjects)


def _counts(captions: list[frozenset[str]], voc: _Vocab) -> Counter[str]:
    """Images per kind of evidence (each image counted once per kind)."""
    kinds = ("person", "two_people", "several_people", "no_humans", "scenery", "object_markers")
    lists = [(name, voc[name]) for name in kinds]
    lists.append(("plain", frozenset({"simple background", "white background", "no background"})))
    out: Counter[str] = Counter()
    for keys in captions:
        for name, words in lists:
            if not keys.isdisjoint(words):
                out[name] += 1
    return out


def infer_kind(
    dataset: Any, style: CaptionStyle | None = None, triggers: list[Trigger] | None = None
) -> KindGuess:
    """The kind the evidence points to (``source`` ``inferred``), or ``default``.

    ``style`` and ``triggers``: already computed for this dataset (saves a pass)."""
    settings = dataset.settings
    voc = _Vocab(settings)
    captions = {rel: tuple(it.tags) for rel, it in trained_items(dataset).items() if it.tags}
    weak = _weak_hints(dataset, voc)
    if not captions:
        return KindGuess("character", "default", ["no captions to read the kind from"], weak=weak)
    style = style if style is not None else caption_style(captions.values())
    tags_of = {rel: frozenset(tag_keys(tag_fields(c, style.shared))) for rel, c in captions.items()}
    found = subjects_of(dataset)
    if found:
        return _several(dataset, voc, found, tags_of)
    triggers = find_triggers(dataset) if triggers is None else triggers
    for t in triggers:
        if voc.names_style(t.tag) if t.from_owner else voc.is_style_name(t.tag):
            why = "; ".join(t.evidence)
            return KindGuess("style", "inferred", [f"the trigger '{t.tag}' names a style ({why})"])
    n = len(captions)
    if single := one_source(dataset):
        return KindGuess("single-image", "inferred", [single])
    if thing := trigger_thing(triggers, voc, n):
        return KindGuess("asset", "inferred", [thing])
    c = _counts(list(tags_of.values()), voc)
    people = ", ".join(sorted({t for keys in tags_of.values() for t in keys & voc["person"]}))
    if c["several_people"] >= MOST * n:
        return KindGuess(
            "group", "inferred", [f"several-people tags on {_share(c['several_people'], n)}"]
        )
    if c["two_people"] >= MOST * n:
        return KindGuess("couple", "inferred", [f"two-people tags on {_share(c['two_people'], n)}"])
    if c["person"] >= MOST * n and c["no_humans"] < 0.25 * n:
        evidence = [f"person tags ({people}) on {_share(c['person'], n)}"]
        looks = varied_hair(tags_of.values(), data_file("vocab.toml")["colours"])
        if looks and (worn := worn_thing(tags_of.values(), voc)):
            evidence.append(f"their hair varies ({looks}): several characters, and {worn}")
            return KindGuess("asset", "inferred", evidence)
        if looks:
            evidence.append(f"their hair varies ({looks}): several characters, one concept")
            return KindGuess("concept", "inferred", evidence)
        return KindGuess("character", "inferred", evidence)
    if who := trigger_person(triggers, voc):
        return KindGuess("character", "inferred", [who])
    if c["no_humans"] >= MOST * n or c["scenery"] >= MOST * n:
        ev = []
        if c["no_humans"]:
            ev.append(f"'no humans' on {_share(c['no_humans'], n)}")
        if c["scenery"] >= MOST * n:
            ev += [f"scenery tags on {_share(c['scenery'], n)}"]
            ev.append(
                "no person tags" if not c["person"] else f"person tags on {_share(c['person'], n)}"
            )
            return KindGuess("background", "inferred", ev)
        if c["object_markers"] or c["plain"] >= MOST * n:
            ev.append(f"a plain background on {_share(c['plain'], n)}")
            return KindGuess("asset", "inferred", ev)
    if style.style == "prose":
        reason = f"{style.prose} of {style.total} captions are written in sentences, which name no kind as tags do"
    elif foreign := foreign_tags(tags_of.values()):
        reason = (
            f"the tags are not the English booru tags lorapan's vocabularies hold ({foreign}): "
            "the kind, the hair and eye merges and the coverage counts cannot read them; set "
            "the kind and tick coverage by hand, or tag the images with a WD14 model "
            "(lorapan autotag)"
        )
    else:
        reason = "no person, people, place or object tags on most images"
    return KindGuess("character", "default", [reason], weak=weak)


def _weak_hints(dataset: Any, voc: _Vocab) -> list[str]:
    """The folder name and config words: shown, never decided on."""
    name = os.path.basename(str(dataset.root))
    words = set(re.split(r"[\s_\-]+", tag_key(name)))
    hints = []
    if words & {"product", "object", "item", "asset", "phone"}:
        hints.append(f"the folder name '{name}' suggests an asset (weak evidence)")
    elif words & {"background", "backgrounds", "bg", "scenery", "landscape"}:
        hints.append(f"the folder name '{name}' suggests backgrounds (weak evidence)")
    elif voc.names_style(name):
        hints.append(f"the folder name '{name}' suggests a style (weak evidence)")
    for tokens, fname in config_class_tokens(dataset.root):
        hints.append(f"class_tokens '{tokens}' in {fname}")
    return hints


def resolve_kind(
    dataset: Any, style: CaptionStyle | None = None, triggers: list[Trigger] | None = None
) -> KindGuess:
    """The effective kind: as set, else inferred (used in memory, never saved)."""
    settings = dataset.settings
    if settings.is_set("kind"):
        table = settings.raw.get("dataset")
        stated = isinstance(table, dict) and "kind" in table  # else --kind, for this run
        guess = KindGuess(settings.kind, "set", [] if stated else ["--kind, for this run"])
    else:
        guess = infer_kind(dataset, style, triggers)
        settings.infer("kind", guess.kind)
    settings.inferred["kind_guess"] = guess
    return guess


def kind_guess(
    dataset: Any, style: CaptionStyle | None = None, triggers: list[Trigger] | None = None
) -> KindGuess:
    """The guess :func:`resolve_kind` made for this dataset (made now if not yet, from
    ``style`` and ``triggers`` when the caller has them: each is a pass over every caption)."""
    guess = dataset.settings.inferred.get("kind_guess")
    return guess if isinstance(guess, KindGuess) else resolve_kind(dataset, style, triggers)
