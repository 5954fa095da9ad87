"""`lorapan edit` as a user runs it: bytes on disk, the report, huge captions."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_dataset

ISSUE_CAPTION = b"red hair,\tsolo ,red hair, solo, Solo, so_lo\r\nsecond line\r\nthird\n"


def test_replace_renames_every_solo_and_keeps_every_other_byte(tmp_path: Path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {"a.png": ISSUE_CAPTION, "b.png": "smile, solo\n"})
    res = lorapan_cmd("edit", root, "--replace", "solo=solo person")
    assert res.returncode == 0, res.stderr
    assert (root / "a.txt").read_bytes() == (
        b"red hair,\tsolo person ,red hair, solo person, solo person, so_lo"
        b"\r\nsecond line\r\nthird\n"
    )
    assert (root / "b.txt").read_bytes() == b"smile, solo person\n"
    assert "a.png: +solo person -solo\n" in res.stdout
    assert "changed 2 of 2 captions" in res.stdout
    undo = lorapan_cmd("undo", root)
    assert undo.returncode == 0, undo.stderr
    assert (root / "a.txt").read_bytes() == ISSUE_CAPTION


def test_adding_and_removing_keep_the_separators_of_untouched_tags(tmp_path: Path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {"a.png": b" a ,b,\tc , d\nnotes\r\n"})
    res = lorapan_cmd("edit", root, "--remove", "c", "--add", "e", "--at", "1")
    assert res.returncode == 0, res.stderr
    # "c" goes with the separator after it; "e" comes with the line's first usual one
    assert (root / "a.txt").read_bytes() == b" a ,e ,b,\td\nnotes\r\n"


def test_dedupe_reports_the_dropped_repeats(tmp_path: Path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {"a.png": "a, b, A, b\n"})
    res = lorapan_cmd("edit", root, "--dedupe", "--dry-run")
    assert res.stdout.splitlines()[0] == "a.png: 2 repeats dropped"


def _huge_caption(size: int = 1_000_000) -> list[str]:
    tags, total = [], 0
    while total < size:
        tags.append(f"tag number {len(tags)}")
        total += len(tags[-1]) + 2
    return tags


def test_a_one_megabyte_caption_gets_a_one_line_report_and_exact_bytes(tmp_path: Path, lorapan_cmd):
    tags = _huge_caption()
    caption = ", ".join(tags) + "\n"
    root = write_dataset(tmp_path / "ds", {"a.png": caption, "b.png": "other\n"})
    edit = ("--replace", "tag number 7=seven", "--remove", "tag number 9", "--add", "new")
    res = lorapan_cmd("edit", root, *edit)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        "a.png: +seven +new -tag number 7 -tag number 9",
        "b.png: +new",
        "changed 2 of 2 captions",
        f"undo with: lorapan undo {root}",
    ]
    expected = [*tags[:7], "seven", tags[8], *tags[10:], "new"]
    assert (root / "a.txt").read_text() == ", ".join(expected) + "\n"

    res = lorapan_cmd("edit", root, "--tag-style", "underscores", "--dry-run", "--json")
    assert res.returncode == 0, res.stderr
    (change,) = json.loads(res.stdout)["changes"]
    assert change["after"] == [t.replace(" ", "_") for t in expected]
    assert change["added"] == [] and change["removed"] == []
    text = lorapan_cmd("edit", root, "--tag-style", "underscores", "--dry-run").stdout
    line = text.splitlines()[0]
    assert line.startswith("a.png: tag number 0→tag_number_0 tag number 1→tag_number_1 ")
    assert line.count("→") == len(expected) - 2  # "seven" and "new" have no space


def test_json_rows_print_the_same_document_one_change_per_line(capsys):
    from lorapan.support import print_json_rows

    doc = {
        "matched": 2,
        "changes": [{"image": "a.png", "after": ["ü", "b"]}, {"image": "b.png", "after": []}],
        "result": {"applied": ["a.png"], "conflicts": [{"image": "x", "reason": "y\nz"}]},
    }
    print_json_rows(doc, "changes")
    out = capsys.readouterr().out
    assert json.loads(out) == doc
    assert '    {"image": "a.png", "after": ["ü", "b"]},\n' in out
    print_json_rows({"changes": []}, "changes")
    assert json.loads(capsys.readouterr().out) == {"changes": []}


def test_edit_json_is_one_document_with_the_result(tmp_path: Path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {"a.png": "a\n", "b.png": "b\n"})
    res = lorapan_cmd("edit", root, "--add", "x", "--json")
    data = json.loads(res.stdout)
    assert [c["added"] for c in data["changes"]] == [["x"], ["x"]]
    assert sorted(data["result"]["applied"]) == ["a.png", "b.png"]
    assert data["matched"] == 2 and data["dry_run"] is False


def test_a_large_edit_reports_one_line_per_kind_of_change(tmp_path: Path, lorapan_cmd):
    """Sixty captions: the text report groups them (a terminal over SSH need not scroll
    through every name); --list names each, and --json keeps every change."""
    caps = {f"img{i:02d}.png": "gob, smile" if i < 45 else "gob, smile, hat" for i in range(60)}
    root = write_dataset(tmp_path / "ds", caps)
    out = lorapan_cmd("edit", root, "--add", "hat", "--remove", "smile", "--dry-run").stdout
    lines = out.splitlines()
    assert lines[0] == "+hat -smile  (45 captions)"
    assert lines[1:6] == [f"    img{i:02d}.png" for i in range(5)]
    assert lines[6] == "    ... and 40 more"
    assert lines[7] == "-smile  (15 captions)"
    assert "would change 60 of 60 captions" in out and len(lines) < 20
    listed = lorapan_cmd("edit", root, "--add", "hat", "--remove", "smile", "-n", "--list")
    assert "img59.png: -smile" in listed.stdout and listed.stdout.count(".png: ") == 60
    data = json.loads(lorapan_cmd("edit", root, "--add", "hat", "-n", "--json").stdout)
    assert len(data["changes"]) == 45
