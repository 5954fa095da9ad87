"""The CLI as a script would use it: real subprocesses, exit codes, --json."""

from __future__ import annotations

import json

from conftest import write_dataset


def test_help_teaches_with_examples(lorapan_cmd):
    out = lorapan_cmd("--help")
    assert out.returncode == 0
    for cmd in ("info", "tags", "edit", "undo", "demo"):
        assert cmd in out.stdout
    assert "examples:" in out.stdout
    edit = lorapan_cmd("edit", "--help")
    assert "solo AND NOT smile" in edit.stdout


def test_info_json_and_exit_code_for_orphans(tmp_path, lorapan_cmd):
    write_dataset(tmp_path, {"5_x/a.png": "t", "b.png": None})
    (tmp_path / "5_x" / "gone.txt").write_text("orphan")
    out = lorapan_cmd("info", tmp_path, "--json")
    assert out.returncode == 1
    info = json.loads(out.stdout)
    assert info["images"] == 2
    assert info["orphan_captions"] == ["5_x/gone.txt"]
    assert info["images_without_caption"] == ["b.png"]
    assert info["folders"][0]["repeats"] == 5
    assert info["ignored_by_kohya"][0]["path"] == ""


def test_edit_dry_run_writes_nothing_then_edit_and_undo(tmp_path, lorapan_cmd):
    write_dataset(tmp_path, {"a.png": "solo, smile", "b.png": "solo"})
    before = (tmp_path / "b.txt").read_bytes()
    out = lorapan_cmd(
        "edit", tmp_path, "--query", "solo AND NOT smile", "--add", "closed mouth", "--dry-run"
    )
    assert out.returncode == 0 and "b.png: +closed mouth" in out.stdout
    assert (tmp_path / "b.txt").read_bytes() == before
    out = lorapan_cmd(
        "edit", tmp_path, "--query", "solo AND NOT smile", "--add", "closed mouth", "--json"
    )
    assert out.returncode == 0
    assert json.loads(out.stdout)["result"]["applied"] == ["b.png"]
    assert (tmp_path / "b.txt").read_text() == "solo, closed mouth"
    hist = lorapan_cmd("history", tmp_path)
    assert "closed mouth" in hist.stdout and "applied" in hist.stdout
    assert lorapan_cmd("undo", tmp_path).returncode == 0
    assert (tmp_path / "b.txt").read_bytes() == before


def test_usage_errors_exit_2_and_say_what_next(tmp_path, lorapan_cmd):
    out = lorapan_cmd("edit", tmp_path / "missing", "--add", "x")
    assert out.returncode == 2 and "does not exist" in out.stderr and "next:" in out.stderr
    write_dataset(tmp_path, {"a.png": "x"})
    out = lorapan_cmd("edit", tmp_path, "--query", "(x", "--add", "y")
    assert out.returncode == 2 and "bad query" in out.stderr
    (tmp_path / "lorapan.toml").write_text('[dataset]\nkind = "dragon"\n')
    out = lorapan_cmd("info", tmp_path)
    assert out.returncode == 2 and "kind" in out.stderr and "character" in out.stderr


def test_under_json_an_error_is_a_json_object_on_stdout_too(tmp_path, lorapan_cmd):
    """A script piping --json into jq gets the error and what to do next as JSON."""
    for args in (("check", tmp_path / "missing"), ("info", tmp_path / "missing")):
        out = lorapan_cmd(*args, "--json")
        doc = json.loads(out.stdout)
        assert out.returncode == doc["exit_code"] == 2
        assert "does not exist" in doc["error"] and doc["next"]
        assert "does not exist" in out.stderr  # a person still reads it there
    assert lorapan_cmd("check", tmp_path / "missing").stdout == ""  # text mode: stderr only


