"""Generated DreamBooth-style datasets: training images beside regularisation (class) images.

Shared by the reg tests (dataset, CLI, training, and the ``kohya`` ones): real image
files of several aspect ratios, so the step math meets several buckets.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from PIL import Image

SIZES = [(128, 128), (128, 192), (192, 128), (128, 128), (160, 96), (96, 160)]
TRAIN_TAGS = "gob goblin, anime screencap, solo, standing, smile"


def train_images(folder: Path, count: int = 6, tags: str = TRAIN_TAGS) -> None:
    """``count`` captioned training images (the rules find no error in them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.new("RGB", SIZES[i % len(SIZES)], (i * 30 % 255, 90, 120)).save(
            folder / f"img_{i:03d}.png"
        )
        (folder / f"img_{i:03d}.txt").write_text(tags + "\n", encoding="utf-8")


def class_images(
    folder: Path, count: int, *, captioned: int = 0, caption: str = "man", offset: int = 1
) -> list[Path]:
    """``count`` class images, the first ``captioned`` of them with a caption."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        path = folder / f"man_{i:04d}.png"
        size = SIZES[(i * 5 + offset) % len(SIZES)]
        Image.new("RGB", size, (40, i * 17 % 255, 200)).save(path)
        if i < captioned:
            (folder / f"man_{i:04d}.txt").write_text(caption + "\n", encoding="utf-8")
        out.append(path)
    return out


def write_settings(root: Path, dataset: dict | None = None, training: dict | None = None) -> None:
    """The gob character's settings (as the training tests write them), with overrides."""
    gob = {"kind": "character", "name": "gob", "core_tag": "gob goblin", **(dataset or {})}
    rf.write_settings(root, gob, {"training": training} if training is not None else None)


def sks_layout(
    root: Path,
    *,
    train: int = 6,
    reg: int = 12,
    captioned: int = 8,
    reg_folder: str = "reg/1_man",
    dataset: dict | None = None,
    training: dict | None = None,
) -> Path:
    """``img/3_gob`` (captioned) + ``reg/1_man`` (class images, some uncaptioned)."""
    train_images(root / "img" / "3_gob", train)
    class_images(root / reg_folder, reg, captioned=captioned)
    write_settings(root, dataset, training)
    return root
