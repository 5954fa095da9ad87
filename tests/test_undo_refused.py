"""An undo refused because its file changed on disk is not an undo.

The entry stays applied, so the next ``lorapan undo`` tries it again instead of
reverting the edit before it; the output says what to do.
"""

from __future__ import annotations

import json

from conftest import write_dataset


def test_a_refused_undo_leaves_the_edit_applied_and_the_older_edit_alone(tmp_path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {f"{i:02d}.png": "gob, solo" for i in range(4)})
    assert lorapan_cmd("edit", root, "--add", "first_edit").returncode == 0
    second = lorapan_cmd("edit", root, "--query", "name:01.png", "--add", "second_edit")
    assert second.returncode == 0, second.stderr
    (root / "01.txt").write_text("hand written\n")  # another program, after the edit
    refused = lorapan_cmd("undo", root)
    assert refused.returncode == 1
    assert "not touched: 01.png" in refused.stdout
    assert "the edit stays applied: undo tries it again" in refused.stdout
    again = lorapan_cmd("undo", root)  # the same entry again, not the older one
    assert "edit +second_edit" in again.stdout and again.returncode == 1
    assert (root / "00.txt").read_text().startswith("gob, solo, first_edit")
    history = json.loads(lorapan_cmd("history", root, "--json").stdout)
    rows = history if isinstance(history, list) else history["entries"]
    assert [(row["label"].split()[1], row["state"]) for row in rows] == [
        ("+first_edit", "applied"),
        ("+second_edit", "applied"),
    ]


def test_nothing_to_undo_is_json_under_json(tmp_path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {"a.png": "gob"})
    out = lorapan_cmd("undo", root, "--json")
    assert out.returncode == 0
    assert json.loads(out.stdout)["message"] == "nothing to undo"


def test_history_lists_edits_in_the_order_they_were_made(tmp_path, lorapan_cmd):
    """Undo keeps an edit live while later ones are folded into the history file:
    the listing still reads oldest first."""
    root = write_dataset(tmp_path / "ds", {"a.png": "gob"})
    for i in range(14):
        assert lorapan_cmd("edit", root, "--add", f"t{i}").returncode == 0
        if i == 3:
            assert lorapan_cmd("undo", root).returncode == 0
    rows = json.loads(lorapan_cmd("history", root, "--json").stdout)
    seqs = [row["seq"] for row in rows]
    assert seqs == sorted(seqs) and len(seqs) == 14
