"""The app follows its folder: outside changes reach the list on the event loop, in batches.

The watcher itself (batching, polling, renames) is tested in ``test_watch_dataset``;
here the real app runs with ``watch=True`` and another process changes the files.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import lorapan.tui.screens.main as main_screen
from app_helpers import SIZE, app_for, build_dataset, chips, files, settle, wait_for
from lorapan.core.dataset import Dataset


def outside(root: Path, code: str) -> None:
    """Run ``code`` in another process in ``root`` (another program changing the files)."""
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


def settler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "lorapan-settler"]


async def test_fifty_dropped_images_appear_in_a_few_refreshes_on_the_event_loop(
    ds_root, tmp_path, monkeypatch
):
    refreshed_on: list[int] = []
    original = main_screen.MainScreen.refresh_from_dataset

    def recording(self, relpaths, reason):
        refreshed_on.append(threading.get_ident())
        return original(self, relpaths, reason)

    monkeypatch.setattr(main_screen.MainScreen, "refresh_from_dataset", recording)
    app = app_for(ds_root, tmp_path, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        loop_thread = threading.get_ident()
        outside(
            ds_root,
            "import shutil\n"
            "for i in range(50):\n"
            "    shutil.copyfile('img_1.png', f'drop_{i}.png')\n",
        )
        await wait_for(pilot, lambda: len(files(app).rows) == 54, rounds=600)
        await settle(app, pilot)
        assert "54 images" in str(app.screen.query_one("#status").render())
    assert refreshed_on and set(refreshed_on) == {loop_thread}
    assert len(refreshed_on) < 50  # batched, not one repaint per file


async def test_deleting_the_viewed_image_moves_on_to_the_next(ds_root, tmp_path):
    app = app_for(ds_root, tmp_path, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert files(app).current == "img_1.png"
        outside(ds_root, "import os; os.remove('img_1.png'); os.remove('img_1.txt')")
        await wait_for(pilot, lambda: "img_1.png" not in files(app).rows, rounds=600)
        await settle(app, pilot)
        assert files(app).current == "img_2.png"
        assert chips(app).tags == ("gob", "solo", "smile", "indoors")


async def test_the_watcher_stops_when_the_app_quits(ds_root, tmp_path):
    before = len(settler_threads())
    app = app_for(ds_root, tmp_path, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert len(settler_threads()) == before + 1
        await pilot.press("q")
        await pilot.pause(0.1)
    assert len(settler_threads()) == before


async def test_a_vanished_folder_is_a_warning_not_a_crash(tmp_path):
    root = build_dataset(tmp_path / "data")
    dataset = Dataset.open(root)
    gone = tmp_path / "moved-away"
    root.rename(gone)  # between opening the dataset and starting the app
    try:
        from lorapan.tui.app import make_app

        app = make_app(dataset=dataset, config_dir=tmp_path / "config", analyse=False, rules=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            warnings = [n.message for n in app._notifications if n.severity == "warning"]
            assert any("not following outside changes" in w for w in warnings)
            assert len(files(app).rows) == 4 and app.is_running
    finally:
        gone.rename(root)
