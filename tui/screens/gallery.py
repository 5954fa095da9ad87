"""The gallery: the images of the current filter, a tag or a finding as a grid of thumbnails.

The grid (:class:`~lorapan.tui.widgets.thumb_grid.ThumbGrid`) asks for the
thumbnails on screen plus one row ahead; this screen decodes them on one exclusive
thread worker, so a newer request (a key, a scroll) cancels the one before it and
pages flown past are never decoded. Each decoded thumbnail goes into the shared
store (an LRU that outlives the screen) and is announced with
:class:`ThumbReady`; the grid redraws that cell.

Closing returns a :class:`GalleryResult`: the image to open on the main screen
(enter) or None (escape), and the selection, which the main screen takes over.
Set aside / trash go to the main screen's triage (``on_triage``); the grid follows
the dataset when images leave it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.dataset import Dataset
from lorapan.tui.widgets.halfblocks import Cells, ThumbReady, ThumbStore, decode_into
from lorapan.tui.widgets.keys_footer import KeysFooter
from lorapan.tui.widgets.preview import CaptionLine
from lorapan.tui.widgets.thumb_grid import ThumbGrid
from lorapan.tui.workers import report_failure
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

#: Seconds a decode run waits for a newer request before starting (a held key).
SETTLE_S = 0.02

#: triage(kind, relpaths): "set-aside" or "trash" these images (the main screen's)
Triage = Callable[[str, list[str]], None]


@dataclass(frozen=True)
class GalleryResult:
    """How the gallery closed: ``open`` an image (enter) or not, and the selection."""

    open: str | None
    current: str | None
    selection: frozenset[str]
    zoom: int = 1


class GalleryScreen(Screen[GalleryResult]):
    """See module docstring."""

    DEFAULT_CSS = """
    GalleryScreen #gallery-head { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(
        self,
        dataset: Dataset,
        store: ThumbStore,
        rows: Iterable[str],
        label: str,
        *,
        current: str | None = None,
        selection: Iterable[str] = (),
        zoom: int | None = None,
        on_triage: Triage | None = None,
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.root = Path(dataset.root)
        self.store = store
        self.rows = list(rows)
        self.label = label
        self.start_at = current
        self.start_selection = set(selection)
        self.zoom = zoom
        self.on_triage = on_triage
        self.pending: set[str] = set()

    def compose(self) -> ComposeResult:
        yield CaptionLine(id="gallery-head")
        yield ThumbGrid(self.store, id="gallery")
        yield KeysFooter()

    def on_mount(self) -> None:
        grid = self.grid
        grid.selection = self.start_selection & set(self.rows)
        if self.zoom is not None:
            grid.zoom = self.zoom
        grid.show_rows(self.rows, keep=self.start_at)
        grid.focus()
        self._head()

    @property
    def grid(self) -> ThumbGrid:
        return self.query_one(ThumbGrid)

    def _head(self) -> None:
        grid = self.grid
        parts = [f"Gallery · {self.label}"]
        if grid.rows:
            parts.append(f"{grid.cursor + 1}/{len(grid.rows)}")
            parts.append(grid.rows[grid.cursor].rpartition("/")[2])
        else:
            parts.append("no images")
        if grid.selection:
            parts.append(f"{len(grid.selection)} selected")
        if self.pending:
            parts.append(f"decoding {len(self.pending)}…")
        self.query_one(CaptionLine).text = " · ".join(parts)

    # ---- decoding ------------------------------------------------------------------
    @on(ThumbGrid.Wanted)
    def _wanted(self, message: ThumbGrid.Wanted) -> None:
        missing = [r for r in message.relpaths if self.store.get(r, message.cells) is None]
        self.pending = set(missing)
        self._head()
        if missing:
            self._decode(missing, message.cells)

    @work(thread=True, exclusive=True, group="gallery", exit_on_error=False)
    def _decode(self, rels: list[str], cells: Cells) -> None:
        worker = get_current_worker()
        time.sleep(SETTLE_S)
        if worker.is_cancelled:
            return

        decode_into(
            self.store, self.root, rels, cells, lambda: worker.is_cancelled, self.post_message
        )

    def on_thumb_ready(self, message: ThumbReady) -> None:
        self.pending.discard(message.relpath)
        if message.cells == self.grid.cells:
            self.grid.thumb_ready(message.relpath)
        if not self.pending:
            self._head()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)

    # ---- keys ------------------------------------------------------------------------
    @on(ThumbGrid.CursorMoved)
    def _moved(self) -> None:
        self._head()

    @on(ThumbGrid.Command)
    def _command(self, message: ThumbGrid.Command) -> None:
        grid = self.grid
        command = message.command
        if command == "selection":
            self._head()
        elif command in ("open", "close"):
            current = grid.current
            opened = current if command == "open" else None
            self.dismiss(GalleryResult(opened, current, frozenset(grid.selection), grid.zoom))
        elif command in ("set-aside", "trash") and self.on_triage is not None:
            targets = grid.targets()
            if targets:
                self.on_triage(command, targets)

    # ---- following the dataset --------------------------------------------------------
    def refresh_from_dataset(self, relpaths: set[str], reason: str = "") -> None:
        """Images that left the dataset leave the grid; changed files are decoded again."""
        items = self.dataset.items
        changed = {r for r in relpaths if r in items and self._file_changed(r)}
        if changed:
            self.store.forget(changed)
        grid = self.grid
        gone = {r for r in relpaths if r not in items}
        if gone & set(grid.rows):
            index = grid.cursor
            self.rows = [r for r in grid.rows if r not in gone]
            keep = next((r for r in grid.rows[index:] if r not in gone), None)
            keep = keep or next((r for r in reversed(grid.rows[:index]) if r not in gone), None)
            grid.show_rows(self.rows, keep=keep)
        elif changed:
            grid.ask_again()
        self._head()

    def _file_changed(self, rel: str) -> bool:
        """Whether the picture of ``rel`` in the store is older than its file."""
        thumb = self.store.get(rel, self.grid.cells)
        if thumb is None:
            return False
        try:
            st = os.stat(self.root / rel)
        except OSError:
            return True
        return (st.st_mtime_ns, st.st_size) != thumb.stamp
