"""What analysis knows about one image, and the thresholds that turn scores into flags."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

# Bump when a measurement changes meaning: cached rows of older versions are redone.
ANALYSIS_VERSION = 4


@dataclass(frozen=True)
class AnalysisConfig:
    """Thresholds from the ``[analysis]`` table of lorapan.toml.

    ``blur_threshold``: images whose sharpness (0..100) is below it are blurry.
    ``low_res_fraction``: a short side under this fraction of
    ``training_resolution`` is low resolution.
    ``near_threshold`` / ``crop_threshold``: most differing bits (of 64) for two
    pHashes to count as the same picture / as a crop of it; ``near_dhash_threshold``:
    the dHashes must agree too (pHash alone links some unrelated flat-colour art).
    ``workers``: processes for decoding (0 = one per CPU core).
    """

    blur_threshold: float = 70.0
    training_resolution: int = 1024
    low_res_fraction: float = 0.5
    near_threshold: int = 10
    near_dhash_threshold: int = 10
    crop_threshold: int = 6
    max_pixels: int = 200_000_000
    workers: int = 0

    @classmethod
    def from_settings(cls, section: dict[str, Any] | None) -> AnalysisConfig:
        """Build from a plain dict; unknown keys are ignored, bad values keep defaults."""
        config = cls()
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
            except (TypeError, ValueError):
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
    sharpness: float = 0.0
    blurry: bool = False
    low_res: bool = False
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

    def with_flags(self, config: AnalysisConfig) -> ImageFacts:
        """Set ``blurry`` and ``low_res`` from the thresholds (scores are kept as measured)."""
        if not self.ok:
            return replace(self, blurry=False, low_res=False)
        return replace(
            self,
            blurry=self.sharpness < config.blur_threshold,
            low_res=min(self.width, self.height) < config.low_res_side,
        )

    def to_dict(self) -> dict[str, Any]:
        """Public, JSON-ready facts (hashes as 16-digit hex)."""
        # Built field by field: dataclasses.asdict deep-copies, a cost per cached row.
        data = {name: getattr(self, name) for name in _PUBLIC_FIELDS}
        for key in ("dhash", "dhash_flip", "phash", "phash_flip"):
            data[key] = f"{data[key]:016x}" if self.ok else None
        return data

    def to_record(self) -> dict[str, Any]:
        """Everything, for the cache (internal hashes and colour signature included)."""
        data = self.to_dict()
        data["mtime_ns"] = self.mtime_ns
        data["crop_hashes"] = [f"{h:016x}" for h in self.crop_hashes]
        data["colour_sig"] = self.colour_sig.hex()
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ImageFacts:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("dhash", "dhash_flip", "phash", "phash_flip"):
            values[key] = int(values[key], 16) if values.get(key) else 0
        values["crop_hashes"] = tuple(int(h, 16) for h in values.get("crop_hashes") or ())
        values["colour_sig"] = bytes.fromhex(values.get("colour_sig") or "")
        return cls(**values)


_PUBLIC_FIELDS = tuple(
    f.name for f in fields(ImageFacts) if f.name not in ("crop_hashes", "colour_sig", "mtime_ns")
)
