"""Image triage (issue 15.1, core): set aside, trash, restore — journaled moves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import run_lorapan, write_dataset
from lorapan.core import triage
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.main import main

K = "10_gob"


@pytest.fixture
def root(tmp_path):
    caps = {f"{K}/img{i}.png": f"gob, n{i}" for i in range(4)}
    return write_dataset(tmp_path / "ds", caps)


def _files(root) -> dict[str, bytes]:
    """Every file under the root (``.lorapan`` included, the journal left out)."""
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not rel.startswith(".lorapan/journal") and rel != ".lorapan/lock":
            out[rel] = p.read_bytes()
    return out


def test_set_aside_moves_image_and_caption_and_undo_brings_them_back(root):
    before = _files(root)
    ds = Dataset.open(root)
    seen = []
    ds.subscribe(lambda rels, why: seen.append((rels, why)))
    res = triage.set_aside(ds, [f"{K}/img1.png"])
    assert res.ok and res.applied == [f"{K}/img1.png"] and res.txn_id
    out = root / ".lorapan" / "excluded" / K
    assert sorted(p.name for p in out.iterdir()) == ["img1.png", "img1.txt"]
    assert not (root / K / "img1.png").exists() and not (root / K / "img1.txt").exists()
    assert f"{K}/img1.png" not in ds.items and ds.index.count("n1") == 0
    assert seen[-1] == ({f"{K}/img1.png"}, f"set aside {K}/img1.png")
    assert f"{K}/img1.png" not in Dataset.open(root).items  # a fresh scan does not see it
    assert [(s.image, s.place) for s in triage.list_set_aside(ds)] == [
        (f"{K}/img1.png", "excluded")
    ]
    packs = list((root / ".lorapan" / "journal").glob("*.pack"))
    assert packs and all(p.stat().st_size < 100 for p in packs)  # no image bytes in it
    assert ds.undo().applied == [f"{K}/img1.png"]
    assert _files(root) == before and ds.items[f"{K}/img1.png"].tags == ("gob", "n1")
    assert ds.redo().ok and triage.list_set_aside(ds)
    res = triage.restore(ds)
    assert res.applied == [f"{K}/img1.png"] and _files(root) == before


def test_trash_and_restore_from_the_command_line(root, capsys):
    assert main(["trash", str(root), f"{K}/img2.png", str(root / K / "img3.png"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["applied"] == [f"{K}/img2.png", f"{K}/img3.png"]
    assert (root / ".lorapan" / "trash" / K / "img3.txt").read_bytes() == b"gob, n3"
    assert main(["restore", str(root)]) == 0
    listing = capsys.readouterr().out
    assert f"trash     {K}/img2.png" in listing and "2 image(s)" in listing
    assert main(["restore", str(root), f"{K}/img2.png"]) == 0
    assert (root / K / "img2.txt").read_bytes() == b"gob, n2"
    assert main(["undo", str(root)]) == 0  # undoes the restore: back in the trash
    assert not (root / K / "img2.png").exists()
    assert main(["restore", str(root), "--all"]) == 0
    assert len(Dataset.open(root).items) == 4
    assert main(["set-aside", str(root), "../elsewhere.png"]) == 2
    assert "not an image of" in capsys.readouterr().err


def test_a_shared_caption_leaves_with_its_last_image(tmp_path):
    root = write_dataset(tmp_path / "ds", {"a.png": "x, y"})
    (root / "a.jpg").write_bytes((root / "a.png").read_bytes())
    ds = Dataset.open(root)
    triage.set_aside(ds, ["a.jpg"])
    assert (root / "a.txt").exists() and ds.items["a.png"].tags == ("x", "y")
    triage.set_aside(ds, ["a.png"])
    assert not (root / "a.txt").exists()
    assert (root / ".lorapan" / "excluded" / "a.txt").exists()
    triage.restore(ds)
    assert ds.items["a.png"].tags == ds.items["a.jpg"].tags == ("x", "y")


def test_what_cannot_move_is_reported_and_left_alone(root):
    ds = Dataset.open(root)
    taken = root / ".lorapan" / "excluded" / K / "img0.png"
    taken.parent.mkdir(parents=True)
    taken.write_bytes(b"an older set-aside image")
    res = triage.set_aside(ds, [f"{K}/img0.png", f"{K}/img1.png", "../outside.png", "nope.png"])
    assert res.applied == [f"{K}/img1.png"]
    reasons = dict(res.conflicts)
    assert "already exists" in reasons[f"{K}/img0.png"]
    assert reasons["../outside.png"] == reasons["nope.png"] == "not an image of this dataset"
    assert (root / K / "img0.png").exists() and taken.read_bytes() == b"an older set-aside image"
    # The place it came from is taken again: restore leaves both files alone.
    write_dataset(root, {f"{K}/img1.png": "a new one"})
    res = triage.restore(ds, [f"{K}/img1.png"])
    assert not res.applied and "already at" in res.conflicts[0][1]
    assert (root / K / "img1.txt").read_bytes() == b"a new one"


def test_undo_leaves_a_file_changed_since(root):
    ds = Dataset.open(root)
    triage.trash(ds, [f"{K}/img1.png"])
    moved = root / ".lorapan" / "trash" / K / "img1.txt"
    moved.write_bytes(b"edited in the trash")
    res = ds.undo()
    assert (
        res.applied == [f"{K}/img1.png"] and res.conflicts
    )  # the image came back, not the caption
    assert moved.read_bytes() == b"edited in the trash" and not (root / K / "img1.txt").exists()


def _dies_after(call: str) -> str:
    """Script lines that make the journal step's ``os.<call>`` kill -9 the process after
    ``argv[2]`` calls (``argv[1]`` is the dataset)."""
    return textwrap.dedent(
        f"""
        import os, signal, sys
        from lorapan.core.journal import steps
        real, count = os.{call}, [0]
        def dying(src, dst):
            count[0] += 1
            if count[0] > int(sys.argv[2]):
                os.kill(os.getpid(), signal.SIGKILL)
            return real(src, dst)
        steps.os.{call} = dying
        from lorapan.core import triage
        from lorapan.core.dataset import Dataset
        ds = Dataset.open(sys.argv[1])
        """
    )


def _killed(root, child: str, after: int) -> None:
    """Run ``child`` on ``root`` until it kills itself after ``after`` calls."""
    proc = subprocess.run([sys.executable, "-c", child, str(root), str(after)], timeout=120)
    assert proc.returncode == -9


def _recovered(root, how: str, before: dict[str, bytes], finished) -> None:
    """``lorapan recover HOW``: a rollback leaves every file as before; a finish leaves
    what ``finished(dataset)`` checks, and one undo then gives every file back."""
    res = run_lorapan("recover", root, how, timeout=60)
    assert res.returncode == 0, res.stderr
    if how == "--finish":
        finished(Dataset.open(root))
        assert run_lorapan("undo", root).returncode == 0
    assert _files(root) == before


@pytest.fixture
def twenty(tmp_path):
    """Twenty captioned images, and every file's bytes before anything runs."""
    root = write_dataset(tmp_path / "ds", {f"{K}/i{n:02d}.png": f"t{n}" for n in range(20)})
    return root, _files(root)


