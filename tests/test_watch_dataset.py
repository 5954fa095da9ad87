"""The live folder with a real watchdog observer and real outside processes.

Every outside change is made by a separate Python process, as a tagger script,
file manager or rsync would. Waits are generous and poll the condition; nothing
here asserts on speed (that is bench/bench_watch.py).
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lorapan.core.captions import parse_caption
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.watch import Batch, DatasetWatcher, WatchOptions
from PIL import Image

WAIT = 30.0  # seconds: generous, the condition is polled
QUIET = 2.5  # seconds of silence that prove "no batch" (> debounce + stable_for + poll)
MODES = [pytest.param(False, id="native"), pytest.param(True, id="polling")]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


PNG = _png()


def make_dataset(root: Path, n: int, folder: str = "10_gob") -> Path:
    sub = root / folder
    sub.mkdir(parents=True)
    for i in range(n):
        (sub / f"img{i}.png").write_bytes(PNG)
        (sub / f"img{i}.txt").write_bytes(f"gob, tag{i}, smile\n".encode())
    return root


def outside(root: Path, code: str, *args: str) -> None:
    """Run ``code`` in another Python process, in the dataset folder."""
    subprocess.run([sys.executable, "-c", code, *args], cwd=root, check=True, timeout=120)


def wait_until(cond: Callable[[], bool], timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


class Recorder:
    """Collects batches from the watcher thread."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.lock = threading.Lock()

    def __call__(self, batch: Batch) -> None:
        with self.lock:
            self.batches.append(batch)

    def all(self) -> list[Batch]:
        with self.lock:
            return list(self.batches)

    def images(self) -> set[str]:
        return set().union(*(b.images for b in self.all())) if self.all() else set()


def watch(ds: Dataset, polling: bool, **kw) -> tuple[DatasetWatcher, Recorder]:
    rec = Recorder()
    w = DatasetWatcher(ds, on_batch=rec, polling=polling, poll_interval=0.2, **kw)
    w.start()
    return w, rec


@pytest.mark.parametrize("polling", MODES)
def test_outside_caption_edit_updates_tags_index_and_listeners(tmp_path, polling):
    ds = Dataset.open(make_dataset(tmp_path, 5))
    heard: list[tuple[set[str], str]] = []
    ds.subscribe(lambda rels, reason: heard.append((set(rels), reason)))
    w, rec = watch(ds, polling)
    try:
        outside(tmp_path, "open('10_gob/img2.txt', 'w').write('gob, frown, outdoors\\n')")
        assert wait_until(lambda: ds.items["10_gob/img2.png"].tags == ("gob", "frown", "outdoors"))
    finally:
        w.stop()
    assert ds.index.images("outdoors") == {"10_gob/img2.png"}
    assert "10_gob/img2.png" not in ds.index.images("smile")
    assert ({"10_gob/img2.png"}, "outside change") in heard
    (batch,) = rec.all()
    assert batch.changed == ("10_gob/img2.png",)
    (tc,) = batch.tag_changes
    assert tc.added == ["frown", "outdoors"] and tc.removed == ["tag2", "smile"]


@pytest.mark.parametrize("polling", MODES)
def test_thousand_files_dropped_at_once_arrive_in_a_few_batches(tmp_path, polling):
    ds = Dataset.open(make_dataset(tmp_path, 3))
    src = tmp_path.parent / f"{tmp_path.name}-src.png"
    src.write_bytes(PNG)
    w, rec = watch(ds, polling)
    try:
        outside(
            tmp_path,
            "import shutil, sys\n"
            "for i in range(1000):\n"
            "    shutil.copyfile(sys.argv[1], f'10_gob/new{i}.png')\n"
            "    open(f'10_gob/new{i}.txt', 'w').write(f'gob, drop{i}\\n')\n",
            str(src),
        )
        assert wait_until(lambda: len(ds.items) == 1003)
        assert wait_until(lambda: not w.busy)
    finally:
        w.stop()
    batches = rec.all()
    assert 1 <= len(batches) <= 10, [len(b.added) for b in batches]
    added = set().union(*(b.added for b in batches))
    assert added == {f"10_gob/new{i}.png" for i in range(1000)}
    assert ds.items["10_gob/new999.png"].tags == ("gob", "drop999")
    assert ds.index.count("gob") == 1003


