"""The current image's caption as text, from the main screen: in the app's text area
(``caption-text``) or straight in ``$EDITOR`` (``caption-editor``).

Both write through ``core.caption_text`` (journaled, conflict-checked, one undo);
the file list, chips and rules follow through the dataset's listeners as for any edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lorapan.core.caption_text import caption_text, opened_bytes, write_caption_text
from lorapan.core.captions import CaptionDecodeError
from lorapan.core.dataset import ApplyResult
from lorapan.core.errors import LorapanError
from lorapan.tui.errors import error_text
from lorapan.tui.external_editor import edit_text, same_text
from lorapan.tui.screens.caption_text import CaptionTextScreen
from lorapan.tui.screens.confirm import ChoiceScreen

if TYPE_CHECKING:
    from lorapan.tui.screens.main.screen import MainScreen


class ImageCaption:
    """One image's caption as the text screen reads and saves it (a ``CaptionSource``)."""

    def __init__(self, screen: MainScreen, relpath: str) -> None:
        self.screen = screen
        self.relpath = relpath
        item = screen.dataset.items[relpath]
        self.caption_name = (item.caption_path or item.default_caption_path).name

    def read(self) -> tuple[str, bytes | None]:
        ds = self.screen.dataset
        with ds.lock:
            item = ds.items[self.relpath]
            return caption_text(item), opened_bytes(item)

    def reload(self) -> tuple[str, bytes | None]:
        self.screen.dataset.reload([self.relpath], "reload after conflict")
        return self.read()

    def save(self, opened: bytes | None, text: str) -> ApplyResult:
        screen = self.screen
        busy = f"still busy: {screen.busy_label}" if screen.busy_label else None
        if other := screen.editor.other_writer():
            busy = f"another lorapan is writing to this dataset ({other}); save when it is done"
        if busy:
            result = ApplyResult("edit caption text")
            result.unreadable.append((self.relpath, busy))
            return result
        try:
            result = write_caption_text(screen.dataset, self.relpath, opened, text)
        except LorapanError as exc:  # another writer, unwritable or damaged .lorapan/
            result = ApplyResult("edit caption text")
            result.unreadable.append((self.relpath, error_text(exc)))
            return result
        if result.applied:
            undo = screen.keys("undo")
            screen.set_last_action(f"✓ caption text of {self.relpath} ({undo}: undo)")
        return result


def _editable(screen: MainScreen) -> ImageCaption | None:
    """The cursor's image, when its caption can be edited as text (else say why)."""
    rel = screen.files.current
    item = screen.dataset.items.get(rel or "")
    if rel is None or item is None:
        screen.notify("no image to edit", severity="warning", timeout=3)
        return None
    if (refusal := item.write_refusal) is not None:
        screen.notify(f"{rel}: {refusal}", severity="warning", timeout=6)
        return None
    return ImageCaption(screen, rel)


def open_text(screen: MainScreen) -> None:
    """The cursor's caption in the text screen."""
    source = _editable(screen)
    if source is not None:
        screen.app.push_screen(CaptionTextScreen(source))


def open_editor(screen: MainScreen) -> None:
    """The cursor's caption in ``$EDITOR``; saved when the editor exits with a change."""
    source = _editable(screen)
    if source is None:
        return
    try:
        text, opened = source.read()
    except CaptionDecodeError as exc:
        screen.notify(str(exc), severity="warning", timeout=6)
        return
    new, problem = edit_text(screen.app, text, source.caption_name)
    if problem:
        screen.notify(problem, severity="warning", timeout=6)
        return
    if new is None or same_text(text, new):
        screen.notify("caption unchanged", timeout=2)
        return
    _save_or_ask(screen, source, opened, new)


def _save_or_ask(screen: MainScreen, source: ImageCaption, opened: bytes | None, new: str) -> None:
    result = source.save(opened, new)
    if result.unreadable:
        screen.notify(f"not saved: {result.unreadable[0][1]}", severity="error", timeout=8)
    if not result.conflicts:
        return

    def decided(choice: str | None) -> None:
        if choice == "overwrite":
            _save_or_ask(screen, source, source.reload()[1], new)
        else:
            source.reload()
            screen.set_last_action(f"{source.relpath}: kept as it is on disk")

    screen.app.push_screen(
        ChoiceScreen(
            "The caption changed on disk",
            f"{source.relpath}: {result.conflicts[0][1]}.\n\nOverwrite it with the text "
            "from your editor (undo brings the other change back), or keep the disk's?",
            [("o", "overwrite", "Overwrite"), ("k", "keep", "Keep the disk's")],
            escape_value="keep",
        ),
        decided,
    )
