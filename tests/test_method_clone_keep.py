"""Which copy of a picture ``clones.ratio``'s fix keeps: the one whose caption trains best.

A review's set (dupes_lena) held byte copies under download-manager names: ``image0.png``
captioned by a bare tagger run (``1girl, solo, blonde hair``, no trigger) beside
``lena_045.png`` with the full caption, and ``Copy of lena_010.png`` and
``download (3).png``, the only captions with ``scar on cheek``. The fix kept the file
the analysis calls the original (the shorter name, the name without 'Copy') and set
aside the better captions, so the special detail the guide asks to clone was gone.
Every dataset here is written by the test and scanned by the real ``lorapan scan``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from imagegen import flat_art, resized, save

CHARACTER = '[dataset]\nkind = "character"\n'
VIEWS = ("from side", "from behind", "looking at viewer", "smile", "sitting", "standing")
FULL = "lena, anime screencap, 1girl, solo, blonde hair, green eyes, {view}"
SCAR = "lena, anime screencap, 1girl, solo, blonde hair, green eyes, upper body, scar on cheek, earrings"


def pictures(root: Path, n: int, start: int = 0) -> None:
    """``n`` distinct pictures ``p00.png``... with full captions (no special detail)."""
    for i in range(start, start + n):
        save(flat_art((640, 640), seed=300 + i), root / f"p{i:02d}.png")
        (root / f"p{i:02d}.txt").write_text(FULL.format(view=VIEWS[i % len(VIEWS)]) + "\n")


def copy(root: Path, src: str, dest: str, caption: str | None = None) -> None:
    shutil.copyfile(root / f"{src}.png", root / f"{dest}.png")
    text = caption if caption is not None else (root / f"{src}.txt").read_text()
    (root / f"{dest}.txt").write_text(text.rstrip("\n") + "\n")


def dupes(root: Path) -> Path:
    """30 images, 3 byte copies (all three over 3 %): the better caption is on the file
    with the copy-like name each time."""
    root.mkdir(parents=True)
    pictures(root, 24)
    for name, caption in (("lena_045", FULL.format(view="smile")), ("lena_010", SCAR)):
        save(flat_art((640, 640), seed=900 + len(name) + int(name[-2:])), root / f"{name}.png")
        (root / f"{name}.txt").write_text(caption + "\n")
    copy(root, "lena_045", "image0", "1girl, solo, blonde hair")  # a bare tagger caption
    copy(root, "lena_010", "Copy of lena_010")
    (root / "lena_010.txt").write_text(FULL.format(view="upper body") + "\n")  # no scar
    save(flat_art((640, 640), seed=977), root / "lena_033.png")
    (root / "lena_033.txt").write_text(FULL.format(view="full body") + "\n")
    copy(root, "lena_033", "download (3)", SCAR.replace("upper body", "full body"))
    (root / "lorapan.toml").write_text(CHARACTER)
    return root


def scanned(root: Path, lorapan_cmd) -> Path:
    scan = lorapan_cmd("scan", root)
    assert scan.returncode == 0, scan.stdout + scan.stderr
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".lorapan" not in p.relative_to(root).parts
    }


def set_aside_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "would set aside" in line]


def test_the_copy_with_the_trigger_and_the_special_detail_stays(tmp_path, lorapan_cmd):
    root = scanned(dupes(tmp_path / "lena"), lorapan_cmd)
    before = lorapan_cmd("check", root).stdout
    assert "'scar on cheek' is shown in focus 0× and with face/body 2×" in before, before

    dry = lorapan_cmd("fix", root, "--rule", "clones.ratio", "--dry-run")
    assert sorted(set_aside_lines(dry.stdout)) == [
        "would set aside image0.png (identical copy of lena_045.png, whose caption carries 'lena')",
        "would set aside lena_010.png (identical copy of Copy of lena_010.png, whose "
        "caption carries 'scar on cheek')",
        "would set aside lena_033.png (identical copy of download (3).png, whose caption "
        "carries 'scar on cheek')",
    ], dry.stdout

    plan = json.loads(lorapan_cmd("fix", root, "--rule", "clones.ratio", "-n", "--json").stdout)
    reasons = json.dumps(plan)
    assert '"image": "image0.png"' in reasons and '"image": "lena_045.png"' not in reasons

    kept = files_of(root)
    done = lorapan_cmd("fix", root, "--rule", "clones.ratio")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (root / "image0.png").exists() and (root / "lena_045.png").exists()
    assert (root / "Copy of lena_010.png").exists() and (root / "download (3).png").exists()
    after = lorapan_cmd("check", root).stdout
    assert "clones.ratio" not in after
    # the detail is still shown as often as before (the copies that carry it stayed)
    assert "'scar on cheek' is shown in focus 0× and with face/body 2×" in after, after

    undone = lorapan_cmd("undo", root)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert files_of(root) == kept


def test_tags_only_the_set_aside_caption_had_are_named(tmp_path, lorapan_cmd):
    """The fix moves files and never merges captions: what leaves is said."""
    root = dupes(tmp_path / "lena")
    (root / "image0.txt").write_text("1girl, solo, blonde hair, earrings, hair ribbon\n")
    dry = lorapan_cmd("fix", scanned(root, lorapan_cmd), "--rule", "clones.ratio", "-n")
    assert (
        "would set aside image0.png (identical copy of lena_045.png, whose caption carries "
        "'lena'; its tags 'earrings', 'hair ribbon' leave with it)" in dry.stdout
    ), dry.stdout


def test_copies_alike_in_caption_keep_the_analysis_original(tmp_path, lorapan_cmd):
    """Same caption, same bytes: the plain name stays, as before."""
    root = tmp_path / "lena"
    root.mkdir()
    pictures(root, 29)
    copy(root, "p03", "p03 - Copy")
    (root / "lorapan.toml").write_text(CHARACTER)
    dry = lorapan_cmd("fix", scanned(root, lorapan_cmd), "--rule", "clones.ratio", "-n")
    assert set_aside_lines(dry.stdout) == [
        "would set aside p03 - Copy.png (identical copy of p03.png)"
    ]


def test_a_smaller_copy_with_the_trigger_outranks_a_bare_original(tmp_path, lorapan_cmd):
    root = tmp_path / "lena"
    root.mkdir()
    pictures(root, 29)
    big = flat_art((768, 768), seed=5)
    save(big, root / "big.png")
    (root / "big.txt").write_text("1girl, solo\n")
    save(resized(big, 0.75), root / "big_small.png")
    (root / "big_small.txt").write_text(FULL.format(view="smile") + "\n")
    (root / "lorapan.toml").write_text(CHARACTER)
    dry = lorapan_cmd("fix", scanned(root, lorapan_cmd), "--rule", "clones.ratio", "-n")
    assert set_aside_lines(dry.stdout) == [
        "would set aside big.png (original of big_small.png, its resized copy, whose caption "
        "carries 'lena')"
    ], dry.stdout


def test_clones_of_a_special_detail_the_guide_asks_for_are_held_back(tmp_path, lorapan_cmd):
    """'tattoo' is on one picture and its two clones, all with the face/body: the guide
    asks for three, so the fix sets aside only the other clone and says why the ratio
    is still above."""
    root = tmp_path / "lena"
    root.mkdir()
    pictures(root, 27)
    (root / "p05.txt").write_text(FULL.format(view="upper body") + ", tattoo\n")
    copy(root, "p05", "p05_a")
    copy(root, "p05", "p05_b")
    copy(root, "p07", "p07_a")
    (root / "lorapan.toml").write_text(CHARACTER)
    scanned(root, lorapan_cmd)
    dry = lorapan_cmd("fix", root, "--rule", "clones.ratio", "-n")
    assert set_aside_lines(dry.stdout) == ["would set aside p07_a.png (identical copy of p07.png)"]

    done = lorapan_cmd("fix", root, "--rule", "clones.ratio")
    assert "1 image set aside" in done.stdout, done.stdout + done.stderr
    assert "remaining of clones.ratio: 1 error" in done.stdout  # said, and why:
    check = lorapan_cmd("check", root).stdout
    assert "The fix keeps 2 clones above that (p05_a.png, p05_b.png)" in check, check
    assert "carry the special detail 'tattoo'" in check and "alter them" in check
    assert (root / "p05_a.png").exists() and (root / "p05_b.png").exists()
    assert "--rule clones.ratio" not in check  # no fix is offered that would do nothing
