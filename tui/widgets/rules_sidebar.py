"""The rules sidebar: readiness, findings by severity, the coverage checklist.

The widget shows a :class:`~lorapan.core.rules.model.Report` (``show_report``) and
edits nothing itself; it posts messages the host acts on:

- :class:`RulesSidebar.FilterImages` (enter on a finding or a counted coverage item):
  show only these images in the file list;
- :class:`RulesSidebar.PreviewFix` (``f`` on a finding with a fix): open the fix
  preview (:class:`~lorapan.tui.screens.fix_preview.FixPreviewScreen`);
- :class:`RulesSidebar.Tick` (space on a manual checklist item): tick or untick it
  (``core.checklist.tick``: one journaled step that ``u`` undoes, then
  ``engine.settings_changed()``).

A new report keeps the cursor on the same finding (by its stable key), so live
updates while editing do not make the list jump; when that finding is gone (a fix
removed it) the cursor stays at the same place in the list, on the line that moved up.
A long message is cut here; the host shows a finding in full (``finding-detail``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lorapan.core.rules.model import SEVERITIES, CoverageItem, Finding, Readiness, Report
from lorapan.tui.keymap import bindings_for, display_keys, keys_for
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

MARKS = {"error": "✗", "warning": "!", "advice": "·", "manual": "☐"}
TITLES = {"error": "Errors", "warning": "Warnings", "advice": "Advice", "manual": "Checklist"}
STYLES = {"error": "bold red", "warning": "yellow", "advice": "cyan", "manual": "magenta"}
MESSAGE_CHARS = 90


class RulesList(OptionList):
    """The list inside the sidebar (up/down/home/end/page keys from OptionList)."""


class RulesSidebar(Widget, can_focus=False):
    BINDINGS = bindings_for("rules")

    DEFAULT_CSS = """
    RulesSidebar { height: 1fr; layout: vertical; }
    RulesSidebar > #readiness { height: auto; padding: 0 1; color: $text; background: $boost; }
    RulesSidebar > RulesList { height: 1fr; border: none; }
    """

    @dataclass
    class FilterImages(Message):
        """Show these images (a finding's or a coverage item's)."""

        images: list[str]
        label: str = ""

    @dataclass
    class PreviewFix(Message):
        finding: Finding

    @dataclass
    class Tick(Message):
        """Tick (``ticked=True``) or untick a manual checklist item."""

        item_id: str
        ticked: bool = True

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.report: Report | None = None
        self._findings: dict[str, Finding] = {}
        self._coverage: dict[str, CoverageItem] = {}
        #: the user moved the cursor: reports keep it on their finding (else: the top)
        self._chosen = False
        self._placed: int | None = None  # where the last report put the cursor

    def compose(self) -> ComposeResult:
        yield Static("rules: checking…", id="readiness")
        yield RulesList(id="rules-list")

    @property
    def list(self) -> RulesList:
        return self.query_one(RulesList)

    def focus(self, scroll_visible: bool = True) -> RulesSidebar:  # type: ignore[override]
        self.list.focus(scroll_visible)
        return self

    # ---- content -----------------------------------------------------------------
    def show_report(self, report: Report) -> None:
        """Show ``report``, keeping the cursor on the same finding when it is still there."""
        self.report = report
        self.query_one("#readiness", Static).update(_readiness_text(report))
        ol = self.list
        keep, at = None, ol.highlighted
        if at is not None and ol.option_count and self._chosen:
            keep = ol.get_option_at_index(at).id
        elif not self._chosen:
            at = 0  # a finding the analysis added above is the top one the user sees first
        keys = (
            self._key("rules-preview-fix"),
            self._key("rules-tick"),
            self._key("finding-detail"),
        )
        options, self._findings, self._coverage = _options(report, *keys)
        ol.set_options(options)
        ids = [o.id for o in options]
        ol.highlighted = ids.index(keep) if keep in ids else _near(options, at or 0)
        self._placed = ol.highlighted

    def _key(self, binding_id: str) -> str:
        """The key bound to ``binding_id`` now (after the user's keymap), for hints."""
        return display_keys(keys_for(binding_id, getattr(self.app, "keymap", None)))

    def current(self) -> Finding | CoverageItem | None:
        ol = self.list
        if ol.highlighted is None or not ol.option_count:
            return None
        oid = ol.get_option_at_index(ol.highlighted).id or ""
        return self._findings.get(oid) or self._coverage.get(oid)

    # ---- actions -------------------------------------------------------------------
    def choose(self, option_id: str) -> None:
        """Put the cursor on ``option_id`` as the user would (later reports keep it)."""
        self._chosen = True
        self.list.highlighted = self.list.get_option_index(option_id)

    def action_cursor_down(self) -> None:
        self.list.action_cursor_down()  # the user's move: on_option_list_option_highlighted

    def action_cursor_up(self) -> None:
        self.list.action_cursor_up()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """A cursor move the report did not make is the user's (keys of the list itself,
        the mouse): from then on reports keep the cursor on their finding."""
        if event.option_index != self._placed:
            self._chosen = True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_filter_images()

    def action_filter_images(self) -> None:
        item = self.current()
        if isinstance(item, Finding) and item.images:
            self.post_message(self.FilterImages(list(item.images), item.rule_id))
        elif isinstance(item, CoverageItem) and item.images:
            self.post_message(self.FilterImages(list(item.images), f"coverage.{item.id}"))
        elif item is not None:
            self.notify("no images to show for this line", severity="information")

    def action_preview_fix(self) -> None:
        item = self.current()
        if isinstance(item, Finding) and item.fix is not None:
            self.post_message(self.PreviewFix(item))
        else:
            self.notify("this line has no automatic fix", severity="information")

    def action_tick(self) -> None:
        item = self.current()
        manual = None
        if isinstance(item, CoverageItem) and item.manual:
            manual = item
        elif isinstance(item, Finding) and item.severity == "manual":
            manual = self._coverage.get("c:" + item.rule_id.removeprefix("coverage."))
        if manual is None:
            self.notify("only manual checklist items are ticked by hand", severity="information")
            return
        self.post_message(self.Tick(manual.id, not manual.ticked))


def _readiness_text(report: Report) -> Text:
    r = report.readiness
    counts = report.counts()
    text = Text()
    head = "ready to train" if not r.errors else f"{r.errors} error(s) to fix"
    text.append(head + "\n", style="bold green" if not r.errors else "bold red")
    aim = ""
    if r.aim_min is not None:
        aim = f" / aim {r.aim_min}" + (f"–{r.aim_max}" if r.aim_max is not None else "")
    text.append(f"{r.kind}: {r.images} images{aim}\n")
    if r.plan_error:
        text.append(f"no training plan: {r.plan_error}\n", style="red")
    elif r.repeats is not None:
        text.append(f"numRepeats {repeats_text(r)} → {r.predicted_steps} steps\n")
    text.append(
        f"{counts['error']}✗ {counts['warning']}! {counts['advice']}· "
        f"coverage {r.coverage_done}/{r.coverage_total}",
        style="dim",
    )
    return text


def repeats_text(r: Readiness) -> str:
    """``12``, or ``10/20`` for kohya folders weighted by their N_ prefix."""
    return "/".join(str(n) for n in r.num_repeats) or str(r.repeats)


def _near(options: list[Option], index: int) -> int | None:
    """The first line that can hold the cursor at ``index`` or after it, else before it."""
    enabled = [i for i, o in enumerate(options) if not o.disabled]
    after = [i for i in enabled if i >= index]
    return after[0] if after else (enabled[-1] if enabled else None)


def _finding_prompt(f: Finding, fix_key: str = "f", detail_key: str = "i") -> Text:
    text = Text()
    text.append(MARKS[f.severity] + " ", style=STYLES[f.severity])
    text.append(f.rule_id, style="bold")
    if f.images:
        text.append(f" ({len(f.images)})")
    if f.fix is not None:
        text.append(f"  {fix_key}:fix", style="green")
    if len(f.message) <= MESSAGE_CHARS:
        text.append("\n  " + f.message, style="dim")
    else:
        text.append("\n  " + f.message[: MESSAGE_CHARS - 1] + "…", style="dim")
        text.append(f" {detail_key}: all", style="green")
    return text


def _coverage_prompt(c: CoverageItem, tick_key: str = "space") -> Text:
    box = "[x]" if c.done else "[ ]"
    text = Text(box + " ", style="green" if c.done else "yellow")
    text.append(c.label)
    text.append(f"  ({tick_key})" if c.manual else f"  {c.count}/{c.minimum}", style="dim")
    return text


def _options(
    report: Report, fix_key: str = "f", tick_key: str = "space", detail_key: str = "i"
) -> tuple[list[Option], dict[str, Finding], dict[str, CoverageItem]]:
    options: list[Option] = []
    findings: dict[str, Finding] = {}
    coverage: dict[str, CoverageItem] = {}
    groups = report.by_severity()
    for severity in SEVERITIES:
        rows = groups[severity]
        if severity == "manual":
            continue  # manual items are ticked in the checklist below
        if not rows:
            continue
        options.append(
            Option(
                Text(f"{TITLES[severity]} ({len(rows)})", style="bold " + STYLES[severity]),
                id=f"h:{severity}",
                disabled=True,
            )
        )
        for f in rows:
            oid = "f:" + f.key
            findings[oid] = f
            options.append(Option(_finding_prompt(f, fix_key, detail_key), id=oid))
    if report.coverage:
        done = sum(1 for c in report.coverage if c.done)
        options.append(
            Option(
                Text(f"Coverage {done}/{len(report.coverage)}", style="bold"),
                id="h:coverage",
                disabled=True,
            )
        )
        for c in report.coverage:
            oid = "c:" + c.id
            coverage[oid] = c
            options.append(Option(_coverage_prompt(c, tick_key), id=oid))
    return options, findings, coverage