def test_a_mistyped_command_is_named_not_opened_as_a_folder(tmp_path, lorapan_cmd):
    out = lorapan_cmd("chek", tmp_path)
    assert out.returncode == 2
    assert "'chek' is neither a command nor a folder" in out.stderr
    assert "did you mean `lorapan check`?" in out.stderr
    (tmp_path / "chek").mkdir()  # a folder of that name is opened, as `lorapan DIR` does
    out = lorapan_cmd("chek", "--help", cwd=tmp_path)
    assert "neither a command" not in out.stderr


def test_conflicting_file_gives_exit_1(tmp_path, lorapan_cmd):
    write_dataset(tmp_path, {"a.png": b"\xff\xfe bad"})
    out = lorapan_cmd("edit", tmp_path, "--add", "x")
    assert out.returncode == 1 and "UTF-8" in out.stdout


def test_demo_writes_a_dataset_with_mistakes_to_find(tmp_path, lorapan_cmd):
    out = lorapan_cmd("demo", tmp_path / "gob", "--no-open")
    assert out.returncode == 0, out.stderr
    info = json.loads(lorapan_cmd("info", tmp_path / "gob", "--json").stdout)
    assert 35 <= info["images"] <= 45 and info["core_tag"]
    tags = json.loads(lorapan_cmd("tags", tmp_path / "gob", "--json").stdout)
    counts = {t["tag"]: t["count"] for t in tags["tags"]}
    assert counts[info["core_tag"]] == info["images"] - 1  # one caption lacks it
    assert "male focus" in counts and "green hair" in counts
    again = lorapan_cmd("demo", tmp_path / "gob2", "--no-open")
    a = sorted(p.read_bytes() for p in (tmp_path / "gob").rglob("*.png"))
    b = sorted(p.read_bytes() for p in (tmp_path / "gob2").rglob("*.png"))
    assert again.returncode == 0 and a == b  # deterministic


def test_output_piped_into_head_ends_quietly(tmp_path):
    import subprocess
    import sys

    write_dataset(
        tmp_path, {f"img{i}.png": ", ".join(f"tag{i}_{k}" for k in range(40)) for i in range(60)}
    )
    cmd = f"{sys.executable} -m lorapan tags {tmp_path} | head -n 2"
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
    assert len(out.stdout.splitlines()) == 2
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr


def test_edit_reports_renames_and_moves(tmp_path, lorapan_cmd):
    # captions that start with different tags: no anchor holds the first field
    write_dataset(
        tmp_path, {"a.png": "long hair, ^_^, blue_eyes, smile", "b.png": "smile, short hair"}
    )
    out = lorapan_cmd("edit", tmp_path, "--tag-style", "underscores", "--front", "smile")
    assert out.returncode == 0, out.stderr
    assert "a.png: long hair→long_hair reordered" in out.stdout
    assert (tmp_path / "a.txt").read_text() == "smile, long_hair, ^_^, blue_eyes"
    assert (tmp_path / "b.txt").read_text() == "smile, short_hair"
    undo = lorapan_cmd("undo", tmp_path)
    assert "2 images changed" in undo.stdout


def test_only_one_pass_commands_run_without_the_collector(tmp_path):
    """Commands that read the dataset once and end skip the cyclic collector; the app,
    the watch, training and the image passes run for long and keep it, and `main`
    turns it back on after a command (it runs in-process in tests and scripts)."""
    import gc

    from lorapan.main import build_parser, main

    parser = build_parser()

    def one_pass(*argv: str) -> bool:
        return bool(getattr(parser.parse_args(list(argv)), "one_pass", False))

    for argv in (("edit", "d", "--add", "x"), ("fix", "d"), ("undo", "d"), ("info", "d")):
        assert one_pass(*argv), argv
    for argv in (("open", "d"), ("watch", "d"), ("train", "d"), ("scan", "d"), ("autotag", "d")):
        assert not one_pass(*argv), argv
    write_dataset(tmp_path, {"a.png": "t"})
    assert gc.isenabled()
    assert main(["edit", str(tmp_path), "--add", "y"]) == 0
    assert gc.isenabled()
