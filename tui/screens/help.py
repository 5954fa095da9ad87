"""The help screen (``?``): every binding with its current key, the markers, the query language."""

from __future__ import annotations

from lorapan.tui.keymap import SPECS, display_keys, keys_for
from lorapan.tui.widgets.file_list import MARKER_HELP
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

#: (scope, title, the binding that opens it or None)
SCOPES = (
    ("app", "Anywhere", None),
    ("main", "Main screen (not while typing)", None),
    ("files", "File list", "focus-files"),
    ("chips", "Tag chips", "focus-tags"),
    ("suggestions", "Tagger suggestions", "focus-suggestions"),
    ("rules", "Rules sidebar", "focus-rules"),
    ("fix", "Fix preview", None),
    ("finding", "A finding in full", "finding-detail"),
    ("caption", "Caption as text", "caption-text"),
    ("settings", "Dataset settings", "settings"),
    ("tags", "All tags screen", "tag-frequency"),
    ("gallery", "Gallery", "gallery"),
    ("clones", "Clone compare", "compare-clones"),
    ("set-aside", "Set-aside view", "set-aside-view"),
    ("training", "Training screen", "training"),
    ("augment", "Augment screen", "augment"),
    ("start", "Start-training dialog", None),
)

QUERY_HELP = """\
Filter (/) uses the query language:
  long hair              images tagged "long hair" (or long_hair)
  solo AND NOT smile     AND, OR, NOT, parentheses
  *hair*                 wildcards
  tags>30  tags=0        tag counts
  has:caption  lacks:caption  folder:10_*  name:*.png"""


def help_text(keymap: dict[str, str]) -> str:
    lines: list[str] = ["esc, q or ? closes this; j/k or the arrows scroll", ""]
    width = max(len(spec.description) for spec in SPECS)  # the ids line up below each other
    for scope, title, opener in SCOPES:
        if opener is not None:
            title += f" ({display_keys(keys_for(opener, keymap))})"
        lines.append(title)
        for spec in SPECS:
            if spec.scope == scope:
                keys = display_keys(keys_for(spec.id, keymap))
                lines.append(f"  {keys:<22} {spec.description:<{width}} [{spec.id}]")
        lines.append("")
    lines.append("Command palette: ctrl+p (every action, with its key)")
    lines.append(f"File list markers: {MARKER_HELP}")
    lines.append('Remap keys by id in keymap.toml in the user config folder ([keys] undo = "z").')
    lines.append("")
    lines.append(QUERY_HELP)
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss_help", "Close"),
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
    ]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_text(self.keymap), markup=False, id="help-text")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()
