"""A bulk edit killed half-way (a real process, SIGKILL) is finished or rolled back."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import write_dataset
from lorapan.core.dataset import Dataset

N = 300
KILL_AFTER = 120

# The child runs a real bulk edit and SIGKILLs itself after KILL_AFTER caption
# writes, as a crash or `kill -9` would stop it.
CHILD = textwrap.dedent(
    f"""
    import os, signal, sys
    from lorapan.core import edits
    from lorapan.core.journal.steps import FileSteps
    from lorapan.core.dataset import Dataset
    real = FileSteps._swap
    count = 0
    def dying_swap(self, *args):
        global count
        count += 1
        if count > {KILL_AFTER}:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, *args)
    FileSteps._swap = dying_swap
    ds = Dataset.open(sys.argv[1])
    tags = {{r: it.tags for r, it in ds.items.items()}}
    ds.apply_changes(edits.plan(tags, ds.items, lambda t: edits.add_tag(t, "added")), "bulk add")
    """
)


@pytest.fixture
def crashed(tmp_path):
    write_dataset(tmp_path, {f"img{i:04d}.png": f"tag{i}, common" for i in range(N)})
    original = {p.name: p.read_bytes() for p in tmp_path.glob("*.txt")}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], timeout=120)
    assert proc.returncode == -9  # it really died mid-edit
    return tmp_path, original


def test_interrupted_edit_is_detected_and_can_be_finished(crashed):
    root, original = crashed
    changed = [n for n, b in original.items() if (root / n).read_bytes() != b]
    assert len(changed) == KILL_AFTER  # half-way: some files written, others not
    ds = Dataset.open(root)
    [txn] = ds.journal.incomplete()
    assert txn.label == "bulk add"
    ds.recover(finish=True)
    assert all((root / n).read_bytes() == b + b", added" for n, b in original.items())
    assert ds.index.count("added") == N
    assert not ds.journal.incomplete()
    assert not list(root.glob(".lorapan-tmp-*"))  # staged temp files cleaned up
    ds.undo()  # and the finished edit is an ordinary, undoable one
    assert all((root / n).read_bytes() == b for n, b in original.items())


def test_interrupted_edit_can_be_rolled_back_byte_for_byte(crashed, lorapan_cmd):
    root, original = crashed
    out = lorapan_cmd("edit", root, "--add", "x")
    assert out.returncode == 1 and "interrupted" in out.stderr and "recover" in out.stderr
    out = lorapan_cmd("recover", root, "--rollback")
    assert out.returncode == 0, out.stderr
    assert all((root / n).read_bytes() == b for n, b in original.items())
    assert Dataset.open(root).journal.incomplete() == []
