"""Files sd-scripts reads differently from how lorapan (and the user) sees them.

sd-scripts loads ``Image.open(p).convert("RGB")``: no EXIF orientation (a phone photo
stored landscape trains sideways), no alpha (the colour under a cut-out's transparent
parts trains); it reads ``stem + caption_extension`` exactly (``IMG_0001.TXT`` is not
``IMG_0001.txt`` on Linux); it globs .png/.jpg/.jpeg/.webp/.bmp only (a ``.heic`` never
trains, and its caption is no orphan to delete). Real files, real ``lorapan`` runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import imagegen as gen
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.dataset import Dataset
from lorapan.core.rules.readiness import SizeTable
from lorapan.core.training.inputs import from_dataset
from PIL import Image

CAPTION = "ohwx man, 1boy, solo, smile"
TOML = '[dataset]\nkind = "character"\ncore_tag = "ohwx man"\nstyle_tag = ""\n'


def _base(root: Path, n: int = 3) -> Path:
    folder = root / "10_ohwx man"
    for i in range(n):
        gen.save(gen.photo_like((256, 192), seed=i), folder / f"IMG_{i:04d}.jpg", quality=90)
        (folder / f"IMG_{i:04d}.txt").write_text(f"{CAPTION}, view {i}\n")
    (root / "lorapan.toml").write_text(TOML)
    return folder


def _check(lorapan_cmd, root: Path, *rules: str) -> dict:
    args = [a for r in rules for a in ("--rule", r)]
    return json.loads(lorapan_cmd("check", root, "--json", *args).stdout)


def _found(report: dict, key: str) -> dict | None:
    return next((f for f in report["findings"] if f["key"] == key), None)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---- the size kohya buckets by ----------------------------------------------------------
def test_the_step_math_buckets_by_the_stored_size_as_kohya_does(tmp_path: Path) -> None:
    root = tmp_path / "sizes"
    folder = _base(root, n=1)
    gen.write_exif_rotated_jpeg(folder / "IMG_0007.jpg", gen.photo_like((192, 256), seed=7), 6)
    exif = Image.Exif()
    exif[0x0112] = 6  # a PNG turned by its eXIf chunk: the analysis shows it upright
    gen.save(gen.flat_art((256, 192), seed=3), folder / "IMG_0008.png", exif=exif.tobytes())
    for name in ("IMG_0007", "IMG_0008"):
        (folder / f"{name}.txt").write_text(CAPTION)
    ds = Dataset.open(root)
    assert sorted(from_dataset(ds).folders[0].sizes) == [(256, 192)] * 3  # header reads

    Analyzer(ds.root, ds.state_dir, AnalysisConfig(workers=1)).run(list(ds.items))
    facts = Analyzer(ds.root, ds.state_dir).cached(list(ds.items))
    assert (facts["10_ohwx man/IMG_0008.png"].width, facts["10_ohwx man/IMG_0008.png"].height) == (
        192,
        256,
    )
    assert sorted(from_dataset(Dataset.open(root)).folders[0].sizes) == [(256, 192)] * 3
    table = SizeTable()
    table.sync(ds, facts)  # the live readiness line's sizes
    assert table.get("10_ohwx man/IMG_0008.png") == (256, 192)
    assert table.get("10_ohwx man/IMG_0007.jpg") == (256, 192)


# ---- caption extension case ---------------------------------------------------------------
def test_a_caption_in_upper_case_extension_is_renamed_to_the_one_kohya_opens(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = tmp_path / "cam"
    folder = _base(root, n=2)
    gen.save(gen.photo_like((256, 192), seed=5), folder / "IMG_0005.JPG", quality=90)
    (folder / "IMG_0005.TXT").write_text(f"{CAPTION}, sitting\n")
    assert Dataset.open(root).items["10_ohwx man/IMG_0005.JPG"].caption_file == "IMG_0005.TXT"
    before = _bytes(folder)

    found = _found(_check(lorapan_cmd, root, "pair.caption-files"), "pair.caption-files:case")
    assert found is not None and found["severity"] == "error"
    assert found["images"] == ["10_ohwx man/IMG_0005.JPG"]
    assert "(IMG_0005.txt)" in found["message"] and "uncaptioned" in found["message"]
    assert found["fix"]["renames"] is True

    lorapan_cmd("fix", root, "--rule", "pair.caption-files")
    after = _bytes(folder)
    assert "IMG_0005.TXT" not in after and after["IMG_0005.txt"] == before["IMG_0005.TXT"]
    assert (
        _found(_check(lorapan_cmd, root, "pair.caption-files"), "pair.caption-files:case") is None
    )

    lorapan_cmd("undo", root)
    assert _bytes(folder) == before


def test_with_both_cases_beside_an_image_lorapan_reads_the_one_kohya_reads(tmp_path: Path) -> None:
    root = tmp_path / "both"
    folder = _base(root, n=1)
    gen.save(gen.photo_like((256, 192), seed=5), folder / "IMG_0005.JPG", quality=90)
    (folder / "IMG_0005.TXT").write_text("ohwx man, old tags\n")
    (folder / "IMG_0005.txt").write_text("ohwx man, sitting\n")
    item = Dataset.open(root).items["10_ohwx man/IMG_0005.JPG"]
    assert item.caption_file == "IMG_0005.txt" and item.tags == ("ohwx man", "sitting")


# ---- formats kohya does not read ------------------------------------------------------------
def test_a_heic_caption_is_kept_and_the_image_is_to_be_converted(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = tmp_path / "iphone"
    folder = _base(root, n=2)
    (folder / "IMG_0021.HEIC").write_bytes(
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1" + bytes(64)
    )
    (folder / "IMG_0021.txt").write_text(f"{CAPTION}, beach\n")
    (folder / "gone.txt").write_text("ohwx man, an image deleted long ago\n")

    report = _check(lorapan_cmd, root)
    orphans = _found(report, "pair.orphans:captions")
    assert orphans is not None and orphans["images"] == ["10_ohwx man/gone.txt"]
    found = _found(report, "kohya.image-format:unread")
    assert found is not None and found["images"] == ["10_ohwx man/IMG_0021.HEIC"]
    message = found["message"]
    assert ".HEIC ×1" in message and "Convert it to PNG or JPEG" in message
    assert "(IMG_0021.png)" in message and "10_ohwx man/IMG_0021.txt: keep it" in message
    assert "delete" not in message
