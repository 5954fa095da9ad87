"""``tags.kind-prune`` candidates: what describes the subject, never who is in the picture,
and in a bundle each subject's own (the guide tags each as a dataset of its own)."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine

POSES = {
    "10_seiza pose": ["seiza", "sitting", "on floor", "hands on lap"],
    "4_jumping pose": ["jumping", "midair", "arms up", "legs up"],
    "2_peace pose": ["double v", "hands up"],
}
COUNTS = {"10_seiza pose": 10, "4_jumping pose": 28, "2_peace pose": 40}
VARY = [["from above", "day"], ["from below", "city"], ["from side", "night"], ["cafe", "snow"]]


def candidates(root: Path) -> str:
    [found] = RulesEngine(Dataset.open(root), live=False).check().find("tags.kind-prune")
    return found.message


def pose_bundle(root: Path) -> Path:
    caps = {}
    for folder, own in POSES.items():
        core = f"{folder.split('_', 1)[1]} action focus"
        for i in range(COUNTS[folder]):
            people = ["1girl", "solo"] if i % 3 else ["2girls", "multiple girls"]
            tags = [core, rf.STYLE_TAG, *people, *own, *VARY[i % 4]]
            caps[f"{folder}/p{i:02d}.png"] = ", ".join(tags)
    root = rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "bundle-concepts", "name": "poses", "core_tag": ""})
    return root


def test_a_concept_bundle_names_each_poses_tags_even_the_smallest_subjects(tmp_path):
    """seiza's four tags are on 10 of 78 images: under the whole bundle's half, yet
    they are what the seiza pose is, and the guide prunes a concept's own tags."""
    message = candidates(pose_bundle(tmp_path / "b"))
    assert "'seiza pose action focus' (10 images)" in message
    for own in ("'seiza' ×10", "'hands on lap' ×10", "'midair' ×28", "'double v' ×40"):
        assert own in message
    assert "'1girl'" not in message and "'solo'" not in message  # who is there, kept


def test_a_concept_never_offers_its_people_tags_for_pruning(tmp_path):
    caps = {}
    for i in range(30):
        people = ["1girl", "solo"] if i % 3 else ["no humans"]  # on most, not nearly all
        held = ["holding umbrella", "umbrella"] if i % 3 else ["umbrella"]
        tags = ["umbrella pose action focus", rf.STYLE_TAG, *people, *held, *VARY[i % 4]]
        caps[f"k{i:02d}.png"] = ", ".join(tags)
    root = rf.write_images(tmp_path / "c", caps)
    rf.write_settings(root, {"kind": "concept", "core_tag": "umbrella pose action focus"})
    message = candidates(root)
    assert "'holding umbrella' ×20" in message
    assert "'1girl'" not in message and "'solo'" not in message
