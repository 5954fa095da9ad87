"""Image triage: set an image aside, put it in the trash, restore it.

Setting an image aside moves it and its caption file(s) to
``.lorapan/excluded/<relpath>``; trashing moves them to ``.lorapan/trash/<relpath>``.
Neither is a deletion: kohya never reads under ``.lorapan/`` (a hidden folder that
is not an ``N_name`` folder) and lorapan's own scan skips it, so the image simply
leaves the dataset, and :func:`restore` brings it back. To free the space, delete
``.lorapan/trash`` yourself.

Every call is one journal transaction of moves (:class:`~lorapan.core.journal.MoveOp`):
undoable, crash-safe (each file is at its old or its new place; ``recover``
finishes or rolls back a batch a crash cut short), each file checked against its
fingerprint before it moves, no image bytes copied into the journal. A caption
that another image still reads (``a.png`` and ``a.jpg`` share ``a.txt``) stays
until the last of its images goes.

The public API (the app's triage keys and the ``clones.ratio`` fix call it):
``set_aside(ds, images)``, ``trash(ds, images)``, ``restore(ds, images=None)``,
``list_set_aside(ds)``; each change returns the dataset's :class:`ApplyResult`
(``applied``: the images moved; ``conflicts``: those left where they were, and why).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.dataset import ApplyResult, Dataset
from lorapan.core.journal import MoveOp
from lorapan.core.journal.steps import fingerprint
from lorapan.core.naming import IMAGE_EXTS, natural_key
from lorapan.core.settings import STATE_DIR

EXCLUDED = "excluded"
TRASH = "trash"
PLACES = (EXCLUDED, TRASH)
OUT_TAKEN = "{dest} already exists (set aside before?): restore or remove it first"
RESTORE_TAKEN = "another file is already at {dest}: move it away to restore this one"
RENAME_TAKEN = "{dest} already exists: merge the two caption files by hand"


def place_dir(place: str) -> str:
    """The root-relative folder of a place: ``.lorapan/excluded`` or ``.lorapan/trash``."""
    assert place in PLACES
    return f"{STATE_DIR}/{place}"


@dataclass(frozen=True)
class SetAside:
    """An image out of the dataset: where it lived, where it is, and its files there."""

    image: str  # its relpath in the dataset, where restore puts it back
    place: str  # EXCLUDED or TRASH
    files: tuple[str, ...]  # root-relative paths of the image and its captions, in place

    @property
    def path(self) -> str:
        return f"{place_dir(self.place)}/{self.image}"


def set_aside(ds: Dataset, images: Iterable[str], label: str | None = None) -> ApplyResult:
    """Move images (and captions) to ``.lorapan/excluded/``, kohya no longer sees them."""
    images = list(images)
    return _take_out(ds, images, EXCLUDED, label or f"set aside {_names(images)}")


def trash(ds: Dataset, images: Iterable[str], label: str | None = None) -> ApplyResult:
    """Move images (and captions) to ``.lorapan/trash/``: deleted, but restorable."""
    images = list(images)
    return _take_out(ds, images, TRASH, label or f"trash {_names(images)}")


def restore(ds: Dataset, images: Iterable[str] | None = None) -> ApplyResult:
    """Move images set aside or trashed back to where they were (all when None)."""
    known = {s.image: s for s in list_set_aside(ds)}
    wanted = list(known) if images is None else list(images)
    result = ApplyResult(f"restore {_names(wanted)}")
    ops: list[MoveOp] = []
    owners: dict[str, str] = {}
    for rel in wanted:
        entry = known.get(rel)
        if entry is None:
            result.conflicts.append((rel, "not set aside or in the trash"))
            continue
        base = place_dir(entry.place)
        pairs = [(src, src[len(base) + 1 :]) for src in entry.files]
        _plan(ds, rel, pairs, ops, owners, result, RESTORE_TAKEN)
    return _run(ds, ops, owners, result)


def list_set_aside(ds: Dataset) -> list[SetAside]:
    """Every image under ``.lorapan/excluded`` and ``.lorapan/trash``, in natural order."""
    exts = {e.lower() for e in ds.settings.caption_extensions}
    out: list[SetAside] = []
    for place in PLACES:
        base = ds.root / place_dir(place)
        for folder, _dirs, files in os.walk(base):
            rel_dir = os.path.relpath(folder, base).replace(os.sep, "/")
            prefix = "" if rel_dir == "." else rel_dir + "/"
            stems: dict[str, list[str]] = {}
            for name in files:
                stem, ext = os.path.splitext(name)
                if ext.lower() in exts:
                    stems.setdefault(stem, []).append(name)
            for name in sorted(files, key=natural_key):
                stem, ext = os.path.splitext(name)
                if ext.lower() not in IMAGE_EXTS:
                    continue
                names = [name, *sorted(stems.pop(stem, []))]
                files_in = tuple(f"{place_dir(place)}/{prefix}{n}" for n in names)
                out.append(SetAside(prefix + name, place, files_in))
    return sorted(out, key=lambda s: natural_key(s.image))


def plan_set_aside(
    ds: Dataset, images: Iterable[str], label: str
) -> tuple[list[MoveOp], dict[str, str], ApplyResult]:
    """The moves that would set ``images`` aside, the image each moved file belongs to,
    and a result holding the images that cannot move (with why), for a caller that runs
    the moves in a transaction of its own (``Dataset.apply_changes(moves=...)``)."""
    return _plan_take_out(ds, list(images), EXCLUDED, label)


def plan_renames(
    ds: Dataset, renames: Iterable[tuple[str, str, str]], label: str
) -> tuple[list[MoveOp], dict[str, str], ApplyResult]:
    """The moves that rename files in place, from (image, file, new name) triples (a
    caption in the extension kohya reads: ``a.caption`` -> ``a.txt``), as
    :func:`plan_set_aside` plans them; a new name already taken is left alone."""
    result = ApplyResult(label)
    ops: list[MoveOp] = []
    owners: dict[str, str] = {}
    with ds.lock:
        for image, src, dest in renames:
            _plan(ds, image, [(src, dest)], ops, owners, result, RENAME_TAKEN)
    return ops, owners, result


def rename(ds: Dataset, renames: Iterable[tuple[str, str, str]], label: str) -> ApplyResult:
    """Rename files in place, one journal transaction (undoable)."""
    ops, owners, result = plan_renames(ds, renames, label)
    return _run(ds, ops, owners, result)


# ---- planning ---------------------------------------------------------------------------
def _take_out(ds: Dataset, images: list[str], place: str, label: str) -> ApplyResult:
    ops, owners, result = _plan_take_out(ds, images, place, label)
    return _run(ds, ops, owners, result)


def _plan_take_out(
    ds: Dataset, images: list[str], place: str, label: str
) -> tuple[list[MoveOp], dict[str, str], ApplyResult]:
    result = ApplyResult(label)
    batch = list(dict.fromkeys(images))
    ops: list[MoveOp] = []
    owners: dict[str, str] = {}
    with ds.lock:
        moving = {rel for rel in batch if rel in ds.items}
        for rel in batch:
            item = ds.items.get(rel)
            if item is None:
                result.conflicts.append((rel, "not an image of this dataset"))
                continue
            files = [rel, *_captions_leaving(ds, rel, moving)]
            pairs = [(f, f"{place_dir(place)}/{f}") for f in files]
            if not _plan(ds, rel, pairs, ops, owners, result, OUT_TAKEN):
                moving.discard(rel)
    return ops, owners, result


def _plan(
    ds: Dataset,
    image: str,
    pairs: list[tuple[str, str]],
    ops: list[MoveOp],
    owners: dict[str, str],
    result: ApplyResult,
    taken: str,
) -> bool:
    """Add the moves of one image's files, or say why none of them can move."""
    planned = []
    for src, dest in pairs:
        if _exists(ds.root / dest):
            result.conflicts.append((image, taken.format(dest=dest)))
            return False
        try:
            digest = fingerprint(ds.root / src)
        except OSError as exc:
            result.conflicts.append((image, f"cannot read {src}: {exc.strerror}"))
            return False
        if digest is None:
            result.conflicts.append((image, f"{src} is gone"))
            return False
        planned.append(MoveOp(src, dest, digest))
    ops += planned
    owners.update({op.path: image for op in planned})
    return True


def _captions_leaving(ds: Dataset, rel: str, moving: set[str]) -> list[str]:
    """The caption files that go with ``rel``: each once, with the last image reading it."""
    item = ds.items[rel]
    folder = os.path.dirname(rel)
    out = []
    names = ([item.caption_file] if item.caption_file else []) + list(item.extra_captions)
    for name in names:
        cap = f"{folder}/{name}" if folder else name
        readers = ds.caption_owners.images_of(cap) or [rel]
        if not all(r in moving for r in readers):
            continue  # another image stays and still reads it
        if [r for r in readers if r in moving][-1] == rel:
            out.append(cap)
    return out


def _run(ds: Dataset, ops: list[MoveOp], owners: dict[str, str], result: ApplyResult):
    if not ops:
        return result
    moved = ds.apply_moves(ops, result.label, owners)
    result.applied = moved.applied
    result.conflicts += moved.conflicts
    result.txn_id = moved.txn_id
    return result


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _names(images: list[str]) -> str:
    if len(images) <= 3:
        return ", ".join(images) or "nothing"
    return f"{', '.join(images[:2])} and {len(images) - 2} more"
