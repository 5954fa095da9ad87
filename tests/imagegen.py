"""Generators of synthetic test images (no image files are checked in).

Two families stand in for what datasets hold: ``photo_like`` (smooth lighting,
texture and noise everywhere, hard-edged objects) and ``flat_art`` (flat colour
fills with dark outlines, like anime screencaps). Helpers derive altered copies
(blurred, cropped, flipped, grayscale, colour-shifted, recompressed, resized)
and write the awkward files a scan must survive (16-bit PNG, CMYK JPEG,
truncated, zero bytes, text renamed to .png, a decompression-bomb header).
Other test modules may import this read-only.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def photo_like(size: tuple[int, int] = (768, 512), seed: int = 0) -> Image.Image:
    """A photo-like RGB image: smooth colour field, textured objects, sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    field = Image.fromarray(rng.integers(30, 226, (6, 8, 3), dtype=np.uint8), "RGB")
    img = field.resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(8, 16))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1 = x0 + int(rng.integers(w // 12, w // 3))
        y1 = y0 + int(rng.integers(h // 12, h // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    arr = np.asarray(img).astype(np.float32)
    texture = rng.normal(0.0, 9.0, (h, w, 1)).astype(np.float32)
    arr += texture + rng.normal(0.0, 3.0, (h, w, 3)).astype(np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def flat_art(size: tuple[int, int] = (768, 512), seed: int = 0) -> Image.Image:
    """Flat-colour 'anime' art: a plain background, filled shapes, dark outlines."""
    rng = np.random.default_rng(seed)
    w, h = size
    bg = tuple(int(c) for c in rng.integers(170, 250, 3))
    img = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(img)
    outline = max(2, min(w, h) // 200)
    for _ in range(int(rng.integers(5, 9))):
        cx, cy = int(rng.integers(w // 8, w - w // 8)), int(rng.integers(h // 8, h - h // 8))
        rx, ry = int(rng.integers(w // 16, w // 4)), int(rng.integers(h // 16, h // 4))
        colour = tuple(int(c) for c in rng.integers(40, 256, 3))
        box = (cx - rx, cy - ry, cx + rx, cy + ry)
        if rng.random() < 0.6:
            draw.ellipse(box, fill=colour, outline=(20, 16, 24), width=outline)
        else:
            pts = [
                (cx + int(rng.integers(-rx, rx)), cy + int(rng.integers(-ry, ry))) for _ in range(5)
            ]
            draw.polygon(pts, fill=colour, outline=(20, 16, 24), width=outline)
    return img


def blurred(img: Image.Image, radius: float = 3.0) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius))


def cropped(img: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """Crop by fractions (left, top, right, bottom) of the size."""
    w, h = img.size
    left, t, r, b = box
    return img.crop((round(left * w), round(t * h), round(r * w), round(b * h)))


def flipped(img: Image.Image) -> Image.Image:
    return ImageOps.mirror(img)


def grayscale(img: Image.Image) -> Image.Image:
    return img.convert("L")


def colour_shifted(
    img: Image.Image, gains: tuple[float, float, float] = (1.25, 0.9, 0.7)
) -> Image.Image:
    arr = np.asarray(img.convert("RGB")).astype(np.float32) * np.array(gains, np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def resized(img: Image.Image, factor: float) -> Image.Image:
    w, h = img.size
    return img.resize((round(w * factor), round(h * factor)), Image.Resampling.LANCZOS)


def save(img: Image.Image, path: Path, **params: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **params)
    return path


def save_recompressed(img: Image.Image, path: Path, quality: int = 55) -> Path:
    """Save as JPEG at a low quality (a 'recompressed' copy of a PNG/JPEG original)."""
    return save(img.convert("RGB"), path, format="JPEG", quality=quality)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def write_png16_rgb(path: Path, img: Image.Image) -> Path:
    """A 16-bit-per-channel RGB PNG (Pillow cannot write these itself)."""
    arr = np.asarray(img.convert("RGB")).astype(np.uint16) * 257
    h, w, _ = arr.shape
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
    data += _png_chunk(b"IDAT", zlib.compress(raw, 6)) + _png_chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_png16_gray(path: Path, img: Image.Image) -> Path:
    arr = np.asarray(img.convert("L")).astype(np.uint16) * 257
    return save(Image.fromarray(arr), path, format="PNG")


def write_cmyk_jpeg(path: Path, img: Image.Image) -> Path:
    return save(img.convert("CMYK"), path, format="JPEG", quality=92)


def write_rgba_png(path: Path, img: Image.Image) -> Path:
    rgba = img.convert("RGBA")
    alpha = Image.new("L", img.size, 0)
    ImageDraw.Draw(alpha).ellipse((0, 0, img.width - 1, img.height - 1), fill=255)
    rgba.putalpha(alpha)
    return save(rgba, path, format="PNG")


def write_palette_transparent(path: Path, img: Image.Image) -> Path:
    pal = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    return save(pal, path, format="PNG", transparency=0)


def write_truncated(path: Path, img: Image.Image, fmt: str = "JPEG", keep: float = 0.5) -> Path:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format=fmt)
    data = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def write_empty(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def write_text_as_png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("1girl, solo, smile\nthis is a caption saved with the wrong name\n")
    return path


def write_bomb_png(path: Path, side: int = 100_000) -> Path:
    """A valid PNG header claiming side x side pixels, with almost no data."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
    data += _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_exif_rotated_jpeg(path: Path, img: Image.Image, orientation: int = 6) -> Path:
    """Store the pixels rotated back so a viewer applying EXIF shows ``img`` upright."""
    undo = {
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
        3: Image.Transpose.ROTATE_180,
    }
    stored = img.convert("RGB").transpose(undo[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(stored, path, format="JPEG", quality=92, exif=exif)
