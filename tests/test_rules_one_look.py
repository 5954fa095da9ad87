"""A character's hair and eyes merge into one unique tag only when they are one look.

One character has one look, so the guide's merge takes the colour on most images
(other people add theirs to some). When no colour is on more than half of the images
that carry one, the set holds several characters or a concept: the merge is not offered
as a one-key fix, and the finding says the colours vary and how to set the kind.
Every dataset here is written by the test.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report

CORE = "gob focus"


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def colours_set(root: Path, hair: dict[str, int], eyes: dict[str, int]) -> Path:
    """A set stated as a character, with these colours (left to lorapan, hair this varied
    is read as a concept: ``tests/test_method_kind.py``)."""
    hairs = [c for c, n in hair.items() for _ in range(n)]
    eyess = [c for c, n in eyes.items() for _ in range(n)]
    caps = {}
    for i in range(max(len(hairs), len(eyess))):
        tags = [CORE, rf.STYLE_TAG, "solo", "smile"]
        if i < len(hairs):
            tags.insert(2, f"{hairs[i]} hair")
        if i < len(eyess):
            tags.append(f"{eyess[i]} eyes")
        caps[f"i{i:03d}.png"] = ", ".join(tags)
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "character", "core_tag": CORE})
    return root


MANY = {"blonde": 6, "pink": 4, "blue": 4, "white": 3, "red": 3, "black": 3, "green": 3}


def test_many_hair_colours_are_not_merged_into_one(tmp_path: Path, lorapan_cmd) -> None:
    root = colours_set(tmp_path / "umbrella", MANY, {"green": 9, "purple": 9, "red": 8})
    report = check(root)
    [hair] = report.find("tags.hair-unique")
    assert hair.fix is None
    assert "the hair colours vary ('blonde hair' ×6, 'pink hair' ×4, 'blue hair' ×4" in (
        hair.message
    )
    assert "none is on more than half of the 26 images that carry one" in hair.message
    assert "[dataset] kind in lorapan.toml" in hair.message
    assert "--kind concept" in hair.message
    [eyes] = report.find("tags.eyes-unique")
    assert eyes.fix is None and "the eye colours vary ('green eyes' ×9" in eyes.message

    before = rf.snapshot_bytes(root)
    dry = lorapan_cmd("fix", root, "--dry-run")
    assert "gob_hair" not in dry.stdout and "gob hair" not in dry.stdout
    lorapan_cmd("fix", root, "--rule", "tags.hair-unique")
    assert rf.snapshot_bytes(root) == before


def test_half_is_not_a_majority_but_more_is(tmp_path: Path, lorapan_cmd) -> None:
    even = colours_set(tmp_path / "even", {"black": 10, "brown": 10}, {"red": 20})
    [hair] = check(even).find("tags.hair-unique")
    assert hair.fix is None and "'black hair' ×10, 'brown hair' ×10" in hair.message

    root = colours_set(tmp_path / "gob", {"black": 11, "brown": 9}, {"red": 20})
    [hair] = check(root).find("tags.hair-unique")
    assert hair.fix is not None and "colours vary" not in hair.message
    done = lorapan_cmd("fix", root, "--rule", "tags.hair-unique")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        root / "i000.txt"
    ).read_bytes() == b"gob focus, anime screencap, black gob hair, solo, smile, red eyes"
    assert (
        root / "i019.txt"
    ).read_bytes() == b"gob focus, anime screencap, black gob hair, solo, smile, red eyes"


def test_a_set_already_merged_by_hand_keeps_its_choice(tmp_path: Path) -> None:
    """The user's own unique tag decides the colour, however the others vary."""
    root = colours_set(tmp_path / "gob", MANY, {"red": 26})
    first = root / "i000.txt"
    first.write_text(first.read_text().replace("blonde hair", "blonde_gob_hair"))
    [hair] = check(root).find("tags.hair-unique")
    assert hair.fix is not None and "'blonde_gob_hair'" in hair.fix.label
