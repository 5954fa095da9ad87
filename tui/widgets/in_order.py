"""Text fields that apply keys in the order they were typed, however fast they come.

Textual inserts a typed character in the field's own ``_on_key``, but its editing keys
(backspace, delete, the arrows, home, end, ctrl+w, …) are bindings: the key event is
not handled there, bubbles up through the screen to the app, and only then runs the
field's action. Keys that arrive in one burst (a paste-like burst from tmux, or the
keys a slow SSH link delivers together after a lag) are forwarded to the field one
after another, so the characters typed *after* a backspace are inserted before the
backspace's action runs: ``abc⌫⌫Z`` became ``ab`` instead of ``aZ``, and the text
saved was not the text typed (a tag renamed in every caption, a setting).

These fields run their own bindings' actions in ``_on_key``, in order with the
characters. A key bound by the field wins over the screen's and the app's bindings
either way (the focused widget's bindings are checked first); the app's *priority*
bindings are checked before a key reaches the field, as before.
"""

from __future__ import annotations

from textual import events
from textual.binding import NoBinding
from textual.widgets import Input, TextArea


class _InOrder:
    """Mixin for a focusable text field (see the module docstring)."""

    async def _on_key(self, event: events.Key) -> None:
        action = None if event.is_printable else self._own_action(event.key)
        # an action that does not apply (scroll_down in a one-line field) is skipped, and
        # the key goes on up to the screen's bindings as it always did
        if action is not None and await self.app.run_action(action, self):  # type: ignore[attr-defined]
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)  # type: ignore[misc]

    def _own_action(self, key: str) -> str | None:
        """The action this field binds ``key`` to, or None (the key bubbles as usual)."""
        try:
            bindings = self._bindings.get_bindings_for_key(key)  # type: ignore[attr-defined]
        except NoBinding:
            return None
        return bindings[0].action if bindings else None


class InOrderInput(_InOrder, Input):
    """:class:`~textual.widgets.Input` whose editing keys keep their typed order."""

    async def _on_key(self, event: events.Key) -> None:
        self._restart_blink()
        await super()._on_key(event)


class InOrderTextArea(_InOrder, TextArea):
    """:class:`~textual.widgets.TextArea` whose editing keys keep their typed order."""
