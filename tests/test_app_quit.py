"""q quits at once, and asks first only while edits are still being written."""

from __future__ import annotations

import threading

from app_helpers import SIZE, app_for, build_dataset, caption, settle, wait_for
from lorapan.core.dataset import Dataset
from lorapan.tui.screens.main import MainScreen
from lorapan.tui.screens.quit import QuitScreen


async def test_q_quits_at_once_when_idle(tmp_path):
    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert not app.is_running


async def test_q_asks_while_a_bulk_edit_is_writing(tmp_path, monkeypatch):
    caps = {f"b_{i}": f"gob, n{i}" for i in range(90)}
    root = build_dataset(tmp_path / "bulk", caps)
    release = threading.Event()
    real_apply = Dataset.apply_changes

    def held_apply(self, changes, label):
        changes = list(changes)
        if len(changes) > 64:  # the bulk edit: hold it until the test has asked to quit
            release.wait(30)
        return real_apply(self, changes, label)

    monkeypatch.setattr(Dataset, "apply_changes", held_apply)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk", "a", *"bulk", "enter")
        await wait_for(pilot, lambda: app.work_in_flight() != [])
        await pilot.press("q")
        await pilot.pause(0.1)
        assert isinstance(app.screen, QuitScreen) and app.is_running
        assert "writing 90 captions" in str(app.screen.body)
        await pilot.press("w")  # keep working
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen) and app.is_running
        release.set()
        await settle(app, pilot)
        assert app.work_in_flight() == []
        await pilot.press("q")  # nothing running now: no question
        await pilot.pause(0.1)
        assert not app.is_running
    assert all(caption(root, s) == c + ", bulk" for s, c in caps.items())


async def test_quit_anyway_while_writing(tmp_path, monkeypatch):
    caps = {f"b_{i}": f"gob, n{i}" for i in range(90)}
    root = build_dataset(tmp_path / "bulk", caps)
    release = threading.Event()
    real_apply = Dataset.apply_changes

    def held_apply(self, changes, label):
        changes = list(changes)
        if len(changes) > 64:
            release.wait(30)
        return real_apply(self, changes, label)

    monkeypatch.setattr(Dataset, "apply_changes", held_apply)
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk", "a", *"bulk", "enter")
        await wait_for(pilot, lambda: app.work_in_flight() != [])
        await pilot.press("ctrl+q")
        await pilot.pause(0.1)
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("q")
        await pilot.pause(0.1)
        assert not app.is_running
        release.set()


async def test_the_quit_key_asks_before_losing_a_captions_typed_text(tmp_path):
    """esc on the caption text asked 'Leave without saving?'; ctrl+q quit and lost it."""
    from lorapan.tui.screens.caption_text import CaptionTextScreen

    root = build_dataset(tmp_path / "data")
    app = app_for(root, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, CaptionTextScreen)
        await pilot.press("end", *", smile")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, QuitScreen)
        body = str(app.screen.query_one(".body").render())
        assert "Not saved yet" in body and "img_1.png" in body
        await pilot.press("w")  # keep working: the text is still there
        await pilot.pause()
        assert isinstance(app.screen, CaptionTextScreen) and ", smile" in app.screen.area.text
        await pilot.press("ctrl+q", "q")
        await pilot.pause(0.1)
        assert not app.is_running
    assert caption(root, "img_1") == "gob, solo, red hair, outdoors"  # nothing written
