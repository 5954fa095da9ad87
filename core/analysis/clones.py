"""Clone groups: identical files, near-duplicates and altered copies, labelled.

Pictures are linked when their perceptual hashes (64-bit pHash) are within
``near_threshold`` bits and their dHashes agree too (pHash alone links some
unrelated flat-colour art), when both hashes match the other's mirror-image
hashes (a flip), or when one's pHash matches a hash of a window of the other (a crop
or aspect change: see ``measure.crop_hashes``). Linked pictures form a group;
the group's original is the largest, then sharpest, member that is not itself a
crop or a grayscale copy, and every other member is labelled by how it differs
from the original, in the guide's vocabulary.

Given the dataset ``root``, every hash-proposed pair of same-framing or
mirrored pictures is checked on small thumbnails before it is linked (see
``pixel_match``): hashes of flat art that shares a layout collide. Files that
lorapan made (augment/collage provenance) join their source's group, are
labelled by how they were made, and are never the original nor a clone.
Byte-identical, resized and recompressed copies of one another are clones even
when they are themselves altered copies of the original.

This module holds the model (:class:`CloneGroup`) and puts a group together;
``clone_links`` finds which pictures belong together, ``clone_labels`` picks the
original and names each copy, ``clone_compare`` holds the pairwise tests both use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core import provenance as provenance_file
from lorapan.core.analysis.clone_cache import CloneCache, grouping_key
from lorapan.core.analysis.clone_labels import (
    ALTERED_LABELS,
    CLONE_LABELS,
    LABELS,
    MADE_LABELS,
    choose_original,
    clone_sets,
    label_copy,
    made_labels,
)
from lorapan.core.analysis.clone_links import UnionFind, link_identical, link_made, link_near
from lorapan.core.analysis.facts import AnalysisConfig, ImageFacts
from lorapan.core.analysis.pair_memo import PairMemo
from lorapan.core.analysis.pixel_match import Thumbs

__all__ = [
    "ALTERED_LABELS",
    "CLONE_LABELS",
    "LABELS",
    "MADE_LABELS",
    "CloneGroup",
    "choose_original",
    "clone_count",
    "find_groups",
    "label_copy",
    "made_labels",
]


@dataclass
class CloneGroup:
    """An original and its copies, each with a label from ``LABELS``."""

    original: str
    members: list[tuple[str, str]] = field(default_factory=list)
    # member -> the member it is a clone of, when that is not the original
    copy_of: dict[str, str] = field(default_factory=dict)

    @property
    def clones(self) -> list[str]:
        return [rel for rel, label in self.members if label in CLONE_LABELS]

    @property
    def altered(self) -> list[str]:
        return [rel for rel, label in self.members if label in ALTERED_LABELS]

    def _member_dict(self, rel: str, label: str) -> dict:
        data = {"relpath": rel, "label": label}
        if rel in self.copy_of:  # a clone of another member, not of the original
            data["of"] = self.copy_of[rel]
        return data

    def to_dict(self) -> dict:
        return {
            "original": self.original,
            "members": [self._member_dict(rel, label) for rel, label in self.members],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> CloneGroup:
        """Back from :meth:`to_dict` (how the clone cache stores groups)."""
        members = [(str(m["relpath"]), str(m["label"])) for m in data["members"]]
        copy_of = {str(m["relpath"]): str(m["of"]) for m in data["members"] if "of" in m}
        return cls(str(data["original"]), members, copy_of)


def find_groups(
    facts: Mapping[str, ImageFacts],
    config: AnalysisConfig | None = None,
    *,
    root: Path | str | None = None,
    provenance: Mapping[str, dict] | None = None,
    state_dir: Path | str | None = None,
) -> list[CloneGroup]:
    """Group clones and altered copies among readable images, largest groups first.

    ``root`` (the dataset folder) turns on the pixel check of candidate pairs and,
    when ``provenance`` is not given, reads lorapan's records of the files it made.
    Without it, pairs are judged on their hashes and colour signatures alone.
    ``state_dir`` (the dataset's ``.lorapan``) caches the result and every pixel
    verdict by content (``clone_cache``): when nothing changed the groups are read
    back, and after a change only pairs with new contents are looked at again.
    """
    config = config or AnalysisConfig()
    items = sorted((f for f in facts.values() if f.ok), key=lambda f: f.relpath)
    if len(items) < 2:
        return []
    if provenance is None and root is not None:
        provenance = provenance_file.load(Path(root))
    made = made_labels(items, provenance or {})
    if state_dir is None:
        return _find(items, config, made, root, PairMemo())
    cache = CloneCache.in_state_dir(Path(state_dir))
    key = grouping_key(items, config, made, pixels=root is not None)
    stored = cache.load_grouping(key)
    if stored is not None:
        try:
            return [CloneGroup.from_dict(g) for g in stored]
        except (KeyError, TypeError, ValueError):
            pass  # a row from another version: group again
    memo = PairMemo(cache.load_pairs()) if root is not None else PairMemo()
    groups = _find(items, config, made, root, memo)
    contents = {f.sha256 for f in items}
    cache.store(key, [g.to_dict() for g in groups], memo.fresh, contents)
    return groups


def _find(
    items: list[ImageFacts],
    config: AnalysisConfig,
    made: dict[str, tuple],
    root: Path | str | None,
    memo: PairMemo,
) -> list[CloneGroup]:
    shas = {f.relpath: f.sha256 for f in items}
    thumbs = Thumbs(Path(root), shas, memo) if root is not None else None
    links = UnionFind(len(items))
    link_identical(items, links)
    link_near(items, links, config, thumbs, skip=made.keys())
    link_made(items, links, made)
    groups = [
        _label_group([items[i] for i in indices], config, made, thumbs)
        for indices in links.groups()
    ]
    groups.sort(key=lambda g: (-len(g.members), g.original))
    return groups


def _label_group(
    members: list[ImageFacts],
    config: AnalysisConfig,
    made: dict[str, tuple],
    thumbs: Thumbs | None,
) -> CloneGroup:
    """The original, then each member's label; clones of one another share a clone set."""
    original = choose_original(members, config, made)
    group = CloneGroup(original.relpath)
    rest = [m for m in members if m.relpath != original.relpath]
    found = [m for m in rest if m.relpath not in made]
    heads = clone_sets(original, found, config, thumbs)
    labelled = []
    for m in rest:
        if m.relpath in made:
            labelled.append((m.relpath, made[m.relpath][1]))
            continue
        head = heads.get(m.relpath, original)
        labelled.append((m.relpath, label_copy(head, m, config, thumbs)))
        if head is not original:
            group.copy_of[m.relpath] = head.relpath
    group.members = sorted(labelled)
    return group


def clone_count(groups: Iterable[CloneGroup]) -> int:
    """Images that are clones (identical, resized or recompressed) of another."""
    return sum(len(g.clones) for g in groups)
