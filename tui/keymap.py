"""Every key binding of the app, by id, with user overrides from ``keymap.toml``.

Bindings are declared once here (id, default keys, action, description) and the
widgets build their ``BINDINGS`` from this table, so the footer, the help screen
and the command palette all show the same keys. A user remaps any binding by id
in ``<user config dir>/keymap.toml``::

    [keys]
    undo = "z"
    redo = "ctrl+y,Z"

Unknown ids and malformed files are reported (the app shows a notification) and
the defaults are kept.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.keys import key_to_character

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYMAP_FILE = "keymap.toml"


@dataclass(frozen=True)
class KeySpec:
    """One binding: ``scope`` says which widget or screen owns it."""

    id: str
    keys: str
    action: str
    description: str
    scope: str
    show: bool = True
    palette: bool = True  # offered in the command palette
    priority: bool = False


SPECS: tuple[KeySpec, ...] = (
    # app-wide
    KeySpec("quit", "ctrl+q", "request_quit", "Quit", "app", priority=True),
    KeySpec("help", "question_mark,f1", "help", "Help", "app"),
    KeySpec("theme-next", "T", "next_theme", "Next theme", "app", show=False),
    # main screen (inactive while typing in an input)
    KeySpec("quit-q", "q", "app.request_quit", "Quit", "main", show=False, palette=False),
    KeySpec("filter", "slash", "filter", "Filter", "main"),
    KeySpec("clear", "escape", "clear", "Clear", "main", show=False),
    KeySpec("undo", "u", "undo", "Undo", "main"),
    KeySpec("redo", "ctrl+r", "redo", "Redo", "main"),
    KeySpec("tag-add", "a", "add_tag", "Add tag", "main"),
    KeySpec("focus-tags", "t", "focus_tags", "Tags", "main"),
    KeySpec("focus-files", "e", "focus_files", "Go to files", "main", show=False),
    KeySpec("focus-rules", "R", "focus_rules", "Rules sidebar", "main", show=False),
    KeySpec("tag-frequency", "F", "tag_frequency", "All tags", "main"),
    KeySpec("sort", "s", "cycle_sort", "Sort", "main"),
    KeySpec("preview-toggle", "p", "toggle_preview", "Preview on/off", "main", show=False),
    KeySpec("analyse", "A", "analyse", "Analyse images", "main", show=False),
    KeySpec("cancel-work", "C", "cancel_work", "Cancel work", "main", show=False),
    KeySpec("training", "ctrl+t", "training", "Training", "main", show=False),
    KeySpec("augment", "G", "augment", "Augment", "main", show=False),
    KeySpec("autotag", "ctrl+g", "autotag", "Autotag selection", "main", show=False),
    KeySpec("autotag-all", "", "autotag_all", "Autotag whole dataset", "main", show=False),
    KeySpec("focus-suggestions", "S", "focus_suggestions", "Suggestions", "main", show=False),
    KeySpec("finding-detail", "i", "finding_detail", "Finding in full", "main", show=False),
    KeySpec("caption-text", "o", "caption_text", "Caption as text", "main", show=False),
    KeySpec("caption-editor", "E", "caption_editor", "Caption in $EDITOR", "main", show=False),
    KeySpec("settings", "O", "settings", "Dataset settings", "main", show=False),
    # curation: gallery, clone compare, triage (tui/screens/main/curation.py)
    KeySpec("gallery", "g", "gallery", "Gallery", "main"),
    KeySpec("compare-clones", "c", "compare_clones", "Compare clones", "main", show=False),
    KeySpec("set-aside", "x", "set_aside", "Set aside", "main", show=False),
    KeySpec("trash", "D", "trash", "Trash", "main", show=False),
    KeySpec("set-aside-view", "X", "set_aside_view", "Set aside & trash", "main", show=False),
    # file list
    KeySpec("list-down", "j,down", "cursor_down", "Down", "files", show=False, palette=False),
    KeySpec("list-up", "k,up", "cursor_up", "Up", "files", show=False, palette=False),
    KeySpec("select-toggle", "space", "toggle_select", "Select", "files"),
    KeySpec("select-down", "shift+down,J", "extend_down", "Select down", "files", show=False),
    KeySpec("select-up", "shift+up,K", "extend_up", "Select up", "files", show=False),
    KeySpec("select-all", "asterisk", "select_all", "Select all shown", "files", show=False),
    # tag chips
    KeySpec("chip-left", "left,h", "cursor_left", "Prev tag", "chips", show=False, palette=False),
    KeySpec(
        "chip-right", "right,l", "cursor_right", "Next tag", "chips", show=False, palette=False
    ),
    KeySpec("tag-delete", "delete,backspace,d", "delete_tag", "Delete", "chips"),
    KeySpec("tag-rename", "r", "rename_tag", "Rename", "chips"),
    KeySpec("tag-front", "f", "front_tag", "To front", "chips"),
    KeySpec("tag-move-left", "shift+left,H", "move_left", "Move left", "chips", show=False),
    KeySpec("tag-move-right", "shift+right,L", "move_right", "Move right", "chips", show=False),
    KeySpec("tag-show", "enter", "show_tag", "Images with tag", "chips", show=False),
    KeySpec("chips-back", "escape", "back_to_files", "Back to files", "chips"),
    # tagger suggestions (widget: tui/widgets/suggestions.py)
    KeySpec("suggest-accept", "enter,a", "accept", "Accept", "suggestions", palette=False),
    KeySpec(
        "suggest-accept-above", "A", "accept_above", "Accept ≥ score", "suggestions", palette=False
    ),
    KeySpec("suggest-dismiss", "d", "dismiss", "Dismiss", "suggestions", palette=False),
    KeySpec("suggest-dismiss-all", "D", "dismiss_all", "Dismiss all", "suggestions", False, False),
    KeySpec(
        "suggest-score-up", "plus,equals_sign", "raise_min", "Score +", "suggestions", False, False
    ),
    KeySpec("suggest-score-down", "minus", "lower_min", "Score -", "suggestions", False, False),
    # rules sidebar (widget: tui/widgets/rules_sidebar.py) and its fix preview
    KeySpec("rules-preview-fix", "f", "preview_fix", "Fix…", "rules", palette=False),
    KeySpec("rules-tick", "space", "tick", "Tick", "rules", palette=False),
    KeySpec("rules-filter", "enter", "filter_images", "Show images", "rules", False, False),
    KeySpec("rules-down", "j", "cursor_down", "Down", "rules", show=False, palette=False),
    KeySpec("rules-up", "k", "cursor_up", "Up", "rules", show=False, palette=False),
    KeySpec("fix-apply", "enter", "apply", "Apply", "fix", palette=False),
    KeySpec("fix-cancel", "escape", "cancel", "Cancel", "fix", palette=False),
    # a finding in full (tui/screens/finding.py): message, fix preview, every image
    KeySpec("finding-jump", "enter", "jump", "Go to image", "finding"),
    KeySpec("finding-fix", "f", "apply_fix", "Apply fix", "finding"),
    KeySpec("finding-down", "j", "list_down", "Down", "finding", show=False, palette=False),
    KeySpec("finding-up", "k", "list_up", "Up", "finding", show=False, palette=False),
    KeySpec("finding-back", "escape", "close", "Back", "finding"),
    # one caption as text (tui/screens/caption_text.py); the text area has the focus
    KeySpec("caption-save", "ctrl+s", "save", "Save", "caption"),
    KeySpec("caption-external", "ctrl+o", "external", "Open in $EDITOR", "caption"),
    KeySpec("caption-cancel", "escape", "cancel", "Back", "caption"),
    # the dataset's settings (tui/screens/settings.py); tab also moves between fields
    KeySpec("settings-save", "ctrl+s", "save", "Save", "settings"),
    KeySpec("settings-cancel", "escape", "cancel", "Back", "settings"),
    KeySpec("settings-next", "down", "next_field", "Next field", "settings", False, False),
    KeySpec("settings-previous", "up", "previous_field", "Prev field", "settings", False, False),
    # all-tags screen (tui/screens/tag_frequency.py); the filter box has the focus first
    KeySpec("tags-filter", "slash", "focus_filter", "Filter tags", "tags"),
    KeySpec("tags-to-list", "down", "focus_list", "Filter → list", "tags", show=False),
    KeySpec("tags-down", "j", "list_down", "Down", "tags", show=False, palette=False),
    KeySpec("tags-up", "k", "list_up", "Up", "tags", show=False, palette=False),
    KeySpec("tags-rename", "r", "rename", "Rename everywhere", "tags"),
    KeySpec("tags-delete", "d,delete", "delete", "Delete everywhere", "tags"),
    KeySpec("tags-jump", "enter", "jump", "Show images", "tags"),
    KeySpec("tags-back", "escape", "close", "Back", "tags"),
    # gallery (widget: tui/widgets/thumb_grid.py)
    KeySpec("gallery-down", "j,down", "cursor_down", "Down", "gallery", False, False),
    KeySpec("gallery-up", "k,up", "cursor_up", "Up", "gallery", False, False),
    KeySpec("gallery-left", "h,left", "cursor_left", "Left", "gallery", False, False),
    KeySpec("gallery-right", "l,right", "cursor_right", "Right", "gallery", False, False),
    KeySpec("gallery-select", "space", "toggle_select", "Select", "gallery", palette=False),
    KeySpec("gallery-select-all", "asterisk", "select_all", "Select all", "gallery", False, False),
    KeySpec("gallery-open", "enter", "open", "Open", "gallery", palette=False),
    KeySpec("gallery-zoom-in", "plus,equals_sign", "zoom_in", "Bigger", "gallery", palette=False),
    KeySpec("gallery-zoom-out", "minus", "zoom_out", "Smaller", "gallery", palette=False),
    KeySpec("gallery-set-aside", "x", "set_aside", "Set aside", "gallery", palette=False),
    KeySpec("gallery-trash", "D", "trash", "Trash", "gallery", palette=False),
    KeySpec("gallery-close", "escape", "close", "Back", "gallery", palette=False),
    # clone compare (widget: tui/widgets/clone_cards.py)
    KeySpec("clones-left", "h,left", "cursor_left", "Left", "clones", False, False),
    KeySpec("clones-right", "l,right", "cursor_right", "Right", "clones", False, False),
    KeySpec("clones-keep", "enter", "keep", "Keep this one", "clones", palette=False),
    KeySpec("clones-set-aside", "x", "set_aside", "Set aside this", "clones", palette=False),
    KeySpec("clones-open", "o", "open", "Open in list", "clones", palette=False),
    KeySpec("clones-next", "n,pagedown", "next_group", "Next group", "clones", palette=False),
    KeySpec("clones-previous", "p,pageup", "previous_group", "Prev group", "clones", False, False),
    KeySpec("clones-close", "escape", "close", "Back", "clones", palette=False),
    # set-aside view (tui/screens/set_aside.py)
    KeySpec("set-aside-restore", "enter,r", "restore", "Restore", "set-aside", palette=False),
    KeySpec("set-aside-select", "space", "toggle_select", "Select", "set-aside", palette=False),
    KeySpec(
        "set-aside-select-all", "asterisk", "select_all", "Select all", "set-aside", False, False
    ),
    KeySpec("set-aside-close", "escape", "close", "Back", "set-aside", palette=False),
    # training screen (tui/screens/training.py)
    KeySpec("training-start", "s", "start", "Start", "training", palette=False),
    KeySpec("training-stop", "x", "stop", "Stop", "training", palette=False),
    KeySpec("training-reattach", "r", "reattach", "Re-attach", "training", palette=False),
    KeySpec("training-resume", "R", "resume", "Resume", "training", palette=False),
    KeySpec(
        "training-ckpt-prev",
        "left_square_bracket",
        "checkpoint(-1)",
        "Earlier checkpoint",
        "training",
        show=False,
        palette=False,
    ),
    KeySpec(
        "training-ckpt-next",
        "right_square_bracket",
        "checkpoint(1)",
        "Later checkpoint",
        "training",
        show=False,
        palette=False,
    ),
    KeySpec("training-back", "escape", "close", "Back", "training", palette=False),
    # augment screen (tui/screens/augment.py)
    KeySpec(
        "augment-write", "enter,ctrl+s", "write", "Write", "augment", palette=False, priority=True
    ),
    KeySpec("augment-cancel", "escape", "cancel", "Cancel", "augment", palette=False),
    # start-training dialog (tui/screens/training_start.py)
    KeySpec("start-confirm", "ctrl+s", "confirm", "Start", "start", palette=False, priority=True),
    KeySpec("start-cancel", "escape", "cancel", "Cancel", "start", palette=False),
)

SPEC_BY_ID = {s.id: s for s in SPECS}
#: the key name of a binding that has no key until keymap.toml gives it one
UNBOUND = "unbound:"


def bindings_for(scope: str) -> list[Binding]:
    """The Textual bindings of one scope, with ids so the keymap can remap them.

    Textual's keymap only moves bindings that exist, and a binding needs a key: an
    action without a default key (it runs from the palette) is bound to a name no
    terminal sends, which ``keymap.toml`` then replaces with a real key.
    """
    return [
        Binding(
            s.keys or f"{UNBOUND}{s.id}",
            s.action,
            s.description,
            key_display=None if s.keys else "palette only",
            show=s.show and bool(s.keys),
            id=s.id,
            priority=s.priority,
        )
        for s in SPECS
        if s.scope == scope
    ]


def load_keymap(config_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Read ``keymap.toml``: (id -> keys, problems to tell the user)."""
    path = Path(config_dir) / KEYMAP_FILE
    if not path.is_file():
        return {}, []
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: cannot read it ({exc}); default keys kept"]
    table = doc.get("keys", doc)
    if not isinstance(table, dict):
        return {}, [
            f'{path}: keys = {table!r} is not a table; write [keys] then one id = "key" per '
            "line (default keys kept)"
        ]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in table.items():
        if binding_id not in SPEC_BY_ID:
            problems.append(f"{path}: unknown binding id {binding_id!r} ignored")
        elif not isinstance(keys, str) or not keys.strip():
            problems.append(f'{path}: {binding_id} needs a key string like "ctrl+y"')
        elif bad := [k for k in keys.split(",") if not k.strip() or " " in k.strip()]:
            problems.append(
                f"{path}: {binding_id} = {keys!r}: {bad[0]!r} is not a key name "
                '(keys are separated by commas, e.g. "ctrl+y,Z"); default kept'
            )
        elif SPEC_BY_ID[binding_id].priority and (typed := _typing_keys(keys)):
            # A priority binding fires even inside a text box: a letter there would
            # run the action instead of typing it (Textual applies keymaps after its
            # own filter of typing keys).
            problems.append(
                f"{path}: {binding_id} = {keys!r}: {', '.join(typed)} would be typed in text "
                "boxes; give this action a key with ctrl/alt or a function key (default kept)"
            )
        else:
            keymap[binding_id] = keys.strip()
    return keymap, problems


