"""The step math buckets images by the size sd-scripts reads: the stored one.

sd-scripts sizes an image with ``imagesize`` / ``Image.open(p).size`` and applies no EXIF
orientation, so a phone photo stored landscape is bucketed landscape whatever viewers
show; lorapan's plan and live readiness line must count it the same way.
"""

from __future__ import annotations

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
