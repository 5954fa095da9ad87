"""Only the images kohya trains say what the LoRA is called (anchor.trained_items).

Beside ``N_name`` folders kohya never reads a folder that is not named so (a ``solos/``
folder of collage sources): its captions must not tip the trigger, the anchor or the
proposed core tag. A caption tag in the guide's core shape that the trained captions
start with outranks a folder's name no caption carries. Every dataset here is written
by the test.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import anchor_of
from lorapan.core.method.triggers import find_triggers, main_trigger
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report
from lorapan.core.training.prompts import prompt_subject

CREW = "kanade and mizuki and ena and mafuyu_4girls focus"


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def crew(root: Path, trained: int = 20, solos: int = 8) -> Path:
    """A group in ``10_nightcord/`` and its members' solo sources in ``solos/``."""
    poses = ["sitting", "standing", "smile", "from side", "night"]
    caps = {}
    for i in range(trained):
        tags = [CREW, rf.STYLE_TAG, "multiple girls", "4girls", "white hair", "pink hair"]
        caps[f"10_nightcord/g{i:02d}.png"] = ", ".join([*tags, poses[i % 5]])
    for i in range(solos):
        caps[f"solos/s{i:02d}.png"] = f"1girl, solo, white hair, blue eyes, {poses[i % 5]}"
    return rf.write_images(root, caps)


def test_an_ignored_folder_does_not_flip_the_core_tag_to_a_folder_name(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = crew(tmp_path / "group")
    ds = Dataset.open(root)
    assert [f.path for f in ds.ignored_folders] == ["solos"]
    anchor = anchor_of(ds)
    assert anchor.single == CREW and anchor.source == "first tag of every caption kohya trains"
    trigger = main_trigger(find_triggers(ds))
    assert trigger is not None and trigger.tag == CREW
    assert prompt_subject(ds) == CREW  # sample prompts start with it, not 'nightcord'
    [core] = check(root).find("tags.core")
    assert core.fix is not None and f"'{CREW}'" in core.fix.label
    out = lorapan_cmd("fix", root, "--rule", "tags.core", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "nightcord" not in out.stdout.split("the combined plan")[0]
    assert "+'nightcord'" not in out.stdout
    info = lorapan_cmd("info", root)
    assert f"trigger: '{CREW}' (the first field of 20 of the 20 captions kohya trains" in (
        info.stdout
    )


def test_without_kohya_folders_every_image_is_read(tmp_path: Path) -> None:
    """No N_name folder at all: lorapan's dataset TOML trains every image, so every
    caption counts (8 of 28 without the tag: no anchor)."""
    caps = {f"a/g{i:02d}.png": f"{CREW}, smile" for i in range(20)}
    caps |= {f"b/s{i:02d}.png": "1girl, solo, smile" for i in range(8)}
    root = rf.write_images(tmp_path / "flat", caps)
    ds = Dataset.open(root)
    assert not ds.ignored_folders
    assert main_trigger(find_triggers(ds)) is None


def test_a_core_shaped_caption_tag_outranks_the_folder_name_inside_it(tmp_path: Path) -> None:
    """``10_gob`` beside captions that all start ``gob goblin with third eye focus``:
    the folder's 'gob' leads that tag, and putting it first would split the core tag."""
    core = "gob goblin with third eye focus"
    caps = {f"10_gob/{i:02d}.png": f"{core}, solo, smile, {t}" for i, t in enumerate("abcdef")}
    root = rf.write_images(tmp_path / "gob", caps)
    rf.write_settings(root, {"kind": "character"})
    triggers = find_triggers(Dataset.open(root))
    assert [t.tag for t in triggers][:2] == [core, "gob"]
    [finding] = check(root).find("tags.core")
    assert finding.fix is not None and f"'{core}'" in finding.fix.label
    assert not check(root).find("tags.trigger-first")


def test_a_group_shape_counts_the_sets_own_people(tmp_path: Path) -> None:
    """No names known: the merge's shape has as many names as the images show, with
    their words ('_4girls'), not the guide's '_3boys' example."""
    caps = {
        f"{i:02d}.png": f"multiple girls, 4girls, white hair, pink hair, blue eyes, smile, {t}"
        for i, t in enumerate(["sitting", "standing", "night"] * 10)
    }
    root = rf.write_images(tmp_path / "four", caps)
    rf.write_settings(root, {"kind": "group"})
    [hair] = check(root).find("tags.hair-unique")
    assert "'<name> and <name> and <name> and <name>_4girls focus'" in hair.message
    assert "3boys" not in hair.message


def test_the_core_fix_leaves_the_solos_kohya_ignores_alone(tmp_path: Path, lorapan_cmd) -> None:
    """Solos in an ignored folder are collage material (the guide: 'get their solos and
    create the collages'): the group's core tag on a one-girl picture would be false, so
    the core fix writes the trained captions only, and check asks it of them only."""
    root = crew(tmp_path / "group")
    solo = (root / "solos" / "s00.txt").read_bytes()
    res = lorapan_cmd("fix", root, "--rule", "tags.core")
    assert res.returncode in (0, 1), res.stderr
    assert (root / "solos" / "s00.txt").read_bytes() == solo
    assert not check(root).find("tags.core")  # set, first on every trained caption
