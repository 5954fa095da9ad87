"""Paths read from lorapan's own state never leave the dataset (issue 13.1).

A dataset shared as an archive carries its ``.lorapan/``: a crafted journal entry
naming ``../victim.txt``, an absolute path, a file under a symlinked folder or a
symlink to a file outside must be refused by undo, redo and recover with a
message naming the entry, and nothing may be touched — neither the file outside
nor the entry's files inside the dataset.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import write_dataset
from journal_craft import craft, write_op
from lorapan.core import provenance
from lorapan.core.analysis.cache import AnalysisCache
from lorapan.core.analysis.facts import ImageFacts
from lorapan.core.confine import ConfinementError, inside, is_safe_rel
from lorapan.main import main

PRECIOUS = b"precious\n"
INSIDE = b"x, y"


@pytest.fixture
def ds(tmp_path):
    root = write_dataset(tmp_path / "ds", {"a.png": INSIDE})
    (tmp_path / "victim.txt").write_bytes(PRECIOUS)
    (root / "sub").symlink_to(tmp_path, target_is_directory=True)
    (root / "link.txt").symlink_to(tmp_path / "victim.txt")
    return root


def _path(kind: str, root) -> str:
    return {
        "dotdot": "../victim.txt",
        "absolute": str(root.parent / "victim.txt"),
        "symlinked folder": "sub/victim.txt",
        "symlinked file": "link.txt",
    }[kind]


# What each command would do to the victim if the entry were obeyed: undo deletes a
# file the entry says it created, redo and finish overwrite it, rollback deletes it.
ATTACKS = {
    "undo": ("applied", [("victim", None, PRECIOUS), ("a.txt", b"old", INSIDE)]),
    "redo": ("undone", [("victim", PRECIOUS, b"pwned"), ("a.txt", INSIDE, b"old")]),
    "recover --finish": ("pending", [("victim", PRECIOUS, b"pwned"), ("a.txt", INSIDE, b"old")]),
    "recover --rollback": ("pending", [("victim", None, PRECIOUS), ("a.txt", b"old", INSIDE)]),
}


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlinked folder", "symlinked file"])
@pytest.mark.parametrize("command", list(ATTACKS))
def test_a_crafted_entry_is_refused_and_nothing_is_touched(ds, kind, command, capsys):
    state, spec = ATTACKS[command]
    ops, blobs = [], []
    for path, before, after in spec:
        ops.append(write_op(_path(kind, ds) if path == "victim" else path, before, after))
        blobs += [b for b in (before, after) if b is not None]
    txn_id = craft(ds, 1, state, ops, blobs, legacy=kind == "absolute", label="evil")
    argv = command.split() + [str(ds)]
    assert main(argv) == 4
    err = capsys.readouterr().err
    assert f"#1 'evil' ({txn_id})" in err and "no file was touched" in err
    assert "--skip" in err
    assert (ds.parent / "victim.txt").read_bytes() == PRECIOUS
    assert (ds / "a.txt").read_bytes() == INSIDE
    assert os.path.islink(ds / "link.txt")


def test_a_broken_entry_is_listed_skipped_and_undo_stops_there(ds, capsys):
    good = craft(ds, 1, "applied", [write_op("a.txt", b"old", INSIDE)], [b"old", INSIDE])
    evil = craft(ds, 2, "applied", [write_op("../victim.txt", None, PRECIOUS)], [PRECIOUS])
    assert main(["history", str(ds), "--broken", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["id"] == evil and "'../victim.txt'" in row["broken"]
    assert main(["recover", str(ds), "--skip", evil]) == 0
    assert "No dataset file was touched" in capsys.readouterr().out
    assert (ds / ".lorapan" / "journal" / "skipped" / f"{evil}.ops.json").exists()
    # The skipped entry is a barrier: the good entry under it is not undone blindly.
    assert main(["undo", str(ds)]) == 0
    assert "nothing to undo" in capsys.readouterr().out
    assert (ds / "a.txt").read_bytes() == INSIDE
    assert (ds.parent / "victim.txt").read_bytes() == PRECIOUS
    assert good  # still listed in history, below the barrier
    assert main(["history", str(ds)]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and good in out


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_a_caption_swapped_for_a_link_before_the_write_is_judged_as_a_link(ds, where):
    """Between the plan and the write, ``a.txt`` becomes a link to a file with the same
    bytes: a link leading outside is refused (the file outside untouched), one to a file
    inside the dataset is written through, and the link stays a link."""
    from lorapan.core.dataset import Dataset

    dataset = Dataset.open(ds)
    txn = dataset.journal.begin("swap", [("a.txt", INSIDE, b"x, y, z")])
    target = ds.parent / "victim.txt" if where == "outside" else ds / "b.txt"
    target.write_bytes(INSIDE)
    (ds / "a.txt").unlink()
    (ds / "a.txt").symlink_to(target)
    res = dataset.journal.commit(txn)
    assert os.path.islink(ds / "a.txt")
    if where == "outside":
        assert res.done == [] and "outside the dataset" in res.conflicts[0][1]
        assert target.read_bytes() == INSIDE
    else:
        assert res.done == ["a.txt"] and target.read_bytes() == b"x, y, z"


def test_confiner_accepts_plain_paths_and_refuses_escapes(ds):
    assert inside(ds, "a.txt") == (ds / "a.txt").resolve()
    assert inside(ds, "new/folder/b.txt").name == "b.txt"
    assert inside(ds, "link.txt", follow=False) == ds.resolve() / "link.txt"  # a move of the link
    for bad in ("../victim.txt", "/etc/passwd", "a/../../x", "./a.txt", "a//b", "", "a\0b"):
        assert not is_safe_rel(bad)
        with pytest.raises(ConfinementError):
            inside(ds, bad)
    for bad in ("sub/victim.txt", "link.txt"):
        with pytest.raises(ConfinementError):
            inside(ds, bad)


def test_provenance_records_outside_the_dataset_are_dropped(ds):
    doc = {
        "files": {"../x.png": {"source": "a.png"}, "/abs.png": {}, "ok.png": {"source": "a.png"}}
    }
    (ds / ".lorapan").mkdir(exist_ok=True)
    (ds / provenance.PROVENANCE_REL).write_text(json.dumps(doc))
    assert list(provenance.load(ds)) == ["ok.png"]


def test_analysis_cache_rows_outside_the_dataset_are_dropped(ds):
    cache = AnalysisCache(ds / ".lorapan" / "analysis.sqlite")
    good = ImageFacts(relpath="a.png", file_size=1, mtime_ns=1)
    cache.store([good, ImageFacts(relpath="../victim.txt", file_size=1, mtime_ns=1)])
    assert list(cache.load()) == ["a.png"]


def test_a_run_folder_linked_outside_is_not_a_run(ds, tmp_path):
    from lorapan.core.training.runs import list_runs

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "command.json").write_text("{}")
    runs = ds / ".lorapan" / "runs"
    runs.mkdir(parents=True)
    (runs / "20260101-000000").symlink_to(outside, target_is_directory=True)
    assert list_runs(ds) == []
