"""A collage's core tag and folder, as `lorapan collage` chooses them (real subprocesses).

The guide's group core tag names the people ("a and b and c and d_4boys focus"); a
tagger's solo caption starts with `1girl`, which the couple rules forbid. And kohya
reads only `N_name` folders when there are any: a collage left in `solos/` is never
trained.
"""

from __future__ import annotations

import json

from PIL import Image

GROUP_CORE = "kanade and mizuki and ena and mafuyu_4girls focus"
PEOPLE = ("kanade", "mizuki", "ena", "mafuyu")


def image(path, shade):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (300, 400), (shade, 120, 200 - shade)).save(path)


def make_group(root, group_core=GROUP_CORE, group_images=6):
    """A group set: group images in 10_nightcord, a tagger's solos in solos/."""
    for i in range(group_images):
        image(root / "10_nightcord" / f"group_{i}.png", 10 * i)
        (root / "10_nightcord" / f"group_{i}.txt").write_text(
            f"{group_core}, multiple girls, 4girls, bedroom, smile {i}\n"
        )
    for i, name in enumerate(PEOPLE):
        image(root / "solos" / f"{name}.png", 40 * i)
        (root / "solos" / f"{name}.txt").write_text(f"1girl, solo, {name} hair, standing\n")


def solos(*names):
    return [f"solos/{n}.png" for n in names]


def test_a_group_collage_takes_the_group_images_core_tag_and_folder(tmp_path, lorapan_cmd):
    make_group(tmp_path)
    # the plain output says which core tag and folder, and why
    dry = lorapan_cmd("collage", tmp_path, *solos("ena", "kanade"), "--dry-run")
    assert (
        f"core tag: '{GROUP_CORE}' (the first tag of the 6 captions in 10_nightcord)" in dry.stdout
    )
    assert "into 10_nightcord/" in dry.stdout
    proc = lorapan_cmd("collage", tmp_path, *solos(*PEOPLE), "--json")
    assert proc.returncode == 0, proc.stderr
    made = json.loads(proc.stdout)["result"]["images"]
    assert made == ["10_nightcord/collage__kanade+mizuki+ena+mafuyu.png"]  # trained by kohya
    caption = (tmp_path / "10_nightcord/collage__kanade+mizuki+ena+mafuyu.txt").read_text()
    tags = caption.strip().split(", ")
    assert tags[0] == GROUP_CORE
    assert "1girl" not in tags and "solo" not in tags
    assert {"kanade hair", "mafuyu hair", "standing"} <= set(tags)
    assert not list((tmp_path / "solos").glob("collage*"))


def test_a_tagger_word_is_never_the_core_tag_the_user_is_asked(tmp_path, lorapan_cmd):
    # group images without a shared first tag, solos starting with 1girl, no core set
    make_group(tmp_path)
    for i, txt in enumerate(sorted((tmp_path / "10_nightcord").glob("*.txt"))):
        txt.write_text(f"multiple girls, 4girls, smile {i}\n")
    proc = lorapan_cmd("collage", tmp_path, *solos(*PEOPLE), "--dry-run")
    # the kohya folder's name is the dataset's trigger: what `check` proposes as core tag
    assert proc.returncode == 0, proc.stderr
    assert "caption: nightcord, " in proc.stdout and "1girl" not in proc.stdout

    flat = tmp_path / "flat"
    for i, name in enumerate(PEOPLE[:2]):
        image(flat / f"{name}.png", 40 * i)
        (flat / f"{name}.txt").write_text(f"1girl, solo, {name} hair\n")
    refused = lorapan_cmd("collage", flat, "kanade.png", "mizuki.png", "--dry-run")
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "--core" in said and "'<name> and <name> couple focus'" in said
    given = lorapan_cmd(
        "collage", flat, "kanade.png", "mizuki.png", "--core", "kanade and mizuki couple focus"
    )
    assert given.returncode == 0, given.stderr
    caption = (flat / "collage__kanade+mizuki.txt").read_text()
    assert caption == "kanade and mizuki couple focus, kanade hair, mizuki hair\n"


def test_named_solos_in_trained_folders_keep_their_folder_and_names(tmp_path, lorapan_cmd):
    for i, (name, what) in enumerate((("gob", "goblin"), ("ana", "elf"))):
        image(tmp_path / f"5_{name}" / f"{name}.png", 60 * i)
        (tmp_path / f"5_{name}" / f"{name}.txt").write_text(
            f"{name} {what} focus, 1girl, solo, smile\n"
        )
    proc = lorapan_cmd("collage", tmp_path, "5_gob/gob.png", "5_ana/ana.png", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"]["images"] == ["5_gob/collage__gob+ana.png"]
    caption = (tmp_path / "5_gob/collage__gob+ana.txt").read_text()
    assert caption == "gob and ana couple focus, smile\n"
