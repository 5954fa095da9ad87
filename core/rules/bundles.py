"""Bundles: which images belong to which subject, and body tags two characters share.

A bundle dataset (several characters, backgrounds, costumes or concepts in one
LoRA) is laid out as one folder per subject, or as one folder whose captions start
with a different core tag per subject. :func:`subjects` tells the subjects apart
either way; the rules engine counts each against the bundle aim
(``bundle.per-subject``). For character bundles the guide says "do not let a
single biological tag be present on two characters": :func:`bio_overlap` names
each such tag and :func:`bio_overlap_changes` is its fix, turning the shared tag
into one tag per character (``scar`` -> ``scar_gob`` and ``scar_ana``).

Hair and eye tags are not this rule's: the guide merges each character's own into
one unique tag and removes other people's (``tags.hair-unique`` and
``tags.eyes-unique``), so renaming them here would hand one person's look to another.
Blacklisted tags are not either (the guide removes them), and images showing several
people are left out: their tags cannot tell whose body is whose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange, replace_tag
from lorapan.core.method.anchor import trained_items
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
    each caption's first tag. Images that name no subject are left out, and so are
    those kohya never trains (a ``solos/`` folder beside the ``N_name`` ones is collage
    material, not a subject).
    """
    trained = trained_items(dataset)
    by_folder: dict[str, list[str]] = {}
    for rel in trained:
        by_folder.setdefault(_top_folder(rel), []).append(rel)
    folders = {f: rels for f, rels in by_folder.items() if f}
    out: dict[str, list[str]] = {}
    if len(folders) >= 2:
        for folder, rels in folders.items():
            out.setdefault(_folder_key(dataset, folder, rels), []).extend(rels)
        return out
    stated = _configured(dataset)
    stated_norm = {norm_tag(s): s for s in stated}
    for rel, item in trained.items():
        if stated:
            key = next(
                (stated_norm[norm_tag(t)] for t in item.tags if norm_tag(t) in stated_norm), None
            )
        else:
            key = item.tags[0] if item.tags else None
        if key:
            out.setdefault(key, []).append(rel)
    return out


def is_bio_tag(vocab: Vocab, tag: str) -> bool:
    """A body tag (norm form) that must stay one character's: not hair or eyes (the
    hair/eye merge owns those, unique tags included) and not blacklisted (removed, so
    never turned into a per-character tag that would slip past the blacklist)."""
    if tag in vocab.blacklist or vocab.is_unique_hair(tag) or vocab.is_unique_eyes(tag):
        return False
    if vocab.is_hair_tag(tag) or vocab.is_eye_tag(tag):
        return False
    return vocab.is_body_tag(tag)


def several_in(vocab: Vocab, keys: frozenset[str], cores: frozenset[str]) -> bool:
    """Several people share the image: its tags (norm form) say so (``2girls``,
    ``1girl, 1boy``) or name two of the bundle's subjects (``alice, bob``: still two
    people after the blacklist has removed ``1boy`` and ``couple``)."""
    return vocab.several_people(keys) or len(keys & cores) > 1


def several_people(vocab: Vocab, tags: Iterable[str], cores: Iterable[str] = ()) -> bool:
    """:func:`several_in` for tags as written and subject core tags (any spelling)."""
    keys = frozenset(norm_tag(t) for t in tags)
    return several_in(vocab, keys, frozenset(norm_tag(c) for c in cores))


def default_body_test(dataset: Dataset) -> BodyTest:
    """The rules engine's body tags for this dataset, as :func:`is_bio_tag` reads them."""
    vocab = Vocab(dataset.settings)
    return lambda tag: is_bio_tag(vocab, tag)


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

    ``is_body`` takes a norm_tag form; by default :func:`is_bio_tag`. The tag is given
    as first written in the dataset. Images showing several people do not count.
    """
    subject_map = subjects(dataset) if subject_map is None else subject_map
    if is_body is None:
        test = default_body_test(dataset)
    elif callable(is_body):
        test = is_body
    else:
        test = vocabulary_test(is_body)
    vocab = Vocab(dataset.settings)
    core_norms = {norm_tag(s) for s in subject_map}
    style = norm_tag(dataset.settings.style_tag) if dataset.settings.style_tag else ""
    owners: dict[str, set[str]] = {}
    spelling: dict[str, str] = {}
    for subject, rels in subject_map.items():
        for rel in rels:
            item = dataset.items.get(rel)
            if item is None or several_people(vocab, item.tags, subject_map):
                continue
            for tag in item.tags:
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
    """``scar`` + ``gob goblin focus`` -> ``scar_gob``: the name last, never inside the
    tag. ``sep=" "`` spells it as a dataset that writes its tags with spaces does."""
    return sep.join([*norm_tag(tag).split(), *short_name(subject).split()])


def bio_overlap_changes(
    dataset: Dataset,
    overlap: dict[str, list[str]],
    subject_map: dict[str, list[str]] | None = None,
    sep: str = "_",
) -> list[TagChange]:
    """The fix for ``bundle.bio-overlap``: each shared tag becomes one tag per subject
    (spelled with ``sep``: the dataset's tag style). Images showing several people
    keep theirs: the tags cannot tell whose it is."""
    subject_map = subjects(dataset) if subject_map is None else subject_map
    vocab = Vocab(dataset.settings)
    changes: list[TagChange] = []
    for subject, rels in subject_map.items():
        shared = [t for t, subs in overlap.items() if subject in subs]
        if not shared:
            continue
        for rel in rels:
            item = dataset.items.get(rel)
            if item is None or item.read_only or several_people(vocab, item.tags, subject_map):
                continue
            after = item.tags
            for tag in shared:
                after = replace_tag(after, tag, unique_tag(tag, subject, sep))
            if after != item.tags:
                changes.append(TagChange(rel, item.tags, after))
    return changes
