"""Each character of a bundle keeps its own look through `lorapan fix` (real subprocesses).

The guide merges each character's own hair and eye tags into one unique tag and removes
other people's; ``bundle.bio-overlap`` keeps the other body tags to one character and
never hands one person's hair, eyes or blacklisted tags to another.
"""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf

STYLE = rf.STYLE_TAG
COUPLE = "8_alice/alice and bob.png"


def _trio(root: Path) -> Path:
    """alice (blonde, long, blue), bob (black, short, brown), cleo (red, short, green);
    one image in alice's folder shows alice and bob; blacklisted body tags everywhere."""
    caps: dict[str, str | None] = {}
    for i in range(4):
        extra = "hair between eyes" if i % 2 else "small breasts"
        caps[f"8_alice/alice_{i}.png"] = (
            f"alice, {STYLE}, 1girl, solo, blonde hair, long hair, ponytail, blue eyes, "
            f"smile, bangs, {extra}"
        )
        caps[f"8_bob/bob_{i}.png"] = (
            f"bob, {STYLE}, 1boy, solo, male focus, black hair, short hair, brown eyes, "
            "smile, bangs, hair between eyes"
        )
        caps[f"8_cleo/cleo_{i}.png"] = (
            f"cleo, {STYLE}, 1girl, solo, red hair, short hair, ahoge, green eyes, "
            "smile, small breasts"
        )
    caps[COUPLE] = (
        f"alice, {STYLE}, bob, 1girl, 1boy, blonde hair, black hair, long hair, short hair, "
        "blue eyes, brown eyes, smile, hetero, couple"
    )
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": "trio", "core_tag": ""})
    return root


def _findings(lorapan_cmd, root: Path, *rules: str) -> list[dict]:
    args = [a for r in rules for a in ("--rule", r)]
    res = lorapan_cmd("check", root, "--json", *args)
    return json.loads(res.stdout)["findings"]


def test_fix_gives_each_character_its_own_look_and_leaves_the_two_person_image(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = _trio(tmp_path / "trio")
    res = lorapan_cmd("fix", root)
    assert res.returncode == 1, res.stdout + res.stderr  # the two-person image is left
    expected = {
        "8_alice/alice_{}.txt": f"alice, {STYLE}, 1girl, solo, blonde alice hair, blue alice eyes, smile",
        "8_bob/bob_{}.txt": f"bob, {STYLE}, solo, black bob hair, brown bob eyes, smile",
        "8_cleo/cleo_{}.txt": f"cleo, {STYLE}, 1girl, solo, red cleo hair, green cleo eyes, smile",
    }
    for pattern, caption in expected.items():
        for i in range(4):
            assert (root / pattern.format(i)).read_text() == caption
    # other people's hair is never alice's: the image keeps its hair and eye tags to merge
    # by hand (only the blacklist's tags went), and bob's look reached no other caption
    couple = (root / COUPLE).with_suffix(".txt").read_text()
    assert couple == (
        f"alice, {STYLE}, bob, 1girl, blonde hair, black hair, long hair, short hair, "
        "blue eyes, brown eyes, smile"
    )
    left = _findings(
        lorapan_cmd, root, "bundle.bio-overlap", "tags.hair-unique", "tags.eyes-unique"
    )
    assert {f["rule"] for f in left} == {"tags.hair-unique", "tags.eyes-unique"}
    for f in left:
        assert f["images"] == [COUPLE] and "No automatic fix" in f["message"]
    # a second run sees the same image as showing two people: nothing more to change
    before = rf.snapshot_bytes(root)
    lorapan_cmd("fix", root)
    assert rf.snapshot_bytes(root) == before


def test_bio_overlap_leaves_hair_eyes_and_blacklisted_tags_alone(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps: dict[str, str | None] = {}
    for i in range(3):
        caps[f"8_gob/{i}.png"] = (
            "gob, short hair, black hair, brown eyes, bangs, small breasts, hair between eyes, freckles"
        )
        caps[f"8_ana/{i}.png"] = "ana, short hair, black hair, bangs, small breasts, freckles"
    root = rf.write_images(tmp_path / "d", caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": "duo", "core_tag": ""})
    [shared] = _findings(lorapan_cmd, root, "bundle.bio-overlap")
    assert "'freckles'" in shared["message"]
    res = lorapan_cmd("fix", root, "--rule", "bundle.bio-overlap")
    assert res.returncode == 0, res.stdout + res.stderr
    assert (root / "8_gob" / "0.txt").read_text() == (
        "gob, short hair, black hair, brown eyes, bangs, small breasts, hair between eyes, "
        "freckles gob"
    )
    assert (root / "8_ana" / "0.txt").read_text() == (
        "ana, short hair, black hair, bangs, small breasts, freckles ana"
    )
    # the blacklist still sees its tags: none slipped past it under a character's name
    [black] = _findings(lorapan_cmd, root, "tags.blacklist")
    assert len(black["images"]) == 6
    for tag in ("'bangs'", "'small breasts'", "'hair between eyes'"):
        assert tag in black["message"]


def test_an_image_whose_several_people_tag_the_blacklist_drops_is_not_merged(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps: dict[str, str | None] = {
        f"8_gob/{i}.png": f"gob, {STYLE}, green hair, smile" for i in range(3)
    }
    caps.update({f"8_ana/{i}.png": f"ana, {STYLE}, blonde hair, smile" for i in range(3)})
    caps["8_gob/two.png"] = f"gob, {STYLE}, multiple girls, blonde hair, green hair, smile"
    root = rf.write_images(tmp_path / "d", caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": "duo", "core_tag": ""})
    lorapan_cmd("fix", root)
    assert (root / "8_gob" / "0.txt").read_text() == f"gob, {STYLE}, green gob hair, smile"
    # the same run removed 'multiple girls', yet the merge read the image as it was
    two = (root / "8_gob" / "two.txt").read_text()
    assert two == f"gob, {STYLE}, blonde hair, green hair, smile"
