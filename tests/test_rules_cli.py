"""`lorapan check`, `fix` and `checklist` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.settings import load_settings


def test_check_exit_codes_and_human_report(tmp_path: Path, lorapan_cmd) -> None:
    clean = rf.character(tmp_path / "clean")
    res = lorapan_cmd("check", clean)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no errors" in res.stdout and "coverage" in res.stdout
    dirty = rf.character(tmp_path / "dirty", clean=False)
    res = lorapan_cmd("check", dirty)
    assert res.returncode == 1
    assert "errors (" in res.stdout and "[tags.blacklist]" in res.stdout
    assert f"lorapan fix {dirty} --rule tags.blacklist" in res.stdout
    assert "img000.png" in res.stdout
    assert lorapan_cmd("check", dirty, "--rule", "no.such").returncode == 2
    assert lorapan_cmd("check", tmp_path / "missing").returncode == 2
    assert lorapan_cmd("check", dirty, "--kind", "dragon").returncode == 2


def test_check_json_and_rule_filter(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.character(tmp_path / "d", clean=False)
    res = lorapan_cmd("check", root, "--json", "--rule", "tags.core")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert {f["rule"] for f in data["findings"]} == {"tags.core"}
    assert data["readiness"]["images"] == 60 and data["readiness"]["repeats"]
    res = lorapan_cmd("check", root, "--json", "--rule", "tags.conflict")
    assert res.returncode == 0  # only warnings among the chosen rules


def test_check_kind_override_changes_the_profile(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.character(tmp_path / "d")
    res = lorapan_cmd("check", root, "--json", "--kind", "background")
    data = json.loads(res.stdout)
    assert data["readiness"]["kind"] == "background"
    assert load_settings(root).kind == "character"  # not saved


def test_fix_dry_run_writes_nothing_then_fix_and_undo(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.character(tmp_path / "d", clean=False)
    before = rf.snapshot_bytes(root)
    res = lorapan_cmd("fix", root, "--dry-run")
    assert res.returncode == 0, res.stderr
    # the unique tag the other captions already carry, spelled as they spell it
    assert "would change" in res.stdout and "+'green_gob_hair'" in res.stdout
    assert rf.snapshot_bytes(root) == before
    res = lorapan_cmd("fix", root)
    assert "captions changed" in res.stdout and f"lorapan undo {root}" in res.stdout
    after = rf.snapshot_bytes(root)
    assert after != before and "muscular" not in after["img000.txt"].decode()
    check = json.loads(lorapan_cmd("check", root, "--json").stdout)
    fixed = {
        "tags.blacklist",
        "tags.hair-unique",
        "tags.eyes-unique",
        "tags.style",
        "tags.duplicate",
    }
    assert not fixed & {f["rule"] for f in check["findings"]}
    assert lorapan_cmd("undo", root).returncode == 0
    assert rf.snapshot_bytes(root) == before  # one run, one undo


def test_fix_json_and_named_advice_rule(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.background(tmp_path / "b")
    res = lorapan_cmd("fix", root, "--json")
    assert json.loads(res.stdout)["changes"] == []  # advice is not applied unasked
    res = lorapan_cmd("fix", root, "--rule", "tags.constant", "--json")
    data = json.loads(res.stdout)
    assert len(data["changes"]) == 20 and data["result"]["applied"]
    assert "outdoors" not in (root / "b000.txt").read_text()


def test_fix_confirms_core_tag_only_when_named(tmp_path: Path, lorapan_cmd) -> None:
    caps = {f"{i}.png": f"tk, anime screencap, x{i}" for i in range(4)}
    root = rf.write_images(tmp_path / "k", caps)
    rf.write_settings(root, {"kind": "character", "name": ""})
    lorapan_cmd("fix", root)
    assert load_settings(root).core_tag == ""
    res = lorapan_cmd("fix", root, "--rule", "tags.core")
    assert "lorapan.toml: set core_tag = 'tk'" in res.stdout
    assert load_settings(root).core_tag == "tk"


def test_fix_refuses_while_an_edit_is_interrupted(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.character(tmp_path / "d", clean=False)
    ds = Dataset.open(root)
    tags = ds.items["img010.png"].tags
    ds.apply_changes([TagChange("img010.png", tags, (*tags, "x"))], "edit")
    # Mark the transaction as a crash leaves it: journaled as pending.
    txn = ds.journal.transactions()[-1]
    txn.state = "pending"
    ds.journal.save(txn)
    assert Dataset.open(root).journal.incomplete()
    res = lorapan_cmd("fix", root)
    assert res.returncode == 1
    assert "lorapan recover" in res.stderr
    assert lorapan_cmd("fix", root, "--dry-run").returncode in (0, 1)


def test_checklist_tick_is_saved_and_shown(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.character(tmp_path / "d")
    res = lorapan_cmd("checklist", root, "--tick", "lateral-sides")
    assert res.returncode == 0 and "[x] both lateral sides" in res.stdout
    assert load_settings(root).checklist["lateral-sides"] is True
    check = json.loads(lorapan_cmd("check", root, "--json").stdout)
    assert "coverage.lateral-sides" not in {f["rule"] for f in check["findings"]}
    res = lorapan_cmd("checklist", root, "--untick", "coverage.lateral-sides", "--json")
    items = {i["id"]: i for i in json.loads(res.stdout)["items"]}
    assert items["lateral-sides"]["ticked"] is False
    assert lorapan_cmd("checklist", root, "--tick", "view-front").returncode == 2  # counted by tags
    assert lorapan_cmd("checklist", root, "--tick", "nope").returncode == 2


def _command_in(message: str) -> list[str]:
    """The `lorapan ...` command a message tells the user to run, split as a shell would."""
    start = message.index("`lorapan ") + 1
    return shlex.split(message[start : message.index("`", start)])


def test_commands_in_messages_name_the_dataset_and_run_as_given(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = rf.character(tmp_path / "my data" / "gob")  # a space: the path must be quoted
    data = json.loads(lorapan_cmd("check", root, "--json").stdout)
    messages = {f["key"]: f["message"] for f in data["findings"]}
    assert not any("PATH" in m for m in messages.values())
    scan = _command_in(messages["quality.lowq-tag:needs-scan"])
    tick = _command_in(messages["coverage.lateral-sides"])
    autotag = _command_in(messages["tags.inconsistent:needs-tagger"])
    assert scan == ["lorapan", "scan", str(root)] and autotag[:3] == [
        "lorapan",
        "autotag",
        str(root),
    ]
    assert lorapan_cmd(*scan[1:]).returncode in (0, 1)
    assert lorapan_cmd(*tick[1:]).returncode == 0
    after = json.loads(lorapan_cmd("check", root, "--json").stdout)
    keys = {f["key"] for f in after["findings"]}
    assert "quality.lowq-tag:needs-scan" not in keys and "coverage.lateral-sides" not in keys


def test_check_reports_a_stem_collision_as_a_warning(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.stem_collision(tmp_path / "d")
    out = lorapan_cmd("check", root, "--rule", "pair.stem-collision").stdout
    assert "warnings (1)" in out and "[pair.stem-collision]" in out
    assert "images (2): a.jpg, a.png" in out


def test_list_rules_names_every_rule_and_the_unknown_rule_error_points_there(
    tmp_path: Path, lorapan_cmd
) -> None:
    from lorapan.core.rules.catalog import RULES

    res = lorapan_cmd("check", "--list-rules")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    for rule, (severity, _what) in RULES.items():
        assert any(line.split()[:2] == [rule, severity] for line in lines), rule
    assert any(line.startswith("coverage.") for line in lines)
    data = json.loads(lorapan_cmd("check", "--list-rules", "--json").stdout)
    by_id = {r["id"]: r for r in data["rules"]}
    assert by_id["bundle.bio-overlap"]["severity"] == "error" and by_id["tags.core"]["checks"]
    bad = lorapan_cmd("check", rf.character(tmp_path / "d"), "--rule", "nosuch")
    assert bad.returncode == 2 and "lorapan check --list-rules" in bad.stderr + bad.stdout
    assert lorapan_cmd("check").returncode == 2  # no dataset and no --list-rules


def test_counts_are_singular_for_one(tmp_path: Path, lorapan_cmd) -> None:
    root = rf.character(tmp_path / "d")
    (root / "img000.txt").write_text("")  # one caption.empty error
    out = lorapan_cmd("check", root, "--rule", "caption.empty").stdout
    assert "1 error," in out and "1 errors" not in out
    res = lorapan_cmd("fix", root, "--rule", "caption.empty", "--dry-run")
    assert "0 captions would change" in res.stdout
    out = lorapan_cmd("fix", root, "--rule", "caption.empty").stdout
    assert "remaining of caption.empty: 1 error," in out and "1 errors" not in out
    out = lorapan_cmd(
        "fix", rf.character(tmp_path / "e", clean=False), "--rule", "tags.core"
    ).stdout
    assert "(s)" not in out and "captions changed" in out
