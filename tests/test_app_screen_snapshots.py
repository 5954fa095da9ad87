"""SVG snapshots of the screens issue 15 added or changed: the all-tags screen, a finding
in full, the settings screen, the caption text editor, help, and a broken journal entry
(80x24, where space is short).

Deterministic as ``test_app_snapshots``: fixed sizes, images from fixed seeds, analysis
and the watcher off, the user config in tmp_path. Refresh with ``--snapshot-update`` on
Python 3.11 with textual 8.2.8.
"""

from __future__ import annotations

import sys

import pytest
from app_helpers import app_for, build_dataset, settle, wait_for

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="baselines were made on Python 3.11"
)
SIZE = (80, 24)


def _app(tmp_path, rules: bool = False):
    return app_for(build_dataset(tmp_path / "data"), tmp_path, rules=rules)


async def _ready(pilot) -> None:
    await settle(pilot.app, pilot)
    await pilot.pause(0.2)
    await settle(pilot.app, pilot)
    for box in pilot.app.screen.query("Input, TextArea"):
        box.cursor_blink = False  # a blinking cursor would be on or off in the picture
        box.notify_style_update()  # lines drawn while it blinked: draw them again
        box.refresh()
    await pilot.pause()


def test_all_tags_screen(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("F", *"hair")
        await _ready(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_finding_in_full(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await wait_for(pilot, lambda: pilot.app.screen.report is not None)
        sidebar = pilot.app.screen.sidebar
        await pilot.press("R")
        while getattr(sidebar.current(), "rule_id", "") != "tags.style":
            await pilot.press("j")
        await pilot.press("i")
        await _ready(pilot)

    root = build_dataset(tmp_path / "data")
    (root / "lorapan.toml").write_text('[dataset]\nstyle_tag = "anime screencap"\n')
    app = app_for(root, tmp_path, rules=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


PROSE = {
    "img_1": "gob, a goblin with a third eye reads an enormous scroll by candlelight, smiling",
    "img_2": "gob, solo",
}


def test_caption_as_text(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("o")
        await _ready(pilot)

    app = app_for(build_dataset(tmp_path / "data", PROSE), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_a_long_tag_wraps_in_the_chips(snap_compare, tmp_path):
    app = app_for(build_dataset(tmp_path / "data", PROSE), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=_ready)


def test_settings_screen(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("O", "down", "down", "down", "down", "ctrl+u", *"txt")
        await _ready(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_help_at_the_all_tags_section(snap_compare, tmp_path):
    """``?`` at 80x24, scrolled to the section the all-tags screen lacked (issue 15)."""

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await _ready(pilot)
        text = str(pilot.app.screen.query_one("#help-text").render())
        line = text.splitlines().index("All tags screen (F)")
        pilot.app.screen.query_one("VerticalScroll").scroll_to(y=line, animate=False)
        await _ready(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_a_broken_journal_entry_is_a_question(snap_compare, tmp_path):
    """``u`` on a journal entry undo cannot use: what is wrong and what to do, no traceback
    (issue 13)."""

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("u")
        await _ready(pilot)

    root = build_dataset(tmp_path / "data")
    (root / ".lorapan" / "journal").mkdir(parents=True)
    (root / ".lorapan" / "journal" / "00000001-00000000aa.json").write_text('{"ops": 5}')
    assert snap_compare(app_for(root, tmp_path), terminal_size=SIZE, run_before=run_before)
