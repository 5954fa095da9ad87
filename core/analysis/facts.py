"""What analysis knows about one image, and the thresholds that turn scores into flags."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, fields, replace
from typing import Any

# Bump when a measurement changes meaning: cached rows of older versions are redone.
# 5: blur is measured as an edge width (``edges``), no longer a 0..100 blur-and-compare score.
ANALYSIS_VERSION = 5


@dataclass(frozen=True)
class AnalysisConfig:
    """Thresholds from the ``[analysis]`` table of lorapan.toml.

    Blur (``verdicts``; numbers in docs/calibration.md): an image is blurry when
    its edges are at least ``blur_edge_px`` wide (pixels of the 512 px analysis
    copy), or at least ``blur_relative_min_px`` wide and ``blur_relative`` times
    the dataset's reference width (the 25th percentile of its images' widths;
    0 turns this dataset-relative test off).
    ``low_res_fraction``: a short side under this fraction of
    ``training_resolution`` (the resolution the dataset is trained at) is low
    resolution.
    ``near_threshold`` / ``crop_threshold``: most differing bits (of 64) for two
    pHashes to count as the same picture / as a crop of it; ``near_dhash_threshold``:
    the dHashes must agree too (pHash alone links some unrelated flat-colour art).
    ``workers``: processes for decoding (0 = one per CPU core).
    """

    blur_edge_px: float = 7.0
    blur_relative: float = 2.5
    blur_relative_min_px: float = 4.0
    training_resolution: int = 1024
    low_res_fraction: float = 0.5
    near_threshold: int = 10
    near_dhash_threshold: int = 10
    crop_threshold: int = 6
    max_pixels: int = 200_000_000
    workers: int = 0

    @classmethod
    def from_settings(
        cls, section: dict[str, Any] | None, training: dict[str, Any] | None = None
    ) -> AnalysisConfig:
        """Build from the ``[analysis]`` table; unknown keys are ignored, bad values keep defaults.

        ``training`` is the dataset's ``[training]`` table: its ``resolution``
        is the training resolution unless ``[analysis]`` names one itself.
        """
        config = cls()
        section = dict(section or {})
        resolution = (training or {}).get("resolution")
        if "training_resolution" not in section and resolution is not None:
            section["training_resolution"] = resolution
        if not section:
            return config
        changes: dict[str, Any] = {}
        for f in fields(cls):
            key = f.name
            raw = section.get(key, section.get(key.replace("_", "-")))
            if raw is None or isinstance(raw, bool):
                continue
            kind = type(getattr(config, key))
            try:
                value = kind(raw)
            except (TypeError, ValueError, OverflowError):  # inf as a whole number
                continue
            if value >= 0:
                changes[key] = value
        return replace(config, **changes)

    @property
    def low_res_side(self) -> int:
        return int(self.training_resolution * self.low_res_fraction)


@dataclass
class ImageFacts:
    """Measured facts for one image file; ``error_kind`` is set when it did not decode.

    ``width``/``height`` are as the picture is shown (EXIF orientation applied);
    ``stored_width``/``stored_height`` are the pixel array as stored, i.e. what
    ``PIL.Image.open(path).size`` says, which is what kohya's bucketing uses.
    """

    relpath: str
    file_size: int = 0
    mtime_ns: int = 0
    width: int = 0
    height: int = 0
    stored_width: int = 0
    stored_height: int = 0
    mode: str = ""
    bit_depth: int = 0
    format: str = ""
    has_alpha: bool = False
    aspect: float = 0.0
    grayscale: bool = False
    edge_width: float = 0.0  # px at the analysis size; 0: no strong edges (see ``edges``)
    sharpness: float = 100.0  # 0..100 from ``edge_width``, for lists and sorting
    # Verdicts and the limits they used (set by ``verdicts.apply``, never cached):
    blurry: bool = False
    blur_limit: float = 0.0  # edges at least this wide are blurry
    blur_reference: float = 0.0  # the dataset's reference edge width (0: not used)
    low_res: bool = False
    low_res_limit: int = 0  # a short side under this is low resolution
    #: the image whose resolution the verdict follows: a copy lorapan made at its source's
    #: scale (a crop, a tinted copy) is as sharp as that source (``verdicts``)
    judged_by: str = ""
    error_kind: str | None = None
    error_message: str | None = None
    sha256: str = ""
    dhash: int = 0
    dhash_flip: int = 0
    phash: int = 0
    phash_flip: int = 0
    crop_hashes: tuple[int, ...] = field(default_factory=tuple)
    colour_sig: bytes = b""

    @property
    def ok(self) -> bool:
        return self.error_kind is None

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def to_dict(self) -> dict[str, Any]:
        """Public, JSON-ready facts (hashes as 16-digit hex)."""
        # Built field by field: dataclasses.asdict deep-copies, a cost per cached row.
        data = {name: getattr(self, name) for name in _PUBLIC_FIELDS}
        for key in ("dhash", "dhash_flip", "phash", "phash_flip"):
            data[key] = f"{data[key]:016x}" if self.ok else None
        return data

    def to_record(self) -> dict[str, Any]:
        """The measurements, for the cache (verdicts are not cached: ``verdicts``).

        Crop hashes are one hex string (16 digits each): a cached scan of 10,000
        images parses them all, and one ``bytes.fromhex`` is far cheaper than 37 ints.
        """
        data = self.to_dict()
        for name in _VERDICT_FIELDS:
            del data[name]
        data["mtime_ns"] = self.mtime_ns
        data["crop_hashes"] = b"".join(h.to_bytes(8, "big") for h in self.crop_hashes).hex()
        data["colour_sig"] = self.colour_sig.hex()
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ImageFacts:
        values = {k: v for k, v in data.items() if k in _FIELD_NAMES}
        for key in ("dhash", "dhash_flip", "phash", "phash_flip"):
            values[key] = int(values[key], 16) if values.get(key) else 0
        crops = bytes.fromhex(values.get("crop_hashes") or "")
        values["crop_hashes"] = struct.unpack(f">{len(crops) // 8}Q", crops)
        values["colour_sig"] = bytes.fromhex(values.get("colour_sig") or "")
        return cls(**values)


_FIELD_NAMES = frozenset(f.name for f in fields(ImageFacts))
_VERDICT_FIELDS = (
    "blurry", "blur_limit", "blur_reference", "low_res", "low_res_limit", "judged_by",
)  # fmt: skip
_PUBLIC_FIELDS = tuple(
    f.name for f in fields(ImageFacts) if f.name not in ("crop_hashes", "colour_sig", "mtime_ns")
)
