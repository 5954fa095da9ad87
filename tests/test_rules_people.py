"""Couples and groups: each person has their own look.

The guide merges each character's hair and eyes into that character's own unique tag
(``black_rin_hair``, ``brown_haru_hair``) and names every person in the core tag
(``rin and haru couple focus``). Two people in one image may differ in hair length, pose
or gaze, so those pairs are not conflicts there; ``indoors + outdoors`` still is.
Every dataset here is written by the test.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report

COUPLE_CORE = "rin and haru couple focus"
MERGED = ["black_rin_hair", "blue_rin_eyes", "brown_haru_hair", "red_haru_eyes"]
VARY = [["hug", "portrait"], ["side-by-side", "full body"], ["back-to-back", "cowboy shot"]]


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def couple_set(root: Path, extra: dict[int, list[str]] | None = None, n: int = 30) -> Path:
    """A couple whose hair and eyes are merged per person, as the guide does by hand."""
    caps = {}
    for i in range(n):
        tags = [COUPLE_CORE, rf.STYLE_TAG, *MERGED, *VARY[i % len(VARY)], *(extra or {}).get(i, [])]
        caps[f"c{i:03d}.png"] = ", ".join(tags)
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "couple", "core_tag": COUPLE_CORE})
    return root


def test_each_persons_own_merged_tags_are_accepted_in_a_couple(tmp_path: Path) -> None:
    report = check(couple_set(tmp_path / "rinharu"))
    assert not report.find("tags.hair-unique")
    assert not report.find("tags.eyes-unique")


def test_a_couples_unmerged_hair_asks_for_one_tag_per_person(tmp_path: Path) -> None:
    root = couple_set(tmp_path / "rinharu", {0: ["long hair"], 1: ["green eyes"]})
    [hair] = check(root).find("tags.hair-unique")
    assert hair.images == ["c000.png"]
    assert "('long hair' ×1)" in hair.message  # the partner's merged tag is not listed
    # spelled as the set writes its merged tags (underscores)
    assert "one unique tag per person ('<colour>_rin_hair', '<colour>_haru_hair')" in hair.message
    [eyes] = check(root).find("tags.eyes-unique")
    assert eyes.images == ["c001.png"] and "'<colour>_haru_eyes'" in eyes.message


def test_a_group_names_every_person_from_its_core_tag(tmp_path: Path) -> None:
    core = "luke and artem and vyn_3boys focus"
    merged = ["black_luke_hair", "white_artem_hair", "blonde_vyn_hair", "red_vyn_eyes"]
    caps = {f"g{i:03d}.png": ", ".join([core, rf.STYLE_TAG, *merged, "hug"]) for i in range(30)}
    caps["g000.png"] += ", short hair"
    rf.write_images(tmp_path / "g", caps)
    rf.write_settings(tmp_path / "g", {"kind": "group", "core_tag": core})
    report = check(tmp_path / "g")
    [hair] = report.find("tags.hair-unique")
    assert hair.images == ["g000.png"]
    assert "'<colour>_luke_hair', '<colour>_artem_hair', '<colour>_vyn_hair'" in hair.message
    assert not report.find("tags.eyes-unique")


def test_before_a_core_tag_a_couple_is_never_proposed_one_tag_for_two(tmp_path: Path) -> None:
    root = tmp_path / "couple"
    caps = {
        f"10_rinharu/{i:03d}.png": f"rinharu, {rf.STYLE_TAG}, black hair, brown hair, hug"
        for i in range(30)
    }
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "couple"})
    [hair] = check(root).find("tags.hair-unique")
    assert "rinharu hair" not in hair.message
    assert "one unique tag per person ('<colour> <name> hair', each with" in hair.message
    assert "'<name> and <name> couple focus'" in hair.message


def test_another_persons_merged_eyes_count_as_eye_tags_in_a_solo_set(tmp_path: Path) -> None:
    """In a character set the partner's tags go, eyes as well as hair."""
    root = rf.character(tmp_path / "gob")
    caption = root / "img000.txt"
    caption.write_text(caption.read_text() + ", brown_haru_hair, red_haru_eyes")
    report = check(root)
    assert "'brown haru hair' ×1" in report.find("tags.hair-unique")[0].message
    assert "'red haru eyes' ×1" in report.find("tags.eyes-unique")[0].message


