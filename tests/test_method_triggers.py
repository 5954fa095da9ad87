"""Triggers as their owners wrote them: kohya folder names (at any depth), sd-scripts
dataset configs, a trigger written last, per-image ids written first, placeholders."""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.triggers import find_triggers, folder_token
from lorapan.core.rules.engine import RulesEngine
from test_method_anchor import _fix_everything


def _check(root: Path):
    return RulesEngine(Dataset.open(root), live=False).check()


def _proposal(report) -> str:
    [f] = [f for f in report.find("tags.core") if f.key == "tags.core:unset"]
    return f.fix.settings["core_tag"] if f.fix else ""


def test_folder_token_is_the_trigger_and_the_rest_the_class_word() -> None:
    assert folder_token("5_tk girl") == ("tk", "girl")
    assert folder_token("20_ATSV_MilesSuit") == ("ATSV_MilesSuit", "")
    assert folder_token("30_images") is None  # a generic name names no subject
    assert folder_token("minimalist") is None


def test_nested_kohya_folders_are_the_folders_that_hold_the_images(tmp_path: Path) -> None:
    caps = {f"minimalist/8_minimalist/{i}.png": f"mmmmmlist, heart {i}" for i in range(3)}
    caps |= {f"geometric/8_geometric/{i}.png": f"geometric, wolf {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "t", caps)
    ds = Dataset.open(root)
    assert [(f.path, f.repeats, f.image_count) for f in ds.folders] == [
        ("geometric/8_geometric", 8, 4),
        ("minimalist/8_minimalist", 8, 3),
    ]
    assert ds.ignored_folders == []
    assert "kohya.ignored-folder" not in {f.rule_id for f in _check(root).findings}


def test_a_kohya_folder_names_the_trigger_and_the_proposal_keeps_its_spelling(
    tmp_path: Path,
) -> None:
    caps = {f"5_tk girl/{i}.png": f"tk, 1girl, smile, pose {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "k", caps)
    rf.write_settings(root, {"kind": "character"})
    [t] = find_triggers(Dataset.open(root))
    assert (t.tag, t.class_word, t.first) == ("tk", "girl", 6)
    assert "kohya folder '5_tk girl'" in t.evidence
    assert _proposal(_check(root)) == "tk"

    caps = {f"30_images/{i}.png": f"M1N2N3Z4_K, armor, pose {i}" for i in range(12)}
    root = rf.write_images(tmp_path / "m", caps)
    report = _check(root)
    assert _proposal(report) == "M1N2N3Z4_K"
    constant = {f.message.split("'")[1] for f in report.find("tags.constant")}
    assert constant == {"armor"}  # never the trigger, never 'm1n2n3z4 k'


def test_a_space_style_trigger_is_proposed_as_written(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"Yanagise Eika, long hair, smile {i}" for i in range(12)}
    root = rf.write_images(tmp_path / "y", caps)
    report = _check(root)
    assert _proposal(report) == "Yanagise Eika"
    assert "yanagise eika" not in " ".join(f.message for f in report.findings)


def test_class_tokens_of_a_dataset_config_and_a_trigger_written_last(tmp_path: Path) -> None:
    caps = {
        "images/1.png": "a girl with curly hair, itojunji style\n",
        "images/2.png": "a boy wearing two candles on his head, holding a match, itojunji style.\n",
        "images/3.png": "three floating balloons, itojunji style\n",
    }
    root = rf.write_images(tmp_path / "i", caps)
    (root / "dataset.toml").write_text(
        "[[datasets]]\n[[datasets.subsets]]\nimage_dir = '/x'\nclass_tokens = 'itojunji style'\n"
    )
    [t] = find_triggers(Dataset.open(root))
    assert (
        t.tag == "itojunji style" and t.last == 3 and "class_tokens in dataset.toml" in t.evidence
    )
    report = _check(root)
    [f] = report.find("tags.trigger-first")
    assert f.severity == "warning" and len(f.images) == 3
    _fix_everything(root)
    assert (root / "images" / "2.txt").read_text() == (
        "itojunji style, a boy wearing two candles on his head, holding a match\n"
    )


def test_per_image_ids_first_are_a_finding_and_the_fix_removes_them(tmp_path: Path) -> None:
    caps = {
        f"bg_{i:03d}.png": f"BG-{i:03d}, no humans, scenery, {'interior' if i % 3 else 'exterior'}"
        for i in range(10)
    }
    root = rf.write_images(tmp_path / "b", caps)
    report = _check(root)
    [f] = report.find("tags.first-id")
    assert len(f.images) == 10 and "'BG-000'" in f.message
    assert _proposal(report) == ""  # ids are not a core tag
    ds = Dataset.open(root)
    [change, *_] = f.fix.plan(ds)
    assert change.after == ("no humans", "scenery", "exterior")


def test_a_placeholder_is_replaced_by_the_core_tag_once_one_is_set(tmp_path: Path) -> None:
    caps = {
        "image_1.jpeg": "[trigger] selfie at home",
        "image_2.jpeg": "[trigger] beside a lake at Hyderabad",
    }
    root = rf.write_images(tmp_path / "p", caps)
    [f] = _check(root).find("tags.placeholder")
    assert f.fix is None and "core_tag" in f.message and "--rule tags.placeholder" in f.message
    rf.write_settings(root, {"core_tag": "pr4t33k"})
    [f] = _check(root).find("tags.placeholder")
    ds = Dataset.open(root)
    afters = {c.relpath: c.after for c in f.fix.plan(ds)}
    assert afters["image_1.jpeg"] == ("pr4t33k", "selfie at home")


def test_a_folder_name_the_captions_carry_whole_is_the_trigger(tmp_path: Path, lorapan_cmd) -> None:
    """'8_umbrella pose' splits into kohya's token 'umbrella' and class 'pose', but every
    caption starts with 'umbrella pose', and 'umbrella' is the tagger's object tag: the
    owner's trigger is the whole name, and nothing is put in front of it."""
    caps = {
        f"8_umbrella pose/{i}.png": f"umbrella pose, 1girl, solo, umbrella, holding umbrella, {w}"
        for i, w in enumerate(["rain", "snow", "night", "beach", "street", "park"])
    }
    root = rf.write_images(tmp_path / "u", caps)
    before = rf.snapshot_bytes(root)
    [t] = find_triggers(Dataset.open(root))
    assert (t.tag, t.class_word, t.first) == ("umbrella pose", "", 6)
    report = _check(root)
    assert _proposal(report) == "umbrella pose"
    assert not report.find("tags.trigger-first")
    assert "trigger: 'umbrella pose'" in lorapan_cmd("info", root).stdout
    lorapan_cmd("fix", root)
    assert all(
        (root / rel).with_suffix(".txt").read_text().startswith("umbrella pose, ") for rel in caps
    )
    assert rf.snapshot_bytes(root).keys() == before.keys()


def test_an_owners_trigger_on_half_the_captions_is_still_the_trigger(tmp_path: Path) -> None:
    """'20_ohwx person' with 'ohwx person' leading half the captions (a captioner wrote
    the rest): the owner's word is the trigger and the core tag proposed, so the fix can
    put it where it is missing; a trigger found only by its place still needs them all."""
    caps = {
        f"20_ohwx person/a{i}.png": f"ohwx person, a woman standing in a park at noon {i}"
        for i in range(5)
    }
    caps |= {
        f"20_ohwx person/b{i}.png": f"a woman sitting at a desk in a bright office {i}"
        for i in range(5)
    }
    root = rf.write_images(tmp_path / "p", caps)
    [t] = find_triggers(Dataset.open(root))
    assert (t.tag, t.captions) == ("ohwx person", 5)
    assert _proposal(_check(root)) == "ohwx person"
    caps = {f"{i}.png": f"tk, smile {i}" for i in range(5)} | {
        f"b{i}.png": f"smile, tk {i}" for i in range(5)
    }
    assert not find_triggers(Dataset.open(rf.write_images(tmp_path / "f", caps)))


def test_info_names_the_trigger_the_captions_carry(tmp_path: Path, lorapan_cmd) -> None:
    """'12_sneakr' names a token no caption carries; every caption starts with the
    core-tag shape 'sneakr (object) focus': info names that one, as tags.core proposes."""
    caps = {f"12_sneakr/{i}.png": f"sneakr (object) focus, no humans, shoe {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "s", caps)
    out = lorapan_cmd("info", root).stdout
    assert "trigger: 'sneakr (object) focus'" in out
    assert _proposal(_check(root)) == "sneakr (object) focus"


def test_subfolders_of_a_kohya_folder_are_not_trained_and_are_said_so(
    tmp_path: Path, lorapan_cmd
) -> None:
    """sd-scripts globs a subset's folder without its subfolders: the user's 'best/' picks
    under 12_kai/ were counted, planned and never trained (a review's nested_kai set)."""
    caps = {f"img/12_kai/{i}.png": f"kai, 1boy, solo, pose {i}" for i in range(6)}
    caps |= {f"img/12_kai/best/{i}.png": f"kai, 1boy, solo, best {i}" for i in range(4)}
    caps |= {f"img/12_kai/old crops/x/{i}.png": f"kai, 1boy, crop {i}" for i in range(2)}
    root = rf.write_images(tmp_path / "n", caps)
    ds = Dataset.open(root)
    assert [(f.path, f.image_count) for f in ds.folders] == [("img/12_kai", 6)]
    nested = {f.path: (f.image_count, f.inside) for f in ds.ignored_folders}
    assert nested == {
        "img/12_kai/best": (4, "img/12_kai"),
        "img/12_kai/old crops": (2, "img/12_kai"),
    }
    warnings = [f for f in _check(root).find("kohya.ignored-folder") if f.severity == "warning"]
    assert len(warnings) == 2 and all("never its subfolders" in f.message for f in warnings)
    assert all("move them up into 'img/12_kai'" in f.message for f in warnings)
    out = json.loads(lorapan_cmd("train", root, "--dry-run", "--json").stdout)
    assert out["steps"]["images"] == 6  # what kohya will train
    (root / "img" / "12_kai" / "best").rename(root / "img" / "12_kai" / "4_best")
    ds = Dataset.open(root)  # named N_name, the subfolder trains as a subset of its own
    assert [(f.path, f.repeats) for f in ds.folders] == [
        ("img/12_kai", 12),
        ("img/12_kai/4_best", 4),
    ]
    out = json.loads(lorapan_cmd("train", root, "--dry-run", "--json").stdout)
    assert out["steps"]["images"] == 10


def test_a_root_named_as_a_kohya_folder_trains_only_the_images_in_it(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"gob, smile {i}" for i in range(3)} | {"raw/r.png": "gob, raw"}
    root = rf.write_images(tmp_path / "10_gob", caps)
    ds = Dataset.open(root)
    assert [(f.path, f.image_count) for f in ds.folders] == [("", 3)]
    [raw] = ds.ignored_folders
    assert (raw.path, raw.image_count, raw.inside) == ("raw", 1, "")
    assert ds.items["raw/r.png"].folder is None
