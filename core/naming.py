"""File-name helpers: natural sort and the kohya ``N_name`` folder pattern."""

from __future__ import annotations

import re
from functools import cache

IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"})
#: what sd-scripts globs for (train_util.IMAGE_EXTENSIONS, without the optional avif/jxl
#: plugins): a .gif lorapan shows is never trained
KOHYA_IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp"})


def kohya_globs(name: str) -> bool:
    """Whether sd-scripts' glob finds the image ``name``: its extensions are listed in
    lower and in upper case only (``.png``, ``.PNG``), so ``a.Jpg`` is never trained."""
    ext = name[name.rfind(".") :] if "." in name else ""
    return ext.lower() in KOHYA_IMAGE_EXTS and ext in (ext.lower(), ext.upper())


#: Pillow modes kohya's ``convert("RGB")`` clips (16-bit and 32-bit grayscale turn white)
CLIPPED_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})
_KOHYA = re.compile(r"^(\d+)_(.+)$", re.DOTALL)
_DIGITS = re.compile(r"(\d+)")


@cache
def natural_key(text: str) -> tuple:
    """Sort key that puts ``img2`` before ``img10``."""
    parts: list = _DIGITS.split(text.casefold())  # digit runs at the odd places
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def parse_kohya_folder(name: str) -> tuple[int, str] | None:
    """``"10_gob goblin, v2"`` -> ``(10, "gob goblin, v2")``; None when not kohya-shaped."""
    m = _KOHYA.match(name)
    if not m or not m.group(2).strip():
        return None
    return int(m.group(1)), m.group(2)


def is_image_name(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in IMAGE_EXTS
