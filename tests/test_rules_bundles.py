"""Character bundles as a user checks and fixes them (real subprocesses, real files)."""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf


def _bundle(root: Path, gob: list[str], ana: list[str], n: int = 4, name: str = "") -> Path:
    caps: dict[str, str | None] = {}
    for i in range(n):
        caps[f"10_gob/{i:03d}.png"] = ", ".join(["gob focus", *gob])
        caps[f"10_ana/{i:03d}.png"] = ", ".join(["ana focus", *ana])
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": name, "core_tag": ""})
    return root


def _findings(lorapan_cmd, root: Path, rule: str) -> list[dict]:
    res = lorapan_cmd("check", root, "--json", "--rule", rule)
    return json.loads(res.stdout)["findings"]


def test_bio_overlap_offers_the_per_character_fix_and_undo(tmp_path: Path, lorapan_cmd) -> None:
    shared = ["green hair", "ponytail", "scar", "smile"]
    root = _bundle(tmp_path / "d", shared, shared)
    res = lorapan_cmd("check", root, "--rule", "bundle.bio-overlap")
    assert res.returncode == 1
    assert f"lorapan fix {root} --rule bundle.bio-overlap" in res.stdout
    assert "fix: " in res.stdout
    before = rf.snapshot_bytes(root)
    res = lorapan_cmd("fix", root, "--rule", "bundle.bio-overlap", "--dry-run")
    assert "nothing to fix" not in res.stdout
    # inserted tags follow the dataset's tag style (these captions write spaces)
    assert "+'scar gob'" in res.stdout and "+'scar ana'" in res.stdout
    assert rf.snapshot_bytes(root) == before
    res = lorapan_cmd("fix", root, "--rule", "bundle.bio-overlap")
    assert res.returncode == 0, res.stdout + res.stderr
    # hair is the hair merge's (each character's own unique tag), never renamed here
    assert (
        root / "10_gob" / "000.txt"
    ).read_text() == "gob focus, green hair, ponytail, scar gob, smile"
    assert (
        root / "10_ana" / "000.txt"
    ).read_text() == "ana focus, green hair, ponytail, scar ana, smile"
    assert _findings(lorapan_cmd, root, "bundle.bio-overlap") == []
    assert lorapan_cmd("undo", root).returncode == 0
    assert rf.snapshot_bytes(root) == before


def test_merged_unique_tags_of_bundle_subjects_are_not_flagged(tmp_path: Path, lorapan_cmd) -> None:
    root = _bundle(tmp_path / "d", ["green_gob_hair", "smile"], ["blonde_ana_hair", "smile"])
    assert _findings(lorapan_cmd, root, "tags.hair-unique") == []
    assert _findings(lorapan_cmd, root, "bundle.bio-overlap") == []


def test_bundle_hair_suggestion_names_each_subject_not_the_dataset(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = _bundle(tmp_path / "d", ["green hair", "smile"], ["blonde hair"], name="duo")
    [hair] = _findings(lorapan_cmd, root, "tags.hair-unique")
    assert "<colour> gob hair" in hair["message"] and "<colour> ana hair" in hair["message"]
    assert "duo" not in hair["message"]


def test_character_unique_tag_named_after_the_core_tag_is_merged(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps: dict[str, str | None] = {
        f"{i:03d}.png": "gob goblin focus, green_gob_hair, smile" for i in range(4)
    }
    root = tmp_path / "c"
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "character", "name": "goblin", "core_tag": "gob goblin focus"})
    assert _findings(lorapan_cmd, root, "tags.hair-unique") == []


def _duo(root: Path) -> Path:
    """gob: green hair (one image black), ponytail, red eyes; ana: blonde, long hair, blue eyes."""
    caps: dict[str, str | None] = {}
    for i in range(4):
        hair = "black hair" if i == 3 else "green hair"
        caps[f"10_gob/{i:03d}.png"] = f"gob focus, {hair}, ponytail, red eyes, smile"
        caps[f"10_ana/{i:03d}.png"] = "ana focus, smile, blonde hair, long hair, blue eyes"
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": "duo", "core_tag": ""})
    return root