def conflicts(report: Report) -> str:
    return " ".join(f.message for f in report.find("tags.conflict"))


def test_two_people_may_differ_but_not_the_picture(tmp_path: Path) -> None:
    root = couple_set(
        tmp_path / "rinharu",
        {0: ["long hair", "short hair"], 1: ["standing", "sitting"], 2: ["indoors", "outdoors"]},
    )
    report = check(root)
    [conflict] = report.find("tags.conflict")
    assert conflict.images == ["c002.png"]
    assert "('indoors + outdoors' ×1)" in conflict.message
    assert "long hair" not in conflicts(report) and "sitting" not in conflicts(report)


def test_one_persons_two_hair_lengths_still_conflict_unless_others_share_the_image(
    tmp_path: Path,
) -> None:
    root = rf.concept(tmp_path / "concept")
    items = sorted(p for p in root.glob("*.txt"))
    items[0].write_text(items[0].read_text() + ", solo, long hair, short hair")
    items[1].write_text(items[1].read_text() + ", 2girls, long hair, short hair")
    items[2].write_text(items[2].read_text() + ", 1boy, 1girl, long hair, short hair")
    [conflict] = check(root).find("tags.conflict")
    assert conflict.images == [items[0].with_suffix(".png").name]
    assert "'long hair + short hair' ×1" in conflict.message
    assert "--remove 'long hair'" in conflict.message


def test_person_pairs_come_from_the_data_file_a_dataset_can_replace(tmp_path: Path) -> None:
    """[rules.vocab] conflicts states a dataset's own pairs: they are all reported."""
    root = couple_set(tmp_path / "rinharu", {0: ["long hair", "short hair"]})
    rf.write_settings(
        root,
        {"kind": "couple", "core_tag": COUPLE_CORE},
        {"rules": {"vocab": {"conflicts": [["long hair", "short hair"]]}}},
    )
    [conflict] = check(root).find("tags.conflict")
    assert conflict.images == ["c000.png"]


def test_a_couples_coverage_counts_pictures_of_both(tmp_path: Path) -> None:
    """'face of both' is not a solo portrait of one of them, and a dutch angle is
    welcome in a couple set as the item's label says."""
    caps = {f"{i}.png": f"{COUPLE_CORE}, solo, portrait, smile {i}" for i in range(4)}
    caps |= {f"b{i}.png": f"{COUPLE_CORE}, hug, outdoors, walk {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "c", caps)
    rf.write_settings(root, {"kind": "couple", "core_tag": COUPLE_CORE})

    def counted(report: Report) -> dict[str, int]:
        return {c.id: c.count for c in report.coverage if not c.manual}

    report = check(root)
    assert counted(report)["face-both"] == 0 and report.find("coverage.face-both")
    (root / "b0.txt").write_text(f"{COUPLE_CORE}, hug, portrait, dutch angle")
    report = check(root)
    assert counted(report)["face-both"] == 1 and not report.find("coverage.face-both")
    assert counted(report)["dutch-angle"] == 1


def test_a_couples_solo_pictures_are_named_for_the_manual_check(tmp_path: Path) -> None:
    """'No image focuses on only one of them' stays a person's tick, but the images
    tagged 'solo' are listed with it, to look at first (and none: nothing listed)."""
    caps = {f"{i}.png": f"{COUPLE_CORE}, solo, portrait, smile {i}" for i in range(2)}
    caps |= {f"b{i}.png": f"{COUPLE_CORE}, hug, outdoors, walk {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "c", caps)
    rf.write_settings(root, {"kind": "couple", "core_tag": COUPLE_CORE})
    [item] = check(root).find("coverage.no-single-focus")
    assert item.severity == "manual" and item.images == ["0.png", "1.png"]
    assert "look first at the 2 images tagged 'solo'" in item.message
    for i in range(2):
        (root / f"{i}.txt").write_text(f"{COUPLE_CORE}, hug, portrait")
    [item] = check(root).find("coverage.no-single-focus")
    assert item.images == [] and "look first" not in item.message