# kill -9 after K renames of a batch: every file must be at its old or its new place.
CHILD = _dies_after("rename") + "triage.set_aside(ds, sorted(ds.items))\n"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["--finish", "--rollback"])
def test_a_batch_killed_half_way_is_finished_or_rolled_back(twenty, how):
    root, before = twenty
    _killed(root, CHILD, 15)
    for rel, data in before.items():  # each file at exactly one of its two places
        here, there = root / rel, root / ".lorapan" / "excluded" / rel
        assert (here.exists(), there.exists()) in ((True, False), (False, True)), rel
        assert (here if here.exists() else there).read_bytes() == data
    assert sum((root / rel).exists() for rel in before) == len(before) - 15

    def all_aside(ds) -> None:
        assert ds.items == {}

    _recovered(root, how, before, all_aside)
    assert os.listdir(root / K)


# A set-aside and caption edits in one transaction (`lorapan fix`), killed after the
# moves and part of the caption writes: recovery finishes or rolls back both halves.
MIXED_CHILD = _dies_after("replace") + textwrap.dedent(
    """
    from lorapan.core.edits import TagChange
    rels = sorted(ds.items)
    ops, owners, _res = triage.plan_set_aside(ds, rels[:5], "set aside")
    changes = [TagChange(r, ds.items[r].tags, ds.items[r].tags + ("fixed",)) for r in rels[5:]]
    ds.apply_changes(changes, "fix (set aside 5 images)", moves=ops, move_owners=owners)
    """
)


def test_one_transaction_sets_aside_and_edits_and_one_undo_reverts_both(root):
    before = _files(root)
    ds = Dataset.open(root)
    rels = sorted(ds.items)
    ops, owners, planned = triage.plan_set_aside(ds, rels[:1], "set aside")
    assert planned.ok and {op.path for op in ops} == {rels[0], rels[0][:-4] + ".txt"}
    changes = [TagChange(r, ds.items[r].tags, (*ds.items[r].tags, "fixed")) for r in rels[1:]]
    res = ds.apply_changes(changes, "fix", moves=ops, move_owners=owners)
    assert res.ok and sorted(res.applied) == rels
    assert rels[0] not in ds.items and not (root / rels[0]).exists()
    assert all(ds.items[r].tags[-1] == "fixed" for r in rels[1:])
    assert len(ds.journal.transactions()) == 1
    assert ds.undo().ok
    assert _files(root) == before and rels[0] in ds.items
    assert ds.redo().ok and rels[0] not in ds.items
    assert (root / rels[1]).with_suffix(".txt").read_text().endswith(", fixed")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["--finish", "--rollback"])
def test_a_mixed_transaction_killed_half_way_is_finished_or_rolled_back(twenty, how):
    root, before = twenty
    _killed(root, MIXED_CHILD, 6)
    assert not (root / K / "i00.png").exists()  # the moves were made first
    assert _files(root) != before

    def both_halves(ds) -> None:
        assert len(ds.items) == 15 and all(it.tags[-1] == "fixed" for it in ds.items.values())

    _recovered(root, how, before, both_halves)
