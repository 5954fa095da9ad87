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

:class:`KeysInTurn` (mixed into the app) keeps the order *between* keys: a key is
handed to the focused widget only once the key before it has had its effect, so the
letters typed after ``/`` go into the filter box it opens (and not to the file list
as commands), and ``t`` then ``→`` moves the chip cursor.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING

from textual import events
from textual.binding import NoBinding
from textual.keys import _character_to_key
from textual.message import Message
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

#: how often a key whose end was not heard is looked at, and how many looks it is
#: given (counted, not timed: a loop held up by other work holds up the key as well)
CHECK_S = 0.02
CHECKS = 50
#: the longest a key waits for a screen it opened to mount
MOUNT_S = 5.0


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


class KeyTurnEnded(Message):
    """Posted to the widget a key went to, right behind the key: it follows the key
    up the DOM (each widget handles its messages in order), so when it reaches the
    app the key has been handled everywhere it went, bindings included."""

    def __init__(self, turn: int) -> None:
        super().__init__()
        self.turn = turn


@dataclass
class _Turn:
    """The key being handled now: where it went, from which screen, since when."""

    number: int
    event: events.Key | events.Paste
    target: DOMNode
    screen: Screen
    started: float = field(default_factory=monotonic)
    rerouted: bool = False
    settling: bool = False
    check: asyncio.TimerHandle | None = None
    checks: int = 0


class KeysInTurn:
    """App mixin: each key waits until the key before it has had its effect.

    Textual hands every key of a burst to the widget focused when the key arrives, and
    runs a key's binding only after the key has bubbled back up to the app. Keys that
    arrive together (tmux, a slow SSH link after a lag) were therefore all handed to
    the file list before ``/`` had opened the filter box: ``/ sunset`` left the box
    empty and ran ``s`` (sort), ``u`` (undo), ``x`` (set aside) as commands.

    Here a key is handed on only when the one before it has come back (see
    :class:`KeyTurnEnded`), the focus it moved has moved, and a screen it opened is
    mounted with its field focused. A key the old focus let through after a later
    message moved the focus (``r`` on a chip opens the tag box through a message) is
    handed to the new focus instead of running the old focus's bindings. A single key
    is not delayed: it is handed on at once, as before. A paste waits its turn too.
    """

    _turn: _Turn | None = None
    _turns: int = 0
    _waiting: deque[events.Key | events.Paste] | None = None

    async def on_event(self, event: events.Event) -> None:
        parts = self._escape_then(event) if isinstance(event, events.Key) else None
        if parts is not None and not event.is_forwarded:
            for part in parts:  # each takes its turn, as if read apart
                await self.on_event(part)
            return
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._turn is not None:
                if self._waiting is None:
                    self._waiting = deque()
                self._waiting.append(event)
                return
            await self._start_turn(event)
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _start_turn(self, event: events.Key | events.Paste) -> None:
        app = self._as_app()
        self._turns += 1
        target = app.focused or app.screen  # where App.on_event forwards the key
        turn = self._turn = _Turn(self._turns, event, target, app.screen)
        await super().on_event(event)  # type: ignore[misc]  # priority bindings, then forward
        self._follow_key(turn)

    def _escape_then(self, event: events.Key) -> tuple[events.Key, events.Key] | None:
        """``esc`` then a key, in one read, reach Textual as ``alt+key`` (a terminal sends
        alt as an escape before the key): a burst's ``esc j`` closed nothing and typed
        ``j``. Read apart unless something is bound to that alt key."""
        key = event.key
        if not key.startswith("alt+") or key in self._as_app().active_bindings:
            return None
        char = event.character
        if not char or not char.isprintable():
            name = key.rsplit("+", 1)[-1]
            if len(name) != 1:
                return None  # alt+up and the like: no key of its own to replay
            char = name.upper() if "+shift+" in key else name
        return events.Key("escape", "\x1b"), events.Key(_character_to_key(char), char)

    def _as_app(self) -> App:
        """This mixin is mixed into the app."""
        return self  # type: ignore[return-value]

    def on_key_turn_ended(self, message: KeyTurnEnded) -> None:
        message.stop()
        self._settle(message.turn)

    def _on_key(self, event: events.Key) -> None:
        """A key back at the app whose widget lost the focus meanwhile goes to the new
        focus (once), not to the old focus's bindings."""
        turn, app = self._turn, self._as_app()
        if turn is None or turn.event is not event or turn.rerouted or turn.settling:
            return
        now = app.focused or app.screen
        if now is turn.target:
            return
        event.prevent_default()  # App._on_key (the bindings) does not run for it
        self._turns += 1
        fresh = events.Key(event.key, event.character)
        turn.number, turn.event, turn.target, turn.rerouted = self._turns, fresh, now, True
        now._forward_event(fresh)
        self._follow_key(turn)

    def _follow_key(self, turn: _Turn) -> None:
        """Send the end of the turn after the key, and look in on it now and then."""
        if not turn.target.post_message(KeyTurnEnded(turn.number)):
            self._settle(turn.number)  # the target is closing: the key went nowhere
            return
        self._check_later(turn)

    def _check_later(self, turn: _Turn) -> None:
        if turn.check is not None:
            turn.check.cancel()
        turn.check = asyncio.get_running_loop().call_later(CHECK_S, self._check, turn.number)

    def _check(self, number: int) -> None:
        """The end of a key is not heard when the widget it went to was removed on the
        way (a dialog the key closed): go on without it, and never wait for ever."""
        turn = self._turn
        if turn is None or turn.number != number or turn.settling:
            return
        turn.checks += 1
        if not turn.target.is_attached or turn.checks >= CHECKS:
            self._settle(number)
        else:
            self._check_later(turn)

    def _settle(self, number: int) -> None:
        """The key has been handled: the next one goes once what it set off has happened
        (a focus moves after the messages queued now; a new screen mounts first)."""
        turn = self._turn
        if turn is None or turn.number != number or turn.settling:
            return
        turn.settling = True
        if turn.check is not None:
            turn.check.cancel()
        self._as_app().call_later(self._screen_ready, number)

    async def _screen_ready(self, number: int) -> None:
        turn, app = self._turn, self._as_app()
        if turn is None or turn.number != number:
            return
        screen = app.screen
        if screen is turn.screen:
            await self._end_turn(number)
            return
        if not screen.is_mounted and monotonic() - turn.started < MOUNT_S:
            loop = asyncio.get_running_loop()
            loop.call_later(CHECK_S / 5, app.call_later, self._screen_ready, number)
            return
        # after the screen's own queue (its resume, which focuses), then the app's (the
        # focus calls its mount made)
        if not screen.call_later(app.call_later, self._end_turn, number):
            await self._end_turn(number)  # the screen is closing already

    async def _end_turn(self, number: int) -> None:
        turn = self._turn
        if turn is None or turn.number != number:
            return
        self._turn = None
        if self._waiting:
            await self._start_turn(self._waiting.popleft())
