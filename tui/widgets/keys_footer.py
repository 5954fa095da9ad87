"""The footer of every screen: Textual's, with Help pinned beside the command palette.

Textual's footer lists the focused widget's keys first and the app's last, and cuts
what does not fit: at 80 columns the main screen lost ``? Help``, the one key that
lists all the others. Here Help and the palette key stand together at the right
end, so however many keys a screen has, the way to find them stays on screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer

#: the actions whose keys stay at the right end (the palette's key is Textual's own)
PINNED_ACTIONS = frozenset({"help", "app.help"})


class KeysFooter(Footer):
    """A :class:`~textual.widgets.Footer` whose Help key is never cut off."""

    DEFAULT_CSS = """
    KeysFooter #pinned-keys {
        dock: right; width: auto; height: 1; border-left: vkey $foreground 20%;
    }
    KeysFooter #pinned-keys FooterKey.-command-palette { dock: none; }
    """

    def compose(self) -> ComposeResult:
        keys = list(super().compose())  # plain keys: lorapan's bindings use no groups
        helps = [k for k in keys if getattr(k, "action", None) in PINNED_ACTIONS]
        if not helps:  # a dialog without Help: Textual's footer as it is
            yield from keys
            return
        palette = [k for k in keys if k.has_class("-command-palette")]
        yield from (k for k in keys if k not in helps and k not in palette)
        yield HorizontalGroup(*helps, *palette, id="pinned-keys")
