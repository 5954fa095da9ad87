"""The method's vocabularies, read from ``core/data/*.toml`` and a dataset's overrides.

Shipped lists are data (blacklist, conflict pairs, hair/eye words, coverage tag sets,
low-quality tags, kind profiles; prompt prefixes in ``prefixes.toml``, read by
:mod:`lorapan.core.method.prefixes`). A dataset changes them in its ``lorapan.toml``::

    [dataset]
    blacklist_extra = ["some name"]          # extends the blacklist
    [rules]
    blacklist_allow = ["horns"]              # keeps a listed tag for this dataset
    kind_prune = ["building", "sky"]         # tags.kind-prune
    [rules.vocab]                            # replaces a list of vocab.toml
    lowq_tags = ["low quality", "blurry"]
    [rules.vocab_add]                        # extends a list of vocab.toml
    conflicts = [["happy", "sad"]]
    [rules.coverage.view-front]              # changes one coverage item
    tags = ["from front"]
    minimum = 2

Everything compares in :func:`norm_tag` form, so both tag styles match.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lorapan.core.captions import norm_tag
from lorapan.core.method.data import data_file
from lorapan.core.method.names import not_a_name, tagger_words
from lorapan.core.settings import Settings


def _norms(tags: Any) -> frozenset[str]:
    return frozenset(norm_tag(str(t)) for t in tags or () if str(t).strip())


@dataclass(frozen=True)
class CoverageSpec:
    id: str
    label: str
    tags: frozenset[str]
    minimum: int
    manual: bool
    #: an image carrying one of these does not count (a couple's "face of both": not a solo)
    unless: frozenset[str] = frozenset()
    #: a manual item's images to look at first (a couple's "no image focuses on only one
    #: of them": those tagged 'solo'); the tick stays a person's
    look_at: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Profile:
    kind: str
    label: str
    limited_below: int | None
    aim_min: int | None
    aim_max: int | None
    second_aim: tuple[int, int] | None
    per_subject: int | None
    blacklists: tuple[str, ...]
    hair_eyes: str  # "fix", "detect" or ""
    prune: bool
    bundle: bool
    core_shape: str
    several_people: bool = False  # couple, group: each image shows more than one person
    clone_ratio: float = 0.03  # clones.ratio: the share of clones the guide allows
    clone_count: int | None = None  # ... or the number it asks for (couple: three)
    #: tags the guide asks this kind to carry (single-image: 'crossover'): never pruned
    keeps: frozenset[str] = frozenset()


def load_profile(kind: str, overrides: dict[str, Any] | None = None) -> Profile:
    table = dict(data_file("profiles.toml").get(kind, {}))
    for key in ("limited_below", "aim_min", "aim_max", "per_subject"):
        if overrides and isinstance(overrides.get(key), int):
            table[key] = overrides[key]
    he = table.get("hair_eyes", False)
    second = None
    if "second_aim_min" in table:
        second = (int(table["second_aim_min"]), int(table["second_aim_max"]))
    return Profile(
        kind=kind,
        label=str(table.get("label", kind)),
        limited_below=table.get("limited_below"),
        aim_min=table.get("aim_min"),
        aim_max=table.get("aim_max"),
        second_aim=second,
        per_subject=table.get("per_subject"),
        blacklists=tuple(table.get("blacklists", ())),
        hair_eyes="fix" if he is True else ("detect" if he == "detect" else ""),
        prune=bool(table.get("prune", False)),
        bundle=bool(table.get("bundle", False)),
        core_shape=str(table.get("core_shape", "{name} focus")),
        several_people=bool(table.get("several_people", False)),
        clone_ratio=float(table.get("clone_ratio", 0.03)),
        clone_count=table.get("clone_count"),
        keeps=_norms(table.get("keeps", [])),
    )


def _coverage_specs(kind: str, overrides: dict[str, Any]) -> list[CoverageSpec]:
    doc = data_file("coverage.toml")
    kinds = doc["kinds"]
    items = kinds.get(kind, [])
    if isinstance(items, str):  # a bundle reuses its base kind's list
        items = kinds.get(items, [])
    sets = doc["sets"]
    specs = []
    for it in items:
        over = overrides.get(it["id"], {}) if isinstance(overrides, dict) else {}
        tags = over.get("tags", sets.get(it.get("set", ""), []))
        manual = bool(over.get("manual", it.get("manual", False)))
        specs.append(
            CoverageSpec(
                id=it["id"],
                label=str(over.get("label", it["label"])),
                tags=_norms(tags),
                minimum=int(over.get("minimum", it.get("minimum", 1))),
                manual=manual,
                unless=_norms(over.get("unless", it.get("unless", []))),
                look_at=_norms(over.get("look_at", it.get("look_at", []))),
            )
        )
    return specs


class Vocab:
    """All word lists for one dataset, normalised, with its overrides applied."""

    def __init__(self, settings: Settings) -> None:
        rules = settings.section("rules")
        self.rules = rules
        self.profile = load_profile(settings.kind, rules)
        base = dict(data_file("vocab.toml"))
        for key, value in (rules.get("vocab") or {}).items():
            base[key] = value
        for key, value in (rules.get("vocab_add") or {}).items():
            base[key] = list(base.get(key, [])) + list(value)
        self.raw = base
        self.colours = _norms(base["colours"])
        self.hair_styles = _norms(base["hair_styles"])
        self.hair_not_style = _norms(base["hair_not_style"])
        self.eye_colour_tags = _norms(base["eye_colour_tags"])
        self.lowq_list = [str(t) for t in base["lowq_tags"]]
        self.lowq = _norms(self.lowq_list)
        self.multi_person = _norms(base["multi_person"])
        self.special_words = _norms(base["special_detail_words"])
        self.detail_focus = _norms(base["detail_focus_tags"])
        self.face_body = _norms(base["face_body_tags"])
        self.body_words = _norms(base["body_words"])
        kinds = data_file("kinds.toml")
        self.indoor = _norms([*base["indoor_tags"], *kinds["interior"]])
        self.outdoor = _norms([*base["outdoor_tags"], *kinds["exterior"]])
        self.conflicts, self.conflict_why = self._conflicts(rules, settings.kind)
        self.person_conflicts = self._person_conflicts(rules, settings.kind)
        self.one_person = _norms(base["one_person"])
        self.blacklist = self._blacklist(settings, rules)
        self.kind_prune = _norms(rules.get("kind_prune", []))
        self.coverage = _coverage_specs(settings.kind, rules.get("coverage") or {})
        name = settings.name.strip() or _own_name(settings.core_tag)
        self.name = name  # as written: unique tags spell it this way
        self.name_norm = norm_tag(name) if name else ""
        # A unique tag names the character: [dataset] name or the core tag's first word;
        # a bundle's characters are named by their core tags' first words (not the name).
        if self.profile.bundle:
            names = [_name_from_core(str(s)) for s in rules.get("subjects", [])]
        else:
            names = [self.name_norm, norm_tag(_own_name(settings.core_tag))]
        # A couple or group names each person ("rin and haru couple focus"): each one's
        # own unique tag is theirs, not another person's to merge away.
        self.people: list[str] = []
        if self.profile.several_people:
            self.people = people_of(settings.name) or people_of(settings.core_tag)
            names += [norm_tag(p) for p in self.people]
            names += [_first_word(p) for p in self.people]
        self.names: list[str] = []
        self.add_names(names)

    def known_tags(self) -> frozenset[str]:
        """Tags the method's own lists name (low-quality, conflicting, hair and eye
        tags): a field that is exactly one reads as a tag even after a sentence."""
        colours = {f"{c} {part}" for c in self.colours for part in ("hair", "eyes")}
        return self.lowq | self.conflicts.keys() | self.hair_styles | self.eye_colour_tags | colours

    def use_anchor_name(self, anchor: str, by_place: bool = True, prefixes: Any = None) -> None:
        """No name or core tag set: the unique tags take the anchor's (trigger's) name.

        Never a tagger's word (``1girl`` would make ``red 1girl hair``), a prompt prefix
        (``prefixes``, a :class:`~.prefixes.Prefixes`), nor, when ``by_place`` (the tag
        was found only by its place, not named by the owner), a booru's artist or
        character tag: :mod:`.names`. Then no name is known and the merges ask for one.
        """
        if self.name or not anchor.strip() or self.profile.bundle:
            return
        name = name_of_core(anchor)
        why = not_a_name(name) or not_a_name(anchor)
        prefix = prefixes is not None and prefixes.is_prefix(anchor)
        if prefix or why.startswith("a tagger's") or (by_place and why):
            return
        self.name = name
        self.name_norm = norm_tag(self.name)
        if self.profile.several_people:
            # one trigger for two people ('rinharu') is nobody's own name
            self.people = people_of(anchor)
            self.add_names([norm_tag(p) for p in self.people])
            return
        self.add_names([self.name_norm])

    def add_names(self, names: Any) -> None:
        """Also recognise ``<colour>_<name>_hair`` / ``_eyes`` for these names (norm form)."""
        merged = [n for n in dict.fromkeys([*self.names, *names]) if n]
        self.names = merged
        self._unique_hair = _unique_re(merged, "hair")
        self._unique_eyes = _unique_re(merged, "eyes")

    @staticmethod
    def _conflicts(
        rules: dict[str, Any], kind: str
    ) -> tuple[dict[str, frozenset[str]], dict[frozenset[str], str]]:
        """Tag -> the tags it excludes, and each pair's reason (conflicts.toml, scoped
        by kind; ``[rules.vocab] conflicts`` replaces it, ``vocab_add`` extends it)."""
        rows: list[tuple[Any, str]] = []
        stated = (rules.get("vocab") or {}).get("conflicts")
        if stated is not None:
            rows += [(r, "listed in lorapan.toml") for r in stated]
        else:
            for pair in data_file("conflicts.toml").get("pair", []):
                if kind in pair.get("kinds", [kind]):
                    rows.append((pair["tags"], str(pair.get("why", ""))))
        added = (rules.get("vocab_add") or {}).get("conflicts", [])
        rows += [(r, "added in lorapan.toml") for r in added]
        out: dict[str, set[str]] = {}
        why: dict[frozenset[str], str] = {}
        for row, reason in rows:
            if len(row) != 2:
                continue
            a, b = norm_tag(row[0]), norm_tag(row[1])
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
            why.setdefault(frozenset((a, b)), reason)
        return {k: frozenset(v) for k, v in out.items()}, why

    @staticmethod
    def _person_conflicts(rules: dict[str, Any], kind: str) -> frozenset[frozenset[str]]:
        """The shipped pairs marked ``person = true``: two people in one image may differ."""
        if (rules.get("vocab") or {}).get("conflicts") is not None:
            return frozenset()
        return frozenset(
            frozenset(norm_tag(t) for t in pair["tags"])
            for pair in data_file("conflicts.toml").get("pair", [])
            if pair.get("person") and kind in pair.get("kinds", [kind])
        )

    def several_people(self, nset: frozenset[str]) -> bool:
        """The kind shows several people in each image, or this image's tags say so."""
        if self.profile.several_people or nset & self.multi_person:
            return True
        return len(nset & self.one_person) > 1

    def _blacklist(self, settings: Settings, rules: dict[str, Any]) -> frozenset[str]:
        doc = data_file("blacklist.toml")
        tags: set[str] = set()
        for name in self.profile.blacklists:
            tags |= _norms(doc.get(name, []))
        if "characters" in self.profile.blacklists:  # skin colour, as the guide's reason says
            parts = doc.get("coloured_parts", [])
            colours = data_file("vocab.toml").get("colours", [])
            tags |= _norms(f"{c} {part}" for c in colours for part in parts)
            tags |= _norms(doc.get("biology_extra", []))
        tags |= _norms(settings.blacklist_extra)
        return frozenset(tags - _norms(rules.get("blacklist_allow", [])))

    # ---- classification (arguments are norm_tag forms) ------------------------
    def is_unique_hair(self, tag: str) -> bool:
        return bool(self._unique_hair and self._unique_hair.match(tag))

    def is_unique_eyes(self, tag: str) -> bool:
        return bool(self._unique_eyes and self._unique_eyes.match(tag))

    def hair_colour(self, tag: str) -> str | None:
        if tag.endswith(" hair"):
            colour = tag[: -len(" hair")]
            if colour in self.colours:
                return colour
        return None

    def eye_colour(self, tag: str) -> str | None:
        if tag.endswith(" eyes"):
            colour = tag[: -len(" eyes")]
            if colour in self.colours:
                return colour
        return None

    def is_hair_tag(self, tag: str) -> bool:
        """A hair colour or style tag the merge folds into the unique tag."""
        if self.is_unique_hair(tag) or tag in self.hair_not_style:
            return False
        # "a girl with curly hair" is a phrase about the picture, not a hair tag
        return tag in self.hair_styles or (tag.endswith(" hair") and len(tag.split()) <= 3)

    def is_eye_tag(self, tag: str) -> bool:
        if self.is_unique_eyes(tag):
            return False
        if tag in self.eye_colour_tags or self.eye_colour(tag) is not None:
            return True
        # another person's merged tag ('red haru eyes'), as '<colour> haru hair' is a hair tag
        words = tag.split()
        return len(words) == 3 and words[2] == "eyes" and words[0] in self.colours

    def is_special_detail(self, tag: str) -> bool:
        """A tag naming a tattoo, scar, ...: one of the words, or a phrase inside it."""
        words = set(re.split(r"[\s()]+", tag))
        return any((w in tag) if " " in w else (w in words) for w in self.special_words)

    def is_body_tag(self, tag: str) -> bool:
        if self.is_unique_hair(tag) or self.is_unique_eyes(tag):
            return True
        if self.is_hair_tag(tag) or self.is_eye_tag(tag):
            return True
        words = set(tag.split())
        return bool(words & self.body_words) or tag in self.body_words


