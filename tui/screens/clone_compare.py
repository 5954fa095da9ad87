"""Clone compare: a clone group's original and each copy side by side, keep or set aside.

Opened with the groups to review (one image's group, a finding's groups, or all of
them) and the analysis facts. ``enter`` keeps the framed image and sets aside the
rest of its clone set (:func:`~lorapan.core.analysis.clone_review.keep_only`: the
original with its plain copies, never the altered ones); ``x`` sets aside just the
framed image; ``n``/``p`` go to the next / previous group. Setting aside goes to the
main screen's triage (``on_triage``, journaled and undoable there); the screen
follows the dataset as images leave, and closes when no group is left.

Pictures are decoded at card size on an exclusive worker into the shared thumbnail
store, so going back to a group shows it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lorapan.core.analysis.clone_labels import CLONE_LABELS
from lorapan.core.analysis.clone_review import (
    ORIGINAL,
    keep_only,
    members_in_order,
    without,
)
from lorapan.core.dataset import Dataset
from lorapan.tui.widgets.clone_cards import Card, CloneCards
from lorapan.tui.widgets.halfblocks import Cells, ThumbReady, ThumbStore, decode_into
from lorapan.tui.widgets.keys_footer import KeysFooter
from lorapan.tui.widgets.preview import CaptionLine
from lorapan.tui.workers import report_failure
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

SETTLE_S = 0.02

#: triage(kind, relpaths): "set-aside" (or "trash") these images (the main screen's)
Triage = Callable[[str, list[str]], None]


def card_for(rel: str, label: str, facts: Any) -> Card:
    """A card's words from the analysis facts of ``rel`` (None: not measured)."""
    kind = "original" if label == ORIGINAL else "clone" if label in CLONE_LABELS else "copy"
    if facts is None:
        return Card(rel, label, "not measured", "", kind)
    if not facts.ok:
        return Card(rel, label, facts.error_message or "unreadable", "", kind)
    size = f"{facts.width}×{facts.height} · {_bytes(facts.file_size)} · {facts.format}"
    sharp = f"sharpness {facts.sharpness:.0f}" + (" (blurry)" if facts.blurry else "")
    return Card(rel, label, size, sharp, kind)


def _bytes(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(1, round(n / 1000))} KB"


