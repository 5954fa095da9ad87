"""`lorapan scan` as a user runs it: a real subprocess on a generated dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import imagegen as gen
from conftest import run_lorapan


def _lorapan(*args: str) -> subprocess.CompletedProcess[str]:
    return run_lorapan(*args)


def _dataset(root: Path, broken: bool) -> None:
    src = gen.flat_art((1024, 768), seed=1)
    gen.save(src, root / "10_gob" / "a.png")
    gen.save(gen.flipped(src), root / "10_gob" / "a_flip.png")
    gen.save(gen.grayscale(src), root / "10_gob" / "a_gray.png")
    gen.save(gen.blurred(gen.photo_like((1024, 768), seed=2), 4), root / "10_gob" / "b.jpg")
    gen.save(gen.photo_like((300, 300), seed=3), root / "10_gob" / "small.jpg")
    for name in ("a", "a_flip", "a_gray", "b", "small"):
        (root / "10_gob" / f"{name}.txt").write_text("gob, solo\n")
    if broken:
        gen.write_truncated(root / "10_gob" / "cut.jpg", gen.photo_like((640, 480)))
        gen.write_text_as_png(root / "10_gob" / "notes.png")


def test_scan_reports_findings_and_exits_1_on_unreadable(tmp_path: Path) -> None:
    _dataset(tmp_path, broken=True)
    proc = _lorapan("scan", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "7 images: 7 analysed, 0 from cache" in out
    assert "10_gob/cut.jpg: truncated" in out and "10_gob/notes.png: not-image" in out
    assert "Traceback" not in proc.stderr + out
    assert "Grayscale (1)\n  10_gob/a_gray.png" in out
    assert "10_gob/small.jpg (300x300)" in out
    assert "10_gob/b.jpg (edges " in out
    assert "flipped         10_gob/a_flip.png" in out
    # not a terminal: no redrawn bar, only a few plain progress lines ending at 7/7
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("scanning [")]
    assert 1 <= len(lines) <= 3 and "\r" not in proc.stderr and "7/7" in lines[-1]
    again = _lorapan("scan", str(tmp_path))
    assert "0 analysed, 7 from cache" in again.stdout


def test_scan_json_has_summary_table_and_groups(tmp_path: Path) -> None:
    _dataset(tmp_path, broken=False)
    proc = _lorapan("scan", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    summary = data["summary"]
    assert summary["images"] == 5 and summary["unreadable"] == 0
    assert (summary["grayscale"], summary["low_res"], summary["blurry"]) == (1, 1, 1)
    table = {row["relpath"]: row for row in data["images"]}
    assert table["10_gob/small.jpg"]["width"] == 300 and table["10_gob/b.jpg"]["blurry"]
    assert data["groups"] == [
        {
            "original": "10_gob/a.png",
            "members": [
                {"relpath": "10_gob/a_flip.png", "label": "flipped"},
                {"relpath": "10_gob/a_gray.png", "label": "grayscale"},
            ],
        }
    ]
    forced = json.loads(_lorapan("scan", str(tmp_path), "--json", "--force").stdout)
    assert forced["summary"]["analysed"] == 5


def test_scan_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = _lorapan("scan", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert "is not a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_progress_bar_is_drawn_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty

    for i in range(20):
        gen.save(gen.flat_art((160, 120), seed=i), tmp_path / f"img{i}.png")
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lorapan", "scan", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
            timeout=300,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal closed: all was read
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    drawn = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "scanning [" in drawn and "20/20" in drawn
    assert "scanning" not in proc.stdout  # the report itself stays clean


def test_scan_lists_the_images_the_dataset_lists(tmp_path: Path) -> None:
    from lorapan.commands.scan import image_paths  # noqa: PLC0415
    from lorapan.core.dataset import Dataset  # noqa: PLC0415

    _dataset(tmp_path, broken=True)
    (tmp_path / "10_gob" / "notes.txt").write_text("an orphan caption\n")
    (tmp_path / "sub dir" / ".hidden").mkdir(parents=True)
    gen.save(gen.flat_art((64, 64), seed=1), tmp_path / "sub dir" / "image_3..jpeg")
    gen.save(gen.flat_art((64, 64), seed=2), tmp_path / "sub dir" / ".hidden" / "x.png")
    gen.save(gen.flat_art((64, 64), seed=3), tmp_path / "sub dir" / "Z 10.PNG")
    gen.save(gen.flat_art((64, 64), seed=4), tmp_path / "sub dir" / "Z 9.png")
    assert image_paths(tmp_path) == list(Dataset.open(tmp_path).items)