def _own_name(core_tag: str) -> str:
    """The name a stated core tag gives, unless it is a tagger's word (``1other with
    heterochromia focus`` names no one: '1other' is how a tagger counts people)."""
    name = name_of_core(core_tag)
    return "" if name and norm_tag(name) in tagger_words() else name


def _unique_re(names: list[str], part: str) -> re.Pattern[str] | None:
    if not names:
        return None
    alts = "|".join(re.escape(n) for n in names)
    return re.compile(rf"^\S.* (?:{alts}) {part}$")


_SHAPE_WORDS = frozenset({"with", "focus", "and", "couple"})


def name_of_core(core_tag: str) -> str:
    """The character's name in a core tag, as written.

    A core tag in the guide's shape (``gob goblin with third eye focus``) starts with
    the name: its first word. Any other core tag is a trigger (``M1N2N3Z4_K``,
    ``Yanagise Eika``): the whole tag is the name, spelled as the dataset writes it.
    """
    core = core_tag.strip()
    words = core.replace("_", " ").split()
    if not words:
        return ""
    if not _SHAPE_WORDS & {w.lower() for w in words}:
        return core
    return core.split()[0] if " " in core else words[0]


def colour_counts(
    captions: Iterable[frozenset[str]], colours: Iterable[str], part: str
) -> tuple[Counter[str], int]:
    """Images per ``<colour> <part>`` colour (``part``: hair or eyes) over captions given as
    sets of tag keys, and how many images name any: how many looks a set shows."""
    tags = {f"{norm_tag(c)} {part}": norm_tag(c) for c in colours}
    known = frozenset(tags)
    per: Counter[str] = Counter()
    naming = 0
    for keys in captions:
        here = known.intersection(keys)  # in C: a pass over every caption
        if here:
            naming += 1
            per.update(tags[t] for t in here)
    return per, naming


