"""The one decode path for analysis and the app's preview thumbnails.

Every image the program looks at goes through here, so decode problems are
classified in one place (:class:`DecodeError` with a kind and a message a user
can act on) and large images are decoded at reduced size where the format
allows it: JPEG draft mode scales in the DCT (1/2, 1/4, 1/8) and other formats
are shrunk with ``Image.reduce`` right after decoding.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

# Over this many pixels an image is refused as a likely decompression bomb.
DEFAULT_MAX_PIXELS = 200_000_000

ERROR_KINDS = ("empty", "not-image", "truncated", "too-large", "unsupported", "unreadable")

# EXIF orientations 5..8 rotate by 90 degrees, so width and height swap.
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
_TEXT_BYTES = set(range(32, 127)) | {9, 10, 13}


class DecodeError(Exception):
    """A file that cannot be used as an image; ``kind`` is one of ``ERROR_KINDS``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Header:
    """What the file says about itself, before pixels are decoded.

    ``width``/``height`` are as shown (EXIF orientation applied);
    ``stored_width``/``stored_height`` as stored, which is what
    ``Image.open(path).size`` reports (kohya buckets by that).
    """

    format: str
    mode: str
    width: int
    height: int
    bit_depth: int
    has_alpha: bool
    file_size: int
    orientation: int = 1
    stored_width: int = 0
    stored_height: int = 0


def read_bytes(path: Path) -> bytes:
    """Read a whole file, turning OS errors into :class:`DecodeError`."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise DecodeError("unreadable", "file not found: it was moved or deleted; rescan") from exc
    except IsADirectoryError as exc:
        raise DecodeError("unreadable", "this is a folder, not an image file") from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DecodeError(
            "unreadable", f"cannot read the file ({reason}); check its permissions and the disk"
        ) from exc
    if not data:
        raise DecodeError("empty", "the file is empty (0 bytes); delete it or copy it again")
    return data


def open_image(path: Path | str, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode a whole image, oriented, as RGB or RGBA (alpha kept)."""
    data = read_bytes(Path(path))
    _header, img = _decode(data, None, max_pixels)
    return img


def load_reduced(
    path: Path | str,
    target: tuple[int, int],
    *,
    keep_alpha: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Decode an image at about ``target`` size or a little larger, oriented.

    The result is at least the image fitted into the ``target`` box (aspect
    kept, never upscaled) and at most about twice that: fit it exactly
    afterwards with ``Image.thumbnail``. RGB by default; transparent areas are
    laid on white unless ``keep_alpha``.
    """
    data = read_bytes(Path(path))
    _header, img = decode_reduced(data, target, keep_alpha=keep_alpha, max_pixels=max_pixels)
    return img


def decode_reduced(
    data: bytes,
    target: tuple[int, int],
    *,
    keep_alpha: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[Header, Image.Image]:
    """Like :func:`load_reduced` on bytes already read; also returns the header."""
    header, img = _decode(data, target, max_pixels)
    if img.mode == "RGBA" and not keep_alpha:
        img = flatten(img)
    return header, img


def flatten(img: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Lay an RGBA image on a solid background, giving RGB."""
    base = Image.new("RGB", img.size, background)
    base.paste(img, mask=img.getchannel("A"))
    return base


def _decode(
    data: bytes, target: tuple[int, int] | None, max_pixels: int
) -> tuple[Header, Image.Image]:
    img = _open(data, max_pixels)
    header = _header(img, data)
    if header.width * header.height > max_pixels:
        raise _too_large(header.width, header.height, max_pixels)
    try:
        if target is not None and img.format == "JPEG":
            _draft(img, target, header)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            img.load()
        img = _normalise_mode(img)
        if target is not None:
            img = _reduce(img, target, header)
        img = _orient(img, header.orientation)
    except DecodeError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_large(header.width, header.height, max_pixels) from exc
    except (OSError, SyntaxError, EOFError, ValueError, IndexError) as exc:
        raise _classify_load_error(exc, data) from exc
    except MemoryError as exc:
        raise DecodeError(
            "too-large", "not enough memory to decode this image; resize it with an image editor"
        ) from exc
    return header, img


def _open(data: bytes, max_pixels: int) -> Image.Image:
    # Pillow's own bomb check (its global limit, left alone: other threads decode
    # too) can refuse first; ours then applies the caller's limit from the header.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise DecodeError(
            "too-large",
            "the image claims far too many pixels (a possible decompression bomb); "
            "resize it with an image editor before using it",
        ) from exc
    except UnidentifiedImageError as exc:
        raise _not_image(data) from exc
    except (OSError, SyntaxError, EOFError, ValueError) as exc:
        raise _classify_load_error(exc, data) from exc


def _header(img: Image.Image, data: bytes) -> Header:
    stored_width, stored_height = width, height = img.size
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block must not hide a good image
        orientation = 1
    if orientation in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    mode = img.mode
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info
    return Header(
        format=img.format or "unknown",
        mode=mode,
        width=width,
        height=height,
        bit_depth=_bit_depth(img, data),
        has_alpha=has_alpha,
        file_size=len(data),
        orientation=orientation if isinstance(orientation, int) else 1,
        stored_width=stored_width,
        stored_height=stored_height,
    )


