"""The centre pane: what the cursor or the selection is, shown four ways.

The preview of the current image (and the line under it), its tags as chips, or
the selection's tags with how many of the selected images carry each, the tag box
(``tag_input``), and the tagger's suggestions for the current image. The screen
calls :meth:`ImagePane.follow` when the cursor, the rows or the selection change.
"""

from __future__ import annotations

from typing import Any

from lorapan.core.captions import split_tags
from lorapan.core.dataset import Dataset, ImageItem
from lorapan.core.rules.caption_form import other_lines_tags, wildcards_on
from lorapan.core.words import plural
from lorapan.tui.keymap import display_keys, keys_for
from lorapan.tui.screens.main.annotations import Annotations
from lorapan.tui.screens.main.summaries import tag_shares
from lorapan.tui.screens.main.tag_input import TagInput
from lorapan.tui.widgets.file_list import FileList
from lorapan.tui.widgets.preview import Preview
from lorapan.tui.widgets.suggestions import Suggestions
from lorapan.tui.widgets.tag_chips import TagChips
from textual.app import ComposeResult
from textual.containers import Vertical


class ImagePane(Vertical):
    """See module docstring. ``preview``, ``graphics``, ``cell``: the preview's settings."""

    def __init__(
        self,
        dataset: Dataset,
        marks: Annotations,
        *,
        preview: bool = True,
        graphics: Any = None,
        cell: tuple[int, int] = (10, 20),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.dataset = dataset
        self.marks = marks
        self.preview_options = {"enabled": preview, "graphics": graphics, "cell": cell}
        #: relpath -> tagger predictions (from the score cache or an autotag run)
        self.predictions: dict[str, list] = {}
        self._follow_pending = False

    def compose(self) -> ComposeResult:
        yield Preview(self.dataset.root, id="preview", **self.preview_options)
        yield TagChips(id="tags")
        yield TagInput(self.vocabulary, id="tag-input")
        yield Suggestions(id="suggestions")

    def on_mount(self) -> None:
        self.tag_input.display = False
        self.suggestions.display = False

    @property
    def chips(self) -> TagChips:
        return self.query_one(TagChips)

    @property
    def tag_input(self) -> TagInput:
        return self.query_one(TagInput)

    @property
    def suggestions(self) -> Suggestions:
        return self.query_one(Suggestions)

    def vocabulary(self) -> list[str]:
        """Tags to suggest in the tag box, most used first."""
        return [t for t, _ in self.dataset.index.frequencies()]

    # ---- following the file list -------------------------------------------------
    def follow_soon(self, files: FileList) -> None:
        """:meth:`follow` once the list's frame is drawn: the key's own frame (the cursor
        on its new row) does not wait for the preview and the chips, and keys that come
        faster than frames are followed once, to where the cursor stopped."""
        if not self._follow_pending:
            self._follow_pending = True
            self.call_after_refresh(self._follow_now, files)

    def _follow_now(self, files: FileList) -> None:
        if self._follow_pending:  # else caught up already
            self._follow_pending = False
            self.follow(files)

    def catch_up(self, files: FileList) -> None:
        """Follow now if a follow waits for the frame: the chips get the focus, and the
        keys after it move over the current image's tags, not the last one's."""
        self._follow_now(files)

    def follow(self, files: FileList) -> None:
        """Show the image under the cursor (decoding the next ones ahead) and its tags."""
        rel = files.current
        i = files.cursor or 0
        neighbours = [files.rows[j] for j in (i + 1, i - 1, i + 2) if 0 <= j < len(files.rows)]
        preview = self.query_one(Preview)
        preview.show(rel, neighbours)
        preview.set_extra(self.marks.caption(rel))
        self.show_tags(files)

    def show_tags(self, files: FileList) -> None:
        """The chips: the selection's tags with their shares, else the current image's."""
        chips, items = self.chips, self.dataset.items
        if files.selection:
            order, counts, total = self._selection_tags(files)
            chips.set_tags(order, counts, total)
        else:
            rel = files.current
            item = items.get(rel or "")
            note = self.unread_lines_note(item) if item is not None else ""
            chips.set_tags(tuple(item.tags) if item is not None else (), None, 1, note)
        self.show_suggestions(files.current)

    def tags_now(self, files: FileList) -> tuple[str, ...]:
        """The chips as the captions are now: what :meth:`show_tags` draws next. A chip
        key acts on these (keys in a burst come before the chips are drawn again)."""
        if files.selection:
            return tuple(self._selection_tags(files)[0])
        item = self.dataset.items.get(files.current or "")
        return tuple(item.tags) if item is not None else ()

    def _selection_tags(self, files: FileList) -> tuple[tuple[str, ...], dict[str, int], int]:
        """The union of the selected images' tags, how many carry each, and how many."""
        items = self.dataset.items
        sel = sorted(r for r in files.selection if r in items)
        order, counts = tag_shares(items[rel].tags for rel in sel)
        return tuple(order), counts, len(sel)

    def unread_lines_note(self, item: ImageItem) -> str:
        """The line under the chips for tags on the caption's later lines, which kohya
        never reads (the chips are the first line's: what trains). "" when there are none,
        or when ``enable_wildcard`` makes each line a caption of its own (as the rule
        ``caption.multiline`` reads it)."""
        lost = other_lines_tags(item)
        if not lost or item.caption is None:
            return ""
        if wildcards_on(self.dataset.settings):
            return ""
        tagged = [n for n, line in enumerate(item.caption.extra_lines, 2) if split_tags(line)]
        first, last = tagged[0], tagged[-1]
        where = f"line {first}" if first == last else f"lines {first}–{last}"
        keymap = getattr(self.app, "keymap", None)

        def key(binding_id: str) -> str:
            return display_keys(keys_for(binding_id, keymap))

        return (
            f"+{plural(len(lost), 'tag')} on {where}, which kohya never reads · "
            f"{key('caption-text')} to see them, {key('focus-rules')} then "
            f"{key('rules-preview-fix')} on caption.multiline joins them"
        )

    def show_caption_line(self, rel: str | None) -> None:
        """The line under the preview again (its facts or caption changed)."""
        self.query_one(Preview).set_extra(self.marks.caption(rel))

    def toggle_preview(self, files: FileList) -> None:
        preview = self.query_one(Preview)
        preview.enabled = not preview.enabled
        self.follow(files)

    # ---- tagger suggestions ------------------------------------------------------------
    def add_predictions(self, predictions: dict[str, list], current: str | None) -> None:
        self.predictions.update(predictions)
        self.show_suggestions(current)

    def show_suggestions(self, rel: str | None) -> None:
        """The suggestions for ``rel`` (the panel hides when there are none)."""
        panel = self.suggestions
        preds = self.predictions.get(rel or "", [])
        if not preds and not panel.display:
            return  # nothing to show and nothing shown: skip a rebuild per cursor move
        item = self.dataset.items.get(rel or "")
        panel.show(rel, preds, item.tags if item else ())
        panel.display = bool(panel.predictions)
