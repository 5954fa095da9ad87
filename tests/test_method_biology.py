"""The guide's blacklist reason, "remove all biological related tags (skin color, torso
features, leg features) except for the genitals", for the skin and fur colours its list
does not spell out. Real files, checked and fixed through the real entry point."""

from __future__ import annotations

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine

POSES = ["sitting", "standing", "smile", "from side", "night"]


def test_fur_and_skin_colours_go_like_the_guides_skin_colours(tmp_path, lorapan_cmd):
    caps = {
        f"10_rook/r{i:02d}.png": f"rook, {rf.STYLE_TAG}, orange fur, white fur, body fur, "
        f"green skin, fur trim, fur collar, penis, hoodie, {POSES[i % 5]}"
        for i in range(20)
    }
    root = rf.write_images(tmp_path / "f", caps)
    rf.write_settings(root, {"kind": "character", "core_tag": "rook"})
    [found] = RulesEngine(Dataset.open(root), live=False).check().find("tags.blacklist")
    for tag in ("'orange fur' ×20", "'white fur' ×20", "'body fur' ×20", "'green skin' ×20"):
        assert tag in found.message
    assert "fur trim" not in found.message and "fur collar" not in found.message  # clothing
    lorapan_cmd("fix", root, "--rule", "tags.blacklist")
    caption = (root / "10_rook" / "r00.txt").read_text()
    assert caption == f"rook, {rf.STYLE_TAG}, fur trim, fur collar, penis, hoodie, sitting"


def test_a_background_keeps_its_fur_rugs(tmp_path):
    """The character blacklist is for characters: a background's 'white fur' rug stays."""
    caps = {
        f"b{i:02d}.png": f"cozy cabin scenery focus, {rf.STYLE_TAG}, indoors, white fur, {POSES[i % 5]}"
        for i in range(12)
    }
    root = rf.write_images(tmp_path / "b", caps)
    rf.write_settings(root, {"kind": "background", "core_tag": "cozy cabin scenery focus"})
    assert not RulesEngine(Dataset.open(root), live=False).check().find("tags.blacklist")


def test_body_hair_is_not_the_characters_hairstyle(tmp_path):
    """'female pubic hair' ends in ' hair' but is no hairstyle: the hair merge folded it
    into the unique tag, where 'pubic hair' stayed (the guide keeps the genitals' tags)."""
    caps = {
        f"10_vex/v{i:02d}.png": f"vex, {rf.STYLE_TAG}, red hair, long hair, "
        f"female pubic hair, male pubic hair, armpit hair, {POSES[i % 5]}"
        for i in range(20)
    }
    root = rf.write_images(tmp_path / "h", caps)
    rf.write_settings(root, {"kind": "character", "core_tag": "vex"})
    [hair] = RulesEngine(Dataset.open(root), live=False).check().find("tags.hair-unique")
    assert "'red hair' ×20" in hair.message and "'long hair' ×20" in hair.message
    assert "pubic" not in hair.message and "armpit" not in hair.message
