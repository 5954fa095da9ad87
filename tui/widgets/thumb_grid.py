"""A grid of half-block thumbnails, drawn by Textual's Line API (the gallery's body).

Each cell is a thumbnail of ``cells`` (columns x rows of half-blocks), its file name
under it, and a margin column either side that frames the cursor. The grid holds
relpaths only; a line is made when it is drawn, from the thumbnails in the shared
:class:`~lorapan.tui.widgets.halfblocks.ThumbStore` (a placeholder where one is not
decoded yet). The grid decodes nothing itself: whenever the cells on screen (plus
one row ahead) change, it posts :class:`ThumbGrid.Wanted` and the screen decodes
those on a worker, posting back as each one is ready. So the grid costs the same
with 10,000 images as with 10. (The module is a little past 400 lines and stays whole:
drawing, cursor and keys share the cell geometry and the line cache, and the decoding
already lives in ``halfblocks`` and the gallery screen.)

Keys (``gallery`` in the keymap table): hjkl/arrows move, page keys move a screen,
space selects, enter opens the image on the main screen, ``+``/``-`` zoom, escape
closes; ``x``/``D`` set aside / trash the cursor's image or the selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from lorapan.tui.keymap import bindings_for
from lorapan.tui.widgets.halfblocks import Cells, DrawnThumb, ThumbStore, text_strips
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: thumbnail sizes in cells (columns, rows of half-blocks = 2 pixels each)
ZOOMS: tuple[Cells, ...] = ((10, 5), (16, 8), (24, 12), (34, 17))
DEFAULT_ZOOM = 1
LEFT_FRAME, RIGHT_FRAME = "▐", "▌"


class ThumbGrid(ScrollView, can_focus=True):
    """See module docstring."""

    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        *bindings_for("gallery"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thumb-grid--label",
        "thumb-grid--cursor",
        "thumb-grid--selected",
        "thumb-grid--frame",
        "thumb-grid--pending",
    }
    DEFAULT_CSS = """
    ThumbGrid {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        & > .thumb-grid--label { color: $text-muted; }
        & > .thumb-grid--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .thumb-grid--selected { color: $text-accent; text-style: bold; }
        & > .thumb-grid--frame { color: $block-cursor-background; }
        & > .thumb-grid--pending { color: $text-disabled; }
    }
    """

    @dataclass
    class CursorMoved(Message):
        grid: ThumbGrid
        relpath: str

        @property
        def control(self) -> ThumbGrid:
            return self.grid

    @dataclass
    class Wanted(Message):
        """The thumbnails the grid shows now (and one row ahead), most wanted first."""

        grid: ThumbGrid
        relpaths: tuple[str, ...]
        cells: Cells

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ThumbGrid.Wanted)

    @dataclass
    class Command(Message):
        """A key the screen acts on: ``open``, ``close``, ``set-aside``, ``trash``, ``selection``."""

        grid: ThumbGrid
        command: str

        @property
        def control(self) -> ThumbGrid:
            return self.grid

    def __init__(self, store: ThumbStore, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.rows: list[str] = []
        self.selection: set[str] = set()
        self.cursor = 0
        self.zoom = DEFAULT_ZOOM
        self._pos: dict[str, int] = {}
        self._wanted: tuple = ()
        self._ahead = 1  # +1: the row below the screen is wanted next; -1: the row above
        self._lines: LRUCache[tuple, Strip] = LRUCache(maxsize=4096)
        self._joined: LRUCache[tuple, Strip] = LRUCache(maxsize=512)

    # ---- geometry ------------------------------------------------------------------
    @property
    def cells(self) -> Cells:
        return ZOOMS[self.zoom]

    @property
    def cell_width(self) -> int:
        return self.cells[0] + 2  # a frame column either side

    @property
    def cell_height(self) -> int:
        return self.cells[1] + 2  # the label and a spacer line under the picture

    @property
    def columns(self) -> int:
        return max(1, self.scrollable_content_region.width // self.cell_width)

    @property
    def grid_rows(self) -> int:
        return -(-len(self.rows) // self.columns)

    @property
    def rows_on_screen(self) -> int:
        return max(1, self.scrollable_content_region.height // self.cell_height)

    def _fit_virtual_size(self) -> None:
        size = Size(self.scrollable_content_region.width, self.grid_rows * self.cell_height)
        if size != self.virtual_size:
            self.virtual_size = size

    def on_resize(self) -> None:
        self._fit_virtual_size()
        self._scroll_to_cursor()
        self._want()

    # ---- content ------------------------------------------------------------------
    def show_rows(self, rows: Iterable[str], keep: str | None = None) -> None:
        """Show these images, the cursor on ``keep`` when it is among them."""
        self.rows = list(rows)
        self._pos = {rel: i for i, rel in enumerate(self.rows)}
        self.selection &= set(self.rows)
        self._fit_virtual_size()
        self.refresh()
        self._move(self._pos.get(keep, 0) if keep else 0, force=True)

    @property
    def current(self) -> str | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def targets(self) -> list[str]:
        """The selection in grid order, else the cursor's image."""
        if self.selection:
            return [r for r in self.rows if r in self.selection]
        return [self.current] if self.current else []

    def thumb_ready(self, rel: str) -> None:
        """A thumbnail arrived: redraw its cell if it is on screen."""
        i = self._pos.get(rel)
        if i is not None:
            self._refresh_cell(i)

    def ask_again(self) -> None:
        """Redraw and post the wanted thumbnails again (some left the store)."""
        self._wanted = ()
        self.refresh()
        self._want()

    def set_zoom(self, zoom: int) -> None:
        self.zoom = max(0, min(zoom, len(ZOOMS) - 1))
        self._fit_virtual_size()
        self.refresh()
        self._scroll_to_cursor()
        self._want()

    # ---- drawing ------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        line = int(self.scroll_offset.y) + y
        grid_row, sub = divmod(line, self.cell_height)
        columns, cell_width = self.columns, self.cell_width
        left = (width - columns * cell_width) // 2
        first = grid_row * columns
        indices = range(first, min(first + columns, len(self.rows)))
        cells = [self._cell_key(i, sub, base) for i in indices]
        key = (tuple(cells), left, width, base)
        strip = self._joined.get(key)
        if strip is None:
            # Kept whole (not only per cell) so Textual's per-strip caches (the colour
            # filter it runs over every segment) hold across frames too.
            parts: list[Strip] = [Strip.blank(left, base)] if left > 0 else []
            parts += [self._cell_line(cell) for cell in cells]
            strip = Strip.join(parts).extend_cell_length(width, base)
            self._joined[key] = strip
        return strip

    def _cell_key(self, index: int, sub: int, base: Style) -> tuple:
        """Everything one line of one cell shows (its cache key)."""
        cols, rows = self.cells
        rel = self.rows[index]
        thumb = self.store.get(rel, self.cells) if sub < rows else None
        stamp = thumb.stamp if thumb is not None else None
        selected = rel in self.selection
        return (
            rel,
            self.cells,
            sub,
            index == self.cursor,
            selected,
            thumb is not None,
            stamp,
            base,
        )

    def _cell_line(self, key: tuple) -> Strip:
        """One line of one cell, styled; kept in an LRU keyed on all that it shows."""
        strip = self._lines.get(key)
        if strip is not None:
            return strip
        rel, cells, sub, cursor, selected, _loaded, _stamp, base = key
        cols, rows = cells
        if sub > rows:
            strip = Strip.blank(cols + 2, base)
        else:
            frame = self.get_component_rich_style("thumb-grid--frame", partial=True)
            left = Segment(LEFT_FRAME if cursor else " ", frame)
            right = Segment(RIGHT_FRAME if cursor else " ", frame)
            if sub == rows:
                middle = self._label(rel, cursor, selected, cols)
            else:
                middle = self._picture_line(self.store.get(rel, cells), sub)
            strip = Strip([left, *middle, right], cols + 2).apply_style(base)
        self._lines[key] = strip
        return strip

    def _picture_line(self, thumb: DrawnThumb | None, sub: int) -> list[Segment]:
        if thumb is None:
            pending = self.get_component_rich_style("thumb-grid--pending", partial=True)
            return list(text_strips("·", self.cells, pending)[sub])
        return list(thumb.strips[sub])

    def notify_style_update(self) -> None:
        self._lines.clear()  # a new theme: the same cells draw in other colours
        self._joined.clear()
        super().notify_style_update()

    def _label(self, rel: str, cursor: bool, selected: bool, cols: int) -> list[Segment]:
        name = rel.rpartition("/")[2]
        text = ("● " if selected else "") + name
        if len(text) > cols:
            text = text[: cols - 1] + "…"
        if cursor:
            style = self.get_component_rich_style("thumb-grid--cursor", partial=True)
        elif selected:
            style = self.get_component_rich_style("thumb-grid--selected", partial=True)
        else:
            style = self.get_component_rich_style("thumb-grid--label", partial=True)
        return [Segment(text.ljust(cols), style)]

    def _refresh_cell(self, index: int) -> None:
        row = index // self.columns
        self.refresh_lines(row * self.cell_height, self.cell_height)

    # ---- what to decode --------------------------------------------------------------
    def visible_range(self) -> tuple[int, int]:
        """Indices of the first and past-the-last image with a line on screen."""
        top = int(self.scroll_offset.y) // self.cell_height
        bottom = -(
            -(int(self.scroll_offset.y) + self.scrollable_content_region.height) // self.cell_height
        )
        columns = self.columns
        return top * columns, min(len(self.rows), bottom * columns)

    def _want(self) -> None:
        """Post the thumbnails on screen plus one row ahead, when that set changed."""
        if not self.rows or not self.is_mounted:
            return
        start, end = self.visible_range()
        columns = self.columns
        if self._ahead > 0:
            ahead = range(end, min(len(self.rows), end + columns))
        else:
            ahead = range(max(0, start - columns), start)
        order = [self.cursor, *range(start, end), *ahead]
        wanted = tuple(dict.fromkeys(self.rows[i] for i in order if 0 <= i < len(self.rows)))
        key = (wanted, self.cells)
        if key != self._wanted:
            self._wanted = key
            self.post_message(self.Wanted(self, wanted, self.cells))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value != old_value:
            self._ahead = 1 if new_value > old_value else -1
            self._want()

    # ---- cursor ---------------------------------------------------------------------
    def _move(self, index: int, force: bool = False) -> None:
        if not self.rows:
            self.cursor = 0
            return
        index = max(0, min(index, len(self.rows) - 1))
        old, self.cursor = self.cursor, index
        if old != index or force:
            if 0 <= old < len(self.rows):
                self._refresh_cell(old)
            self._refresh_cell(index)
            self.post_message(self.CursorMoved(self, self.rows[index]))
        self._scroll_to_cursor()
        self._want()

    def _scroll_to_cursor(self) -> None:
        """Keep the cursor's row on screen, scrolling by whole rows of cells."""
        if not self.is_mounted or not self.rows:
            return
        row = self.cursor // self.columns
        top = int(self.scroll_offset.y) // self.cell_height
        shown = self.rows_on_screen
        if row < top:
            top = row
        elif row >= top + shown:
            top = row - shown + 1
        else:
            return
        self.scroll_to(y=top * self.cell_height, animate=False, immediate=True)

    def action_cursor_left(self) -> None:
        self._move(self.cursor - 1)

    def action_cursor_right(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        if self.cursor >= self.columns:
            self._move(self.cursor - self.columns)

    def action_cursor_down(self) -> None:
        if self.cursor // self.columns < self.grid_rows - 1:
            self._move(self.cursor + self.columns)

    def action_page_down(self) -> None:
        self._move(self.cursor + self.columns * self.rows_on_screen)

    def action_page_up(self) -> None:
        self._move(self.cursor - self.columns * self.rows_on_screen)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.rows) - 1)

    def action_zoom_in(self) -> None:
        self.set_zoom(self.zoom + 1)

    def action_zoom_out(self) -> None:
        self.set_zoom(self.zoom - 1)

    # ---- selection and commands ----------------------------------------------------------
    def action_toggle_select(self) -> None:
        """Select or unselect the cursor's image; the cursor stays (as in the file list)."""
        rel = self.current
        if rel is None:
            return
        self.selection ^= {rel}
        self._refresh_cell(self.cursor)
        self.post_message(self.Command(self, "selection"))

    def action_select_all(self) -> None:
        everything = set(self.rows)
        self.selection = set() if self.selection == everything else everything
        self.refresh()
        self.post_message(self.Command(self, "selection"))

    def action_open(self) -> None:
        self.post_message(self.Command(self, "open"))

    def action_close(self) -> None:
        self.post_message(self.Command(self, "close"))

    def action_set_aside(self) -> None:
        self.post_message(self.Command(self, "set-aside"))

    def action_trash(self) -> None:
        self.post_message(self.Command(self, "trash"))

    # ---- mouse ---------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        width = self.scrollable_content_region.width
        left = (width - self.columns * self.cell_width) // 2
        column = (offset.x - left) // self.cell_width
        row = (int(self.scroll_offset.y) + offset.y) // self.cell_height
        if 0 <= column < self.columns:
            index = row * self.columns + column
            if index < len(self.rows):
                self._move(index)
                if event.chain >= 2:
                    self.action_open()
