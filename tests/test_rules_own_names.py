"""The subject's own name is never removed, and prune advice names only the subject.

The guide's blacklist lists popular characters (Naruto, Zoro, Luffy...) because a
tagger writes *other* characters' names; a LoRA of one of them keeps its own name.
A core tag listed under ``[rules] kind_prune`` is kept too, so ``fix`` settles. The
prune candidates of an asset leave out the coverage the guide asks for (day, night)
and the hair of the people in the pictures.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report

ZORO = "roronoa zoro, 1boy, solo, male focus, green hair, short hair, earrings, scar, {pose}"
POSES = ["portrait", "sitting", "standing", "from side", "night", "day"]


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def zoro_set(root: Path) -> Path:
    caps = {f"10_roronoa zoro/z{i:02d}.png": ZORO.format(pose=POSES[i % 6]) for i in range(20)}
    caps["10_roronoa zoro/z00.png"] += ", uzumaki naruto"  # another character: it goes
    return rf.write_images(root, caps)


def test_a_blacklisted_name_that_is_the_subject_stays_and_fix_settles(tmp_path, lorapan_cmd):
    root = zoro_set(tmp_path / "ds")
    [black] = check(root).find("tags.blacklist")
    assert "roronoa zoro" not in black.details and "uzumaki naruto" in black.details
    first = lorapan_cmd("fix", root)
    assert first.returncode in (0, 1), first.stderr
    caption = (root / "10_roronoa zoro" / "z00.txt").read_text()
    assert caption.startswith("roronoa zoro, ") and "uzumaki naruto" not in caption
    again = lorapan_cmd("fix", root)
    assert "0 captions changed" in again.stdout
    assert (root / "10_roronoa zoro" / "z00.txt").read_text() == caption


def asset_set(root: Path, core: str, tags: str, prune: list[str]) -> Path:
    """18 captions of an asset whose core tag is set, with ``[rules] kind_prune``."""
    caps = {f"8_x/a{i:02d}.png": f"{core}, no humans, {tags}, {p}" for i, p in enumerate(POSES * 3)}
    root = rf.write_images(root, caps)
    listed = ", ".join(f'"{t}"' for t in prune)
    (root / "lorapan.toml").write_text(
        f'[dataset]\nkind = "asset"\ncore_tag = "{core}"\n\n[rules]\nkind_prune = [{listed}]\n'
    )
    return root


def test_a_core_tag_listed_to_prune_is_kept_and_fix_settles(tmp_path, lorapan_cmd):
    prune = ["hooded jacket", "zipper", "trcn jacket"]
    root = asset_set(tmp_path / "ds", "trcn jacket", "hooded jacket, zipper", prune)
    [found] = check(root).find("tags.kind-prune")
    assert set(found.details) == {"hooded jacket", "zipper"}
    assert lorapan_cmd("fix", root).returncode in (0, 1)
    assert (root / "8_x" / "a00.txt").read_text().startswith("trcn jacket, no humans")
    assert "0 captions changed" in lorapan_cmd("fix", root).stdout


def test_prune_candidates_leave_out_the_asked_for_coverage_and_peoples_hair(tmp_path):
    caps = {}
    for i in range(18):  # on 10-12 of 18: candidates, not constant (90 %)
        light = "day" if i % 3 else "night"
        wood = "wooden chair, " if i % 4 else ""
        hair = "1girl, long hair, " if i % 4 else ""
        caps[f"8_oak chair/c{i:02d}.png"] = f"oak chair, {wood}{hair}{light}, armrest"
    root = rf.write_images(tmp_path / "ds", caps)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "asset"\ncore_tag = "oak chair"\n')
    [advice] = [f for f in check(root).findings if f.key == "tags.kind-prune:candidates"]
    assert "'wooden chair' ×13" in advice.message
    for kept in ("'day'", "'night'", "'long hair'"):
        assert kept not in advice.message


def test_the_style_tag_listed_for_removal_is_kept_and_fix_settles(tmp_path, lorapan_cmd):
    """A style tag in blacklist_extra was put back by tags.style and removed by the
    blacklist on every run, never settling."""
    caps = {f"10_roronoa zoro/z{i:02d}.png": ZORO.format(pose=POSES[i % 6]) for i in range(20)}
    root = rf.write_images(tmp_path / "ds", caps)
    (root / "lorapan.toml").write_text(
        '[dataset]\nstyle_tag = "anime screencap"\nblacklist_extra = ["anime screencap"]\n'
    )
    assert lorapan_cmd("fix", root).returncode in (0, 1)
    first = (root / "10_roronoa zoro" / "z00.txt").read_text()
    assert "anime screencap" in first
    assert "0 captions changed" in lorapan_cmd("fix", root).stdout


def test_an_assets_core_words_listed_to_prune_go_the_whole_core_tag_stays(tmp_path):
    """'skull chair (object) focus': kind_prune = ['skull'] removes the separate tag
    'skull' (the guide prunes what the object is); the core tag itself stays."""
    core = "skull chair (object) focus"
    root = asset_set(tmp_path / "ds", core, "skull, chair", ["skull", "chair", core])
    [found] = check(root).find("tags.kind-prune")
    assert set(found.details) == {"skull", "chair"}


def test_a_blacklisted_tag_is_never_proposed_as_the_style_tag(tmp_path):
    caps = {
        f"10_roronoa zoro/z{i:02d}.png": ZORO.format(pose=POSES[i % 6]).replace(
            "1boy, ", "1boy, anime coloring, "
        )
        for i in range(20)
    }
    root = rf.write_images(tmp_path / "ds", caps)
    [style] = check(root).find("tags.style")
    assert style.fix is not None and style.fix.settings == {"style_tag": "anime screencap"}


def test_a_possible_name_on_every_caption_is_named_not_offered_to_prune(tmp_path):
    """No core tag, and 'zara' (no tagger's word) on every caption: tags.constant
    offered to delete it, the name the core tag needs; tags.core now names it."""
    caps = {f"z{i:02d}.png": f"1girl, solo, zara, silver hair, {POSES[i % 6]}" for i in range(24)}
    root = rf.write_images(tmp_path / "ds", caps)
    report = check(root)
    assert not [f for f in report.findings if f.key == "tags.constant:zara"]
    [core] = report.find("tags.core")
    assert "'zara'" in core.message and "set [dataset] name to it" in core.message
