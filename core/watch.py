"""The live folder: outside changes to a dataset show up at once.

:class:`DatasetWatcher` watches a dataset folder (watchdog, recursive; polling on
network filesystems) and turns whatever a tagger script, a file manager or rsync
does beside lorapan into :meth:`Dataset.refresh_paths` calls, one per settled
burst, so the tag index, the rules engine (a ``dataset.subscribe`` listener) and
the app follow. Each applied burst is described by a :class:`Batch` handed to
``on_batch``. The dataset's ``lorapan.toml`` changing is handed to ``on_settings``
instead (its owner reads it again: ``core.settings_live``).

lorapan's own writes never come back as outside changes: before anything is
applied, each path is compared with what the dataset already holds. A caption is
in line when its content hash equals the stamp the dataset keeps (the journal
updates that stamp as it writes, so an own write, or a ``touch``, is no change);
an image is in line when its presence matches the dataset and, if present, its
size and mtime are those the journal's ``on_write`` callback recorded for our own
write. The check runs under ``dataset.lock``, so a bulk edit in progress is
either entirely before or entirely after it.

:class:`FolderWatcher` is the same machinery for a plain folder (a training
run's output: sample images and checkpoints appear as they are completed).

Options live in ``lorapan.toml``::

    [watch]
    polling = true        # for NFS/SMB, where inotify misses other hosts' writes
    debounce = 0.3        # seconds of quiet that end a burst
    stable_for = 0.5      # seconds a file must stay unchanged while being written
    poll_interval = 1.0   # seconds between polls
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lorapan.core.edits import TagChange
from lorapan.core.naming import IMAGE_EXTS, natural_key
from lorapan.core.settings import SETTINGS_FILE
from lorapan.core.watch_events import (
    Settler,
    is_ignored,
    start_observer,
    stop_observer,
    walk_files,
)

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset
    from lorapan.core.settings import Settings
    from watchdog.observers.api import BaseObserver

REASON = "outside change"


@dataclass(frozen=True)
class WatchOptions:
    polling: bool = False
    debounce: float = 0.3
    stable_for: float = 0.5
    max_latency: float = 2.0
    poll_interval: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings | None, **overrides: Any) -> WatchOptions:
        """The ``[watch]`` table of lorapan.toml; bad values fall back to defaults."""
        table = settings.section("watch") if settings is not None else {}
        values: dict[str, Any] = {}
        if isinstance(table.get("polling"), bool):
            values["polling"] = table["polling"]
        for key in ("debounce", "stable_for", "max_latency", "poll_interval"):
            val = table.get(key)
            if isinstance(val, (int, float)) and not isinstance(val, bool) and val >= 0:
                values[key] = float(val)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _sorted(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(paths, key=natural_key))


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


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class _Base:
    """Observer + settler lifecycle shared by both watchers."""

    root: Path
    options: WatchOptions
    mode: str = "stopped"

    def __init__(self, on_error: Callable[[BaseException], None] | None) -> None:
        self._observer: BaseObserver | None = None
        self._settler: Settler | None = None
        self._on_error = on_error
        self._started = False

    def _accept(self, rel: str) -> bool:
        raise NotImplementedError

    def _on_ready(self, rels: set[str]) -> None:
        raise NotImplementedError

    def _known_under(self, rel_dir: str) -> Iterable[str]:
        raise NotImplementedError

    def start(self) -> None:
        """Start watching; returns at once (the observer runs on its own threads)."""
        if self._started:
            return
        o = self.options
        self._settler = Settler(
            self.root,
            self._on_ready,
            debounce=o.debounce,
            max_latency=o.max_latency,
            stable_for=o.stable_for,
            expand_gone=self._known_under,
            on_error=self._on_error,
        )
        self._settler.start()
        try:
            self._observer, self.mode = start_observer(
                self.root,
                self._settler,
                self._accept,
                polling=o.polling,
                poll_interval=o.poll_interval,
            )
        except BaseException:
            self._settler.stop()
            raise
        self._started = True

    def stop(self) -> None:
        """Stop watching and wait for the threads; changes not yet settled are dropped."""
        stop_observer(self._observer)
        if self._settler is not None:
            self._settler.stop()
        self._observer = self._settler = None
        self._started = False
        self.mode = "stopped"

    @property
    def busy(self) -> bool:
        """True while changes are waiting to settle (useful in tests and benchmarks)."""
        return self._settler is not None and self._settler.busy

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class DatasetWatcher(_Base):
    """Keep a :class:`Dataset` in line with its folder; see module docstring."""

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
        self.dataset = dataset
        self.on_settings = on_settings
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

    def _note_own_write(self, rel: str) -> None:
        """Journal callback: remember how an image we just wrote looks.

        Captions need no record: the dataset's stamp (updated by the journal as it
        writes) already tells an own write from an outside one.
        """
        if self._ext(rel) not in IMAGE_EXTS:
            return
        with self._own_lock:
            self._own[rel] = _stat_key(self.root / rel)

    # ---- filtering -------------------------------------------------------------
    def _ext(self, rel: str) -> str:
        return os.path.splitext(rel)[1].lower()

    def _caption_exts(self) -> frozenset[str]:
        """The caption extensions of the settings in use (they change with lorapan.toml)."""
        settings = self.dataset.settings
        if settings is not self._cap_exts_of:
            self._cap_exts = frozenset(e.lower() for e in settings.caption_extensions)
            self._cap_exts_of = settings
        return self._cap_exts

    def _accept(self, rel: str) -> bool:
        ext = self._ext(rel)
        if rel == SETTINGS_FILE:
            return self.on_settings is not None
        return ext in IMAGE_EXTS or ext in self._caption_exts()

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
            return own is not False and own == _stat_key(path)
        owner = self._owner(rel)
        if owner is None:  # an orphan caption: only its presence matters
            return path.is_file() == (rel in ds.orphan_captions)
        item = ds.items[owner]
        if item.caption_path is None or item.caption_path != path:
            return False  # a new caption, or a second one beside the first
        return item.stamp.exists and _sha256(path) == item.stamp.sha256

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
            for r in _sorted(changed)
            if tuple(before[r]) != tuple(after[r])
        )
        batch = Batch(
            paths=tuple(outside),
            added=_sorted(added),
            removed=_sorted(removed),
            changed=_sorted(changed),
            tag_changes=tag_changes,
            orphans_added=_sorted(orphans_now - orphans_before),
            orphans_removed=_sorted(orphans_before - orphans_now),
        )
        return None if batch.empty else batch


@dataclass(frozen=True)
class FolderBatch:
    """Files (relative to the watched folder) that appeared, changed or went."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict:
        return {
            "at": self.at,
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
        }


