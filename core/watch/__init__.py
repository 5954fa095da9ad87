"""The live folder: outside changes to a dataset show up at once.

:class:`DatasetWatcher` watches a dataset folder (watchdog, recursive; polling on
network filesystems) and turns whatever a tagger script, a file manager or rsync
does beside lorapan into :meth:`Dataset.refresh_paths` calls, one per settled
burst, so the tag index, the rules engine (a ``dataset.subscribe`` listener) and
the app follow. Each applied burst is described by a :class:`Batch` handed to
``on_batch``.

lorapan's own writes never come back as outside changes (how: :mod:`.dataset`).

:class:`FolderWatcher` is the same machinery for a plain folder (a training
run's output: sample images and checkpoints appear as they are completed).

The parts: :mod:`.base` (the options below, the observer and settler lifecycle),
:mod:`.dataset` (reconciling a dataset with its folder, :class:`Batch`),
:mod:`.folder` (a plain folder, :class:`FolderBatch`); raw events become settled
paths in :mod:`.events`.

Options live in ``lorapan.toml``::

    [watch]
    polling = true        # for NFS/SMB, where inotify misses other hosts' writes
    debounce = 0.3        # seconds of quiet that end a burst
    stable_for = 0.5      # seconds a file must stay unchanged while being written
    poll_interval = 1.0   # seconds between polls
"""

from __future__ import annotations

from lorapan.core.watch.base import Watcher, WatchOptions
from lorapan.core.watch.dataset import REASON, Batch, DatasetWatcher
from lorapan.core.watch.folder import FolderBatch, FolderWatcher

__all__ = [
    "REASON",
    "Batch",
    "DatasetWatcher",
    "FolderBatch",
    "FolderWatcher",
    "WatchOptions",
    "Watcher",
]
