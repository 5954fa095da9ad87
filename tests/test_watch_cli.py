"""`lorapan watch` as a user runs it: a real process, real outside writers, Ctrl-C."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

WAIT = 30.0


def make_dataset(root: Path, n: int = 4) -> Path:
    sub = root / "10_gob"
    sub.mkdir(parents=True)
    for i in range(n):
        (sub / f"img{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
        (sub / f"img{i}.txt").write_text(f"gob, tag{i}, smile\n")
    return root


class WatchProcess:
    """`python -m lorapan watch ...` with its stdout read line by line."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AS_IN_A_TERMINAL, "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pred, timeout: float = WAIT) -> list[str]:
        """Lines read until one satisfies ``pred`` (fails the test on timeout)."""
        seen: list[str] = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if pred(line):
                return seen
        pytest.fail(f"no matching line within {timeout}s; got {seen!r}")

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=WAIT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# `lorapan` with Ctrl-C as a terminal's foreground job gets it. A child inherits an
# ignored SIGINT, and a suite started in the background by a shell without job control
# (`pytest &` in a script, as POSIX has it) runs with SIGINT ignored from the start, so
# the watch never saw the test's Ctrl-C.
AS_IN_A_TERMINAL = (
    "import runpy, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "sys.argv = ['lorapan', *sys.argv[1:]]\n"
    "runpy.run_module('lorapan', run_name='__main__', alter_sys=True)\n"
)


def outside(root: Path, code: str) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


def test_text_lines_for_outside_changes_until_ctrl_c(tmp_path):
    root = make_dataset(tmp_path)
    w = WatchProcess(str(root))
    try:
        w.expect(lambda line: line.startswith("watching "))
        outside(root, "open('10_gob/img1.txt', 'w').write('gob, frown\\n')")
        lines = w.expect(lambda line: "~ 10_gob/img1.png" in line)
        assert "+frown" in lines[-1] and "-smile" in lines[-1]
        outside(root, "import os; os.remove('10_gob/img2.png')")
        w.expect(lambda line: "- 10_gob/img2.png" in line)
        w.expect(lambda line: "? 10_gob/img2.txt" in line)
        assert w.interrupt() == 0
        w.expect(lambda line: line.startswith("stopped after"))
    finally:
        w.kill()
    assert "Traceback" not in w.proc.stderr.read()


def test_json_lines_one_object_per_change(tmp_path):
    root = make_dataset(tmp_path)
    w = WatchProcess(str(root), "--json", "--polling")
    try:
        first = json.loads(w.expect(lambda line: True)[0])
        assert first["event"] == "watching" and first["mode"] == "polling"
        assert first["images"] == 4
        outside(
            root,
            "import shutil\n"
            "shutil.copyfile('10_gob/img0.png', '10_gob/new.png')\n"
            "open('10_gob/new.txt', 'w').write('gob, fresh\\n')\n",
        )
        line = w.expect(lambda line: '"added"' in line)[-1]
        change = json.loads(line)
        assert change["change"] == "added" and change["image"] == "10_gob/new.png"
        assert w.interrupt() == 0
        last = json.loads(w.expect(lambda line: '"stopped"' in line)[-1])
        assert last["batches"] >= 1
    finally:
        w.kill()


def test_missing_folder_is_a_usage_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "lorapan", "watch", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "is not a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_findings_added_and_cleared_by_outside_edits(tmp_path):
    root = make_dataset(tmp_path)
    w = WatchProcess(str(root), "--json")
    try:
        start = json.loads(w.expect(lambda line: True)[0])
        assert start["findings"] is not None
        outside(root, "open('10_gob/img3.txt', 'w').write('gob, tag3, smile, smile\\n')")
        added = json.loads(
            w.expect(lambda line: '"tags.duplicate"' in line and '"added"' in line)[-1]
        )
        assert added["finding"] == "added" and "10_gob/img3.png" in added["images"]
        outside(root, "open('10_gob/img3.txt', 'w').write('gob, tag3, smile\\n')")
        cleared = json.loads(w.expect(lambda line: '"cleared"' in line)[-1])
        assert cleared["rule"] == "tags.duplicate"
        assert w.interrupt() == 0
    finally:
        w.kill()


def test_folder_deleted_under_the_watch_ends_it_with_exit_1(tmp_path):
    root = make_dataset(tmp_path / "ds")
    w = WatchProcess(str(root))
    try:
        w.expect(lambda line: line.startswith("watching "))
        outside(tmp_path, "import shutil; shutil.rmtree('ds')")
        assert w.proc.wait(timeout=WAIT) == 1
    finally:
        w.kill()
    err = w.proc.stderr.read()
    assert "was deleted" in err and "Traceback" not in err


def test_the_watch_stops_on_ctrl_c_even_when_the_suite_ignores_it(tmp_path):
    """The harness resets SIGINT, so this file passes however pytest was started: here
    the watch is started while SIGINT is ignored, as under `pytest &` in a script."""
    root = make_dataset(tmp_path)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        w = WatchProcess(str(root))  # inherits the ignored SIGINT
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        w.expect(lambda line: line.startswith("watching "))
        assert w.interrupt() == 0
        w.expect(lambda line: line.startswith("stopped after"))
    finally:
        w.kill()
