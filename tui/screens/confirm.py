"""Small modal dialogs: yes/no, a choice of lettered options, a one-line prompt."""

from __future__ import annotations

from collections.abc import Sequence

from lorapan.tui.widgets.in_order import InOrderInput
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

DIALOG_CSS = """
.dialog { width: 72; max-width: 95%; height: auto; max-height: 90%;
          border: thick $primary; background: $surface; padding: 1 2; }
.dialog > .title { text-style: bold; margin-bottom: 1; }
.dialog > .body { height: auto; max-height: 16; overflow-y: auto; }
.dialog > Horizontal { height: auto; margin-top: 1; }
.dialog Button { margin-right: 1; min-width: 10; }
"""


class ChoiceScreen(ModalScreen[str | None]):
    """Lettered choices: press the letter (or click); escape gives ``escape_value``."""

    DEFAULT_CSS = "ChoiceScreen { align: center middle; }\n" + DIALOG_CSS
    BINDINGS = [Binding("escape", "choose_escape", "Cancel", show=False)]

    def __init__(
        self,
        title: str,
        body: str,
        choices: Sequence[tuple[str, str, str]],
        escape_value: str | None = None,
    ) -> None:
        """``choices`` are (key, value, label), e.g. ("r", "reload", "Reload from disk")."""
        super().__init__()
        self.title_text = title
        self.body = body
        self.choices = list(choices)
        self.escape_value = escape_value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title", markup=False)
            yield Static(self.body, classes="body", markup=False)
            with Horizontal():
                for key, value, label in self.choices:
                    yield Button(f"{key}: {label}", id=f"choice-{value}", name=value)

    def on_key(self, event: Key) -> None:
        for key, value, _label in self.choices:
            if event.key == key or (key == "enter" and event.key == "enter"):
                event.stop()
                self.dismiss(value)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.name)

    def action_choose_escape(self) -> None:
        self.dismiss(self.escape_value)


class ConfirmScreen(ChoiceScreen):
    """y / n question; returns "yes" or None."""

    def __init__(self, title: str, body: str, yes: str = "Yes") -> None:
        super().__init__(title, body, [("y", "yes", yes), ("n", "no", "No")], None)


class PromptScreen(ModalScreen[str | None]):
    """A one-line text prompt with suggestions; enter submits, escape cancels."""

    DEFAULT_CSS = "PromptScreen { align: center middle; }\n" + DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, value: str = "", suggestions: Sequence[str] = ()) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title", markup=False)
            suggester = (
                SuggestFromList(self.suggestions, case_sensitive=False)
                if self.suggestions
                else None
            )
            yield InOrderInput(value=self.value, suggester=suggester, id="prompt-input")
            yield Static(
                "enter: OK   esc: cancel   →: take the suggestion", classes="body", markup=False
            )

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
