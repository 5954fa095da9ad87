"""The dataset's settings: kind, name, core and style tag, caption extension, tag style
and where training finds sd-scripts, Python, the base model and the output folder.

The fields, their checks and the save are core's (``core.settings_form``); this screen
shows them, says under each field what core says about it as it is typed, and hands
the form to :func:`~lorapan.core.settings_form.save_form` on ``ctrl+s``: one journaled
step, which ``u`` undoes. It returns core's ``FormSaved`` when lorapan.toml was written
(the app tells what the settings in use took, as for an outside change of the file), or
None. A save that cannot be made (another lorapan writing, the file changed meanwhile
or read-only, a file that does not parse) says why and keeps the form open.
lorapan.toml changing while the screen is open refreshes the fields the user has not
touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lorapan.core.errors import LorapanError
from lorapan.core.settings import SETTINGS_FILE, Settings, SettingsError
from lorapan.core.settings_form import (
    FIELDS,
    FormField,
    FormSaved,
    check_form,
    form_values,
    save_form,
)
from lorapan.tui.errors import error_text
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.screens.confirm import ChoiceScreen
from lorapan.tui.widgets.in_order import InOrderInput
from lorapan.tui.widgets.keys_footer import KeysFooter
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

if TYPE_CHECKING:
    from lorapan.core.dataset import Dataset

TABLE_TITLES = {"dataset": "Dataset  [dataset]", "training": "Training  [training]"}


class ChoiceField(Select[str], inherit_bindings=False):
    """A choice among fixed values that opens on enter or space only: ↑/↓ move between
    the form's fields as they do from a text field (Select opens on them too)."""

    BINDINGS = [Binding("enter,space", "show_overlay", "Show menu", show=False)]


class Form(VerticalScroll, inherit_bindings=False):
    """The fields, scrolled to the focused one; ↑/↓ are the screen's (next field), not
    a scroll of the container, which would swallow them whenever the form is taller
    than the terminal."""

    BINDINGS = [
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]


def field_id(f: FormField) -> str:
    return "set-" + f.key.replace(".", "-").replace("_", "-")


