"""Tag chips: one focusable widget showing the current image's tags in order.

Each chip is ``\\u00a0tag\\u00a0`` so a chip never breaks across lines while the
row wraps. The first tag (kohya's kept token, usually the trigger word) is
marked with ★ and its own colour. With several images selected the chips are
the union of their tags, each showing its share (``tag 3/5`` when only some of
the selection carry it). The widget edits nothing itself: it posts
:class:`TagChips.Requested` and the screen applies the edit to the selection.
"""

from __future__ import annotations

from dataclasses import dataclass

from lorapan.tui.keymap import bindings_for
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

NBSP = "\u00a0"


class TagChips(Widget, can_focus=True):
    """Tags as chips; ←/→ move, d deletes, r renames, f to front, shift+←/→ reorder."""

    BINDINGS = bindings_for("chips")

    DEFAULT_CSS = """
    TagChips { height: auto; min-height: 1; padding: 0 1; }
    """

    tags: reactive[tuple[str, ...]] = reactive((), layout=True)
    cursor: reactive[int] = reactive(0)

    @dataclass
    class Requested(Message):
        """The user asked for ``action`` on ``tag`` (``position`` for moves)."""

        chips: TagChips
        action: str  # delete | rename | front | move | show
        tag: str
        position: int = 0

        @property
        def control(self) -> TagChips:
            return self.chips

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shares: dict[str, int] = {}
        self.total = 1

    def set_tags(self, tags: tuple[str, ...], shares: dict[str, int] | None, total: int) -> None:
        """Show ``tags``; ``shares`` maps tag -> how many of ``total`` images carry it."""
        self.shares = shares or {}
        self.total = max(1, total)
        if tags == self.tags:
            self.refresh(layout=True)
        self.tags = tags
        self.cursor = self.cursor  # re-validate against the new length

    def validate_cursor(self, cursor: int) -> int:
        if not self.tags:
            return 0
        return max(0, min(cursor, len(self.tags) - 1))

    @property
    def current_tag(self) -> str | None:
        if not self.tags:
            return None
        return self.tags[self.validate_cursor(self.cursor)]

    def _label(self, tag: str) -> str:
        n = self.shares.get(tag, self.total)
        share = f" {n}/{self.total}" if n < self.total else ""
        return f"{tag}{share}".replace(" ", NBSP)

    def render(self) -> Content:
        if not self.tags:
            return Content.styled("no tags: press a to add one", "italic $text-muted")
        parts: list[Content | str] = []
        focused = self.has_focus
        for i, tag in enumerate(self.tags):
            label = self._label(tag)
            if i == 0 and self.total == 1:
                label = f"★{NBSP}{label}"
            text = f"{NBSP}{label}{NBSP}"
            if focused and i == self.cursor:
                style = "reverse bold"
            elif i == 0 and self.total == 1:
                style = "bold $background on $chip-first"
            elif self.shares.get(tag, self.total) < self.total:
                style = "$text-muted on $panel"
            else:
                style = "$foreground on $panel"
            parts.append(Content.styled(text, style))
            parts.append(" ")
        return Content.assemble(*parts)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---- actions -------------------------------------------------------------
    def action_cursor_left(self) -> None:
        self.cursor -= 1

    def action_cursor_right(self) -> None:
        self.cursor += 1

    def _request(self, action: str, position: int = 0) -> None:
        tag = self.current_tag
        if tag is not None:
            self.post_message(self.Requested(self, action, tag, position))

    def action_delete_tag(self) -> None:
        self._request("delete")

    def action_rename_tag(self) -> None:
        self._request("rename")

    def action_front_tag(self) -> None:
        self._request("front")
        self.cursor = 0

    def action_show_tag(self) -> None:
        self._request("show")

    def action_move_left(self) -> None:
        if self.cursor > 0:
            self._request("move", self.cursor - 1)
            self.cursor -= 1

    def action_move_right(self) -> None:
        if self.cursor < len(self.tags) - 1:
            self._request("move", self.cursor + 1)
            self.cursor += 1
