"""One caption as text: edit the whole file in a text area, save it as one journaled edit.

For what tag chips do badly: prose captions, a second line, a typo inside a long tag.
The screen edits nothing itself: a :class:`CaptionSource` reads the caption and saves
the text (the main screen's, through ``core.caption_text``: journaled, conflict
checked). When the caption changed on disk since it was opened, the screen asks:
overwrite it with this text, or show the disk's version (this text is dropped), or
go on editing. ``ctrl+o`` hands the text to ``$EDITOR`` and takes it back here.
"""

from __future__ import annotations

from typing import Protocol

from lorapan.core.dataset import ApplyResult
from lorapan.tui.external_editor import edit_text, same_text
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.screens.confirm import ChoiceScreen
from lorapan.tui.widgets.in_order import InOrderTextArea
from lorapan.tui.widgets.keys_footer import KeysFooter
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static, TextArea


class CaptionSource(Protocol):
    """Where the text comes from and goes to (one image's caption)."""

    relpath: str
    #: the caption file's name (``img_1.txt``), for the editor's temporary file
    caption_name: str

    def read(self) -> tuple[str, bytes | None]:
        """(the caption's text as the dataset holds it, the bytes it was read from)."""
        ...

    def reload(self) -> tuple[str, bytes | None]:
        """Read the caption from disk again (after a conflict), then as :meth:`read`."""
        ...

    def save(self, opened: bytes | None, text: str) -> ApplyResult:
        """Write ``text`` if the caption is still ``opened``."""
        ...


class CaptionTextScreen(Screen[bool]):
    """Returns True when the text was saved, False when left without saving."""

    BINDINGS = bindings_for("caption")
    PALETTE_SCOPES = ("caption",)

    DEFAULT_CSS = """
    CaptionTextScreen #ct-title { height: auto; padding: 0 1; text-style: bold; }
    CaptionTextScreen #ct-note { height: auto; padding: 0 1; color: $text-muted; }
    CaptionTextScreen TextArea { height: 1fr; }
    """

    def __init__(self, source: CaptionSource) -> None:
        super().__init__()
        self.source = source
        self.text, self.opened = source.read()

    def _key(self, binding_id: str) -> str:
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def compose(self) -> ComposeResult:
        yield Static(f"Caption of {self.source.relpath}", id="ct-title", markup=False)
        yield Static(self._note(), id="ct-note", markup=False)
        yield InOrderTextArea(self.text, soft_wrap=True, tab_behavior="focus", id="ct-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def _note(self) -> str:
        return (
            "kohya reads the first line; tags are separated by commas · "
            f"{self._key('caption-save')}: save (undo: {self._key('undo')}) · "
            f"{self._key('caption-external')}: $EDITOR · {self._key('caption-cancel')}: back"
        )

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def modified(self) -> bool:
        return self.area.text != self.text

    def unsaved(self) -> str | None:
        """What quitting now would lose (the app asks before it does)."""
        return f"the caption text of {self.source.relpath}" if self.modified else None

    # ---- actions ---------------------------------------------------------------
    def action_save(self) -> None:
        if not self.modified:
            self.dismiss(False)
            return
        result = self.source.save(self.opened, self.area.text)
        if result.applied:
            self.dismiss(True)
        elif result.unreadable:
            self.notify(f"not saved: {result.unreadable[0][1]}", severity="error", timeout=8)
        elif result.conflicts:
            self._ask_conflict(result.conflicts[0][1])
        else:  # the text is the caption's own again
            self.dismiss(False)

    def _ask_conflict(self, reason: str) -> None:
        def decided(choice: str | None) -> None:
            if choice not in ("overwrite", "reload"):
                return  # go on editing; saving again asks again
            text, opened = self.source.reload()
            if choice == "overwrite":
                self.opened = opened
                self.action_save()
            elif choice == "reload":
                self.text, self.opened = text, opened
                self.area.load_text(text)

        self.app.push_screen(
            ChoiceScreen(
                "The caption changed on disk",
                f"{self.source.relpath}: {reason}.\n\nOverwrite it with your text (the "
                "other change is lost, undo brings it back), or show it as it is now "
                "(your text is dropped)?",
                [
                    ("o", "overwrite", "Overwrite"),
                    ("r", "reload", "Show the disk's"),
                    ("e", "edit", "Go on"),
                ],
                escape_value=None,
            ),
            decided,
        )

    def action_external(self) -> None:
        text, problem = edit_text(self.app, self.area.text, self.source.caption_name)
        self.refresh()
        if problem:
            self.notify(problem, severity="warning", timeout=6)
        elif text is not None and not same_text(self.area.text, text):
            self.area.load_text(text)  # back here: save it with ctrl+s

    def action_cancel(self) -> None:
        if not self.modified:
            self.dismiss(False)
            return

        def decided(choice: str | None) -> None:
            if choice == "save":
                self.action_save()
            elif choice == "discard":
                self.dismiss(False)

        self.app.push_screen(
            ChoiceScreen(
                "Leave without saving?",
                f"The caption of {self.source.relpath} was edited here.",
                [("s", "save", "Save"), ("d", "discard", "Discard"), ("e", "edit", "Go on")],
                escape_value="edit",
            ),
            decided,
        )
