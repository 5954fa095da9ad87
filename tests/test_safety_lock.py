"""One writer per dataset (issue 13.2): real `lorapan` processes racing each other.

A slow writer is a real `lorapan edit` whose file swaps are slowed down, so the
others meet it mid-edit. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import run_lorapan, write_dataset
from lorapan.core import edits
from lorapan.core.dataset import Dataset
from lorapan.core.writer_lock import DatasetBusy, WriterLock

N = 80
# A real `lorapan edit` that pauses half-way through its writes (holding the lock,
# its transaction pending) until the test creates the file ``go``: the others meet it
# mid-edit, deterministically.
PAUSING = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from lorapan.core.journal.steps import FileSteps
    real = FileSteps._swap
    gate, half = Path(sys.argv[1]), int(sys.argv[2])
    count = 0
    def pausing(self, *args):
        global count
        count += 1
        if count == half:
            (gate / "paused").touch()
            deadline = time.monotonic() + 60
            while not (gate / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return real(self, *args)
    FileSteps._swap = pausing
    from lorapan.main import main
    sys.argv = ["lorapan", *sys.argv[3:]]
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.fixture
def root(tmp_path):
    return write_dataset(tmp_path / "ds", {f"img{i:03d}.png": f"tag{i}, common" for i in range(N)})


def _captions(root) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.txt"))}


class Paused:
    """A real `lorapan edit --add TAG` stopped half-way; ``go()`` lets it finish."""

    def __init__(self, root, tag: str) -> None:
        self.gate = root.parent
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                PAUSING,
                str(self.gate),
                str(N // 2),
                "edit",
                str(root),
                "--add",
                tag,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        deadline = time.monotonic() + 60
        while not (self.gate / "paused").exists():
            assert self.proc.poll() is None, self.proc.communicate()
            assert time.monotonic() < deadline, "the edit never reached half-way"
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def go(self) -> int:
        (self.gate / "go").touch()
        self.proc.communicate(timeout=60)
        return self.proc.returncode

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=30)


def _first_line(proc: subprocess.Popen) -> str:
    """The first line ``proc`` writes to stderr, waiting at most 60 s."""
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stderr.readline()), daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert line, "no message from the waiting writer"
    return line[0]


@pytest.mark.slow
def test_two_racing_edits_both_land_with_distinct_numbers(root):
    original = _captions(root)
    first = Paused(root, "slow")
    second = subprocess.Popen(
        [sys.executable, "-m", "lorapan", "edit", str(root), "--add", "quick"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    message = _first_line(second)
    assert "waiting" in message and f"pid {first.pid}" in message
    assert "`lorapan edit" in message  # says which command holds the lock
    assert first.go() == 0
    second.communicate(timeout=60)
    assert second.returncode == 0
    now = _captions(root)
    assert all(now[n] == b + b", slow, quick" for n, b in original.items())  # none lost
    ds = Dataset.open(root)
    assert [(t.seq, t.state) for t in ds.journal.transactions()] == [(1, "applied"), (2, "applied")]
    assert ds.undo().ok and ds.undo().ok
    assert _captions(root) == original  # byte-exact


@pytest.mark.slow
def test_no_wait_fails_at_once_and_names_the_writer(root):
    first = Paused(root, "slow")
    res = run_lorapan("edit", root, "--add", "x", "--no-wait", timeout=60)
    assert res.returncode == 3
    assert f"pid {first.pid}" in res.stderr and "`lorapan edit" in res.stderr
    assert first.go() == 0
    assert all(b"x" not in b.split(b", ") for b in _captions(root).values())


@pytest.mark.slow
def test_a_running_edit_is_not_interrupted_and_recover_refuses(root):
    first = Paused(root, "slow")
    info = json.loads(run_lorapan("info", root, "--json").stdout)
    assert info["interrupted_edits"] == []  # live, not crashed: nothing offered
    assert Dataset.open(root).journal.incomplete() == []  # what the app's dialog asks
    res = run_lorapan("recover", root, "--rollback", timeout=60)
    assert res.returncode == 3 and "not interrupted" in res.stderr
    assert first.go() == 0
    assert all(b.endswith(b", slow") for b in _captions(root).values())  # nothing rolled back
    assert not list(root.glob(".lorapan-tmp-*"))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["--finish", "--rollback"])
def test_a_killed_writer_leaves_no_lock_and_recover_works(root, how):
    original = _captions(root)
    Paused(root, "slow").kill()
    if how == "--finish":  # as the app's dialog does it
        ds = Dataset.open(root)
        [result] = ds.recover(finish=True)
        assert result.ok
        assert all(_captions(root)[n] == b + b", slow" for n, b in original.items())
        assert ds.undo().ok
    else:
        res = run_lorapan("recover", root, how, timeout=60)
        assert res.returncode == 0, res.stderr
    assert _captions(root) == original


def test_threads_of_one_process_take_turns(root):
    """The app's workers and its UI thread: both edits land, numbered apart."""
    dss = [Dataset.open(root), Dataset.open(root)]
    errors = []

    def edit(ds, tag):
        try:
            tags = {r: it.tags for r, it in ds.items.items()}
            ds.apply_changes(edits.plan(tags, ds.items, lambda t: edits.add_tag(t, tag)), tag)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(ds, t)) for ds, t in zip(dss, "ab", strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    seqs = sorted(t.seq for t in Dataset.open(root).journal.transactions())
    assert seqs == [1, 2]
    # The second writer planned against what it read before the first wrote: its
    # captions conflict instead of overwriting; none holds a half of both.
    for data in _captions(root).values():
        assert data.split(b", ")[-1] in (b"a", b"b", b"common")


def test_the_lock_is_reentrant_and_busy_names_the_holder(root):
    lock = WriterLock(root / ".lorapan", root)
    seen = []
    with lock.hold(), lock.hold():
        assert lock.held_here() and lock.busy() is None
        t = threading.Thread(target=lambda: seen.append(lock.busy()))
        t.start()
        t.join(timeout=10)

        def try_hold():
            try:
                with lock.hold(wait_s=0):
                    seen.append("held")
            except DatasetBusy as exc:
                seen.append(exc)

        t = threading.Thread(target=try_hold)
        t.start()
        t.join(timeout=10)
    assert seen[0] is not None and seen[0].pid == os.getpid()
    assert isinstance(seen[1], DatasetBusy) and "another thread" in seen[1].message
    assert not lock.held_here() and lock.busy() is None
