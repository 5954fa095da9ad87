"""Bundle helpers on a two-character fixture: subjects by folder or core tag, bio overlap, fix."""

from __future__ import annotations

from lorapan.core.dataset import Dataset
from lorapan.core.rules.bundles import (
    bio_overlap,
    bio_overlap_changes,
    subjects,
    unique_tag,
)
from PIL import Image

BUNDLE = '[dataset]\nkind = "bundle-characters"\n'


def write(root, rel, caption):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 64), (len(rel) * 9 % 255, 90, 140)).save(path)
    path.with_suffix(".txt").write_text(caption)


def two_characters(root, in_folders=True):
    root.mkdir(parents=True, exist_ok=True)
    (root / "lorapan.toml").write_text(BUNDLE)
    gob = "10_gob/" if in_folders else ""
    ana = "10_ana/" if in_folders else ""
    write(root, f"{gob}g1.png", "gob goblin focus, anime screencap, green hair, red eyes, smile")
    write(root, f"{gob}g2.png", "gob goblin focus, anime screencap, green hair, ponytail, sword")
    write(root, f"{gob}g3.png", "gob goblin focus, anime screencap, red eyes, scar")
    write(root, f"{ana}a1.png", "ana elf focus, anime screencap, green hair, blue eyes, smile")
    write(root, f"{ana}a2.png", "ana elf focus, anime screencap, ponytail, bow, scar")
    return Dataset.open(root)


def test_subjects_one_folder_per_subject(tmp_path):
    ds = two_characters(tmp_path)
    subs = subjects(ds)
    assert subs == {
        "ana elf focus": ["10_ana/a1.png", "10_ana/a2.png"],
        "gob goblin focus": ["10_gob/g1.png", "10_gob/g2.png", "10_gob/g3.png"],
    }


def test_subjects_one_core_tag_per_subject_in_one_folder(tmp_path):
    ds = two_characters(tmp_path, in_folders=False)
    subs = subjects(ds)
    assert sorted(subs) == ["ana elf focus", "gob goblin focus"]
    assert subs["gob goblin focus"] == ["g1.png", "g2.png", "g3.png"]


def test_subjects_follow_the_stated_list_when_set(tmp_path):
    ds = two_characters(tmp_path, in_folders=False)
    (tmp_path / "lorapan.toml").write_text(BUNDLE + '[rules]\nsubjects = ["gob goblin focus"]\n')
    ds = Dataset.open(tmp_path)
    assert subjects(ds) == {"gob goblin focus": ["g1.png", "g2.png", "g3.png"]}


def test_folder_subject_falls_back_to_the_folder_name_without_captions(tmp_path):
    (tmp_path / "5_tree").mkdir(parents=True)
    (tmp_path / "5_rock").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "5_tree" / "t.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "5_rock" / "r.png")
    assert subjects(Dataset.open(tmp_path)) == {"rock": ["5_rock/r.png"], "tree": ["5_tree/t.png"]}


def test_bio_overlap_names_body_tags_of_two_characters_only(tmp_path):
    ds = two_characters(tmp_path)
    overlap = bio_overlap(ds)
    # a body tag on both; smile is no body tag, and green hair and ponytail are left to
    # the hair/eye merge (each character's into its own unique tag)
    assert overlap == {"scar": ["ana elf focus", "gob goblin focus"]}


def test_bio_overlap_leaves_out_images_showing_several_people(tmp_path):
    two_characters(tmp_path)
    write(tmp_path, "10_gob/g4.png", "gob goblin focus, ana elf focus, freckles, smile")
    write(tmp_path, "10_ana/a3.png", "ana elf focus, freckles, smile")
    assert bio_overlap(Dataset.open(tmp_path)) == {"scar": ["ana elf focus", "gob goblin focus"]}


def test_bio_overlap_with_a_given_vocabulary(tmp_path):
    ds = two_characters(tmp_path)
    assert bio_overlap(ds, is_body=["green hair", "red eyes"]) == {
        "green hair": ["ana elf focus", "gob goblin focus"]
    }
    assert bio_overlap(ds, is_body=lambda tag: tag == "smile") == {
        "smile": ["ana elf focus", "gob goblin focus"]
    }


def test_unique_tag_puts_the_name_last_never_inside():
    assert unique_tag("scar", "gob goblin focus") == "scar_gob"
    assert unique_tag("pointy_ears", "ana elf with bow focus") == "pointy_ears_ana"
    assert unique_tag("hair between eyes", "ana elf focus", " ") == "hair between eyes ana"


def test_the_fix_makes_each_shared_tag_unique_per_character_and_undoes(tmp_path):
    ds = two_characters(tmp_path)
    overlap = bio_overlap(ds)
    changes = bio_overlap_changes(ds, overlap)
    result = ds.apply_changes(changes, "fix bundle.bio-overlap")
    assert result.ok and len(result.applied) == 2
    assert ds.items["10_gob/g3.png"].tags == (
        "gob goblin focus", "anime screencap", "red eyes", "scar_gob",
    )  # fmt: skip
    assert "scar_ana" in ds.items["10_ana/a2.png"].tags
    assert bio_overlap(Dataset.open(tmp_path)) == {}
    ds.undo()
    assert bio_overlap(Dataset.open(tmp_path)) == overlap
