"""Analyse one image file: header facts, content hash, and pixel measurements.

Runs inside worker processes, so it only takes and returns picklable values and
never raises for a bad file: the problem is recorded on the facts instead.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lorapan.core.analysis.edges import sharpness_score
from lorapan.core.analysis.facts import ImageFacts
from lorapan.core.analysis.imaging import DecodeError, decode_reduced, read_bytes
from lorapan.core.analysis.measure import ANALYSIS_SIDE, measure

_REDUCED_TARGET = (ANALYSIS_SIDE, ANALYSIS_SIDE)


def analyse_file(root: Path, relpath: str, max_pixels: int) -> ImageFacts:
    """Facts for ``root / relpath``; verdicts are applied later (``verdicts.apply``)."""
    path = Path(root) / relpath
    size, mtime_ns = _stat(path)
    try:
        data = read_bytes(path)
        header, img = decode_reduced(data, _REDUCED_TARGET, max_pixels=max_pixels)
        measures = measure(img)
    except DecodeError as exc:
        return ImageFacts(
            relpath=relpath,
            file_size=size,
            mtime_ns=mtime_ns,
            error_kind=exc.kind,
            error_message=exc.message,
        )
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop a scan
        return ImageFacts(
            relpath=relpath,
            file_size=size,
            mtime_ns=mtime_ns,
            error_kind="unreadable",
            error_message=f"could not analyse this image ({type(exc).__name__}: {exc}); "
            "re-save it as PNG or JPEG",
        )
    return ImageFacts(
        relpath=relpath,
        file_size=size,
        mtime_ns=mtime_ns,
        width=header.width,
        height=header.height,
        stored_width=header.stored_width,
        stored_height=header.stored_height,
        mode=header.mode,
        bit_depth=header.bit_depth,
        format=header.format,
        has_alpha=header.has_alpha,
        aspect=round(header.width / header.height, 4) if header.height else 0.0,
        grayscale=measures.grayscale,
        edge_width=measures.edge_width,
        sharpness=sharpness_score(measures.edge_width),
        sha256=hashlib.sha256(data).hexdigest(),
        dhash=measures.dhash,
        dhash_flip=measures.dhash_flip,
        phash=measures.phash,
        phash_flip=measures.phash_flip,
        crop_hashes=measures.crop_hashes,
        colour_sig=measures.colour_sig,
    )


def analyse_chunk(root: str, relpaths: list[str], max_pixels: int) -> list[ImageFacts]:
    """Worker entry point: analyse several files (one task per chunk keeps IPC low)."""
    return [analyse_file(Path(root), rel, max_pixels) for rel in relpaths]


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return 0, 0
    return st.st_size, st.st_mtime_ns