class CloneCompareScreen(Screen[str | None]):
    """See module docstring. Dismissed with an image to open in the list, or None."""

    DEFAULT_CSS = """
    CloneCompareScreen #clones-head { height: 1; padding: 0 1; background: $panel; }
    CloneCompareScreen #clones-hint { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(
        self,
        dataset: Dataset,
        store: ThumbStore,
        groups: Sequence[Any],
        facts: Mapping[str, Any],
        *,
        start_at: str | None = None,
        start_group: int = 0,
        on_triage: Triage | None = None,
        keys: Callable[[str], str] = lambda binding_id: binding_id,
    ) -> None:
        """``keys(binding_id)``: the keys bound now (for the hint line)."""
        super().__init__()
        self.dataset = dataset
        self.root = Path(dataset.root)
        self.store = store
        self.groups = list(groups)
        self.facts = facts
        self.start_at = start_at
        self.on_triage = on_triage
        self.keys = keys
        self.index = max(0, min(start_group, len(self.groups) - 1))

    def compose(self) -> ComposeResult:
        yield CaptionLine(id="clones-head")
        yield CloneCards(self.store, id="clone-cards")
        yield CaptionLine(id="clones-hint")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.cards.focus()
        self._show_group(self.start_at)

    def on_resize(self) -> None:
        """How many cards fit changed: the header and the pictures' size follow."""
        self.call_after_refresh(self._update_going)
        self.call_after_refresh(self._decode_group)

    @property
    def cards(self) -> CloneCards:
        return self.query_one(CloneCards)

    @property
    def group(self) -> Any:
        return self.groups[self.index] if self.groups else None

    # ---- showing a group -------------------------------------------------------------
    def _show_group(self, at: str | None = None) -> None:
        group = self.group
        if group is None:
            return
        members = members_in_order(group)
        cards = [card_for(rel, label, self.facts.get(rel)) for rel, label in members]
        rels = [rel for rel, _ in members]
        cursor = rels.index(at) if at in rels else 0
        self.cards.show(cards, cursor)
        self._update_going()
        self.call_after_refresh(self._decode_group)

    def _update_going(self) -> None:
        card = self.cards.current
        group = self.group
        if card is None or group is None:
            return
        going = keep_only(group, card.relpath)
        self.cards.set_going(frozenset(going))
        clones, altered = len(group.clones), len(group.altered)
        name = group.original.rpartition("/")[2]
        state = self.cards.state
        head = f"Clone group {self.index + 1}/{len(self.groups)} · original {name}"
        if len(state.cards) > self.cards.per_screen:
            head += f" · image {state.cursor + 1}/{len(state.cards)} (←/→)"
        head += f" · {clones} clone(s), {altered} altered cop{'y' if altered == 1 else 'ies'}"
        self.query_one("#clones-head", CaptionLine).text = head
        keep, aside = self.keys("clones-keep"), self.keys("clones-set-aside")
        if going:
            hint = f"{keep}: keep {card.relpath.rpartition('/')[2]}, set aside the {len(going)} ✗"
        else:
            hint = f"{keep}: nothing to set aside (no plain copy of this one)"
        hint += f" · {aside}: set aside this one · {self.keys('clones-next')}: next group"
        self.query_one("#clones-hint", CaptionLine).text = hint

    def _decode_group(self) -> None:
        group = self.group
        if group is None or not self.is_mounted:
            return
        cells = self.cards.cells
        rels = [rel for rel, _ in members_in_order(group)]
        missing = [r for r in rels if self.store.get(r, cells) is None]
        if missing:
            self._decode(missing, cells)

    @work(thread=True, exclusive=True, group="clone-compare", exit_on_error=False)
    def _decode(self, rels: list[str], cells: Cells) -> None:
        worker = get_current_worker()
        time.sleep(SETTLE_S)
        decode_into(
            self.store, self.root, rels, cells, lambda: worker.is_cancelled, self.post_message
        )

    def on_thumb_ready(self, message: ThumbReady) -> None:
        if message.cells == self.cards.cells:
            self.cards.refresh()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)

    # ---- keys --------------------------------------------------------------------------
    @on(CloneCards.Command)
    def _command(self, message: CloneCards.Command) -> None:
        command = message.command
        card = self.cards.current
        if command == "moved":
            self._update_going()
        elif command in ("next", "previous") and self.groups:
            step = 1 if command == "next" else -1
            self.index = (self.index + step) % len(self.groups)
            self._show_group()
        elif command == "close":
            self.dismiss(None)
        elif card is None:
            return
        elif command == "open":
            self.dismiss(card.relpath)
        elif command == "keep":
            going = keep_only(self.group, card.relpath)
            if not going:
                self.notify("nothing to set aside: no plain copy of this image", timeout=3)
            elif self.on_triage is not None:
                self.on_triage("set-aside", going)
        elif command == "set-aside" and self.on_triage is not None:
            self.on_triage("set-aside", [card.relpath])

    # ---- following the dataset ---------------------------------------------------------
    def refresh_from_dataset(self, relpaths: set[str], reason: str = "") -> None:
        """Images that left the dataset leave their group; a group of one is done."""
        items = self.dataset.items
        gone = {r for r in relpaths if r not in items}
        if not gone:
            return
        card = self.cards.current
        keep_at = card.relpath if card is not None and card.relpath not in gone else None
        current = self.group
        groups, position = [], 0
        for g in self.groups:
            if g is current:
                position = len(groups)  # where it stays, or where the next one comes
            left = without(g, gone)
            if left is not None:
                groups.append(left)
        self.groups = groups
        if not groups:
            self.notify("no clone group left to compare", timeout=4)
            self.dismiss(None)
            return
        self.index = min(position, len(groups) - 1)
        self._show_group(keep_at)