class SettingsScreen(Screen[FormSaved | None]):
    BINDINGS = bindings_for("settings")
    PALETTE_SCOPES = ("settings",)

    DEFAULT_CSS = """
    SettingsScreen #set-head { height: auto; padding: 0 1; }
    SettingsScreen #set-form { height: 1fr; padding: 0 1; }
    SettingsScreen .set-table { text-style: bold; margin-top: 1; }
    SettingsScreen .set-row { height: 1; }
    SettingsScreen .set-row > Label { width: 20; color: $text-muted; }
    SettingsScreen .set-row:focus-within > Label { color: $accent; text-style: bold; }
    SettingsScreen .set-row > Input, SettingsScreen .set-row > Select { width: 1fr; }
    SettingsScreen .set-msg { height: auto; padding-left: 20; color: $text-muted; }
    SettingsScreen .set-msg.-error { color: $error; }
    SettingsScreen .set-msg.-note { color: $warning; }
    """

    def __init__(self, dataset: Dataset) -> None:
        super().__init__()
        self.dataset = dataset
        self.root = dataset.root
        self.settings = dataset.settings
        self.shown = form_values(self.settings)

    def _key(self, binding_id: str) -> str:
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def compose(self) -> ComposeResult:
        yield Static(self._head(), id="set-head", markup=False)
        with Form(id="set-form"):
            table = ""
            for f in FIELDS:
                if f.table != table:
                    table = f.table
                    yield Static(TABLE_TITLES[table], classes="set-table", markup=False)
                with Horizontal(classes="set-row"):
                    yield Label(f.label, markup=False)
                    yield self._widget(f)
                yield Static(f.help, id=field_id(f) + "-msg", classes="set-msg", markup=False)
        yield KeysFooter()

    def _head(self) -> str:
        return (
            f"{self.root.name}/lorapan.toml (keys not shown here are kept) · "
            f"{self._key('settings-save')}: save · {self._key('settings-cancel')}: back"
        )

    def _widget(self, f: FormField) -> Widget:
        value = self.shown[f.key]
        if f.choices:
            return ChoiceField(
                [(c, c) for c in f.choices], value=value, allow_blank=False, compact=True,
                id=field_id(f),
            )  # fmt: skip
        return InOrderInput(value, compact=True, id=field_id(f))

    def on_mount(self) -> None:
        self.query_one("#" + field_id(FIELDS[0])).focus()

    # ---- the form ----------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The form's text now, per field key."""
        out = {}
        for f in FIELDS:
            widget = self.query_one("#" + field_id(f))
            value = widget.value if isinstance(widget, (Input, Select)) else ""
            out[f.key] = "" if value is Select.BLANK else str(value)
        return out

    @property
    def modified(self) -> bool:
        return self.values() != self.shown

    def unsaved(self) -> str | None:
        """What quitting now would lose (the app asks before it does)."""
        return "settings changed on the settings screen" if self.modified else None

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        self.show_check()

    def show_check(self) -> bool:
        """Each field's message as core checks the form now; False when one is an error."""
        check = check_form(self.values(), self.root)
        for f in FIELDS:
            msg = self.query_one("#" + field_id(f) + "-msg", Static)
            text = check.errors.get(f.key) or check.notes.get(f.key) or f.help
            msg.update(text)
            msg.set_class(f.key in check.errors, "-error")
            msg.set_class(f.key in check.notes, "-note")
        return check.ok

    def settings_reloaded(self, settings: Settings, result: object = None) -> None:
        """The app read lorapan.toml again (its ``settings_reloaded`` round)."""
        self.refresh_from_settings(settings)

    def refresh_from_settings(self, settings: Settings) -> None:
        """lorapan.toml changed: fields the user has not touched show the new values."""
        new = form_values(settings)
        now = self.values()
        for f in FIELDS:
            if now[f.key] == self.shown[f.key] and new[f.key] != now[f.key]:
                widget = self.query_one("#" + field_id(f))
                with self.prevent(Input.Changed, Select.Changed):
                    widget.value = new[f.key]  # type: ignore[attr-defined]
        self.settings, self.shown = settings, new
        self.show_check()

    # ---- actions -------------------------------------------------------------------
    def action_save(self) -> None:
        """Save as one journaled step; what stops it is said and the form stays open."""
        if not self.show_check():
            self.notify("not saved: a field says what is wrong", severity="warning", timeout=4)
            return
        if other := self._other_writer():  # waiting for it would freeze the screen
            self.notify(
                f"not saved: another lorapan is writing to this dataset ({other}); "
                "save when it is done",
                severity="warning",
                timeout=8,
            )
            return
        try:
            saved = save_form(self.dataset, self.settings, self.values(), wait_s=0)
        except (SettingsError, OSError) as exc:  # a file that does not parse: not written over
            self.notify(f"not saved: {exc}", severity="error", timeout=10)
            return
        except LorapanError as exc:  # the journal cannot be written, a writer came first
            self.notify(f"not saved: {error_text(exc)}", severity="error", timeout=12)
            return
        if saved.result.conflicts:
            _, why = saved.result.conflicts[0]
            self.notify(
                f"not saved: {SETTINGS_FILE} {why}; the form is kept", severity="error", timeout=10
            )
            return
        self.dismiss(saved if saved.written else None)

    def _other_writer(self) -> str | None:
        try:
            holder = self.dataset.journal.writer.busy()
        except LorapanError:
            return None  # a damaged .lorapan/: the save itself says what is wrong
        return holder.describe() if holder is not None else None

    def action_cancel(self) -> None:
        if not self.modified:
            self.dismiss(None)
            return

        def decided(choice: str | None) -> None:
            if choice == "save":
                self.action_save()
            elif choice == "discard":
                self.dismiss(None)

        self.app.push_screen(
            ChoiceScreen(
                "Leave without saving?",
                "Some settings were changed here and are not in lorapan.toml yet.",
                [("s", "save", "Save"), ("d", "discard", "Discard"), ("e", "edit", "Go on")],
                escape_value="edit",
            ),
            decided,
        )

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()
