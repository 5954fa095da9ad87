"""The collage a couple's solos are offered pairs two different people.

``kohya.ignored-folder`` says a couple's ``solos/`` folder is the guide's collage
material and gives a ``lorapan collage`` command; a review's couple_kr set got
``solos/kaito_0.png solos/kaito_2.png`` under "two solos of different people". The
solos are told apart by their captions' names, hair/eye colours or file names, and
when nothing tells them apart the message says so. Every dataset here is written by
the test and read through the real ``lorapan check``.
"""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf

CORE = "kaito and rei couple focus"
KAITO = "1boy, solo, male focus, black hair, short hair, blue eyes"
REI = "1girl, solo, pink hair, long hair, twintails, pink eyes"
POSES = ("looking at viewer", "from side", "portrait", "from below")


def couple(root: Path, solos: dict[str, str]) -> Path:
    caps = {f"10_kr/kr_{i:02d}.png": f"{CORE}, 1boy, 1girl, hug, smile" for i in range(24)}
    caps |= {f"solos/{name}": caption for name, caption in solos.items()}
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "couple", "core_tag": CORE})
    return root


def collage_advice(lorapan_cmd, root: Path) -> str:
    out = lorapan_cmd("check", root, "--json")
    assert out.returncode in (0, 1), out.stderr
    found = {f["key"]: f for f in json.loads(out.stdout)["findings"]}
    advice = found["kohya.ignored-folder:solos"]
    assert advice["severity"] == "advice"
    return advice["message"]


def test_solos_named_in_their_captions_pair_kaito_with_rei(tmp_path, lorapan_cmd):
    # kaito's solos are even, rei's odd, as in the review's set: the first two
    # different captions were both kaito's
    solos = {
        f"{who}_{k}.png": f"{who}, {KAITO if who == 'kaito' else REI}, {POSES[k % 4]}"
        for k, who in ((k, "kaito" if k % 2 == 0 else "rei") for k in range(8))
    }
    root = couple(tmp_path / "kr", solos)
    msg = collage_advice(lorapan_cmd, root)
    command = f"lorapan collage {root} solos/kaito_0.png solos/rei_1.png"
    assert f"`{command}` (told apart by the names their captions start with)" in msg, msg
    assert "kaito_2" not in msg
    made = lorapan_cmd(*command.split()[1:], "-n")  # what the advice says runs
    assert made.returncode == 0, made.stdout + made.stderr


def test_unnamed_solos_are_told_apart_by_hair_and_eye_colours(tmp_path, lorapan_cmd):
    solos = {
        "IMG_0001.png": f"{REI}, smile",
        "IMG_0002.png": f"{REI}, from side",
        "IMG_0003.png": f"{KAITO}, smile",
        "IMG_0004.png": f"{KAITO}, portrait",
    }
    msg = collage_advice(lorapan_cmd, couple(tmp_path / "kr", solos))
    assert (
        "solos/IMG_0001.png solos/IMG_0003.png` (told apart by their hair and eye colours)" in msg
    )


def test_alike_captions_are_told_apart_by_their_file_names(tmp_path, lorapan_cmd):
    solos = {f"{who}_{k}.png": "1girl, solo, smile" for who in ("mio", "yui") for k in range(3)}
    msg = collage_advice(lorapan_cmd, couple(tmp_path / "kr", solos))
    assert "solos/mio_0.png solos/yui_0.png` (told apart by their file names)" in msg, msg


def test_solos_nothing_tells_apart_are_left_to_the_user(tmp_path, lorapan_cmd):
    solos = {f"IMG_{k:04d}.png": f"1girl, solo, {POSES[k]}" for k in range(4)}
    msg = collage_advice(lorapan_cmd, couple(tmp_path / "kr", solos))
    assert "solos of different people" in msg
    assert "do not tell who is who, so check that the ones you name show different people" in msg
    assert "told apart" not in msg
