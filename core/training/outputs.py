"""Which files in an output folder belong to one run: its sample images and checkpoints.

Several runs often share an output folder and output name, so a file counts for a
run only when it was written after the run was created. sd-scripts names samples
``sample/<output_name>_<step:06d>_<i:02d>_<timestamp>.png`` and checkpoints
``<output_name>.safetensors``, ``<output_name>-000001.safetensors`` (per epoch) or
``<output_name>-step00000008.safetensors`` (per step).

The app learns about new files from :class:`lorapan.core.watch.FolderWatcher`
(complete files only, no polling); :meth:`RunOutputs.scan` is the one listing
made when attaching to a run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})
MODEL_SUFFIXES = frozenset({".safetensors", ".ckpt", ".pt"})
WATCH_SUFFIXES = SAMPLE_SUFFIXES | MODEL_SUFFIXES


@dataclass
class RunOutputs:
    folder: Path
    name: str
    since_ns: int
    samples: dict[str, int] = field(default_factory=dict)  # path -> mtime_ns
    models: dict[str, int] = field(default_factory=dict)  # path -> size in bytes

    @classmethod
    def for_run(cls, run_path: Path, command: dict[str, Any]) -> RunOutputs | None:
        """From a run's ``command.json``; None when it names no output folder."""
        folder = command.get("output_dir")
        final = command.get("final_model")
        if not folder:
            return None
        name = Path(final).stem if final else ""
        try:
            since = (Path(run_path) / "command.json").stat().st_mtime_ns
        except OSError:
            since = 0
        return cls(Path(folder).resolve(), name, since)

    def _is_sample(self, path: Path) -> bool:
        return (
            path.suffix.lower() in SAMPLE_SUFFIXES
            and path.parent.name == "sample"
            and (not self.name or path.name.startswith(self.name + "_"))
        )

    def _is_model(self, path: Path) -> bool:
        stem = path.stem
        return (
            path.suffix.lower() in MODEL_SUFFIXES
            and path.parent == self.folder
            and (not self.name or stem == self.name or stem.startswith(self.name + "-"))
        )

    def add(self, paths: list[str] | list[Path]) -> bool:
        """Take note of files that appeared or changed; True when any belongs to the run."""
        changed = False
        for p in paths:
            path = Path(p)
            sample, model = self._is_sample(path), self._is_model(path)
            if not (sample or model):
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            if st.st_mtime_ns < self.since_ns:
                continue  # an earlier run's file
            if sample:
                self.samples[str(path)] = st.st_mtime_ns
            else:
                self.models[str(path)] = st.st_size
            changed = True
        return changed

    def remove(self, paths: list[str] | list[Path]) -> bool:
        gone = [str(p) for p in paths if str(p) in self.samples or str(p) in self.models]
        for p in gone:
            self.samples.pop(p, None)
            self.models.pop(p, None)
        return bool(gone)

    def scan(self) -> None:
        """One listing of what is already there (when attaching to a run)."""
        found: list[Path] = []
        for folder in (self.folder, self.folder / "sample"):
            try:
                found += [p for p in folder.iterdir() if p.suffix.lower() in WATCH_SUFFIXES]
            except OSError:
                continue
        self.add(found)

    @property
    def newest_sample(self) -> str | None:
        if not self.samples:
            return None
        return max(self.samples, key=lambda p: (self.samples[p], p))

    def model_text(self) -> str:
        """``2 on disk, newest gob-000001.safetensors (18.2 MB)``; empty when none."""
        if not self.models:
            return ""
        newest = max(self.models, key=lambda p: (_mtime(p), p))
        return f"{len(self.models)} on disk, newest {Path(newest).name} ({size_text(self.models[newest])})"


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def size_text(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
