"""Preview of a rule's fix: which files change and which tags (+ added / − removed).

``FixPreviewScreen(finding, changes)`` returns True (enter: apply) or False
(escape: cancel). The host applies it with ``engine.apply_fix(finding)`` (journaled;
one undo reverts it). A fix that also writes lorapan.toml says so at the top, and
captions lorapan will not write (``ImageItem.write_refusal``: a read-only file, a hard
link, an unreadable caption) are counted before enter, each row marked: applying skips
them, and when it skips them all only the lorapan.toml setting is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lorapan.core.change_words import describe_change, split_from
from lorapan.core.edits import TagChange
from lorapan.core.rules.model import Finding, RenameStep
from lorapan.core.words import plural
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

MAX_ROWS = 300


def change_text(change: TagChange) -> Text:
    text = Text(change.relpath, style="bold")
    if isinstance(change, RenameStep):  # a file a fix renames: no tag goes
        return text.append(f"  {change.removed[0]}", style="yellow")
    added, removed = change.added, change.removed
    if not change.before and change.after:
        text.append("  (new caption)", style="dim")
    if any(split_from(r, added) for r in removed):  # as +/−: the sentence twice
        text.append(f"  {describe_change(change)}")
        return text
    for t in added:
        text.append(f"  +{t}", style="green")
    for t in removed:
        text.append(f"  −{t}", style="red")
    if not added and not removed:  # repeats dropped, a tag moved, respelled
        text.append(f"  ({describe_change(change)})", style="dim")
    return text


def refusals(items: Mapping[str, Any], changes: list[TagChange]) -> dict[str, str]:
    """Image -> why its caption will not be written, for the caption changes (not the
    files a fix moves or renames) applying would skip."""
    out: dict[str, str] = {}
    for change in changes:
        item = items.get(change.relpath)
        if not isinstance(change, TagChange) or item is None:
            continue
        if (why := item.write_refusal) is not None:
            out[change.relpath] = why
    return out


def skipped_note(refused: Mapping[str, str], planned: int, settings: bool) -> str:
    """What the preview says of the captions applying will skip ("" for none)."""
    if not refused:
        return ""
    reasons = sorted(set(refused.values()))
    why = reasons[0] + (f" (and {len(reasons) - 1} other reasons)" if len(reasons) > 1 else "")
    n = len(refused)
    head = f"{n} of {plural(planned, 'caption')} will be skipped: caption {why}"
    if n < planned:
        return head
    if settings:
        return f"{head}. Only the lorapan.toml setting will be written."
    return f"{head}. Nothing will be written."


def _captions(n: int, renames: bool = False) -> str:
    if renames:
        return plural(n, "file")
    return "no caption changes" if n == 0 else plural(n, "caption")


class FixPreviewScreen(ModalScreen[bool]):
    BINDINGS = bindings_for("fix")

    DEFAULT_CSS = """
    FixPreviewScreen { align: center middle; }
    FixPreviewScreen > #fix-box {
        width: 90%; max-width: 120; height: 80%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    FixPreviewScreen #fix-title { height: auto; text-style: bold; }
    FixPreviewScreen #fix-note { height: auto; color: $warning; }
    FixPreviewScreen #fix-skipped { height: auto; color: $warning; text-style: bold; }
    FixPreviewScreen #fix-changes { height: 1fr; }
    FixPreviewScreen #fix-keys { height: 1; color: $text-muted; }
    """

    def __init__(self, finding: Finding, changes: list[TagChange], kind: str | None = None) -> None:
        super().__init__()
        self.finding = finding
        self.changes = changes
        self.kind = kind  # the inferred kind applying writes with the captions (kind_pin)
        #: image -> why its caption will not be written (applying skips it)
        self.refused: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        fix = self.finding.fix
        label = fix.label if fix else "no fix"
        files = len(self.changes)
        dataset = getattr(self.app, "dataset", None)
        if dataset is not None:
            self.refused = refusals(dataset.items, self.changes)
        with Vertical(id="fix-box"):
            yield Static(
                f"[{self.finding.rule_id}] {label} — {_captions(files, bool(fix and fix.renames))}",
                id="fix-title",
                markup=False,
            )
            written = dict(fix.settings or {}) if fix is not None else {}
            if self.kind:
                written["kind"] = self.kind  # as inferred: the fix is made for it
            if written:
                setting = ", ".join(f"{k} = {v!r}" for k, v in written.items())
                undo = "u reverts it with the captions" if files else "u reverts it"
                yield Static(
                    f"also writes lorapan.toml: {setting} ({undo})", id="fix-note", markup=False
                )
            captions = sum(isinstance(c, TagChange) for c in self.changes)
            settings = bool(fix and fix.settings)
            if skipped := skipped_note(self.refused, captions, settings):
                yield Static(skipped, id="fix-skipped", markup=False)
            with VerticalScroll(id="fix-changes"):
                if not self.changes:
                    none = (
                        "no caption changes: only lorapan.toml is written"
                        if written
                        else "nothing to change: the captions already comply"
                    )
                    yield Static(none, markup=False)
                for change in self.changes[:MAX_ROWS]:
                    row = change_text(change)
                    if change.relpath in self.refused:
                        row.append("  (skipped: not writable)", style="yellow")
                    yield Static(row, classes="fix-row")
                if files > MAX_ROWS:
                    yield Static(f"… and {files - MAX_ROWS} more file(s)", markup=False)
            yield Static(self._hint(), id="fix-keys", markup=False)

    def _hint(self) -> str:
        keymap = getattr(self.app, "keymap", None)

        def key(binding_id: str) -> str:
            return display_keys(keys_for(binding_id, keymap))

        writes = self.changes or (self.finding.fix and self.finding.fix.settings)
        undo = f" (undo: {key('undo')})" if writes else ""
        return f"{key('fix-apply')} apply{undo} · {key('fix-cancel')} cancel"

    def action_apply(self) -> None:
        self.dismiss(bool(self.changes) or bool(self.finding.fix and self.finding.fix.settings))

    def action_cancel(self) -> None:
        self.dismiss(False)
