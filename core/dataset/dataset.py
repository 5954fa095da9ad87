"""The in-memory view of one dataset folder: its images, captions, tag index and edits.

The work is done by the modules beside this one: ``scan`` pairs images with
captions, ``ownership`` tracks which image owns a caption, ``kohya`` lays out
the repeat folders, ``changes`` plans caption writes, ``refresh`` follows disk.
:class:`Dataset` holds the state, the lock and the listeners, and journals
every write.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lorapan.core.dataset.changes import ApplyResult, absorb, plan_writes
from lorapan.core.dataset.items import ImageItem
from lorapan.core.dataset.kohya import IgnoredFolder, KohyaFolder, layout_folders
from lorapan.core.dataset.ownership import CaptionOwners, image_for_new_caption
from lorapan.core.dataset.refresh import DiskSync
from lorapan.core.dataset.reg import RegFolder, RegMatcher, reg_folders, split_reg
from lorapan.core.dataset.scan import scan_folder
from lorapan.core.edits import TagChange
from lorapan.core.journal import Journal, MoveOp, Op, OpResult, Transaction
from lorapan.core.method.anchor import kohya_trains
from lorapan.core.naming import IMAGE_EXTS
from lorapan.core.query import compile_query
from lorapan.core.settings import SETTINGS_FILE, STATE_DIR, Settings, load_settings, state_dir
from lorapan.core.settings_journal import settings_change
from lorapan.core.settings_live import reload_settings
from lorapan.core.tag_index import TagIndex

Listener = Callable[[set[str], str], None]


def dataset_side(op: Op) -> str:
    """The op's path in the dataset proper: a move's end outside ``.lorapan/``."""
    if isinstance(op, MoveOp) and op.path.startswith(STATE_DIR + "/"):
        return op.dest
    return op.path


class Dataset:
    """The in-memory view of one dataset folder; see the package docstring."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = Path(root).resolve()
        self.settings = settings
        self.items: dict[str, ImageItem] = {}
        self.orphan_captions: list[str] = []
        self.folders: list[KohyaFolder] = []
        self.ignored_folders: list[IgnoredFolder] = []
        #: Class images (DreamBooth regularisation, :mod:`.reg`): kept out of ``items``,
        #: so no rule, count or fix sees them; training emits them with ``is_reg``.
        self.reg_items: dict[str, ImageItem] = {}
        self.reg_folders: list[RegFolder] = []
        self.is_reg = RegMatcher.from_settings(settings)
        self.index = TagIndex()
        self.journal = Journal(self.root, self.root / STATE_DIR)
        self.journal.on_write.append(self._note_own_write)
        self.listeners: list[Listener] = []
        self.lock = threading.RLock()
        #: Which image owns which caption file (and images sharing one).
        self.caption_owners = CaptionOwners()
        #: Recent writes of our own (relpath -> count), for the watcher to ignore.
        self.own_writes: dict[str, int] = {}
        self._sync = DiskSync(self)
        self._keep_in_step = True  # False during a one-shot command's write

    # ---- opening -----------------------------------------------------------
    @classmethod
    def open(cls, root: Path | str, settings: Settings | None = None) -> Dataset:
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"{root} is not a folder")
        ds = cls(root, settings or load_settings(root))
        ds._scan()
        return ds

    @property
    def state_dir(self) -> Path:
        """``root/.lorapan``, made when missing (StateError when it cannot be)."""
        return state_dir(self.root)

    def _scan(self) -> None:
        items, orphans = scan_folder(self.root, self.settings)
        items, orphans, reg = split_reg(items, orphans, self.is_reg)
        self.reg_items = {it.relpath: it for it in reg}
        self.reg_folders = reg_folders(reg, self.is_reg)
        self.folders, self.ignored_folders = layout_folders(self.root.name, items)
        for item in items:
            self.items[item.relpath] = item
            if item.caption_file is not None:
                self.caption_owners.claim(item)
        self.index.add_images((it.relpath, it.tags) for it in items)
        self.orphan_captions = orphans

    # ---- lookups -----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.items)

    def item_for_caption(self, caption_rel: str) -> ImageItem | None:
        rel = self.caption_owners.owner_of(caption_rel)
        return self.items.get(rel) if rel else None

    @property
    def stem_collisions(self) -> list[tuple[str, str, str]]:
        """(image, other image, caption): images kohya trains with the same caption."""
        return self.caption_owners.collisions()

    def trains(self, relpath: str) -> bool:
        """Whether kohya trains this image (:func:`~lorapan.core.method.anchor.kohya_trains`)."""
        item = self.items.get(relpath)
        return item is not None and kohya_trains(self, item)

    @property
    def images_without_caption(self) -> list[str]:
        return [r for r, it in self.items.items() if it.caption_file is None]

    @property
    def unreadable_captions(self) -> list[tuple[str, str]]:
        return [(r, it.caption_error) for r, it in self.items.items() if it.caption_error]

    @property
    def read_only_captions(self) -> list[tuple[str, str]]:
        """(image, why) for captions lorapan reads but will not write (links, modes)."""
        return [(r, it.write_block) for r, it in self.items.items() if it.write_block]

    @property
    def multiline_captions(self) -> list[str]:
        return [r for r, it in self.items.items() if it.caption and it.caption.is_multiline]

    def select(self, query: str | None) -> list[str]:
        """Relpaths matching a query (all images when ``query`` is empty)."""
        if not query:
            return list(self.items)
        q = compile_query(query)
        return [r for r, it in self.items.items() if q.matches(it)]

    # ---- changes -------------------------------------------------------------
    def apply_changes(
        self,
        changes: Iterable[TagChange],
        label: str,
        *,
        keep_in_step: bool = True,
        moves: Sequence[MoveOp] = (),
        move_owners: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
        files: Sequence[tuple[str, bytes | None, bytes | None]] = (),
    ) -> ApplyResult:
        """Write new tags for each change, journaled; unchanged tags are skipped.

        ``keep_in_step=False``: the caller reads nothing of this dataset afterwards (a
        one-shot command), so the captions written are not taken back into memory; at
        10,000 captions that was a tenth of ``lorapan edit``'s time.

        ``moves`` (with ``move_owners``, the image each moved file belongs to, as for
        :meth:`apply_moves`) go in the same transaction, so one undo reverts both; the
        images they moved are in ``applied`` too.

        ``settings`` (``[dataset]`` keys a fix sets) are written to lorapan.toml in the
        same transaction (:mod:`lorapan.core.settings_journal`): one undo reverts both,
        and ``result.settings`` says the file was written.

        ``files`` are whole files written in the same transaction, as (relpath, bytes
        before, bytes after): an image a fix rewrites (``rules.image_fixes``).
        """
        result = ApplyResult(label)
        with self.lock, self.journal.writer.hold():
            writes, owners = plan_writes(self.items, changes, result)
            if settings and (change := settings_change(self.root, settings)):
                writes.append(change)
            writes += files
            if not writes and not moves:
                return result
            self._keep_in_step = keep_in_step
            try:
                txn, res = self.journal.run(label, writes, moves)
            finally:
                self._keep_in_step = True
            if moves or files:
                self._refresh_after(txn, res)
                owners = {**owners, **(move_owners or {})}
            absorb(res, owners, result)
            result.settings = SETTINGS_FILE in result.applied
            result.applied = images_only(result.applied)
            result.txn_id = txn.id
            notify = {img for rel in res.done for img in self.caption_owners.images_of(rel)}
        self._follow_settings([result])
        self._notify(set(result.applied) | notify, label)
        return result

    def undo(self) -> ApplyResult | None:
        with self.lock:
            out = self.journal.undo()
            if out is None:
                return None
            txn, res = out
            result = self._txn_result(txn, res, f"undo: {txn.label}")
        self._follow_settings([result])
        self._notify(set(result.applied), result.label)
        return result

    def redo(self) -> ApplyResult | None:
        with self.lock:
            out = self.journal.redo()
            if out is None:
                return None
            txn, res = out
            result = self._txn_result(txn, res, f"redo: {txn.label}")
        self._follow_settings([result])
        self._notify(set(result.applied), result.label)
        return result

    def recover(self, finish: bool) -> list[ApplyResult]:
        """Finish or roll back transactions interrupted by a crash.

        Never waits: while another process holds the writer lock its transaction is
        live, not interrupted, and this raises DatasetBusy instead.
        """
        results = []
        with self.lock, self.journal.writer.hold(wait_s=0):
            for txn in self.journal.incomplete():
                res = self.journal.finish(txn) if finish else self.journal.rollback(txn)
                verb = "finished" if finish else "rolled back"
                results.append(self._txn_result(txn, res, f"{verb}: {txn.label}"))
        self._follow_settings(results)
        for r in results:
            self._notify(set(r.applied), r.label)
        return results

    def apply_moves(
        self, moves: list[MoveOp], label: str, owners: Mapping[str, str]
    ) -> ApplyResult:
        """Move files (journaled, undoable); ``owners`` maps each file to its image.

        ``applied`` lists each image once that had a file moved (see ``core.triage``).
        """
        result = ApplyResult(label)
        with self.lock, self.journal.writer.hold():
            txn, res = self.journal.run_ops(label, list(moves))
            self._refresh_after(txn, res)
            result.txn_id = txn.id
            absorb(res, owners, result)
        result.applied = list(dict.fromkeys(result.applied))
        self._notify(set(result.applied), label)
        return result

    def _refresh_after(self, txn: Transaction, res: OpResult) -> None:
        """Undo, redo, recovery and moves may create or delete images (augment,
        triage), not only captions: bring those entries in line with disk too."""
        done = set(res.done)
        for op in txn.ops:
            if op.path not in done:
                continue
            for rel in (op.path, getattr(op, "dest", None)):
                if rel and os.path.splitext(rel)[1].lower() in IMAGE_EXTS:
                    self._sync.refresh(rel)
        self._sync.settle()

    def _txn_result(self, txn: Transaction, res: OpResult, label: str) -> ApplyResult:
        self._refresh_after(txn, res)
        result = ApplyResult(label, txn_id=txn.id)
        owners = {op.path: self._image_of(dataset_side(op)) for op in txn.ops}
        # an undone augment removed an image and its caption: count the image once
        stems = {os.path.splitext(p)[0]: p for p in owners.values() if _is_image(p)}
        owners = {
            k: v if v == SETTINGS_FILE else stems.get(os.path.splitext(v)[0], v)
            for k, v in owners.items()
        }
        absorb(res, owners, result)
        result.settings = SETTINGS_FILE in result.applied  # a checklist tick: not an image
        result.applied = images_only(result.applied)
        return result

    def _image_of(self, rel: str) -> str:
        """The image a file a step wrote belongs to; the file itself when it is no
        caption (an image, lorapan.toml: never an image's caption, whatever its stem)."""
        if rel == SETTINGS_FILE:
            return rel
        return self.caption_owners.owner_of(rel) or image_for_new_caption(rel, self.items) or rel

    def _follow_settings(self, results: Iterable[ApplyResult]) -> None:
        """Take lorapan.toml back in when a step wrote it (undo or redo of a checklist
        tick); outside the lock, as a changed caption extension re-reads captions."""
        if any(r.settings for r in results):
            reload_settings(self)

    # ---- following disk ------------------------------------------------------
    def _note_own_write(self, caption_rel: str, data: bytes | None = None) -> None:
        """The journal wrote a file: remember it for the watcher, and bring the images
        that read it in line (adopting ``data``, the bytes written, when it has them;
        re-reading after a delete or a move)."""
        self.own_writes[caption_rel] = self.own_writes.get(caption_rel, 0) + 1
        if not self._keep_in_step or caption_rel == SETTINGS_FILE:  # no image's caption
            return
        for owner in self._sync.readers_of(caption_rel):
            if data is None or not self._sync.adopt(owner, caption_rel, data):
                self._sync.reload_item(owner)

    def reload(self, relpaths: Iterable[str], reason: str = "reload") -> set[str]:
        """Re-read captions from disk (after an outside change or a conflict)."""
        done = set()
        with self.lock:
            for rel in relpaths:
                if rel in self.items:
                    self._sync.reload_item(rel)
                    done.add(rel)
        if done:
            self._notify(done, reason)
        return done

    def regroup(self) -> bool:
        """Take a changed ``[dataset] reg_folders``: images move between the dataset and
        its class images, as opening the dataset again would; True when any moved."""
        with self.lock:
            matcher = RegMatcher.from_settings(self.settings)
            if matcher == self.is_reg:
                return False
            self.is_reg = matcher
            touched = self._sync.regroup()
        if touched:
            self._notify(touched, "class-image folders changed")
        return bool(touched)

    def refresh_paths(self, paths: Iterable[str], reason: str = "outside change") -> set[str]:
        """Bring the view in line with disk for files (images or captions) that changed.

        ``paths`` are relative to the root. New images are added, deleted ones
        dropped, captions re-read; orphan lists follow. Returns the image relpaths
        whose entry changed (added, removed or re-read); listeners are told.
        """
        touched: set[str] = set()
        with self.lock:
            for rel in paths:
                touched |= self._sync.refresh(rel.replace(os.sep, "/"))
            self._sync.settle()
        if touched:
            self._notify(touched, reason)
        return touched

    # ---- listeners -----------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """``listener(relpaths, reason)`` runs after each change of captions."""
        self.listeners.append(listener)

    def _notify(self, relpaths: set[str], reason: str) -> None:
        for listener in list(self.listeners):
            listener(relpaths, reason)


def _is_image(rel: str) -> bool:
    return os.path.splitext(rel)[1].lower() in IMAGE_EXTS


def images_only(applied: Iterable[str]) -> list[str]:
    """The images a step wrote, each once: not lorapan.toml, nor lorapan's own records
    (``.lorapan/augment.json``), which a step writes with them."""
    return [
        r
        for r in dict.fromkeys(applied)
        if r != SETTINGS_FILE and not r.startswith(STATE_DIR + "/")
    ]