@pytest.mark.parametrize("polling", MODES)
def test_slow_chunked_copy_is_picked_up_once_complete(tmp_path, polling):
    ds = Dataset.open(make_dataset(tmp_path, 2))
    chunk = PNG + b"\0" * (65536 - len(PNG))
    chunks = 10
    src = tmp_path.parent / f"{tmp_path.name}-chunk.bin"
    src.write_bytes(chunk)
    sizes: list[tuple[str, int]] = []

    def on_batch(batch: Batch) -> None:
        for rel in batch.added + batch.changed:
            sizes.append((rel, (tmp_path / rel).stat().st_size))

    w = DatasetWatcher(
        ds, on_batch=on_batch, polling=polling, poll_interval=0.2, debounce=0.2, stable_for=1.5
    )
    w.start()
    try:
        # Chunks come slower than the debounce: only the stability gate holds the file.
        outside(
            tmp_path,
            "import sys, time\n"
            "data = open(sys.argv[1], 'rb').read()\n"
            "with open('10_gob/slow.png', 'wb') as fh:\n"
            f"    for _ in range({chunks}):\n"
            "        fh.write(data); fh.flush(); time.sleep(0.3)\n",
            str(src),
        )
        assert wait_until(lambda: "10_gob/slow.png" in ds.items)
        assert wait_until(lambda: not w.busy)
        time.sleep(QUIET)
    finally:
        w.stop()
    assert sizes == [("10_gob/slow.png", chunks * len(chunk))]


@pytest.mark.parametrize("polling", MODES)
def test_rename_storm_ends_with_the_right_images_and_captions(tmp_path, polling):
    n = 150
    ds = Dataset.open(make_dataset(tmp_path, n))
    w, rec = watch(ds, polling)
    try:
        outside(
            tmp_path,
            "import os\n"
            "for step, (a, b) in enumerate([('img', 'tmp'), ('tmp', 'mid'), ('mid', 'fin')]):\n"
            f"    for i in range({n}):\n"
            "        for ext in ('.png', '.txt'):\n"
            "            os.rename(f'10_gob/{a}{i}{ext}', f'10_gob/{b}{i}{ext}')\n",
        )
        want = {f"10_gob/fin{i}.png" for i in range(n)}
        assert wait_until(lambda: set(ds.items) == want)
        assert wait_until(lambda: not w.busy)
    finally:
        w.stop()
    assert ds.orphan_captions == []
    assert all(ds.items[f"10_gob/fin{i}.png"].tags == ("gob", f"tag{i}", "smile") for i in range(n))
    assert ds.index.images("tag7") == {"10_gob/fin7.png"}
    assert len(rec.all()) < 3 * n  # batched: far fewer than the renames made


def test_deleting_an_image_drops_it_and_orphans_its_caption(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path, 4))
    w, rec = watch(ds, polling=False)
    try:
        outside(tmp_path, "import os; os.remove('10_gob/img1.png')")
        assert wait_until(lambda: "10_gob/img1.png" not in ds.items)
        outside(tmp_path, "import os; os.remove('10_gob/img1.txt'); os.remove('10_gob/img3.png')")
        assert wait_until(lambda: "10_gob/img3.png" not in ds.items)
        assert wait_until(lambda: "10_gob/img1.txt" not in ds.orphan_captions)
    finally:
        w.stop()
    batches = rec.all()
    assert batches[0].removed == ("10_gob/img1.png",)
    assert batches[0].orphans_added == ("10_gob/img1.txt",)
    assert "10_gob/img1.txt" in set().union(*(b.orphans_removed for b in batches))
    assert ds.orphan_captions == ["10_gob/img3.txt"]
    assert ds.index.images("tag1") == set() and ds.index.images("tag3") == set()


def test_folder_moved_in_and_out(tmp_path):
    ds_root = make_dataset(tmp_path / "ds", 2)
    make_dataset(tmp_path / "incoming", 20, folder="5_extra")
    ds = Dataset.open(ds_root)
    w, rec = watch(ds, polling=False)
    try:
        outside(tmp_path, "import os; os.rename('incoming/5_extra', 'ds/5_extra')")
        assert wait_until(lambda: len(ds.items) == 22)
        assert ds.items["5_extra/img19.png"].tags == ("gob", "tag19", "smile")
        outside(tmp_path, "import os; os.rename('ds/5_extra', 'incoming/back')")
        assert wait_until(lambda: len(ds.items) == 2)
    finally:
        w.stop()
    assert set(ds.items) == {"10_gob/img0.png", "10_gob/img1.png"}
    assert ds.index.images("tag19") == set()
    assert {len(b.added) for b in rec.all() if b.added} == {20}


def test_own_writes_and_touches_cause_no_batch(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path, 60))
    w, rec = watch(ds, polling=False)
    try:
        changes = [
            TagChange(rel, item.tags, (*item.tags, "outdoors")) for rel, item in ds.items.items()
        ]
        result = ds.apply_changes(changes, "add outdoors")
        assert len(result.applied) == 60
        ds.undo()
        ds.redo()
        outside(tmp_path, "import os; os.utime('10_gob/img5.txt')")  # same content
        time.sleep(QUIET)
        assert wait_until(lambda: not w.busy)
        assert rec.all() == []
        # The watcher was live all along: an outside edit right after is seen alone.
        outside(tmp_path, "open('10_gob/img9.txt', 'w').write('gob, outside\\n')")
        assert wait_until(lambda: len(rec.all()) == 1)
    finally:
        w.stop()
    assert rec.all()[0].paths == ("10_gob/img9.txt",)
    assert ds.index.count("outdoors") == 59