def _bit_depth(img: Image.Image, data: bytes) -> int:
    # Pillow opens 16-bit RGB PNGs as 8-bit RGB; the IHDR chunk tells the truth.
    if img.format == "PNG" and len(data) >= 25 and data[12:16] == b"IHDR":
        return int(data[24])
    mode = img.mode
    if mode == "1":
        return 1
    if mode.startswith("I;16") or mode == "I;16":
        return 16
    if mode in ("I", "F"):
        return 32
    return 8


def _fit(target: tuple[int, int], size: tuple[int, int], header: Header) -> tuple[int, int]:
    """``target`` as the size ``size`` (stored orientation) shrinks to when fitted in it."""
    tw, th = target
    if size != (header.width, header.height):  # stored on its side: swap the box
        tw, th = th, tw
    scale = min(tw / max(size[0], 1), th / max(size[1], 1), 1.0)
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def _draft(img: Image.Image, target: tuple[int, int], header: Header) -> None:
    requested = "RGB" if img.mode in ("RGB", "YCbCr") else None
    img.draft(requested, _fit(target, img.size, header))


def _reduce(img: Image.Image, target: tuple[int, int], header: Header) -> Image.Image:
    fw, fh = _fit(target, img.size, header)
    factor = min(img.width // fw, img.height // fh)
    if factor >= 2:
        img = img.reduce(factor)
    return img


def _normalise_mode(img: Image.Image) -> Image.Image:
    """Turn any decoded mode into RGB or RGBA, keeping transparency."""
    mode = img.mode
    if mode in ("RGB", "RGBA"):
        return img
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _high_depth_to_rgb(img)
    if mode == "P":
        return img.convert("RGBA" if "transparency" in img.info else "RGB")
    if mode in ("LA", "PA", "La", "RGBa"):
        return img.convert("RGBA")
    if mode == "L" and "transparency" in img.info:
        return img.convert("RGBA")
    try:
        return img.convert("RGB")
    except (ValueError, OSError) as exc:
        raise DecodeError(
            "unsupported",
            f"pixel mode {mode} is not supported; re-save the image as 8-bit RGB PNG or JPEG",
        ) from exc


def _high_depth_to_rgb(img: Image.Image) -> Image.Image:
    # numpy only here: the app's preview decodes through this module, and importing
    # numpy before its first paint cost 0.1-0.3 s.
    import numpy as np

    arr = np.asarray(img)
    if img.mode == "F":
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        scaled = (arr - lo) / (hi - lo or 1.0) * 255.0
    elif img.mode == "I" and arr.max(initial=0) > 65535:
        scaled = arr.astype(np.float64) / float(arr.max()) * 255.0
    else:
        scaled = arr.astype(np.float64) / 257.0
    gray = np.clip(scaled, 0, 255).astype(np.uint8)
    return Image.fromarray(gray, "L").convert("RGB")


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _orient(img: Image.Image, orientation: int) -> Image.Image:
    # Applied by hand from the header: conversions and reductions may drop EXIF.
    for method in _TRANSPOSE.get(orientation, ()):
        img = img.transpose(method)
    return img


def _too_large(width: int, height: int, max_pixels: int) -> DecodeError:
    return DecodeError(
        "too-large",
        f"{width}x{height} is over the {max_pixels:,}-pixel limit (a possible decompression "
        "bomb); resize the image or raise the limit",
    )


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def _sniff(data: bytes) -> str | None:
    """The image format a file's first bytes announce, if any."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    return None


def _not_image(data: bytes) -> DecodeError:
    fmt = _sniff(data)
    if fmt is not None and len(data) < 64:
        return DecodeError("truncated", f"the {fmt} file stops inside its header; copy it again")
    if fmt is not None:
        return DecodeError(
            "unsupported",
            f"this {fmt} file uses a variant lorapan cannot read (an unusual pixel mode or "
            "compression); re-save it as 8-bit PNG or JPEG",
        )
    head = data[:512]
    if head and all(b in _TEXT_BYTES for b in head):
        return DecodeError(
            "not-image",
            "this is a text file with an image extension; rename or delete it",
        )
    return DecodeError(
        "not-image", "not an image format lorapan can read; convert it to PNG or JPEG"
    )


def _classify_load_error(exc: BaseException, data: bytes) -> DecodeError:
    text = str(exc).lower()
    truncated_words = ("truncated", "broken data stream", "premature end", "unexpected end")
    if isinstance(exc, EOFError) or any(word in text for word in truncated_words):
        return DecodeError(
            "truncated",
            "the file is cut short (an interrupted download or copy); copy it again",
        )
    if "decoder" in text and "not available" in text or "unsupported" in text:
        return DecodeError(
            "unsupported",
            f"this variant of the format is not supported ({exc}); re-save it as PNG or JPEG",
        )
    if isinstance(exc, SyntaxError) or "cannot identify" in text:
        return _not_image(data)
    return DecodeError(
        "truncated",
        f"the image data is damaged ({exc}); copy the file again or re-save it",
    )


def file_stat(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file, or None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


ImageFile.LOAD_TRUNCATED_IMAGES = False