_NON_TYPING = {
    "enter", "escape", "tab", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
} | {f"f{n}" for n in range(1, 25)}  # fmt: skip


def _typing_keys(keys: str) -> list[str]:
    """Keys in ``keys`` that a text box would type (no modifier, not a control key)."""
    out = []
    for key in (k.strip() for k in keys.split(",")):
        has_modifier = any(key.startswith(m) for m in ("ctrl+", "alt+", "meta+", "super+"))
        if key and not has_modifier and key not in _NON_TYPING:
            out.append(key)
    return out


def keys_for(binding_id: str, keymap: dict[str, str] | None = None) -> str:
    """The keys bound to an id (after remapping), as written in the keymap."""
    if keymap and binding_id in keymap:
        return keymap[binding_id]
    return SPEC_BY_ID[binding_id].keys


_PRETTY = {
    "question_mark": "?",
    "slash": "/",
    "asterisk": "*",
    "space": "space",
    "escape": "esc",
}


#: names Textual gives keys that its key_to_character does not print
_NAMED = {"plus": "+", "minus": "-"}


def _display_key(key: str) -> str:
    """``left_square_bracket`` -> ``[``; ``ctrl+left_square_bracket`` -> ``ctrl+[``."""
    if key in _PRETTY:
        return _PRETTY[key]
    *mods, name = key.split("+") if key != "+" else [key]
    char = _NAMED.get(name) or key_to_character(name)
    shown = char if char and char.isprintable() and not char.isspace() else name
    return "+".join([*mods, shown])


def display_keys(keys: str) -> str:
    """``"question_mark,f1"`` -> ``"? / f1"`` for help and palette text."""
    parts = [_display_key(k.strip()) for k in keys.split(",") if k.strip()]
    return " / ".join(parts) or "palette only"
