"""All tags with their image counts: filter, rename or delete across the dataset, jump.

Returns the tag to jump to (the main screen then filters the list to it), or None.
Edits go through the main screen's edit path (journaled, undoable, conflict-aware).
The filter box has the focus when the screen opens, so typing filters at once (the
list's letter keys, ``r`` and ``d``, act only once ``↓`` or enter moved to the list).
"""

from __future__ import annotations

from collections.abc import Callable

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.edits import remove_tag, replace_tag
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.screens.confirm import ConfirmScreen, PromptScreen
from lorapan.tui.widgets.in_order import InOrderInput
from lorapan.tui.widgets.keys_footer import KeysFooter
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

#: edit(fn, relpaths, label) applies fn to those images' tags through the app.
EditFn = Callable[[Callable, list[str], str], None]


class TagList(OptionList):
    """The tags (up/down/home/end/page keys from OptionList; j/k from the screen)."""


class TagFrequencyScreen(Screen[str | None]):
    BINDINGS = bindings_for("tags")
    #: the keymap scopes the command palette offers over this screen
    PALETTE_SCOPES = ("tags",)
    DEFAULT_CSS = """
    TagFrequencyScreen #tf-filter { dock: top; }
    TagFrequencyScreen #tf-summary { dock: top; height: 1; padding: 0 1; color: $text-muted; }
    TagFrequencyScreen TagList { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, dataset: Dataset, edit: EditFn) -> None:
        super().__init__()
        self.dataset = dataset
        self.edit = edit
        self.rows: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield InOrderInput(placeholder="filter tags (substring)", id="tf-filter")
        yield Static("", id="tf-summary", markup=False)
        yield TagList(id="tf-list", markup=False)  # tags are plain text
        yield KeysFooter()

    def on_mount(self) -> None:
        self.refresh_from_dataset()
        self.query_one("#tf-filter", Input).focus()

    def _key(self, binding_id: str) -> str:
        """The first key bound to ``binding_id`` now (the summary line is short)."""
        keys = display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))
        return {"down": "↓"}.get(keys.split(" / ")[0], keys.split(" / ")[0])

    def refresh_from_dataset(self, relpaths: set[str] | None = None, reason: str = "") -> None:
        """The tag counts again (after our edits, or when the app saw the dataset change)."""
        text = norm_tag(self.query_one("#tf-filter", Input).value)
        rows = self.dataset.index.frequencies()
        if text:
            rows = [(t, n) for t, n in rows if text in norm_tag(t)]
        tl = self.query_one(TagList)
        keep = self.current_tag
        self.rows = rows
        tl.set_options(Option(f"{n:>6}  {t}", id=t) for t, n in rows)
        if rows:
            index = next((i for i, (t, _) in enumerate(rows) if t == keep), 0)
            tl.highlighted = index
        total = len(self.dataset.index)
        keys = " · ".join(
            f"{self._key(i)}: {what}"
            for i, what in (
                ("tags-to-list", "list"),
                ("tags-jump", "images"),
                ("tags-rename", "rename"),
                ("tags-delete", "delete"),
            )
        )
        self.query_one("#tf-summary", Static).update(f"{len(rows)} of {total} tags · {keys}")

    @property
    def current_tag(self) -> str | None:
        try:
            tl = self.query_one(TagList)
        except Exception:
            return None
        i = tl.highlighted
        if i is None or not (0 <= i < len(self.rows)):
            return None
        return self.rows[i][0]

    @on(Input.Changed, "#tf-filter")
    def _filter(self) -> None:
        self.refresh_from_dataset()

    @on(Input.Submitted, "#tf-filter")
    def _filter_done(self) -> None:
        self.query_one(TagList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_jump()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        typing = isinstance(self.focused, Input)
        return not (typing and action in ("rename", "delete", "jump", "focus_filter"))

    def action_focus_filter(self) -> None:
        self.query_one("#tf-filter", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(TagList).focus()

    def action_list_down(self) -> None:
        self.query_one(TagList).action_cursor_down()

    def action_list_up(self) -> None:
        self.query_one(TagList).action_cursor_up()

    def action_close(self) -> None:
        """Esc: out of a filter with text in it to the list; otherwise back (the screen
        opens in its empty filter box, so one esc leaves it, as it came)."""
        focused = self.focused
        if isinstance(focused, Input) and focused.value:
            self.query_one(TagList).focus()
            return
        self.dismiss(None)

    def action_jump(self) -> None:
        tag = self.current_tag
        if tag is not None:
            self.dismiss(tag)

    def action_rename(self) -> None:
        tag = self.current_tag
        if tag is None:
            return
        vocab = [t for t, _ in self.dataset.index.frequencies()]

        def done(new: str | None) -> None:
            if new and new != tag:
                images = sorted(self.dataset.index.images(tag))
                self.edit(lambda tags: replace_tag(tags, tag, new), images, f"rename {tag} → {new}")
                # show the tag under its new name (the old filter may no longer match it)
                with self.prevent(Input.Changed):
                    self.query_one("#tf-filter", Input).value = new
                self.refresh_from_dataset()
                self.query_one(TagList).focus()

        self.app.push_screen(PromptScreen(f"Rename “{tag}” in every image to:", tag, vocab), done)

    def action_delete(self) -> None:
        tag = self.current_tag
        if tag is None:
            return
        images = sorted(self.dataset.index.images(tag))

        def done(answer: str | None) -> None:
            if answer == "yes":
                self.edit(lambda tags: remove_tag(tags, tag), images, f"delete {tag}")
                self.refresh_from_dataset()

        self.app.push_screen(
            ConfirmScreen(
                "Delete a tag everywhere",
                f"Remove “{tag}” from {len(images)} image(s)? (u undoes it)",
                "Delete",
            ),
            done,
        )
