"""Bringing a dataset's view in line with disk, file by file.

Used when files change outside lorapan (the watcher), after the journal wrote a
caption, and after undo, redo or recovery created or deleted files. New images
are added, deleted ones dropped, captions re-read; the tag index, caption owners
and orphan list follow, and kohya folders are recounted once images came or went.

A caption the journal just wrote is *adopted* from the bytes it wrote
(:meth:`DiskSync.adopt`) instead of read back: at 10,000 captions reading every one
again (and looking for its other caption files) was the largest step of a bulk edit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import TYPE_CHECKING

from lorapan.core.captions import CaptionDecodeError, parse_caption
from lorapan.core.dataset.kohya import layout_folders
from lorapan.core.dataset.ownership import image_for_new_caption
from lorapan.core.dataset.reg import reg_folders
from lorapan.core.dataset.scan import caption_files, make_item
from lorapan.core.naming import IMAGE_EXTS, natural_key
from lorapan.core.safe_write import TEMP_PREFIX, FileStamp
from lorapan.core.settings import STATE_DIR

if TYPE_CHECKING:
    from lorapan.core.dataset.dataset import Dataset


class DiskSync:
    """Re-reads what changed on disk into one :class:`Dataset` (its caller holds the lock)."""

    def __init__(self, dataset: Dataset) -> None:
        self.ds = dataset
        self._membership_changed = False
        self._reg_changed = False

    def readers_of(self, caption_rel: str) -> list[str]:
        """The images that read a caption, or the one a new caption will belong to."""
        owners = self.ds.caption_owners.images_of(caption_rel)
        if not owners and (new_owner := image_for_new_caption(caption_rel, self.ds.items)):
            owners = [new_owner]
        return owners

    def reload_item(self, relpath: str) -> None:
        """Re-read the caption of one image (it may have gained, lost or changed one)."""
        ds = self.ds
        item = ds.items[relpath]
        before = item.tags
        folder = item.image_path.parent
        stem = item.image_path.stem
        caps = caption_files(folder, stem, ds.settings.caption_extensions)
        if item.caption_rel is not None:
            ds.caption_owners.release(relpath, item.caption_rel)
        fresh = make_item(ds.root, ds.settings, relpath, folder, stem, caps)
        fresh.folder = item.folder
        ds.items[relpath] = fresh
        if fresh.caption_rel is not None:
            ds.caption_owners.claim(fresh)
        ds.index.update_image(relpath, before, fresh.tags)

    def adopt(self, relpath: str, caption_rel: str, data: bytes) -> bool:
        """Take ``data``, which lorapan just wrote to ``caption_rel``, as the image's caption.

        What a re-read would find, without reading: the caption parsed from the same
        bytes, its hash in the stamp (whose mtime is left 0, unknown: a comparison with
        disk then goes by content). False when ``caption_rel`` is not this image's
        caption file (nor the one it is about to get): the caller re-reads instead.
        """
        ds = self.ds
        item = ds.items[relpath]
        folder, _, name = caption_rel.rpartition("/")
        new_file = item.caption_file is None
        if folder != relpath.rpartition("/")[0] or name != (
            item.default_caption_file if new_file else item.caption_file
        ):
            return False
        try:
            caption, error = parse_caption(data), None
        except CaptionDecodeError as exc:
            caption, error = None, str(exc)
        stamp = FileStamp(True, len(data), 0, hashlib.sha256(data).hexdigest())
        fresh = dataclasses.replace(
            item,
            caption_file=name,
            caption=caption,
            caption_error=error,
            write_block=None,
            stamp=stamp,
        )
        ds.items[relpath] = fresh
        if new_file:
            ds.caption_owners.claim(fresh)
        ds.index.update_image(relpath, item.tags, fresh.tags)
        return True

    def refresh(self, rel: str) -> set[str]:
        """Follow one changed file (root-relative, POSIX); the images whose entry changed."""
        path = self.ds.root / rel
        name = os.path.basename(rel)
        if name.startswith(TEMP_PREFIX) or rel.startswith(STATE_DIR + "/"):
            return set()
        if self.ds.is_reg(rel):
            self._refresh_reg(rel)
            return set()  # no image of the dataset proper changed
        stem, ext = os.path.splitext(rel)
        if ext.lower() in IMAGE_EXTS:
            if path.is_file() and rel not in self.ds.items:
                return self._add_image(rel)
            if not path.exists() and rel in self.ds.items:
                return self._drop_image(rel)
            return {rel} if rel in self.ds.items else set()
        if ext.lower() in {e.lower() for e in self.ds.settings.caption_extensions}:
            owners = self.readers_of(rel)
            if owners:
                for owner in owners:
                    self.reload_item(owner)
                self._set_orphan(rel, False)
                return set(owners)
            self._set_orphan(rel, path.is_file())
        return set()

    def _refresh_reg(self, rel: str) -> None:
        """Follow a class image or its caption (kept apart from ``items``; see ``.reg``)."""
        ds = self.ds
        stem, ext = os.path.splitext(rel)
        if ext.lower() in IMAGE_EXTS:
            images = [rel]
        elif ext.lower() in {e.lower() for e in ds.settings.caption_extensions}:
            images = [r for r in ds.reg_items if os.path.splitext(r)[0] == stem]
        else:
            return
        for image in images:
            path = ds.root / image
            if path.is_file():
                folder, file_stem = path.parent, os.path.splitext(path.name)[0]
                caps = caption_files(folder, file_stem, ds.settings.caption_extensions)
                ds.reg_items[image] = make_item(
                    ds.root, ds.settings, image, folder, file_stem, caps
                )
            else:
                ds.reg_items.pop(image, None)
            self._reg_changed = True

    def regroup(self) -> set[str]:
        """Move images between the dataset and its class images after ``ds.is_reg``
        changed (``[dataset] reg_folders`` edited); the dataset's images that came or went.

        Orphan captions follow: one now in a class folder is that folder's business
        (:func:`~lorapan.core.dataset.reg.split_reg`), and a caption with no image in a
        folder that stopped being one is an orphan of the dataset again.
        """
        ds = self.ds
        touched: set[str] = set()
        left = {r.rpartition("/")[0] for r in ds.reg_items if not ds.is_reg(r)}
        for rel in [r for r in ds.items if ds.is_reg(r)]:
            touched |= self._drop_image(rel)
            self._refresh_reg(rel)
        for rel in [r for r in ds.reg_items if not ds.is_reg(r)]:
            del ds.reg_items[rel]
            self._reg_changed = True
            touched |= self._add_image(rel)
        for rel in [o for o in ds.orphan_captions if ds.is_reg(o)]:
            self._set_orphan(rel, False)
        caption_exts = tuple(e.lower() for e in ds.settings.caption_extensions)
        for folder in left:
            for name in os.listdir(ds.root / folder) if (ds.root / folder).is_dir() else ():
                rel = f"{folder}/{name}" if folder else name
                if name.lower().endswith(caption_exts) and rel not in ds.caption_owners:
                    self._set_orphan(rel, True)
        self._reg_changed = True
        self.settle()
        return touched

    def settle(self) -> None:
        """After images came or went: keep natural order, recount kohya folders."""
        if self._reg_changed:
            self._reg_changed = False
            ds = self.ds
            ds.reg_items = {k: ds.reg_items[k] for k in sorted(ds.reg_items, key=natural_key)}
            ds.reg_folders = reg_folders(ds.reg_items.values(), ds.is_reg)
        if not self._membership_changed:
            return
        self._membership_changed = False
        ds = self.ds
        keys = list(ds.items)
        ordered = sorted(keys, key=natural_key)  # natural_key is cached: cheap at 10k
        if keys != ordered:
            ds.items = {k: ds.items[k] for k in ordered}
        ds.folders, ds.ignored_folders = layout_folders(ds.root.name, list(ds.items.values()))

    def _add_image(self, rel: str) -> set[str]:
        ds = self.ds
        folder = (ds.root / rel).parent
        stem = os.path.splitext(os.path.basename(rel))[0]
        caps = caption_files(folder, stem, ds.settings.caption_extensions)
        item = make_item(ds.root, ds.settings, rel, folder, stem, caps)
        ds.items[rel] = item
        self._membership_changed = True
        if item.caption_rel is not None:
            ds.caption_owners.claim(item)
            self._set_orphan(item.caption_rel, False)
        ds.index.add_image(rel, item.tags)
        return {rel}

    def _drop_image(self, rel: str) -> set[str]:
        ds = self.ds
        item = ds.items.pop(rel)
        self._membership_changed = True
        ds.index.remove_image(rel, item.tags)
        if item.caption_rel is not None and item.caption_path is not None:
            cap_rel = item.caption_rel
            ds.caption_owners.release(rel, cap_rel)
            orphan = cap_rel not in ds.caption_owners and item.caption_path.exists()
            self._set_orphan(cap_rel, orphan)
        return {rel}

    def _set_orphan(self, cap_rel: str, orphan: bool) -> None:
        orphans = self.ds.orphan_captions
        present = cap_rel in orphans
        if orphan and not present:
            orphans.append(cap_rel)
            orphans.sort(key=natural_key)
        elif not orphan and present:
            orphans.remove(cap_rel)
