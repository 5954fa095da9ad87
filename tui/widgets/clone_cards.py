"""A clone group side by side: one card per image (half-block picture, name, label, size,
sharpness), drawn by the Line API; the clone compare screen's body.

As many cards as fit the width show at once (at least ``MIN_CARD`` columns each) and
the window follows the cursor. The card under the cursor is framed; the cards that
"keep this one" would set aside are marked. The widget decodes nothing: the screen
puts thumbnails into the shared store at :attr:`CloneCards.cells` and tells the cards
to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from lorapan.tui.keymap import bindings_for
from lorapan.tui.widgets.halfblocks import Cells, ThumbStore, text_strips
from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

MIN_CARD, MAX_CARD, GAP = 26, 64, 1
TEXT_LINES = 4  # name, label, size, sharpness
LEFT_FRAME, RIGHT_FRAME = "▐", "▌"


@dataclass(frozen=True)
class Card:
    """What one card says about its image."""

    relpath: str
    label: str  # "original", or how it differs ("resized", "flipped", …)
    size: str = ""  # "1024×768 · 312 KB · PNG"
    sharpness: str = ""  # "sharpness 84" / "sharpness 41 (blurry)"
    kind: str = "copy"  # "original" | "clone" | "copy" (altered): the label colour


@dataclass
class CardsState:
    cards: list[Card] = field(default_factory=list)
    cursor: int = 0
    going: frozenset[str] = frozenset()  # what "keep this one" would set aside


class CloneCards(Widget, can_focus=True):
    """See module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for("clones")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "clone-cards--name",
        "clone-cards--original",
        "clone-cards--clone",
        "clone-cards--copy",
        "clone-cards--facts",
        "clone-cards--going",
        "clone-cards--frame",
        "clone-cards--pending",
    }
    DEFAULT_CSS = """
    CloneCards {
        height: 1fr;
        background: $surface;
        & > .clone-cards--name { text-style: bold; }
        & > .clone-cards--original { color: $text-success; }
        & > .clone-cards--clone { color: $text-warning; }
        & > .clone-cards--copy { color: $text-accent; }
        & > .clone-cards--facts { color: $text-muted; }
        & > .clone-cards--going { color: $text-error; text-style: bold; }
        & > .clone-cards--frame { color: $block-cursor-background; }
        & > .clone-cards--pending { color: $text-disabled; }
    }
    """

    @dataclass
    class Command(Message):
        """A key the screen acts on: keep, set-aside, open, next, previous, close, moved."""

        cards: CloneCards
        command: str

        @property
        def control(self) -> CloneCards:
            return self.cards

    def __init__(self, store: ThumbStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.state = CardsState()

    # ---- content ----------------------------------------------------------------------
    def show(self, cards: list[Card], cursor: int = 0, going: frozenset[str] = frozenset()):
        self.state = CardsState(cards, max(0, min(cursor, len(cards) - 1)), going)
        self.refresh()

    def set_going(self, going: frozenset[str]) -> None:
        self.state.going = going
        self.refresh()

    @property
    def current(self) -> Card | None:
        cards = self.state.cards
        return cards[self.state.cursor] if cards else None

    # ---- geometry -----------------------------------------------------------------------
    @property
    def per_screen(self) -> int:
        width = max(1, self.size.width)
        fits = max(1, (width + GAP) // (MIN_CARD + GAP))
        return max(1, min(len(self.state.cards), fits))

    @property
    def card_width(self) -> int:
        k = self.per_screen
        return max(8, min(MAX_CARD, (self.size.width - GAP * (k - 1)) // k))

    @property
    def cells(self) -> Cells:
        """The picture's box in cells (frame columns and text lines left out)."""
        return max(4, self.card_width - 2), max(2, self.size.height - TEXT_LINES - 1)

    def window(self) -> range:
        """The cards on screen: a window of ``per_screen`` around the cursor."""
        k, n = self.per_screen, len(self.state.cards)
        start = min(max(0, self.state.cursor - k // 2), max(0, n - k))
        return range(start, min(n, start + k))

    # ---- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        width = self.size.width
        if not self.state.cards:
            return Strip.blank(width, base)
        parts: list[Strip] = []
        for n, index in enumerate(self.window()):
            if n:
                parts.append(Strip.blank(GAP, base))
            parts.append(self._card_line(index, y).apply_style(base))
        return Strip.join(parts).extend_cell_length(width, base)

    def _card_line(self, index: int, y: int) -> Strip:
        card = self.state.cards[index]
        width = self.card_width
        cols, rows = self.cells
        cursor = index == self.state.cursor
        frame = self._style("frame")
        left = Segment(LEFT_FRAME if cursor else " ", frame)
        right = Segment(RIGHT_FRAME if cursor else " ", frame)
        if y < rows:
            middle = self._picture(card.relpath, y)
        elif y == rows:
            middle = [Segment(" " * cols)]
        else:
            middle = [self._text(card, y - rows - 1, cols)]
        return Strip([left, *middle, right], width).crop_pad(width, 0, 0, Style())

    def _picture(self, rel: str, y: int) -> list[Segment]:
        thumb = self.store.get(rel, self.cells)
        if thumb is None:
            return list(text_strips("decoding…", self.cells, self._style("pending"))[y])
        return list(thumb.strips[y])

    def _text(self, card: Card, line: int, cols: int) -> Segment:
        going = card.relpath in self.state.going
        if line == 0:
            text, style = card.relpath.rpartition("/")[2], self._style("name")
        elif line == 1:
            text = card.label if card.kind == "original" else f"{card.label} {card.kind}"
            style = self._style(card.kind)
            if going:
                text, style = f"✗ {text}", self._style("going")
        elif line == 2:
            text, style = card.size, self._style("facts")
        else:
            text, style = card.sharpness, self._style("facts")
        if len(text) > cols:
            text = text[: cols - 1] + "…"
        return Segment(text.ljust(cols), style)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"clone-cards--{name}", partial=True)

    # ---- keys -----------------------------------------------------------------------------
    def _move(self, step: int) -> None:
        if self.state.cards:
            self.state.cursor = (self.state.cursor + step) % len(self.state.cards)
            self.refresh()
            self.post_message(self.Command(self, "moved"))

    def action_cursor_left(self) -> None:
        self._move(-1)

    def action_cursor_right(self) -> None:
        self._move(1)

    def action_keep(self) -> None:
        self.post_message(self.Command(self, "keep"))

    def action_set_aside(self) -> None:
        self.post_message(self.Command(self, "set-aside"))

    def action_open(self) -> None:
        self.post_message(self.Command(self, "open"))

    def action_next_group(self) -> None:
        self.post_message(self.Command(self, "next"))

    def action_previous_group(self) -> None:
        self.post_message(self.Command(self, "previous"))

    def action_close(self) -> None:
        self.post_message(self.Command(self, "close"))