class FolderWatcher(_Base):
    """Watch a plain folder (e.g. a training run's output) for completed files.

    ``suffixes`` limits it to some file types (``{".png", ".safetensors"}``); files
    present at start count as known, so only later arrivals are ``added``. A file
    still being written (a checkpoint being saved) is reported once it is complete.
    """

    def __init__(
        self,
        path: Path | str,
        on_batch: Callable[[FolderBatch], None],
        *,
        suffixes: Iterable[str] | None = None,
        polling: bool = False,
        debounce: float = 0.3,
        stable_for: float = 0.5,
        max_latency: float = 2.0,
        poll_interval: float = 1.0,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(on_error)
        self.root = Path(path).resolve()
        self.options = WatchOptions(polling, debounce, stable_for, max_latency, poll_interval)
        self.on_batch = on_batch
        self.suffixes = frozenset(s.lower() for s in suffixes) if suffixes else None
        self._known: dict[str, tuple[int, int] | None] = {}
        self._known_lock = threading.Lock()

    def _accept(self, rel: str) -> bool:
        return self.suffixes is None or os.path.splitext(rel)[1].lower() in self.suffixes

    def start(self) -> None:
        if not self._started and self.root.is_dir():
            self._known = {
                r: _stat_key(self.root / r) for r in walk_files(self.root, "") if self._accept(r)
            }
        super().start()

    @property
    def files(self) -> list[str]:
        """The files known now (present at start or reported since)."""
        with self._known_lock:
            return sorted(self._known, key=natural_key)

    def _known_under(self, rel_dir: str) -> list[str]:
        prefix = rel_dir.rstrip("/") + "/"
        with self._known_lock:
            return [r for r in self._known if r.startswith(prefix)]

    def _on_ready(self, rels: set[str]) -> None:
        added, changed, removed = [], [], []
        with self._known_lock:
            self._classify(rels, added, changed, removed)
        if added or changed or removed:
            self.on_batch(FolderBatch(_sorted(added), _sorted(changed), _sorted(removed)))

    def _classify(
        self, rels: set[str], added: list[str], changed: list[str], removed: list[str]
    ) -> None:
        for rel in rels:
            if is_ignored(rel) or not self._accept(rel):
                continue
            key = _stat_key(self.root / rel)
            if key is None:
                if self._known.pop(rel, False) is not False:
                    removed.append(rel)
            elif rel not in self._known:
                added.append(rel)
            elif self._known[rel] != key:
                changed.append(rel)
            else:
                continue
            if key is not None:
                self._known[rel] = key
