"""Bundles: which images belong to which subject, and body tags two characters share.

A bundle dataset (several characters, backgrounds, costumes or concepts in one
LoRA) is laid out as one folder per subject, or as one folder whose captions start
with a different core tag per subject. :func:`subjects` tells the subjects apart
either way; the rules engine counts each against the bundle aim
(``bundle.per-subject``). For character bundles the guide says "do not let a
single biological tag be present on two characters": :func:`bio_overlap` names
each such tag and :func:`bio_overlap_changes` is its fix, turning the shared tag
into one unique tag per character (``blonde hair`` -> ``blonde_gob_hair`` and
``blonde_ana_hair``, the shape of ``tags.hair-unique``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange, replace_tag
from lorapan.core.method.vocab import Vocab
from lorapan.core.naming import parse_kohya_folder

BodyTest = Callable[[str], bool]


def _top_folder(relpath: str) -> str:
    return relpath.split("/", 1)[0] if "/" in relpath else ""


def _configured(dataset: Dataset) -> list[str]:
    """``[rules] subjects = [...]`` in lorapan.toml: the bundle's core tags, stated."""
    raw = dataset.settings.section("rules").get("subjects", [])
    return [str(s) for s in raw if str(s).strip()] if isinstance(raw, list) else []


def _folder_key(dataset: Dataset, folder: str, relpaths: list[str]) -> str:
    """A folder's subject: the first tag most of its captions start with, else its name."""
    firsts = Counter(dataset.items[r].tags[0] for r in relpaths if dataset.items[r].tags)
    if firsts:
        return firsts.most_common(1)[0][0]
    kohya = parse_kohya_folder(folder)
    return kohya[1] if kohya else folder


def subjects(dataset: Dataset) -> dict[str, list[str]]:
    """Subject core tag -> image relpaths.

    Images in two or more top-level folders: one subject per folder (named by
    the core tag most of its captions start with). Otherwise one subject per core
    tag: the ``[rules] subjects`` list when set (the one an image carries), else
    each caption's first tag. Images that name no subject are left out.
    """
    by_folder: dict[str, list[str]] = {}
    for rel in dataset.items:
        by_folder.setdefault(_top_folder(rel), []).append(rel)
    folders = {f: rels for f, rels in by_folder.items() if f}
    out: dict[str, list[str]] = {}
    if len(folders) >= 2:
        for folder, rels in folders.items():
            out.setdefault(_folder_key(dataset, folder, rels), []).extend(rels)
        return out
    stated = _configured(dataset)
    stated_norm = {norm_tag(s): s for s in stated}
    for rel, item in dataset.items.items():
        if stated:
            key = next(
                (stated_norm[norm_tag(t)] for t in item.tags if norm_tag(t) in stated_norm), None
            )
        else:
            key = item.tags[0] if item.tags else None
        if key:
            out.setdefault(key, []).append(rel)
    return out


def default_body_test(dataset: Dataset) -> BodyTest:
    """The rules engine's body-tag vocabulary (hair, eyes, body words) for this dataset."""
    vocab = Vocab(dataset.settings)
    return vocab.is_body_tag


def vocabulary_test(words: Iterable[str]) -> BodyTest:
    """A body test from a plain list of tags (compared in norm_tag form)."""
    allowed = {norm_tag(w) for w in words}
    return lambda tag: tag in allowed


def bio_overlap(
    dataset: Dataset,
    subject_map: dict[str, list[str]] | None = None,
    is_body: BodyTest | Iterable[str] | None = None,
) -> dict[str, list[str]]:
    """Body tag -> the subjects (core tags) whose images carry it, for tags on two or more.

    ``is_body`` takes a norm_tag form; by default the rules engine's vocabulary.
    The tag is given as first written in the dataset.
    """
    subject_map = subjects(dataset) if subject_map is None else subject_map
    if is_body is None:
        test = default_body_test(dataset)
    elif callable(is_body):
        test = is_body
    else:
        test = vocabulary_test(is_body)
    core_norms = {norm_tag(s) for s in subject_map}
    style = norm_tag(dataset.settings.style_tag) if dataset.settings.style_tag else ""
    owners: dict[str, set[str]] = {}
    spelling: dict[str, str] = {}
    for subject, rels in subject_map.items():
        for rel in rels:
            item = dataset.items.get(rel)
            for tag in item.tags if item else ():
                key = norm_tag(tag)
                if key in core_norms or key == style or not test(key):
                    continue
                owners.setdefault(key, set()).add(subject)
                spelling.setdefault(key, tag)
    return {
        spelling[k]: sorted(subs, key=list(subject_map).index)
        for k, subs in sorted(owners.items())
        if len(subs) >= 2
    }


def short_name(core_tag: str) -> str:
    """``"gob goblin with third eye focus"`` -> ``"gob"`` (the guide's unique-tag name)."""
    words = norm_tag(core_tag).split()
    for i, w in enumerate(words):
        if w in {"with", "focus", "and", "couple"}:
            words = words[:i]
            break
    return words[0] if words else "subject"


def unique_tag(tag: str, subject: str, sep: str = "_") -> str:
    """``blonde hair`` + ``gob goblin focus`` -> ``blonde_gob_hair``; other tags get
    the name last (``scar`` -> ``scar_gob``). ``sep=" "`` spells it as a dataset that
    writes its tags with spaces does (``blonde gob hair``)."""
    words = norm_tag(tag).split()
    name = sep.join(short_name(subject).split())
    if len(words) >= 2 and words[-1] in ("hair", "eyes"):
        return sep.join([*words[:-1], name, words[-1]])
    return sep.join([*words, name])


def bio_overlap_changes(
    dataset: Dataset,
    overlap: dict[str, list[str]],
    subject_map: dict[str, list[str]] | None = None,
    sep: str = "_",
) -> list[TagChange]:
    """The fix for ``bundle.bio-overlap``: each shared tag becomes one tag per subject
    (spelled with ``sep``: the dataset's tag style)."""
    subject_map = subjects(dataset) if subject_map is None else subject_map
    changes: list[TagChange] = []
    for subject, rels in subject_map.items():
        shared = [t for t, subs in overlap.items() if subject in subs]
        if not shared:
            continue
        for rel in rels:
            item = dataset.items.get(rel)
            if item is None or item.read_only:
                continue
            after = item.tags
            for tag in shared:
                after = replace_tag(after, tag, unique_tag(tag, subject, sep))
            if after != item.tags:
                changes.append(TagChange(rel, item.tags, after))
    return changes
