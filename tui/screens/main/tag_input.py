"""The tag box: type a tag to add to the targets, or a new name for a tag (rename).

It opens docked under the chips with the dataset's tags as suggestions, gives the
focus back to where it came from when it closes, and posts :class:`TagInput.Entered`
with what was typed; the screen turns that into the edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lorapan.tui.widgets.in_order import InOrderInput
from textual import on
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input


class TagInput(InOrderInput):
    """See module docstring. ``vocabulary`` gives the tags to suggest, most used first."""

    @dataclass
    class Entered(Message):
        """Add ``text`` (mode "add") or rename ``old`` to ``text`` (mode "rename")."""

        tag_input: TagInput
        mode: str
        old: str
        text: str
        #: the renamed chip's place among one image's tags (None: every occurrence)
        index: int | None = None

        @property
        def control(self) -> TagInput:
            return self.tag_input

    def __init__(self, vocabulary: Callable[[], list[str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vocabulary = vocabulary
        self.mode: str | None = None  # "add" | "rename" while open
        self.rename_from = ""
        self.rename_index: int | None = None
        self.return_to = "#files"
        self._vocab_stale = True

    def vocabulary_changed(self) -> None:
        """Captions changed: suggest from the new vocabulary next time the box opens."""
        self._vocab_stale = True

    def open(
        self,
        mode: str,
        where: str,
        value: str = "",
        return_to: str = "#files",
        index: int | None = None,
    ) -> None:
        """Open for ``mode`` ("add" to ``where``, e.g. "this image", or "rename" ``value``,
        the chip at ``index`` when given)."""
        self.return_to = return_to
        self.mode = mode
        self.rename_from = value
        self.rename_index = index
        self.placeholder = f"add a tag to {where}" if mode == "add" else f"rename “{value}” to…"
        self.border_title = "Add tag" if mode == "add" else "Rename tag"
        if self._vocab_stale or self.suggester is None:
            self.suggester = SuggestFromList(self.vocabulary(), case_sensitive=False)
            self._vocab_stale = False
        self.value = value
        self.display = True
        self.focus()

    def close(self) -> None:
        self.display = False
        self.value = ""
        self.mode = None
        self.screen.query_one(self.return_to).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        mode, old, index = self.mode, self.rename_from, self.rename_index
        self.close()
        if text and mode is not None:
            self.post_message(self.Entered(self, mode, old, text, index))
