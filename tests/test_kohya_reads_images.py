"""Files sd-scripts reads differently from how lorapan (and the user) sees them.

sd-scripts loads ``Image.open(p).convert("RGB")``: no EXIF orientation (a phone photo
stored landscape trains sideways), no alpha (the colour under a cut-out's transparent
parts trains); it reads ``stem + caption_extension`` exactly (``IMG_0001.TXT`` is not
``IMG_0001.txt`` on Linux); it globs .png/.jpg/.jpeg/.webp/.bmp only (a ``.heic`` never
trains, and its caption is no orphan to delete). Real files, real ``lorapan`` runs.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import imagegen as gen
import numpy as np
from lorapan.core.analysis.analyzer import Analyzer
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.dataset import Dataset
from lorapan.core.rules.dataset_wide import kohya_pixels
from lorapan.core.rules.engine import RulesEngine
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


# ---- EXIF orientation -------------------------------------------------------------------
def test_a_phone_photo_stored_sideways_is_rewritten_upright_and_undo_restores_it(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = tmp_path / "phone"
    folder = _base(root)
    upright = gen.photo_like((192, 256), seed=7)  # a portrait shot ...
    gen.write_exif_rotated_jpeg(folder / "IMG_0007.jpg", upright, 6)  # ... stored landscape
    (folder / "IMG_0007.txt").write_text(f"{CAPTION}, standing\n")
    before = _bytes(folder)

    found = _found(_check(lorapan_cmd, root, "kohya.orientation"), "kohya.orientation")
    assert found is not None and found["severity"] == "warning"
    assert found["images"] == ["10_ohwx man/IMG_0007.jpg"]
    assert "stored 256×192 and shown 192×256" in found["message"]
    assert "ignores the tag" in found["message"] and "sideways" in found["message"]
    assert found["fix"]["rewrites"] is True

    lorapan_cmd("fix", root)  # an unnamed run leaves image files alone: rewrites are asked for
    assert _bytes(folder)["IMG_0007.jpg"] == before["IMG_0007.jpg"]
    before = _bytes(folder)  # with its caption fixes

    out = json.loads(lorapan_cmd("fix", root, "--rule", "kohya.orientation", "--json").stdout)
    assert [r["image"] for r in out["rewrites"]] == ["10_ohwx man/IMG_0007.jpg"]
    assert out["rewrite_result"][0]["applied"] == ["10_ohwx man/IMG_0007.jpg"]
    with Image.open(io.BytesIO(before["IMG_0007.jpg"])) as im:
        quality = im.quantization
    with Image.open(folder / "IMG_0007.jpg") as im:
        assert im.format == "JPEG" and im.size == (192, 256)  # what kohya now reads
        assert im.getexif().get(0x0112) is None
        assert im.quantization == quality  # encoded at the quality it was saved at
        now = np.asarray(im.convert("RGB"), np.float32)
    seen = np.asarray(upright, np.float32)  # what viewers showed
    assert np.abs(now - seen).mean() < 6  # the same picture, two JPEG generations on
    assert _found(_check(lorapan_cmd, root, "kohya.orientation"), "kohya.orientation") is None
    assert _bytes(folder)["IMG_0007.txt"] == before["IMG_0007.txt"]

    lorapan_cmd("undo", root)
    assert _bytes(folder) == before  # the image byte for byte, its caption untouched


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
    report = RulesEngine(ds, facts=facts, live=False).check(["kohya.orientation"])
    [f] = report.find("kohya.orientation")
    assert f.images == ["10_ohwx man/IMG_0007.jpg", "10_ohwx man/IMG_0008.png"]


# ---- transparency -----------------------------------------------------------------------
def _cutout(path: Path, under: tuple[int, int, int], size: tuple[int, int] = (128, 96)) -> Path:
    """An RGBA cut-out: a figure in the middle, ``under`` stored under the transparent rest."""
    arr = np.zeros((size[1], size[0], 4), np.uint8)
    arr[..., :3] = under
    arr[24:72, 32:96] = (200, 60, 40, 255)
    return gen.save(Image.fromarray(arr, "RGBA"), path, format="PNG")


def _palette_sprite(path: Path) -> Path:
    """A palette PNG whose transparent index is black (as sprite editors save it)."""
    img = Image.new("P", (64, 64), 0)
    img.putpalette([0, 0, 0, 30, 160, 60] + [0] * 762)
    img.paste(1, (16, 16, 48, 48))
    return gen.save(img, path, format="PNG", transparency=0)


def test_transparent_parts_kohya_trains_black_are_laid_on_white_and_undo_restores_them(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = tmp_path / "cut"
    folder = _base(root, n=2)
    _cutout(folder / "IMG_0010.png", (0, 0, 0))
    _palette_sprite(folder / "IMG_0011.png")
    _cutout(folder / "IMG_0012.png", (255, 255, 255))  # white under it: kohya trains white
    opaque = Image.new("RGBA", (64, 64), (90, 120, 200, 255))  # an alpha channel, no use
    gen.save(opaque, folder / "IMG_0013.png", format="PNG")
    for i in (10, 11, 12, 13):
        (folder / f"IMG_{i:04d}.txt").write_text(f"{CAPTION}, white background\n")
    before = _bytes(folder)

    found = _found(_check(lorapan_cmd, root, "kohya.transparency"), "kohya.transparency")
    assert found is not None and found["severity"] == "warning"
    assert found["images"] == ["10_ohwx man/IMG_0010.png", "10_ohwx man/IMG_0011.png"]
    message = found["message"]
    assert "black stored under them" in message and "drops the alpha channel" in message
    assert "alpha_mask" in message and "--rule kohya.transparency" in message

    lorapan_cmd("fix", root, "--rule", "kohya.transparency")
    for name in ("IMG_0010.png", "IMG_0011.png"):
        with Image.open(folder / name) as im:
            assert im.format == "PNG" and im.mode == "RGB"  # what kohya reads = what is seen
            assert im.getpixel((2, 2)) == (255, 255, 255)  # was black under transparency
            assert im.getpixel((40, 40)) in ((200, 60, 40), (30, 160, 60))  # the figure
    after = _bytes(folder)
    assert after["IMG_0012.png"] == before["IMG_0012.png"]  # white under it: left alone
    assert after["IMG_0013.png"] == before["IMG_0013.png"]  # opaque: left alone
    assert all(after[n] == before[n] for n in before if n.endswith(".txt"))
    assert _found(_check(lorapan_cmd, root, "kohya.transparency"), "kohya.transparency") is None

    lorapan_cmd("undo", root)
    assert _bytes(folder) == before


def test_the_app_fix_lays_them_on_the_colour_set_and_undo_puts_them_back(tmp_path: Path) -> None:
    root = tmp_path / "grey"
    folder = _base(root, n=1)
    _cutout(folder / "IMG_0010.png", (0, 0, 0))
    (folder / "IMG_0010.txt").write_text(CAPTION)
    (root / "lorapan.toml").write_text(TOML + '\n[rules]\nflatten_background = "#808080"\n')
    original = (folder / "IMG_0010.png").read_bytes()
    ds = Dataset.open(root)
    engine = RulesEngine(ds)  # live, as the app holds it
    [f] = engine.check(["kohya.transparency"]).find("kohya.transparency")
    assert "Lay it on #808080" in f.message
    outcome = engine.apply_fix(f)
    assert outcome.result is not None and outcome.result.applied == ["10_ohwx man/IMG_0010.png"]
    with Image.open(folder / "IMG_0010.png") as im:
        assert im.getpixel((2, 2)) == (128, 128, 128)
    assert not engine.check(["kohya.transparency"]).find("kohya.transparency")
    ds.undo()
    assert (folder / "IMG_0010.png").read_bytes() == original
    assert engine.check(["kohya.transparency"]).find("kohya.transparency")


def test_a_check_decodes_few_images_and_the_fix_looks_at_all(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "many"
    folder = _base(root, n=1)
    for i in range(3):
        _cutout(folder / f"IMG_{10 + i:04d}.png", (0, 0, 0))
        (folder / f"IMG_{10 + i:04d}.txt").write_text(CAPTION)
    ds = Dataset.open(root)
    monkeypatch.setattr(kohya_pixels, "LOOK_LIMIT", 0)
    [f] = RulesEngine(ds, live=False).check(["kohya.transparency"]).find("kohya.transparency")
    assert f.severity == "advice" and len(f.images) == 3 and "--dry-run" in f.message
    assert f.fix is not None and f.fix.rewrites  # what the message's command runs
    monkeypatch.setattr(kohya_pixels, "LOOK_LIMIT", 1)
    [f] = RulesEngine(ds, live=False).check(["kohya.transparency"]).find("kohya.transparency")
    assert f.images == ["10_ohwx man/IMG_0010.png"]
    assert "2 more images with an alpha channel were not looked at yet" in f.message
    assert [s.relpath for s in f.fix.plan(ds)] == [
        f"10_ohwx man/IMG_{10 + i:04d}.png" for i in range(3)
    ]
    [f] = RulesEngine(ds, live=False).check(["kohya.transparency"]).find("kohya.transparency")
    assert len(f.images) == 3  # what was looked at is remembered


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


def test_an_extension_in_mixed_case_is_one_kohya_never_globs(tmp_path, lorapan_cmd):
    """sd-scripts lists '.jpg' and '.JPG', never '.Jpg': such an image is not trained, so
    the plan leaves it out and check says to rename it."""
    import json

    from PIL import Image

    root = tmp_path / "ds" / "10_gob"
    root.mkdir(parents=True)
    for i, ext in enumerate([".png", ".PNG", ".Jpg", ".png"]):
        Image.new("RGB", (64, 64), (i * 40, 90, 120)).save(
            root / f"g{i}{ext}", format="PNG" if "p" in ext.lower() else "JPEG"
        )
        (root / f"g{i}.txt").write_text("gob, smile\n")
    doc = json.loads(lorapan_cmd("check", tmp_path / "ds", "--json").stdout)
    [found] = [f for f in doc["findings"] if f["rule"] == "kohya.image-format"]
    assert found["images"] == ["10_gob/g2.Jpg"] and "rename .Jpg to .jpg" in found["message"]
    plan = json.loads(lorapan_cmd("train", tmp_path / "ds", "--dry-run", "--json").stdout)
    assert plan["steps"]["images"] == 3
