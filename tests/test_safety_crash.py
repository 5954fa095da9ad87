"""kill -9 in the middle of edit, fix, undo and recover (issue 13, the sweep).

Each writer is a real `lorapan` process that SIGKILLs itself after K of its file
swaps, as a crash or `kill -9` would stop it. Afterwards every caption must be
either as it was or as the command would have left it (never torn, never a third
thing), and recovery plus undo must bring back every byte.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import rules_fixtures as rf
from conftest import run_lorapan, write_dataset
from lorapan.core.dataset import Dataset

N = 40
DIES = textwrap.dedent(
    """
    import os, signal, sys
    from lorapan.core.journal.steps import FileSteps
    real, after, count = FileSteps._swap, int(sys.argv[1]), [0]
    def dying(self, *args):
        count[0] += 1
        if count[0] > after:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, *args)
    FileSteps._swap = dying
    from lorapan.main import main
    sys.argv = ["lorapan", *sys.argv[2:]]
    sys.exit(main(sys.argv[1:]))
    """
)


def captions(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


def killed(after: int, *argv: object) -> None:
    """Run `lorapan ARGV` and let it die by SIGKILL after ``after`` swaps."""
    proc = subprocess.run(
        [sys.executable, "-c", DIES, str(after), *map(str, argv)],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr.decode()


def each_old_or_new(now: dict, old: dict, new: dict) -> tuple[int, int]:
    """Assert every caption is its old or its new bytes; (how many old, how many new)."""
    counts = [0, 0]
    for rel in set(old) | set(new) | set(now):
        here = now.get(rel)
        assert here in (old.get(rel), new.get(rel)), f"{rel} is neither old nor new: {here!r}"
        counts[here == new.get(rel) and here != old.get(rel)] += 1
    return counts[0], counts[1]


@pytest.fixture
def root(tmp_path):
    return write_dataset(tmp_path / "ds", {f"img{i:03d}.png": f"t{i}, common" for i in range(N)})


def _expected(root: Path, tmp: Path, *argv: object) -> dict:
    """What the command leaves when nothing stops it (run on a copy)."""
    twin = tmp / "twin"
    shutil.copytree(root, twin)
    res = run_lorapan(*[twin if a == root else a for a in argv])
    assert res.returncode in (0, 1), res.stderr
    return captions(twin)


@pytest.mark.slow
@pytest.mark.parametrize(
    "after, how", [(1, "--rollback"), (N // 2, "--finish"), (N - 1, "--rollback")]
)
def test_edit_killed_half_way(root, tmp_path, after, how):
    old = captions(root)
    new = _expected(root, tmp_path, "edit", root, "--add", "new")
    killed(after, "edit", root, "--add", "new")
    assert each_old_or_new(captions(root), old, new) == (N - after, after)
    assert run_lorapan("recover", root, how).returncode == 0
    assert captions(root) == (new if how == "--finish" else old)
    if how == "--finish":
        assert Dataset.open(root).undo().ok
        assert captions(root) == old


@pytest.mark.slow
def test_fix_killed_half_way(tmp_path):
    root = rf.character(tmp_path / "ds", clean=False, n=40)
    old = captions(root)
    new = _expected(root, tmp_path, "fix", root)
    assert sum(old.get(r) != new.get(r) for r in new) >= 4
    killed(3, "fix", root)
    each_old_or_new(captions(root), old, new)
    assert run_lorapan("recover", root, "--rollback").returncode == 0
    assert captions(root) == old


@pytest.mark.slow
@pytest.mark.parametrize("how", ["--finish", "--rollback"])
def test_undo_killed_half_way(root, how):
    old = captions(root)
    assert run_lorapan("edit", root, "--add", "new").returncode == 0
    new = captions(root)
    killed(N // 2, "undo", root)
    assert each_old_or_new(captions(root), new, old) == (N // 2, N // 2)
    assert run_lorapan("recover", root, how).returncode == 0
    assert captions(root) == (old if how == "--finish" else new)  # finish: the undo completes
    ds = Dataset.open(root)
    assert (ds.redo() if how == "--finish" else ds.undo()).ok  # and the chain goes on
    assert captions(root) == (new if how == "--finish" else old)


@pytest.mark.slow
def test_recover_killed_half_way_then_recovered_again(root, tmp_path):
    old = captions(root)
    new = _expected(root, tmp_path, "edit", root, "--add", "new")
    killed(10, "edit", root, "--add", "new")
    killed(15, "recover", root, "--finish")  # the recovery itself dies
    assert each_old_or_new(captions(root), old, new)[1] >= 10
    assert run_lorapan("recover", root, "--finish").returncode == 0
    assert captions(root) == new
    assert Dataset.open(root).undo().ok
    assert captions(root) == old
    assert not list(root.glob(".lorapan-tmp-*"))
