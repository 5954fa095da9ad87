"""All tags with their image counts: filter, rename or delete across the dataset, jump.

Returns the tag to jump to (the main screen then filters the list to it), or None.
Edits go through the main screen's edit path (journaled, undoable, conflict-aware).
"""

from __future__ import annotations

from collections.abc import Callable

from lorapan.core.captions import norm_tag
from lorapan.core.dataset import Dataset
from lorapan.core.edits import remove_tag, replace_tag
from lorapan.tui.screens.confirm import ConfirmScreen, PromptScreen
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

#: edit(fn, relpaths, label) applies fn to those images' tags through the app.
EditFn = Callable[[Callable, list[str], str], None]


class TagList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class TagFrequencyScreen(Screen[str | None]):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("r", "rename", "Rename"),
        Binding("d,delete", "delete", "Delete"),
        Binding("enter", "jump", "Show images", show=True, priority=False),
    ]
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
        yield Input(placeholder="filter tags (substring)", id="tf-filter")
        yield Static("", id="tf-summary")
        yield TagList(id="tf-list")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_from_dataset()
        self.query_one(TagList).focus()

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
        self.query_one("#tf-summary", Static).update(
            f"{len(rows)} of {total} tags · enter: show images · r: rename · d: delete"
        )

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

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
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
                self.refresh_from_dataset()

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
