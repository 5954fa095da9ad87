"""Watching a plain folder (a training run's output) for files that are complete.

Sample images and checkpoints appear as the trainer finishes them; a file still
being written is reported once its size and mtime settle (see
:mod:`lorapan.core.watch.events`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lorapan.core.naming import natural_key
from lorapan.core.watch.base import Watcher, WatchOptions, sorted_paths, stat_key
from lorapan.core.watch.events import is_ignored, walk_files


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


class FolderWatcher(Watcher):
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
                r: stat_key(self.root / r) for r in walk_files(self.root, "") if self._accept(r)
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
            self.on_batch(
                FolderBatch(sorted_paths(added), sorted_paths(changed), sorted_paths(removed))
            )

    def _classify(
        self, rels: set[str], added: list[str], changed: list[str], removed: list[str]
    ) -> None:
        for rel in rels:
            if is_ignored(rel) or not self._accept(rel):
                continue
            key = stat_key(self.root / rel)
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
