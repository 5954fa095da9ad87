"""Ctrl-C or a dropped SSH session during a bulk edit: the edit is whole, or not made.

A real ``lorapan edit`` over thousands of captions is sent SIGINT (Ctrl-C) or SIGHUP
(the terminal went away) while it writes. The step finishes first: every caption has
the tag, no temp file is left, and the next edit is not blocked by a half-done one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

N = 3000


def many_captions(root: Path) -> Path:
    root.mkdir()
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    for i in range(N):
        (root / f"{i:05d}.png").write_bytes(png)
        (root / f"{i:05d}.txt").write_text(f"gob, solo, pose {i % 7}\n")
    return root


def writing(root: Path) -> bool:
    """The edit has started writing: a temp file or an edited caption is there."""
    with os.scandir(root) as it:
        if any(e.name.startswith(".lorapan-tmp") for e in it):
            return True
    return "baz" in (root / "00000.txt").read_text()


def edit_interrupted(root: Path, sig: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "lorapan", "edit", str(root), "--add", "baz"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while not writing(root):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the edit never started writing"
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the edit finished before the signal could be sent (machine too fast)")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(cmd, proc.returncode, out.decode(), err.decode())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "hang-up"])
def test_an_interrupt_while_writing_waits_for_the_whole_edit(tmp_path, sig, lorapan_cmd):
    root = many_captions(tmp_path / "ds")
    done = edit_interrupted(root, sig)
    assert done.returncode != 0  # it stopped as asked, after the step
    assert "finishing writing the 3000 files of 'edit +baz'" in done.stderr or (
        sig == signal.SIGHUP  # no terminal to tell after a hang-up
    )
    tagged = sum("baz" in p.read_text() for p in root.glob("*.txt"))
    assert tagged == N
    assert not [p for p in root.iterdir() if p.name.startswith(".lorapan-tmp")]
    after = lorapan_cmd("edit", root, "--add", "qux")  # not blocked by a half-done edit
    assert after.returncode == 0, after.stderr
    undo = lorapan_cmd("undo", root)
    assert undo.returncode == 0 and "baz" in (root / "00000.txt").read_text()