def test_bundle_hair_and_eyes_merge_per_subject_then_undo(tmp_path: Path, lorapan_cmd) -> None:
    root = _duo(tmp_path / "d")
    [hair] = _findings(lorapan_cmd, root, "tags.hair-unique")
    assert hair["fix"] and "No automatic fix" not in hair["message"]
    before = rf.snapshot_bytes(root)
    res = lorapan_cmd("fix", root, "--rule", "tags.hair-unique", "--rule", "tags.eyes-unique")
    assert res.returncode == 0, res.stdout + res.stderr
    for i in range(4):
        gob = (root / "10_gob" / f"{i:03d}.txt").read_text()
        ana = (root / "10_ana" / f"{i:03d}.txt").read_text()
        assert gob == "gob focus, green gob hair, red gob eyes, smile"  # dominant colour
        assert ana == "ana focus, smile, blonde ana hair, blue ana eyes"
    res = lorapan_cmd("check", root, "--json")
    fired = {f["rule"] for f in json.loads(res.stdout)["findings"]}
    assert not {"tags.hair-unique", "tags.eyes-unique", "bundle.bio-overlap"} & fired
    assert lorapan_cmd("undo", root).returncode == 0
    assert rf.snapshot_bytes(root) == before


def test_bundle_merge_follows_stated_subjects_in_one_folder(tmp_path: Path, lorapan_cmd) -> None:
    caps: dict[str, str | None] = {
        "a.png": "gob focus, green_hair, red_eyes",
        "b.png": "ana focus, blonde_hair, twintails, blue_eyes",
    }
    root = rf.write_images(tmp_path / "d", caps)
    rf.write_settings(
        root,
        {"kind": "bundle-characters", "name": "duo", "core_tag": ""},
        {"rules": {"subjects": ["gob focus", "ana focus"]}},
    )
    assert lorapan_cmd("fix", root, "--rule", "tags.hair-unique").returncode == 0
    assert (root / "a.txt").read_text() == "gob focus, green_gob_hair, red_eyes"
    assert (root / "b.txt").read_text() == "ana focus, blonde_ana_hair, blue_eyes"


def test_bundle_images_with_several_people_keep_no_automatic_fix(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps: dict[str, str | None] = {
        "10_gob/000.png": "gob focus, green hair, smile",
        "10_gob/001.png": "gob focus, 2girls, green hair, blonde hair",
        "10_ana/000.png": "ana focus, blonde hair",
    }
    root = rf.write_images(tmp_path / "d", caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": "duo", "core_tag": ""})
    couple = (root / "10_gob" / "001.txt").read_bytes()
    res = lorapan_cmd("fix", root, "--rule", "tags.hair-unique")
    assert res.returncode == 1, res.stdout + res.stderr  # done, an error is left
    assert "by hand" in res.stdout and "remaining of tags.hair-unique: 1 error" in res.stdout
    assert (root / "10_gob" / "000.txt").read_text() == "gob focus, green gob hair, smile"
    assert (root / "10_ana" / "000.txt").read_text() == "ana focus, blonde ana hair"
    assert (root / "10_gob" / "001.txt").read_bytes() == couple
    [left] = _findings(lorapan_cmd, root, "tags.hair-unique")
    assert left["images"] == ["10_gob/001.png"] and "No automatic fix" in left["message"]


def test_an_empty_caption_in_a_bundle_folder_is_reported_not_a_crash(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps: dict[str, str | None] = {f"8_gob/{i}.png": "gob, smile" for i in range(5)}
    caps.update({f"8_ana/{i}.png": "ana, smile" for i in range(5)})
    caps["8_ana/blank.png"] = ""
    root = rf.write_images(tmp_path / "d", caps)  # no lorapan.toml: the kind is read
    res = lorapan_cmd("check", root, "--json")
    assert res.returncode == 1, res.stdout + res.stderr
    findings = json.loads(res.stdout)["findings"]
    [empty] = [f for f in findings if f["rule"] == "caption.empty"]
    assert empty["images"] == ["8_ana/blank.png"]
    # the empty caption is no subject of its own
    subjects = {f["key"] for f in findings if f["rule"] == "bundle.per-subject"}
    assert subjects == {"bundle.per-subject:ana", "bundle.per-subject:gob"}
