"""The file list: one plain one-line row per image, drawn by Textual's Line API.

``● E  12 name.png`` = selected, worst finding, tag count, file name (its folder
after it when the list spans several). The list holds relpaths only: a row's text
is made when the row is drawn, from ``row_info`` (tag count, markers) at that
moment, and the drawn lines are kept in a small LRU keyed on what they show. So
showing 10,000 rows, moving the cursor and repainting a few changed rows cost the
same as on 100 rows: only the lines on screen are ever drawn.

Selection is a set of relpaths kept here. ``space`` toggles the row and moves down;
shift+down/up (``J``/``K``) select the row and move, as Midnight Commander's shift+arrows
do, so ``space`` then ``J`` select two rows and the cursor rests on the next one;
``*`` selects every shown row. The cursor wraps around at either end, as
Textual's ``OptionList`` (this widget's predecessor) does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from lorapan.tui.keymap import bindings_for
from rich.cells import cell_len
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual

#: rel -> (tag count, marker string)
RowInfo = Callable[[str], tuple[int, str]]

MARKER_HELP = (
    "! unreadable  - not trained (kohya skips its folder)  E error  W warning  = clone  ● selected"
)


def folder_label(folder: str, room: int | None = None, common: int = 0) -> str:
    """``folder/`` in at most ``room`` cells, keeping what tells it from the other folders.

    ``common``: how many leading characters it shares with the folder most like it
    (:func:`shared_starts`). The shared start goes first, whole path parts of it, so
    ``img/12_kai/best`` beside ``img/12_kai/old crops`` reads ``…best/`` and the end
    (the part that names it) shows. When even that does not fit, the label starts where
    the folders part: ``20_ATSV_MilesSuit`` and ``20_ITSV_MilesSuit`` read ``…ATSV…`` and
    ``…ITSV…`` (cut at their end, both were ``20_A…``-like). Too little room for even
    that (under 3 cells): the whole name, for the row's own ellipsis to cut.
    """
    full = f"{folder}/"
    if room is None or len(full) <= room or room < 3:
        return full
    part = full.rfind("/", 0, common) + 1  # the path part the folders part in
    if part > 0 and len(full) - part <= room - 1:
        return "…" + full[part:]
    # Never start so late that the room would show less than it holds.
    start = min(common, len(full) - (room - 1))
    lead = "…" if start > 0 else ""
    rest = full[start:]
    space = room - len(lead)
    return lead + (rest if len(rest) <= space else rest[: space - 1] + "…")


def shared_starts(folders: Iterable[str]) -> dict[str, int]:
    """Folder -> how many leading characters of ``folder/`` it shares with the folder most
    like it (the one it sorts next to). A folder the start of another (``img/12_kai``
    beside ``img/12_kai/best``) shares all but its last character, so its own last part
    stays in its label."""
    paths = sorted(f"{f}/" for f in set(folders) if f)
    out: dict[str, int] = {}
    for i, path in enumerate(paths):
        near = [paths[j] for j in (i - 1, i + 1) if 0 <= j < len(paths)]
        shared = max((len(os.path.commonprefix([path, p])) for p in near), default=0)
        out[path[:-1]] = min(shared, len(path) - 1)
    return out


def row_label(rel: str, show_folder: bool = True, room: int | None = None, common: int = 0) -> str:
    """File name first (it is what differs); the folder after it when there are several,
    cut to fit ``room`` cells in all (see :func:`folder_label`)."""
    folder, _, name = rel.rpartition("/")
    if not (folder and show_folder):
        return name
    left = None if room is None else room - cell_len(name) - 2
    return f"{name}  {folder_label(folder, left, common)}"


def row_text(
    rel: str,
    count: int,
    markers: str,
    selected: bool,
    show_folder: bool = True,
    width: int | None = None,
    common: int = 0,
) -> str:
    """One row: selected, markers, tag count, then :func:`row_label` in what is left of
    ``width`` (None: uncut)."""
    head = f"{'●' if selected else ' '}{markers[:2]:<2}{count:>4} "
    room = None if width is None else width - len(head)
    return head + row_label(rel, show_folder, room, common)


class FileList(ScrollView, can_focus=True):
    """Virtualized list of images; posts :class:`CursorMoved` and :class:`SelectionChanged`."""

    ALLOW_SELECT = False
    # Navigation keys without ids stay bound when keymap.toml moves list-down/list-up.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page Down", show=False),
        Binding("pageup", "page_up", "Page Up", show=False),
        *bindings_for("files"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "file-list--row",
        "file-list--cursor",
        "file-list--hover",
    }
    DEFAULT_CSS = """
    FileList {
        height: auto;
        max-height: 100%;
        color: $foreground;
        overflow-x: hidden;
        border: tall $border-blurred;
        padding: 0 1;
        background: $surface;
        & > .file-list--cursor {
            color: $foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            border: tall $border;
            background-tint: $foreground 5%;
            & > .file-list--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        & > .file-list--hover {
            background: $block-hover-background;
        }
    }
    """

    @dataclass
    class CursorMoved(Message):
        """The cursor is on another row (or the rows were replaced)."""

        file_list: FileList
        relpath: str

        @property
        def control(self) -> FileList:
            return self.file_list

    @dataclass
    class SelectionChanged(Message):
        file_list: FileList
        selection: frozenset[str]

        @property
        def control(self) -> FileList:
            return self.file_list

    def __init__(self, row_info: RowInfo, **kwargs) -> None:
        super().__init__(**kwargs)
        self.row_info = row_info
        self.rows: list[str] = []
        self.selection: set[str] = set()
        self.show_folder = True
        self.shared_start: dict[str, int] = {}
        self.cursor: int | None = None
        self._pos: dict[str, int] = {}
        self._hover: int | None = None
        self._lines: LRUCache[tuple[str, Style, int], Strip] = LRUCache(maxsize=1024)

    # ---- content -----------------------------------------------------------
    def show_rows(self, rows: list[str], keep: str | None = None) -> None:
        """Replace the rows, keeping the cursor on ``keep`` when it is still shown."""
        self.rows = list(rows)
        folders = {r.rpartition("/")[0] for r in self.rows}
        self.show_folder = len(folders) > 1
        #: the start each folder shares with the one most like it, which a tight folder
        #: column leaves out (folder_label)
        self.shared_start = shared_starts(folders) if self.show_folder else {}
        self._pos = {rel: i for i, rel in enumerate(self.rows)}
        self._hover = None
        self.cursor = None
        self._size_to_rows()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()
        if self.rows:
            self._move(self._pos.get(keep, 0) if keep else 0)

    def refresh_rows(self, relpaths: Iterable[str]) -> None:
        """Redraw these rows (their tag count, markers or selection changed)."""
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        for rel in relpaths:
            i = self._pos.get(rel)
            if i is not None and top <= i < top + height:
                self.refresh_line(i)

    def contains(self, rel: str) -> bool:
        return rel in self._pos

    @property
    def current(self) -> str | None:
        i = self.cursor
        if i is None or not (0 <= i < len(self.rows)):
            return None
        return self.rows[i]

    def move_to(self, rel: str) -> bool:
        """Put the cursor on ``rel``; False when it is not shown."""
        i = self._pos.get(rel)
        if i is None:
            return False
        self._move(i)
        return True

    # ---- drawing -------------------------------------------------------------
    def _size_to_rows(self) -> None:
        size = Size(self.scrollable_content_region.width, len(self.rows))
        if size != self.virtual_size:
            self.virtual_size = size

    def on_resize(self) -> None:
        self._size_to_rows()

    def on_show(self) -> None:
        self._scroll_to_cursor()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.get_visual_style("file-list--row").rich_style)
        rel = self.rows[index]
        count, markers = self.row_info(rel)
        common = self.shared_start.get(rel.rpartition("/")[0], 0)
        text = row_text(rel, count, markers, rel in self.selection, self.show_folder, width, common)
        if index == self.cursor:
            style = self.get_visual_style("file-list--row", "file-list--cursor")
        elif index == self._hover:
            style = self.get_visual_style("file-list--row", "file-list--hover")
        else:
            style = self.get_visual_style("file-list--row")
        key = (text, style, width)
        strip = self._lines.get(key)
        if strip is None:
            # Through Visual, as OptionList draws: the CSS text-overflow ellipsis applies.
            strip = Visual.to_strips(self, Content(text), width, 1, style)[0]
            strip = strip.extend_cell_length(width, style.rich_style)
            self._lines[key] = strip
        return strip

    def notify_style_update(self) -> None:
        self._lines.clear()  # a new theme: the same text draws in other colours
        super().notify_style_update()

    # ---- cursor ----------------------------------------------------------------
    def _move(self, index: int) -> None:
        """Cursor to ``index`` (clamped); tell the screen when it moved."""
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        old, self.cursor = self.cursor, index
        if old != index:
            if old is not None:
                self.refresh_line(old)
            self.refresh_line(index)
        self._scroll_to_cursor()
        if old != index:
            self.post_message(self.CursorMoved(self, self.rows[index]))

    def _scroll_to_cursor(self) -> None:
        if self.cursor is None or not self.is_mounted:
            return
        self.scroll_to_region(
            Region(0, self.cursor, self.scrollable_content_region.width, 1),
            force=True,
            animate=False,
            immediate=True,
        )

    def action_cursor_down(self) -> None:
        if self.rows:
            self._move(0 if self.cursor is None else (self.cursor + 1) % len(self.rows))

    def action_cursor_up(self) -> None:
        if self.rows:
            last = len(self.rows) - 1
            self._move(last if self.cursor is None else (self.cursor - 1) % len(self.rows))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.rows) - 1)

    def action_page_down(self) -> None:
        if self.cursor is None:
            self.action_last()
        else:
            self._move(self.cursor + self.scrollable_content_region.height)

    def action_page_up(self) -> None:
        if self.cursor is None:
            self.action_first()
        else:
            self._move(self.cursor - self.scrollable_content_region.height)

    # ---- mouse -------------------------------------------------------------------
    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        index = self.scroll_offset.y + offset.y
        return index if 0 <= index < len(self.rows) else None

    def on_click(self, event: events.Click) -> None:
        index = self._row_at(event)
        if index is not None:
            self._move(index)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._row_at(event))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            for row in (self._hover, index):
                if row is not None:
                    self.refresh_line(row)
            self._hover = index

    # ---- selection -----------------------------------------------------------
    def set_selection(self, relpaths: Iterable[str]) -> None:
        old = self.selection
        self.selection = set(relpaths)
        self.refresh_rows(old ^ self.selection)
        self.post_message(self.SelectionChanged(self, frozenset(self.selection)))

    def _toggle(self, rel: str, on: bool | None = None) -> None:
        want = (rel not in self.selection) if on is None else on
        if want:
            self.selection.add(rel)
        else:
            self.selection.discard(rel)
        self.refresh_rows([rel])

    def action_toggle_select(self) -> None:
        rel = self.current
        if rel is None:
            return
        self._toggle(rel)
        self.post_message(self.SelectionChanged(self, frozenset(self.selection)))
        self.action_cursor_down()

    def _extend(self, step: int) -> None:
        """Select the row under the cursor (never unselect) and move by ``step``.

        The row moved to is not selected: it is the next one a key would add, as
        after ``space``; selecting it too counted one image more than keys pressed.
        """
        rel = self.current
        if rel is None:
            return
        self._toggle(rel, True)
        if step > 0:
            self.action_cursor_down()
        else:
            self.action_cursor_up()
        self.post_message(self.SelectionChanged(self, frozenset(self.selection)))

    def action_extend_down(self) -> None:
        self._extend(1)

    def action_extend_up(self) -> None:
        self._extend(-1)

    def action_select_all(self) -> None:
        self.set_selection(self.rows)
