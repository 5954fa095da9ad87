"""The file list: one plain one-line row per image, virtualized by OptionList.

Rows are plain strings (rich prompts make OptionList slow on 10k rows):
``● E  12 name.png`` = selected, worst finding, tag count, relative path.
Selection is a set of relpaths kept here; space toggles, shift+up/down extends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import repeat

from lorapan.tui.keymap import bindings_for
from textual.geometry import Size
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

#: rel -> (tag count, marker string)
RowInfo = Callable[[str], tuple[int, str]]


def row_label(rel: str, show_folder: bool = True) -> str:
    """File name first (it is what differs); the folder after it when there are several."""
    folder, _, name = rel.rpartition("/")
    return f"{name}  {folder}/" if folder and show_folder else name


MARKER_HELP = "! unreadable  E error  W warning  = clone  ● selected"


def row_text(rel: str, count: int, markers: str, selected: bool, show_folder: bool = True) -> str:
    sel = "●" if selected else " "
    return f"{sel}{markers[:2]:<2}{count:>4} {row_label(rel, show_folder)}"


class FileList(OptionList):
    """Virtualized list of images; posts :class:`FileList.SelectionChanged`."""

    BINDINGS = bindings_for("files")

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
        self._pos: dict[str, int] = {}
        self.selection: set[str] = set()
        self.show_folder = True

    # ---- content -----------------------------------------------------------
    def _prompt(self, rel: str) -> str:
        count, markers = self.row_info(rel)
        return row_text(rel, count, markers, rel in self.selection, self.show_folder)

    def show_rows(self, rows: list[str], keep: str | None = None) -> None:
        """Replace the rows, keeping the cursor on ``keep`` when it is still shown."""
        self.rows = list(rows)
        self.show_folder = len({r.rpartition("/")[0] for r in self.rows}) > 1
        self._pos = {rel: i for i, rel in enumerate(self.rows)}
        self.set_options(Option(self._prompt(rel), id=rel) for rel in self.rows)
        if not self.rows:
            return
        index = self._pos.get(keep, 0) if keep else 0
        self.highlighted = index
        self.scroll_to_highlight(top=False)

    def refresh_rows(self, relpaths: Iterable[str]) -> None:
        """New prompts for these rows; one cache reset however many rows change."""
        changed = False
        for rel in relpaths:
            i = self._pos.get(rel)
            if i is None:
                continue
            option = self.options[i]
            prompt = self._prompt(rel)
            if option.prompt != prompt:
                option._set_prompt(prompt)  # the public per-row call resets caches each time
                changed = True
        if changed:
            self._clear_caches()

    def _update_lines(self) -> None:
        """Every row is one line (plain prompt, no wrap, no dividers): skip the sizing.

        OptionList measures each option's height before the first paint; on 10,000
        rows that was a quarter of a second of the first frame. Falls back to the
        stock code when Textual's line cache is not what this was written against.
        """
        cache = getattr(self, "_line_cache", None)
        region = self.scrollable_content_region
        if not region or cache is None or not hasattr(cache, "index_to_line"):
            super()._update_lines()
            return
        lines, count = cache.lines, len(self.options)
        start = lines[-1][0] + 1 if lines else 0
        if start < count:
            at = len(lines)
            cache.index_to_line.update(
                zip(range(start, count), range(at, at + count - start), strict=True)
            )
            cache.heights.update(dict.fromkeys(range(start, count), 1))
            lines.extend(zip(range(start, count), repeat(0)))
        size = Size(region.width - self._get_left_gutter_width(), len(lines))
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    @property
    def current(self) -> str | None:
        i = self.highlighted
        if i is None or not (0 <= i < len(self.rows)):
            return None
        return self.rows[i]

    def move_to(self, rel: str) -> bool:
        i = self._pos.get(rel)
        if i is None:
            return False
        self.highlighted = i
        return True

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
        rel = self.current
        if rel is None:
            return
        self._toggle(rel, True)
        if step > 0:
            self.action_cursor_down()
        else:
            self.action_cursor_up()
        new = self.current
        if new is not None:
            self._toggle(new, True)
        self.post_message(self.SelectionChanged(self, frozenset(self.selection)))

    def action_extend_down(self) -> None:
        self._extend(1)

    def action_extend_up(self) -> None:
        self._extend(-1)

    def action_select_all(self) -> None:
        self.set_selection(self.rows)
