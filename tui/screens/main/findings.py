"""A finding in full, from the main screen: open it, then go to an image or apply its fix.

The detail screen (:mod:`lorapan.tui.screens.finding`) only chooses; the main screen
does what was chosen, through its editor (the fix: journaled, one undo) and its file
list (the image: among the finding's images, so the next ones are a ``j`` away).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lorapan.core.rules.model import Finding
from lorapan.tui.screens.finding import FindingChoice, FindingScreen

if TYPE_CHECKING:
    from lorapan.tui.screens.main.screen import MainScreen


def open_current_finding(screen: MainScreen) -> None:
    """The sidebar's highlighted finding in full (message, fix, every image)."""
    item = screen.sidebar.current()
    if isinstance(item, Finding):
        open_finding(screen, item)
    elif screen.report is None:
        screen.notify("the rules are still checking", timeout=3)
    else:
        keys = screen.keys("focus-rules")
        screen.notify(f"put the sidebar's cursor on a finding first ({keys})", timeout=3)


def open_finding(screen: MainScreen, finding: Finding) -> None:
    """Push the finding's detail screen with its fix planned on the captions as they are."""

    def chosen(choice: FindingChoice | None) -> None:
        if choice is None:
            return
        if choice.action == "apply":
            screen.editor.apply_fix(finding)
        elif choice.image is not None:
            screen.go_to_image(choice.image, list(finding.images), finding.rule_id)

    changes = screen.editor.fix_plan(finding)
    screen.app.push_screen(FindingScreen(finding, changes), chosen)