_PEOPLE_TAIL = re.compile(r"^(?:focus|couple|duo|group|\d+\+?(?:boys?|girls?|others?|people))$")


def people_of(core_tag: str) -> list[str]:
    """Each person a couple's or group's core tag names, as written; [] unless it names two.

    The guide's shapes: ``rin and haru couple focus`` -> ``rin``, ``haru``;
    ``luke and artem and vyn and marius_4boys focus`` -> the four names.
    """
    words = core_tag.replace("_", " ").split()
    while words and _PEOPLE_TAIL.match(words[-1].lower()):
        words.pop()
    parts: list[list[str]] = [[]]
    for w in words:
        if w.lower() == "and":
            parts.append([])
        else:
            parts[-1].append(w)
    people = [" ".join(p) for p in parts if p]
    return people if len(people) > 1 and len(people) == len(parts) else []


def _first_word(name: str) -> str:
    return norm_tag(name.split()[0]) if name.split() else ""


def name_from_core(core_tag: str) -> str:
    """The unique-tag name of a core tag in norm form: ``gob goblin focus`` -> ``gob``."""
    return _name_from_core(core_tag)


def _name_from_core(core_tag: str) -> str:
    name = name_of_core(core_tag)
    return norm_tag(name) if name else ""


def slug(text: str) -> str:
    """``green gob`` -> ``green_gob`` (the guide writes unique tags with underscores)."""
    return "_".join(norm_tag(text).split())