def test_own_image_writes_through_the_journal_are_not_echoed(tmp_path):
    ds = Dataset.open(make_dataset(tmp_path, 2))
    w, rec = watch(ds, polling=False)
    try:
        ds.journal.run("replace image", [("10_gob/img0.png", PNG, PNG + b"\0")])
        time.sleep(QUIET)
        assert rec.all() == []
        outside(tmp_path, "open('10_gob/img1.png', 'ab').write(b'x')")  # replaced outside
        assert wait_until(lambda: len(rec.all()) == 1)
    finally:
        w.stop()
    assert rec.all()[0].changed == ("10_gob/img1.png",)


def test_bulk_fix_while_an_outside_process_writes_skips_and_reports(tmp_path):
    n = 1500
    ds = Dataset.open(make_dataset(tmp_path, n))
    w, rec = watch(ds, polling=False)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys, time\n"
            "n = int(sys.argv[1]); open('.started', 'w').close()\n"
            "while not os.path.exists('.stop'):\n"
            "    for i in range(n - 1, -1, -1):\n"
            "        open(f'10_gob/img{i}.txt', 'w').write(f'gob, tag{i}, outside\\n')\n"
            "        if os.path.exists('.stop'): break\n",
            str(n),
        ],
        cwd=tmp_path,
    )
    try:
        assert wait_until(lambda: (tmp_path / ".started").exists())
        with ds.lock:
            changes = [
                TagChange(rel, it.tags, (*it.tags, "bulkfix")) for rel, it in ds.items.items()
            ]
        result = ds.apply_changes(changes, "add bulkfix")
        (tmp_path / ".stop").touch()
        writer.wait(timeout=60)
        assert result.conflicts, "the outside writer changed files under the bulk edit"
        for rel, _reason in result.conflicts:
            text = (tmp_path / rel).with_suffix(".txt").read_text()
            assert "bulkfix" not in text  # skipped: the outside content was kept
        # Once things settle, the view matches disk for every image.

        def in_line() -> bool:
            with ds.lock:
                return all(
                    it.tags == parse_caption(it.caption_path.read_bytes()).tags
                    for it in ds.items.values()
                )

        assert wait_until(lambda: not w.busy and in_line(), timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
        w.stop()


def test_polling_chosen_by_lorapan_toml(tmp_path):
    make_dataset(tmp_path, 1)
    (tmp_path / "lorapan.toml").write_text("[watch]\npolling = true\ndebounce = 0.1\n")
    ds = Dataset.open(tmp_path)
    assert WatchOptions.from_settings(ds.settings).debounce == 0.1
    with DatasetWatcher(ds) as w:
        assert w.mode == "polling"
    assert w.mode == "stopped"


@pytest.mark.parametrize("polling", MODES)
def test_deleting_the_whole_folder_is_reported_as_an_error(tmp_path, polling):
    root = make_dataset(tmp_path / "ds", 3)
    ds = Dataset.open(root)
    errors: list[BaseException] = []
    w = DatasetWatcher(ds, polling=polling, poll_interval=0.2, on_error=errors.append)
    w.start()
    try:
        outside(tmp_path, "import shutil; shutil.rmtree('ds')")
        assert wait_until(lambda: bool(errors))
    finally:
        w.stop()
    assert isinstance(errors[0], FileNotFoundError) and "was deleted" in str(errors[0])


@pytest.mark.parametrize("polling", MODES)
def test_rsync_style_temp_then_rename_is_one_change(tmp_path, polling):
    ds = Dataset.open(make_dataset(tmp_path, 4))
    w, rec = watch(ds, polling)
    try:
        # rsync writes a hidden temp file beside the target, then renames it over it;
        # an image replaced the same way must show up as changed (the app re-renders).
        outside(
            tmp_path,
            "import os\n"
            "open('10_gob/.img2.txt.Xy12ab', 'w').write('gob, synced\\n')\n"
            "os.rename('10_gob/.img2.txt.Xy12ab', '10_gob/img2.txt')\n"
            "open('10_gob/.img3.png.Qw34cd', 'wb').write(open('10_gob/img0.png', 'rb').read() + b'1')\n"
            "os.rename('10_gob/.img3.png.Qw34cd', '10_gob/img3.png')\n",
        )
        assert wait_until(lambda: ds.items["10_gob/img2.png"].tags == ("gob", "synced"))
        assert wait_until(lambda: "10_gob/img3.png" in rec.images())
        assert wait_until(lambda: not w.busy)
    finally:
        w.stop()
    assert set(ds.items) == {f"10_gob/img{i}.png" for i in range(4)}
    assert rec.images() == {"10_gob/img2.png", "10_gob/img3.png"}
    assert all(not p.split("/")[-1].startswith(".") for b in rec.all() for p in b.paths)
    assert all(not b.added and not b.removed for b in rec.all())
