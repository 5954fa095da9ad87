"""tui/live.py in a tiny host app: one message per batch, stopped on unmount."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from lorapan.core.dataset import Dataset
from lorapan.tui.live import LiveFolder
from textual.app import App, ComposeResult
from textual.widgets import Static

WAIT = 30.0


def make_dataset(root: Path, n: int = 3) -> Path:
    sub = root / "10_gob"
    sub.mkdir(parents=True)
    for i in range(n):
        (sub / f"img{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
        (sub / f"img{i}.txt").write_text(f"gob, tag{i}\n")
    return root


def outside(root: Path, code: str) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


class Host(App):
    """Shows the image count; repaints once per LiveFolder.Changed."""

    def __init__(self, dataset: Dataset, **live_options) -> None:
        super().__init__()
        self.dataset = dataset
        self.live_options = live_options
        self.changes: list[LiveFolder.Changed] = []
        self.problems: list[str] = []
        self.loop_thread: int | None = None
        self.handled_on: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static(id="count")
        yield LiveFolder(self.dataset, id="live", **self.live_options)

    def on_mount(self) -> None:
        self.loop_thread = threading.get_ident()
        self._repaint()

    def _repaint(self) -> None:
        self.query_one("#count", Static).update(f"{len(self.dataset.items)} images")

    def on_live_folder_changed(self, message: LiveFolder.Changed) -> None:
        self.handled_on.add(threading.get_ident())
        self.changes.append(message)
        self._repaint()

    def on_live_folder_problem(self, message: LiveFolder.Problem) -> None:
        self.problems.append(message.text)


async def wait_for(pilot, cond, timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        await pilot.pause(0.05)
    return cond()


def settler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "lorapan-settler"]


async def test_fifty_outside_writes_arrive_as_one_message_on_the_event_loop(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path))
    app = Host(ds)
    async with app.run_test() as pilot:
        live = app.query_one(LiveFolder)
        assert live.mode == "native"
        outside(
            tmp_path,
            "import shutil\n"
            "for i in range(50):\n"
            "    shutil.copyfile('10_gob/img0.png', f'10_gob/drop{i}.png')\n",
        )
        assert await wait_for(pilot, lambda: len(ds.items) == 53)
        assert await wait_for(pilot, lambda: len(app.changes) >= 1)
        await pilot.pause(1.5)  # anything else would have arrived by now
        assert len(app.changes) == 1
        assert len(app.changes[0].batch.added) == 50
        assert str(app.query_one("#count", Static).render()) == "53 images"
        assert app.handled_on == {app.loop_thread}
    assert app.problems == []


async def test_deleting_the_viewed_image_is_reported_as_removed(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path))
    app = Host(ds, polling=True, poll_interval=0.2)
    async with app.run_test() as pilot:
        assert app.query_one(LiveFolder).mode == "polling"
        outside(tmp_path, "import os; os.remove('10_gob/img1.png'); os.remove('10_gob/img1.txt')")
        assert await wait_for(pilot, lambda: len(app.changes) == 1)
        assert app.changes[0].batch.removed == ("10_gob/img1.png",)
        assert "10_gob/img1.png" not in ds.items


async def test_watcher_stops_when_the_widget_is_unmounted(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path))
    before = len(settler_threads())
    app = Host(ds)
    async with app.run_test() as pilot:
        live = app.query_one(LiveFolder)
        assert len(settler_threads()) == before + 1
        await live.remove()
        assert live.mode == "stopped"
        assert len(settler_threads()) == before
        outside(tmp_path, "open('10_gob/img0.txt', 'w').write('gob, later\\n')")
        await pilot.pause(2.0)
        assert app.changes == []
        assert ds.items["10_gob/img0.png"].tags == ("gob", "tag0")  # no longer followed


async def test_missing_folder_is_a_problem_message_not_a_crash(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path))
    app = Host(ds)
    # The folder disappears between opening the dataset and mounting the app.
    gone = tmp_path.parent / f"{tmp_path.name}-gone"
    tmp_path.rename(gone)
    try:
        async with app.run_test() as pilot:
            await pilot.pause()
            assert app.query_one(LiveFolder).mode == "stopped"
            assert app.problems and "not following outside changes" in app.problems[0]
    finally:
        gone.rename(tmp_path)
