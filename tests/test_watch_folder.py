"""FolderWatcher on a training run's output folder, with a real writer process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from lorapan.core.watch import FolderBatch, FolderWatcher

WAIT = 30.0
MODES = [pytest.param(False, id="native"), pytest.param(True, id="polling")]


def outside(root: Path, code: str, *args: str) -> None:
    subprocess.run([sys.executable, "-c", code, *args], cwd=root, check=True, timeout=120)


def wait_until(cond, timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


class Recorder:
    def __init__(self) -> None:
        self.batches: list[tuple[FolderBatch, dict[str, int]]] = []
        self.lock = threading.Lock()
        self.root: Path | None = None

    def __call__(self, batch: FolderBatch) -> None:
        assert self.root is not None
        sizes = {r: (self.root / r).stat().st_size for r in batch.added + batch.changed}
        with self.lock:
            self.batches.append((batch, sizes))

    def field(self, name: str) -> list[str]:
        with self.lock:
            return [r for b, _ in self.batches for r in getattr(b, name)]


@pytest.mark.parametrize("polling", MODES)
def test_samples_and_checkpoints_appear_when_complete(tmp_path, polling):
    out = tmp_path / "output"
    (out / "sample").mkdir(parents=True)
    (out / "old.safetensors").write_bytes(b"old")
    rec = Recorder()
    rec.root = out
    w = FolderWatcher(
        out,
        rec,
        suffixes={".png", ".safetensors"},
        polling=polling,
        poll_interval=0.2,
        debounce=0.2,
        stable_for=1.5,
    )
    w.start()
    try:
        assert w.files == ["old.safetensors"]
        # A checkpoint saved slowly (slower than the debounce), a sample, a log line.
        outside(
            out,
            "import time\n"
            "open('sample/e1_00.png', 'wb').write(b'png' * 100)\n"
            "open('train.log', 'a').write('step 10\\n')\n"
            "with open('goblin-000001.safetensors', 'wb') as fh:\n"
            "    for _ in range(8):\n"
            "        fh.write(b'\\0' * 100000); fh.flush(); time.sleep(0.3)\n",
        )
        assert wait_until(lambda: "goblin-000001.safetensors" in rec.field("added"))
        outside(
            out,
            "import os; open('old.safetensors', 'wb').write(b'newer'); os.remove('sample/e1_00.png')",
        )
        assert wait_until(lambda: "sample/e1_00.png" in rec.field("removed"))
        assert wait_until(lambda: "old.safetensors" in rec.field("changed"))
    finally:
        w.stop()
    added = rec.field("added")
    assert sorted(added) == ["goblin-000001.safetensors", "sample/e1_00.png"]  # once each
    sizes = {r: s for _, sz in rec.batches for r, s in sz.items()}
    assert sizes["goblin-000001.safetensors"] == 800000  # complete when reported
    assert "train.log" not in added
    assert w.files == ["goblin-000001.safetensors", "old.safetensors"]
