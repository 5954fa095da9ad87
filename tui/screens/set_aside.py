"""The set-aside view (X): every image set aside or in the trash, with a preview; restore.

The list comes from ``core.triage.list_set_aside`` (what is under ``.lorapan/excluded``
and ``.lorapan/trash`` now) and is read again whenever the dataset changes, so a
restore, an undo or a set-aside elsewhere shows at once. ``enter`` restores the
selection, or the image under the cursor, through the main screen's triage
(``on_restore``: journaled, undoable with ``u`` on the main screen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lorapan.core.dataset import Dataset
from lorapan.core.triage import list_set_aside
from lorapan.tui.keymap import bindings_for
from lorapan.tui.widgets.file_list import row_label
from lorapan.tui.widgets.keys_footer import KeysFooter
from lorapan.tui.widgets.preview import CaptionLine, Preview
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

PLACE_WORDS = {"excluded": "set aside", "trash": "trash"}


class SetAsideList(OptionList):
    """The entries; its keys (``set-aside`` in the keymap table) go to the screen."""

    BINDINGS = bindings_for("set-aside")

    @dataclass
    class Command(Message):
        command: str  # "restore" | "select" | "select-all" | "close"

    def action_restore(self) -> None:
        self.post_message(self.Command("restore"))

    def action_toggle_select(self) -> None:
        self.post_message(self.Command("select"))

    def action_select_all(self) -> None:
        self.post_message(self.Command("select-all"))

    def action_close(self) -> None:
        self.post_message(self.Command("close"))


class SetAsideScreen(Screen[None]):
    """See module docstring."""

    DEFAULT_CSS = """
    SetAsideScreen #set-aside-head { height: 1; padding: 0 1; background: $panel; }
    SetAsideScreen #set-aside-body { height: 1fr; }
    SetAsideScreen SetAsideList { width: 1fr; min-width: 30; height: 1fr; border: none;
        text-wrap: nowrap; text-overflow: ellipsis; }
    SetAsideScreen SetAsideList:focus { border: none; }
    SetAsideScreen Preview { width: 1fr; border-left: solid $panel; }
    """

    def __init__(
        self,
        dataset: Dataset,
        on_restore: Callable[[list[str]], None],
        keys: Callable[[str], str] = lambda binding_id: binding_id,
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.on_restore = on_restore
        self.keys = keys
        self.entries: list[Any] = []  # core.triage.SetAside
        self.selection: set[str] = set()

    def compose(self) -> ComposeResult:
        yield CaptionLine(id="set-aside-head")
        with Horizontal(id="set-aside-body"):
            yield SetAsideList(id="set-aside-list")
            yield Preview(Path(self.dataset.root), id="set-aside-preview")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.reload()
        self.list.focus()

    @property
    def list(self) -> SetAsideList:
        return self.query_one(SetAsideList)

    @property
    def current(self) -> Any:
        index = self.list.highlighted
        return self.entries[index] if index is not None and self.entries else None

    def reload(self) -> None:
        """Read what is set aside and in the trash now; the cursor stays on its image."""
        keep = self.current.image if self.current is not None else None
        self.entries = list_set_aside(self.dataset)
        images = [e.image for e in self.entries]
        self.selection &= set(images)
        ol = self.list
        ol.set_options(Option(self._prompt(e), id=e.image) for e in self.entries)
        if self.entries:
            ol.highlighted = images.index(keep) if keep in images else 0
        self._head()
        self._preview()

    def _prompt(self, entry: Any) -> Text:
        text = Text("● " if entry.image in self.selection else "  ", style="bold")
        place = PLACE_WORDS.get(entry.place, entry.place)
        text.append(f"{place:<9} ", style="red" if entry.place == "trash" else "yellow")
        text.append(row_label(entry.image))
        return text

    def _head(self) -> None:
        aside = sum(1 for e in self.entries if e.place == "excluded")
        trash = len(self.entries) - aside
        if not self.entries:
            head = "Set aside & trash · nothing here: every image is in the dataset"
        else:
            head = f"Set aside & trash · {aside} set aside, {trash} in the trash"
            if self.selection:
                head += f" · {len(self.selection)} selected"
            head += f" · {self.keys('set-aside-restore')}: restore"
        self.query_one("#set-aside-head", CaptionLine).text = head

    def _preview(self) -> None:
        entry = self.current
        preview = self.query_one(Preview)
        preview.show(entry.files[0] if entry is not None else None)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._preview()

    @on(SetAsideList.Command)
    def _command(self, message: SetAsideList.Command) -> None:
        entry = self.current
        if message.command == "close":
            self.dismiss(None)
        elif message.command == "select-all":
            everything = {e.image for e in self.entries}
            self.selection = set() if self.selection == everything else everything
            self._redraw()
        elif entry is None:
            return
        elif message.command == "select":
            self.selection ^= {entry.image}
            self._redraw()
        elif message.command == "restore":
            chosen = [e.image for e in self.entries if e.image in self.selection]
            self.on_restore(chosen or [entry.image])

    def _redraw(self) -> None:
        ol = self.list
        for i, e in enumerate(self.entries):
            ol.replace_option_prompt_at_index(i, self._prompt(e))
        self._head()

    def refresh_from_dataset(self, relpaths: set[str], reason: str = "") -> None:
        self.reload()
