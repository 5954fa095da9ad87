"""A finding in full: the whole message, what the rule checks, the fix and every image.

The rules sidebar has room for a line of each finding; this screen shows one finding
with nothing cut: its message wrapped, the rule's description, the tag counts it
names, the fix's label (and the lorapan.toml keys a fix writes) and one row per
image, each with the change the fix would make to its caption. Files the fix changes
that the finding does not list (a core tag put first everywhere) follow the images.

It edits nothing. It returns a :class:`FindingChoice`: go to an image (``enter``),
or apply the fix (``f``, one undo reverts the captions); the main screen does either.
"""

from __future__ import annotations

from dataclasses import dataclass

from lorapan.core.change_words import describe_change
from lorapan.core.edits import TagChange
from lorapan.core.rules.catalog import RULES, coverage_rules
from lorapan.core.rules.model import Finding
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from lorapan.tui.widgets.keys_footer import KeysFooter
from lorapan.tui.widgets.rules_sidebar import MARKS, STYLES
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class FindingChoice:
    """What the user chose: ``action`` "jump" (to ``image``) or "apply" (the fix)."""

    action: str
    image: str | None = None


def change_summary(change: TagChange | None) -> str:
    """``+blue sky −Gob`` for one caption's planned change, plain text ("" for none)."""
    if change is None:
        return ""
    parts = [f"+{t}" for t in change.added] + [f"−{t}" for t in change.removed]
    if not change.before and change.after:
        parts.insert(0, "(new caption)")
    return "  ".join(parts) or describe_change(change)


def image_rows(finding: Finding, changes: list[TagChange]) -> list[tuple[str, str]]:
    """(relpath, the fix's change to it): the finding's images, then other changed files."""
    by_rel = {c.relpath: c for c in changes}
    rows = [(rel, change_summary(by_rel.get(rel))) for rel in finding.images]
    listed = set(finding.images)
    rows += [(c.relpath, change_summary(c)) for c in changes if c.relpath not in listed]
    return rows


def rule_description(rule_id: str) -> str:
    """What the rule checks, from the catalog ("" for a rule it does not name)."""
    entry = RULES.get(rule_id) or coverage_rules().get(rule_id)
    return entry[1] if entry else ""


class ImageRows(OptionList):
    """The finding's images (up/down/page keys from OptionList; j/k from the screen)."""


class FindingScreen(Screen[FindingChoice | None]):
    BINDINGS = bindings_for("finding")
    PALETTE_SCOPES = ("finding",)

    DEFAULT_CSS = """
    FindingScreen #fd-info { height: auto; max-height: 60%; padding: 0 1;
        border-bottom: solid $panel; }
    FindingScreen #fd-info > Static { height: auto; }
    FindingScreen #fd-title { text-style: bold; }
    FindingScreen #fd-message { margin: 1 0; }
    FindingScreen .fd-muted { color: $text-muted; }
    FindingScreen #fd-note { color: $warning; }
    FindingScreen #fd-list-title { height: 1; padding: 0 1; color: $text-muted; }
    FindingScreen ImageRows { height: 1fr; min-height: 3; border: none; }
    """

    def __init__(self, finding: Finding, changes: list[TagChange]) -> None:
        """``changes``: the fix's plan now (empty without a fix)."""
        super().__init__()
        self.finding = finding
        self.changes = changes
        self.rows = image_rows(finding, changes)

    def _key(self, binding_id: str) -> str:
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def compose(self) -> ComposeResult:
        f = self.finding
        with VerticalScroll(id="fd-info"):
            yield Static(self._title(), id="fd-title")
            yield Static(f.message, id="fd-message", markup=False)
            if description := rule_description(f.rule_id):
                yield Static(f"The rule: {description}", classes="fd-muted", markup=False)
            if f.details:
                counts = " · ".join(f"{tag} {n}" for tag, n in f.details.items())
                yield Static(f"Counts: {counts}", classes="fd-muted", markup=False)
            yield Static(self._fix_text(), id="fd-fix", markup=False)
            if f.fix is not None and f.fix.settings:
                setting = ", ".join(f"{k} = {v!r}" for k, v in f.fix.settings.items())
                yield Static(
                    f"also writes lorapan.toml: {setting} (u reverts it with the fix)",
                    id="fd-note",
                    markup=False,
                )
        yield Static(self._list_title(), id="fd-list-title", markup=False)
        yield ImageRows(
            *(Option(f"{rel}  {change}" if change else rel, id=rel) for rel, change in self.rows),
            id="fd-images",
            markup=False,
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(ImageRows).focus()

    def _title(self) -> Text:
        f = self.finding
        text = Text()
        text.append(f"{MARKS[f.severity]} {f.severity}  ", style=STYLES[f.severity])
        text.append(f.rule_id)
        text.append(f"  · {len(f.images)} image(s)", style="dim")
        return text

    def _fix_text(self) -> str:
        fix = self.finding.fix
        if fix is None:
            return "No automatic fix: edit the captions or the images this finding lists."
        n = len(self.changes)
        files = f"changes {n} caption(s)" if n else "no caption to change"
        return (
            f"Fix ({self._key('finding-fix')}): {fix.label} — {files} "
            f"({self._key('undo')} on the main screen undoes it)"
        )

    def _list_title(self) -> str:
        if not self.rows:
            return "no images: this finding is about the dataset as a whole"
        extra = len(self.rows) - len(self.finding.images)
        more = f", then {extra} other file(s) the fix changes" if extra > 0 else ""
        return (
            f"{len(self.finding.images)} image(s){more} · "
            f"{self._key('finding-jump')}: go to the image · {self._key('finding-back')}: back"
        )

    # ---- actions ---------------------------------------------------------------
    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_jump()

    def action_jump(self) -> None:
        rows = self.query_one(ImageRows)
        if rows.highlighted is None or not self.rows:
            self.notify("no image to go to", timeout=2)
            return
        rel = self.rows[rows.highlighted][0]
        dataset = getattr(self.app, "dataset", None)
        if dataset is not None and rel not in dataset.items:
            # a caption with no image beside it: the list would show nothing
            self.notify(
                f"{rel} has no image in the list: the message above says what to do with it",
                timeout=6,
            )
            return
        self.dismiss(FindingChoice("jump", rel))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # A finding without a fix does not offer one in the footer (the text says so).
        return not (action == "apply_fix" and self.finding.fix is None)

    def action_apply_fix(self) -> None:
        fix = self.finding.fix
        if fix is None:
            self.notify("this finding has no automatic fix", timeout=3)
        elif not self.changes and not fix.settings:
            self.notify("nothing to change: the captions already comply", timeout=3)
        else:
            self.dismiss(FindingChoice("apply"))

    def action_list_down(self) -> None:
        self.query_one(ImageRows).action_cursor_down()

    def action_list_up(self) -> None:
        self.query_one(ImageRows).action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)
