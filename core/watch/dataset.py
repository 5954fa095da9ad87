"""Keeping a :class:`Dataset` in line with its folder: outside changes, not our own writes.

:class:`DatasetWatcher` turns each settled burst into one
:meth:`Dataset.refresh_paths` call and describes it as a :class:`Batch`. Before
anything is applied each path is compared with what the dataset holds
(:meth:`DatasetWatcher.in_line`), under ``dataset.lock``: a caption is in line when
its content hash equals the dataset's stamp (which the journal updates as it
writes), an image when its presence matches and, if present, its size and mtime
are those the journal's ``on_write`` callback recorded for our own write. The
dataset's ``lorapan.toml`` changing is handed to ``on_settings`` instead (its owner
reads it again: ``core.settings_live``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lorapan.core.edits import TagChange
from lorapan.core.naming import IMAGE_EXTS, natural_key
from lorapan.core.settings import SETTINGS_FILE
from lorapan.core.watch.base import Watcher, WatchOptions, sha256_of, sorted_paths, stat_key

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset

REASON = "outside change"


@dataclass(frozen=True)
class Batch:
    """One settled burst of outside changes, as applied to the dataset.

    ``added``/``removed``/``changed`` are image relpaths; ``tag_changes`` has the
    changed images whose tags differ; orphan captions (captions without an image)
    that appeared or went are listed apart. ``paths`` are the files that changed.
    """

    paths: tuple[str, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    tag_changes: tuple[TagChange, ...] = ()
    orphans_added: tuple[str, ...] = ()
    orphans_removed: tuple[str, ...] = ()
    at: float = field(default_factory=time.time)

    @property
    def images(self) -> set[str]:
        """Every image whose entry changed (what a view needs to repaint)."""
        return set(self.added) | set(self.removed) | set(self.changed)

    @property
    def empty(self) -> bool:
        return not (self.images or self.orphans_added or self.orphans_removed)

    def to_dict(self) -> dict:
        return {
            "at": self.at,
            "paths": list(self.paths),
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
            "tag_changes": [tc.to_dict() for tc in self.tag_changes],
            "orphans_added": list(self.orphans_added),
            "orphans_removed": list(self.orphans_removed),
        }


class DatasetWatcher(Watcher):
    """Keep a :class:`Dataset` in line with its folder; see the module docstring."""

    def __init__(
        self,
        dataset: Dataset,
        *,
        on_batch: Callable[[Batch], None] | None = None,
        polling: bool | None = None,
        debounce: float | None = None,
        stable_for: float | None = None,
        max_latency: float | None = None,
        poll_interval: float | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_settings: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(on_error)
        self.on_settings = on_settings
        self.dataset = dataset
        self.root = dataset.root
        self.options = WatchOptions.from_settings(
            dataset.settings,
            polling=polling,
            debounce=debounce,
            stable_for=stable_for,
            max_latency=max_latency,
            poll_interval=poll_interval,
        )
        self.on_batch = on_batch
        self._cap_exts_of: object = None
        self._cap_exts: frozenset[str] = frozenset()
        self._own: dict[str, tuple[int, int] | None] = {}
        self._own_lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        if not self._started:
            self.dataset.journal.on_write.append(self._note_own_write)
        try:
            super().start()
        except BaseException:
            self._forget_callback()
            raise

    def stop(self) -> None:
        super().stop()
        self._forget_callback()

    def _forget_callback(self) -> None:
        if self._note_own_write in self.dataset.journal.on_write:
            self.dataset.journal.on_write.remove(self._note_own_write)

    def _note_own_write(self, rel: str, data: bytes | None = None) -> None:
        """Journal callback: remember how an image we just wrote looks.

        Captions need no record: the dataset's stamp (updated by the journal as it
        writes) already tells an own write from an outside one.
        """
        if self._ext(rel) not in IMAGE_EXTS:
            return
        with self._own_lock:
            self._own[rel] = stat_key(self.root / rel)

    # ---- filtering -------------------------------------------------------------
    def _ext(self, rel: str) -> str:
        return os.path.splitext(rel)[1].lower()

    def _accept(self, rel: str) -> bool:
        ext = self._ext(rel)
        if rel == SETTINGS_FILE:
            return self.on_settings is not None
        return ext in IMAGE_EXTS or ext in self._caption_exts()

    def _caption_exts(self) -> frozenset[str]:
        """The caption extensions of the settings in use (they change with lorapan.toml)."""
        settings = self.dataset.settings
        if settings is not self._cap_exts_of:
            self._cap_exts = frozenset(e.lower() for e in settings.caption_extensions)
            self._cap_exts_of = settings
        return self._cap_exts

    def _known_under(self, rel_dir: str) -> list[str]:
        prefix = rel_dir.rstrip("/") + "/"
        ds = self.dataset
        with ds.lock:
            out = [r for r in ds.items if r.startswith(prefix)]
            for item in ds.items.values():
                if item.caption_path is not None and item.relpath.startswith(prefix):
                    out.append(item.caption_path.relative_to(ds.root).as_posix())
            out += [c for c in ds.orphan_captions if c.startswith(prefix)]
        return out

    def _owner(self, caption_rel: str) -> str | None:
        """The image a caption file belongs to (by stem), if the dataset has it."""
        ds = self.dataset
        item = ds.item_for_caption(caption_rel)
        if item is not None:
            return item.relpath
        stem = os.path.splitext(caption_rel)[0]
        for ext in IMAGE_EXTS:
            for cand in (stem + ext, stem + ext.upper()):
                if cand in ds.items:
                    return cand
        return None

    def in_line(self, rel: str) -> bool:
        """True when the dataset already reflects ``rel`` as it is on disk.

        Call with ``dataset.lock`` held. This is what keeps our own writes (and
        no-op changes like ``touch``) from coming back as outside changes.
        """
        ds = self.dataset
        path = ds.root / rel
        if self._ext(rel) in IMAGE_EXTS:
            present = path.is_file()
            if present != (rel in ds.items):
                return False
            if not present:
                return True
            with self._own_lock:
                own = self._own.get(rel, False)
            return own is not False and own == stat_key(path)
        owner = self._owner(rel)
        if owner is None:  # an orphan caption: only its presence matters
            return path.is_file() == (rel in ds.orphan_captions)
        item = ds.items[owner]
        if item.caption_path is None or item.caption_path != path:
            return False  # a new caption, or a second one beside the first
        return item.stamp.exists and sha256_of(path) == item.stamp.sha256

    # ---- applying --------------------------------------------------------------
    def _on_ready(self, rels: set[str]) -> None:
        if SETTINGS_FILE in rels and self.on_settings is not None:
            self.on_settings()
            rels = rels - {SETTINGS_FILE}
        batch = self.apply(rels) if rels else None
        if batch is not None and self.on_batch is not None:
            self.on_batch(batch)

    def apply(self, rels: Collection[str]) -> Batch | None:
        """Bring the dataset in line with disk for ``rels``; None when nothing changed."""
        ds = self.dataset
        with ds.lock:
            outside = sorted((r for r in rels if not self.in_line(r)), key=natural_key)
            if not outside:
                return None
            # Only the images these files can touch: a full copy costs ms at 10k.
            owners = (r if self._ext(r) in IMAGE_EXTS else self._owner(r) for r in outside)
            before = {r: ds.items[r].tags for r in owners if r is not None and r in ds.items}
            orphans_before = set(ds.orphan_captions)
        # Listeners run inside refresh_paths, outside our hold on the lock, so one
        # that waits on the UI thread cannot deadlock with an edit there.
        touched = ds.refresh_paths(outside, reason=REASON)
        with ds.lock:
            now = set(ds.items)
            orphans_now = set(ds.orphan_captions)
            after = {r: ds.items[r].tags for r in touched if r in now}
        added = [r for r in touched if r in now and r not in before]
        removed = [r for r in touched if r not in now and r in before]
        changed = [r for r in touched if r in now and r in before]
        tag_changes = tuple(
            TagChange(r, before[r], after[r])
            for r in sorted_paths(changed)
            if tuple(before[r]) != tuple(after[r])
        )
        batch = Batch(
            paths=tuple(outside),
            added=sorted_paths(added),
            removed=sorted_paths(removed),
            changed=sorted_paths(changed),
            tag_changes=tag_changes,
            orphans_added=sorted_paths(orphans_now - orphans_before),
            orphans_removed=sorted_paths(orphans_before - orphans_now),
        )
        return None if batch.empty else batch
