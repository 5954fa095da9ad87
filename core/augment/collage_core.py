"""A collage's core tag and the folder it goes to.

The guide's couple and group core tags name the people ("gob and ana couple focus";
"a and b and c and d_4boys focus"). A solo's first tag is that person's name when the
solo was tagged as the guide asks, but a tagger's caption starts with ``1girl``: four
such solos once made a collage whose "core tag" was ``1girl`` (the one tag the couple
rules forbid). So the core tag is, in order: the one given (``--core``); the dataset's;
the first tag the captions of a kohya folder of several people already share (the
group images' core, "kanade and mizuki and ena and mafuyu_4girls focus"); one built from the solos'
first tags when each is a name; the dataset's trigger. A tagger's word
(:func:`~lorapan.core.method.triggers.tagger_words`) is never one; with none of these,
the user is asked for one.

The collage goes where kohya trains it: beside the solos when they are in a trained
folder, else into the kohya folder of the group images (kohya reads only ``N_name``
folders when there are any; a ``solos/`` folder beside them is ignored).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import shared_first, tag_key
from lorapan.core.method.junk import junk_reason
from lorapan.core.method.kind import MOST, SUBJECT_MIN
from lorapan.core.method.triggers import find_triggers, main_trigger, tagger_words
from lorapan.core.method.vocab import data_file, name_of_core, people_of


class CollageError(ValueError):
    """Not a collage that can be made; the message says what to change."""


@dataclass(frozen=True)
class CoreChoice:
    """The core tag, why it was chosen, and the folder it belongs to ('' when none)."""

    tag: str
    why: str
    folder: str | None = None


def _is_word(tag: str) -> bool:
    """A tag that can be a core tag: not a tagger's word (``1girl``), not junk."""
    key = tag_key(tag)
    return bool(key) and key not in tagger_words() and not junk_reason(key)


def training_folder(dataset: Dataset, relpath: str) -> str | None:
    """The folder kohya trains ``relpath`` from (its ``N_name`` folder, or its own
    folder in a set without any); None when kohya would ignore it."""
    item = dataset.items[relpath]
    if item.folder is not None:
        return item.folder.path
    if dataset.folders:
        return None
    return os.path.dirname(relpath).replace(os.sep, "/")


def folder_cores(dataset: Dataset, solos: list[str]) -> list[tuple[str, str, int]]:
    """(shared first tag, folder, images) of each kohya folder of several people's
    images (not the solos) that start with one tag, neither a solo's first tag nor a
    tagger's; most images first. A folder of one person's solos is not a group's."""
    solo_firsts = {tag_key(dataset.items[r].tags[0]) for r in solos if dataset.items[r].tags}
    by_folder: dict[str, list[tuple[str, ...]]] = {}
    for rel, item in dataset.items.items():
        if item.folder is not None and rel not in solos and item.tags:
            by_folder.setdefault(item.folder.path, []).append(tuple(item.tags))
    found = []
    for folder, captions in by_folder.items():
        first = shared_first(captions)
        if (
            first
            and len(captions) >= SUBJECT_MIN
            and _is_word(first)
            and tag_key(first) not in solo_firsts
            and _of_several(first, captions)
        ):
            found.append((first, folder, len(captions)))
    return sorted(found, key=lambda f: -f[2])


def _of_several(first: str, captions: list[tuple[str, ...]]) -> bool:
    """The tag names several people (``a and b couple focus``), or most captions do
    not say one person (``solo``, ``1girl``)."""
    if people_of(first):
        return True
    one = {norm_tag(t) for t in data_file("vocab.toml").get("one_person", [])} | {"solo"}
    alone = sum(1 for tags in captions if one & {norm_tag(t) for t in tags})
    return alone < MOST * len(captions)


def people_count(captions: list[tuple[str, ...]]) -> str:
    """``4boys``, ``3girls`` or ``2girls_1boy`` from the solos' 1boy/1girl tags."""
    boys = sum(any(norm_tag(t) == "1boy" for t in tags) for tags in captions)
    girls = sum(any(norm_tag(t) == "1girl" for t in tags) for tags in captions)
    others = len(captions) - boys - girls
    parts = []
    if girls:
        parts.append(f"{girls}girl{'s' if girls > 1 else ''}")
    if boys:
        parts.append(f"{boys}boy{'s' if boys > 1 else ''}")
    if others:
        parts.append(f"{others}other{'s' if others > 1 else ''}")
    return "_".join(parts)


def core_tag_for(names: list[str], captions: list[tuple[str, ...]]) -> str:
    """Couple: ``a and b couple focus``; group: ``a and b and c_3boys focus``."""
    joined = " and ".join(names)
    if len(names) == 2:
        return f"{joined} couple focus"
    return f"{joined}_{people_count(captions)} focus"


def from_names(captions: list[tuple[str, ...]]) -> str | None:
    """The core tag built from the solos' first tags, each name once; None when a solo's
    first tag is a tagger's word, not a name."""
    if not all(tags and _is_word(tags[0]) for tags in captions):
        return None
    names: dict[str, str] = {}
    for tags in captions:
        name = name_of_core(tags[0])
        names.setdefault(norm_tag(name), name)
    if len(names) == 1:
        return captions[0][0]  # one subject twice: its own first tag
    return core_tag_for(list(names.values()), captions)


def choose_core(dataset: Dataset, solos: list[str], given: str | None = None) -> CoreChoice:
    """The collage's core tag (see the module doc); raises CollageError when none fits."""
    captions = [tuple(dataset.items[r].tags) for r in solos]
    if given and given.strip():
        return CoreChoice(given.strip(), "given with --core")
    if dataset.settings.core_tag.strip():
        return CoreChoice(dataset.settings.core_tag.strip(), "the dataset's core tag")
    if found := folder_cores(dataset, solos):
        first, folder, n = found[0]
        return CoreChoice(
            first, f"the first tag of the {n} captions in {folder or 'the root'}", folder
        )
    if built := from_names(captions):
        return CoreChoice(built, "built from the solos' first tags")
    trigger = main_trigger(find_triggers(dataset))
    if trigger is not None and _is_word(trigger.tag):
        return CoreChoice(trigger.tag, f"the dataset's trigger ({'; '.join(trigger.evidence)})")
    firsts = ", ".join(dict.fromkeys(f"'{c[0]}'" for c in captions if c)) or "none"
    shape = " and ".join(["<name>"] * len(solos))
    shape += " couple focus" if len(solos) == 2 else f"_{people_count(captions)} focus"
    raise CollageError(
        f"no core tag for the collage: the dataset has none set, and the solos' first tags "
        f"({firsts}) are a tagger's, not names. Give one with --core, in the guide's shape: "
        f"'{shape}' (or set [dataset] core_tag in lorapan.toml)"
    )


def destination(dataset: Dataset, solos: list[str], choice: CoreChoice) -> tuple[str, str]:
    """(folder, why) for a collage given no --out: see the module doc."""
    if choice.folder is not None:
        return choice.folder, "beside the images whose captions start with its core tag"
    home = training_folder(dataset, solos[0])
    if home is not None:
        return home, "beside its first solo"
    key = tag_key(choice.tag)
    counts = {f.path: 0 for f in dataset.folders}
    sizes = {f.path: f.image_count for f in dataset.folders}
    for item in dataset.items.values():
        if item.folder is not None and item.tags and tag_key(item.tags[0]) == key:
            counts[item.folder.path] += 1
    folder = max(counts, key=lambda p: (counts[p], sizes[p]))
    top = os.path.dirname(solos[0]).split("/")[0] or "the root"
    return folder, f"{top} is not a folder kohya trains (only N_name folders are read)"
