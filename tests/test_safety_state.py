"""Damaged or unwritable state never ends in a traceback (issue 13.5).

Each case gets a message that says what is wrong and what to do, and its exit code:
4 for lorapan's own state (``.lorapan/``) damaged or unwritable. A broken journal
entry can be listed (``history --broken``) and set aside (``recover --skip``); a
damaged analysis cache is set aside and rebuilt with a notice.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import run_lorapan, write_dataset
from journal_craft import craft, write_op
from lorapan.core.dataset import Dataset
from lorapan.main import main

CAPTION = b"x, y"


@pytest.fixture
def root(tmp_path):
    return write_dataset(tmp_path / "ds", {"a.png": CAPTION, "b.png": "b"})


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


# ---- a dataset lorapan may not write ---------------------------------------------------


@pytest.fixture
def unprivileged():
    """(make_dataset, run): `lorapan` run as a user whom file modes bind.

    As root (containers), the command runs as ``nobody`` through setpriv, on a
    dataset it owns under a folder anyone may enter.
    """
    if os.geteuid() != 0:
        base = Path(tempfile.mkdtemp(prefix="lorapan-ro-"))
        yield (lambda: write_dataset(base / "ds", {"a.png": CAPTION})), run_lorapan
        _make_writable(base)
        shutil.rmtree(base)
        return
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be tested")
    base = Path(tempfile.mkdtemp(prefix="lorapan-ro-"))
    base.chmod(0o755)

    def run(*args):
        for path in [base, *base.rglob("*")]:
            os.chown(path, 65534, 65534, follow_symlinks=False)
        cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
        return subprocess.run(
            [*cmd, "-m", "lorapan", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ, HOME=str(base)),
        )

    yield (lambda: write_dataset(base / "ds", {"a.png": CAPTION})), run
    shutil.rmtree(base)


def _make_writable(base: Path) -> None:
    for path in [base, *base.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755)


def test_a_read_only_dataset_folder_is_refused_with_a_message(unprivileged):
    make, run = unprivileged
    ds = make()
    ds.chmod(0o555)
    res = run("edit", ds, "--add", "new")
    assert res.returncode == 4, res.stderr
    assert "cannot write in" in res.stderr and "writable" in res.stderr
    assert "Traceback" not in res.stderr
    assert run("info", ds).returncode == 0  # reading needs no writing
    assert (ds / "a.txt").read_bytes() == CAPTION


def test_a_read_only_state_folder_is_refused_with_a_message(unprivileged):
    make, run = unprivileged
    ds = make()
    assert run("edit", ds, "--add", "new").returncode == 0
    for path in [ds / ".lorapan", *(ds / ".lorapan").rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    for argv in (("undo", ds), ("edit", ds, "--add", "more")):
        res = run(*argv)
        assert res.returncode == 4 and "Traceback" not in res.stderr, res.stderr
        assert "Permission denied" in res.stderr
    assert run("history", ds).returncode == 0
    assert (ds / "a.txt").read_bytes() == CAPTION + b", new"


# ---- state that is not what lorapan wrote ----------------------------------------------


def test_a_file_where_the_journal_folder_belongs(root, capsys):
    (root / ".lorapan").mkdir()
    (root / ".lorapan" / "journal").write_text("not a folder")
    code, _, err = _run(capsys, "edit", root, "--add", "new")
    assert code == 4 and "move it aside" in err
    assert (root / "a.txt").read_bytes() == CAPTION
    assert _run(capsys, "undo", root)[0] == 0  # nothing to undo: said, not crashed


def test_a_file_where_the_state_folder_belongs(root, capsys):
    (root / ".lorapan").write_text("not a folder")
    code, _, err = _run(capsys, "edit", root, "--add", "new")
    assert code == 4 and ".lorapan" in err
    code, _, err = _run(capsys, "scan", root)
    assert code == 4 and ".lorapan" in err


@pytest.mark.parametrize("content", ["[]", "null", '{"ops": 5}', '{"seq": "abc"}', "{not json"])
def test_a_malformed_entry_is_reported_listed_and_skipped(root, capsys, content):
    folder = root / ".lorapan" / "journal"
    folder.mkdir(parents=True)
    (folder / "00000001-00000000aa.json").write_text(content)
    code, _, err = _run(capsys, "undo", root)
    assert code == 4 and "#1" in err and "--skip 00000000aa" in err
    code, out, _ = _run(capsys, "history", root, "--broken", "--json")
    [row] = json.loads(out)
    assert row["id"] == "00000000aa" and row["broken"]
    # An edit still works, numbered after it; undo reverts it, then stops at the entry.
    assert _run(capsys, "edit", root, "--add", "new")[0] == 0
    assert [t.seq for t in Dataset.open(root).journal.transactions()] == [2]
    assert _run(capsys, "undo", root)[0] == 0
    assert _run(capsys, "undo", root)[0] == 4
    assert _run(capsys, "recover", root, "--skip", "00000000aa")[0] == 0
    code, out, _ = _run(capsys, "undo", root)
    assert code == 0 and "nothing to undo" in out
    assert (root / "a.txt").read_bytes() == CAPTION


@pytest.mark.parametrize("pack", [None, '{"%s": "not base64 !!"}', "[1, 2]"])
def test_a_missing_or_damaged_pack_leaves_the_entry_as_it_was(root, capsys, pack):
    txn = craft(root, 1, "applied", [write_op("a.txt", b"old", CAPTION)], [b"old", CAPTION])
    pack_file = root / ".lorapan" / "journal" / f"{txn}.pack.json"
    if pack is None:
        pack_file.unlink()
    else:
        digest = write_op("a.txt", b"old", CAPTION)["before"]
        pack_file.write_text(pack.replace("%s", digest) if "%s" in pack else pack)
    for _ in range(2):  # the entry is not left `undoing`: the second try says the same
        code, _, err = _run(capsys, "undo", root)
        assert code == 4 and "pack" in err and f"--skip {txn}" in err
        assert Dataset.open(root).journal.transactions()[0].state == "applied"
    assert (root / "a.txt").read_bytes() == CAPTION
    assert _run(capsys, "recover", root, "--skip", txn)[0] == 0
    assert "nothing to undo" in _run(capsys, "undo", root)[1]


def _corrupt_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[0:16] = b"\xff" * 16
    path.write_bytes(bytes(data))


def _corrupt_btree(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:112] = b"\xff" * 12  # the first page's b-tree header
    path.write_bytes(bytes(data))


def _other_schema(path: Path) -> None:
    path.unlink()
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE facts (x INTEGER)")
    con.commit()
    con.close()


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("x")


@pytest.mark.parametrize("damage", [_corrupt_header, _corrupt_btree, _other_schema, _folder])
def test_a_damaged_analysis_cache_is_set_aside_and_rebuilt(root, capsys, damage):
    assert _run(capsys, "scan", root)[0] == 0
    cache = root / ".lorapan" / "analysis.sqlite"
    con = sqlite3.connect(cache)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    damage(cache)
    code, out, err = _run(capsys, "scan", root, "--json")
    assert code == 0
    assert "notice" in err and "set aside as analysis.sqlite.broken-" in err
    assert json.loads(out)["summary"]["images"] == 2
    assert list(cache.parent.glob("analysis.sqlite.broken-*"))  # kept for a person
    code, _, err = _run(capsys, "scan", root)
    assert code == 0 and "notice" not in err  # rebuilt: read from the cache now
