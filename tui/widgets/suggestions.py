"""Tagger suggestions for the current image: tags with scores, accept or dismiss by key.

The widget edits nothing: it posts :class:`Suggestions.Accepted` (the host adds the tags
with ``lorapan.core.tagger.modes.accept``, one undoable edit) and
:class:`Suggestions.Dismissed`. Dismissed tags are remembered per image for the
session, so showing the image again does not bring them back.

Keys (defaults; the bindings come from the keymap table, scope ``suggestions``, and the
border names the keys in use): ↑/↓ move, enter/a accept the highlighted tag, A accept
every tag at or above the accept-all score, +/- raise or lower that score by 0.05,
d dismiss the highlighted tag, D dismiss all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lorapan.core.captions import norm_tag
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:  # predict imports numpy, which the first paint does not need
    from lorapan.core.tagger.predict import Prediction

STEP = 0.05
CATEGORY_MARK = {"character": "char", "rating": "rating", "general": ""}


class Suggestions(OptionList):
    """Predicted tags the caption lacks, best first, each with its score."""

    BINDINGS = bindings_for("suggestions")

    DEFAULT_CSS = """
    Suggestions { height: auto; max-height: 16; border: round $panel; }
    Suggestions:focus { border: round $accent; }
    """

    min_score: reactive[float] = reactive(0.5)

    @dataclass
    class Accepted(Message):
        """Add ``tags`` to the caption of ``relpath``."""

        suggestions: Suggestions
        relpath: str
        tags: list[str]

        @property
        def control(self) -> Suggestions:
            return self.suggestions

    @dataclass
    class Dismissed(Message):
        """The user does not want ``tags`` on ``relpath``."""

        suggestions: Suggestions
        relpath: str
        tags: list[str]

        @property
        def control(self) -> Suggestions:
            return self.suggestions

    def __init__(self, *, min_score: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.relpath: str | None = None
        self.predictions: list[Prediction] = []
        self._dismissed: dict[str, set[str]] = {}
        self.set_reactive(Suggestions.min_score, min_score)

    # ---- showing -------------------------------------------------------------
    def show(
        self, relpath: str | None, predictions: Iterable[Prediction], have: Iterable[str] = ()
    ) -> None:
        """Show ``predictions`` for ``relpath``, leaving out tags in ``have`` and dismissed ones."""
        self.relpath = relpath
        skip = {norm_tag(t) for t in have} | self._dismissed.get(relpath or "", set())
        preds = [p for p in predictions if norm_tag(p.tag) not in skip]
        self.predictions = sorted(preds, key=lambda p: -p.score)
        self._rebuild()

    def _rebuild(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(
            Option(self._prompt(p), id=f"s{i}") for i, p in enumerate(self.predictions)
        )
        if self.predictions:
            self.highlighted = min(highlighted or 0, len(self.predictions) - 1)
        self._retitle()

    def _prompt(self, p: Prediction) -> Content:
        style = "bold" if p.score >= self.min_score else "dim"
        mark = CATEGORY_MARK.get(p.category, p.category)
        return Content.assemble(
            (f"{p.score:.2f} ", style), (p.tag, style), (f"  {mark}" if mark else "", "italic")
        )

    def _retitle(self) -> None:
        name = self.relpath or "no image"
        above = sum(p.score >= self.min_score for p in self.predictions)
        self.border_title = Content(f"suggestions · {name}")  # a file name, not markup
        self.border_subtitle = (
            f"{self._keys('suggest-accept-above')}: {above} at ≥ {self.min_score:.2f}"
        )

    def _keys(self, binding_id: str) -> str:
        """The keys bound to ``binding_id`` now (after the user's keymap), for the border."""
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def watch_min_score(self) -> None:
        self._rebuild()

    def validate_min_score(self, value: float) -> float:
        return round(max(0.0, min(1.0, value)), 2)

    # ---- actions ---------------------------------------------------------------
    @property
    def current(self) -> Prediction | None:
        if self.highlighted is None or not self.predictions:
            return None
        return self.predictions[min(self.highlighted, len(self.predictions) - 1)]

    def _take(self, chosen: list[Prediction]) -> list[str]:
        keys = {norm_tag(p.tag) for p in chosen}
        self.predictions = [p for p in self.predictions if norm_tag(p.tag) not in keys]
        self._rebuild()
        return [p.tag for p in chosen]

    def _post(self, kind: type[Accepted] | type[Dismissed], chosen: list[Prediction]) -> None:
        if self.relpath is None or not chosen:
            return
        if kind is Suggestions.Dismissed:
            self._dismissed.setdefault(self.relpath, set()).update(norm_tag(p.tag) for p in chosen)
        self.post_message(kind(self, self.relpath, self._take(chosen)))

    def action_accept(self) -> None:
        if (p := self.current) is not None:
            self._post(Suggestions.Accepted, [p])

    def action_accept_above(self) -> None:
        self._post(Suggestions.Accepted, [p for p in self.predictions if p.score >= self.min_score])

    def action_dismiss(self) -> None:
        if (p := self.current) is not None:
            self._post(Suggestions.Dismissed, [p])

    def action_dismiss_all(self) -> None:
        self._post(Suggestions.Dismissed, list(self.predictions))

    def action_raise_min(self) -> None:
        self.min_score += STEP

    def action_lower_min(self) -> None:
        self.min_score -= STEP

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # A click selects: treat it as accept, and keep OptionSelected inside the widget.
        event.stop()
        self.action_accept()
