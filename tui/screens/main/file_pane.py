"""The left pane: the filter box over the file list; which images show, in what order.

It owns the filter text (the query language, parsed by ``core.query``), the sort
order and the "these images only" set a rules finding or an augment run shows,
and posts :class:`FilePane.Shown` after the rows were replaced so the screen can
follow the cursor and the counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lorapan.core.dataset import Dataset
from lorapan.core.query import QueryError, compile_query
from lorapan.tui.screens.main.annotations import SORTS, Annotations
from lorapan.tui.widgets.file_list import FileList
from lorapan.tui.widgets.in_order import InOrderInput
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input

FILTER_PLACEHOLDER = "filter: tag, a AND NOT b, tags>20…"
#: Seconds of no typing before the filter runs (each run is a pass over the dataset).
FILTER_DELAY = 0.15


class FilePane(Vertical):
    """See module docstring."""

    @dataclass
    class Shown(Message):
        """The rows were replaced (filter, sort, image set)."""

        pane: FilePane

        @property
        def control(self) -> FilePane:
            return self.pane

    def __init__(self, dataset: Dataset, marks: Annotations, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dataset = dataset
        self.marks = marks
        self.filter_text = ""
        self.sort = "name"
        #: (images, label) while only a finding's or an augment run's images show
        self.image_set: tuple[set[str], str] | None = None
        self._pending_filter = ""
        self._filter_timer: Any = None

    def compose(self) -> ComposeResult:
        yield InOrderInput(placeholder=FILTER_PLACEHOLDER, id="filter")
        yield FileList(self.marks.row_info, id="files")

    def on_mount(self) -> None:
        self.box.display = False

    @property
    def files(self) -> FileList:
        return self.query_one(FileList)

    @property
    def box(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def narrowed(self) -> bool:
        """Whether fewer than all images show because of a filter or an image set."""
        return bool(self.filter_text) or self.image_set is not None

    # ---- which rows --------------------------------------------------------------
    def apply_filter(self, text: str) -> bool:
        """Show the images matching ``text``; False (and a message) when it does not parse."""
        try:
            query = compile_query(text) if text.strip() else None
        except QueryError as exc:
            self.box.border_subtitle = Content(str(exc)[:60])  # quotes what was typed
            self.notify(str(exc), title="Filter", severity="warning", timeout=4)
            return False
        self.box.border_subtitle = ""
        self.filter_text = text.strip()
        self.image_set = None
        with self.dataset.lock:
            items = list(self.dataset.items.values())
        self._show([it.relpath for it in items if query is None or query.matches(it)])
        return True

    def set_filter(self, text: str) -> None:
        """Filter to ``text`` as if typed (empty: every image) and go to the list."""
        box = self.box
        box.placeholder = FILTER_PLACEHOLDER
        with self.prevent(Input.Changed):
            box.value = text
        box.display = bool(text)
        self.apply_filter(text)
        self.files.focus()

    def show_images(self, images: Iterable[str], label: str) -> None:
        """Show exactly these images (a finding's); esc goes back to the whole list."""
        wanted = set(images)
        box = self.box
        with self.prevent(Input.Changed):
            box.value = ""
        box.display = True
        box.placeholder = f"{label} ({len(wanted)}) · esc: all"
        self.filter_text = ""
        self.image_set = (wanted, label)
        self._show([r for r in self.dataset.items if r in wanted])
        self.files.focus()

    def dataset_changed(self, relpaths: set[str]) -> bool:
        """Images came or went: the same filter (or image set) again, and True;
        only captions changed: redraw their rows, and False."""
        files, items = self.files, self.dataset.items
        gone = {r for r in relpaths if r not in items}
        new = {r for r in relpaths if r in items and not files.contains(r)}
        if not gone and not new:
            files.refresh_rows(relpaths)
            return False
        files.selection -= gone
        if self.image_set is not None:
            self.show_images(self.image_set[0] - gone, self.image_set[1])
        else:
            self.apply_filter(self.filter_text)
        return True

    def cycle_sort(self) -> str:
        """The next sort order, applied to the rows shown now."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        files = self.files
        rows = list(self.dataset.items)
        if self.narrowed:
            rows = [r for r in rows if files.contains(r)]
        files.show_rows(self.marks.sorted(rows, self.sort), keep=files.current)
        return self.sort

    def _show(self, rows: list[str]) -> None:
        files = self.files
        files.show_rows(self.marks.sorted(rows, self.sort), keep=files.current)
        files.selection &= set(rows)
        self.post_message(self.Shown(self))

    # ---- the filter box ----------------------------------------------------------
    def open_filter(self) -> None:
        self.box.display = True
        self.box.focus()

    @on(Input.Changed, "#filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._pending_filter = event.value
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._run_pending_filter)

    def _run_pending_filter(self) -> None:
        self._filter_timer = None
        self.apply_filter(self._pending_filter)

    @on(Input.Submitted, "#filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if self.apply_filter(event.value):
            event.input.display = bool(event.value.strip())
            self.files.focus()
