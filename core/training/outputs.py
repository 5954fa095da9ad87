"""Which files in an output folder belong to one run: its sample images and checkpoints;
and which output names in a folder are free for a new run.

Each run writes into its own folder (``.lorapan/runs/<id>/output``) unless the user set
``output_dir``; runs that share a folder get output names of their own
(:func:`free_output_name`: ``gob``, then ``gob-2``), so no run writes over another's
model. A file counts for a run when it carries the run's output name, exactly as
sd-scripts names them, and was written after the run was created (and, for runs made
before names were kept apart, before a later run with the same folder and name was):
samples ``sample/<name>_<step:06d>_<i:02d>_<timestamp>.png`` (``e<epoch:06d>`` per
epoch), checkpoints ``<name>.safetensors``, ``<name>-000001.safetensors`` (per epoch)
or ``<name>-step00000008.safetensors`` (per step), states ``<name>-step00000008-state``.

The app learns about new files from :class:`lorapan.core.watch.FolderWatcher`
(complete files only, no polling); :meth:`RunOutputs.scan` is the one listing
made when attaching to a run.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.training.runstate import ACTIVE, read_json

SAMPLE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})
MODEL_SUFFIXES = frozenset({".safetensors", ".ckpt", ".pt"})
WATCH_SUFFIXES = SAMPLE_SUFFIXES | MODEL_SUFFIXES
_MODEL_TAIL = r"(?:-(?:\d{6}|step\d{8}))?"  # after the name: an epoch or a step, or nothing
_SAMPLE_TAIL = r"_e?\d{6}_\d{2}_"
_STATE_TAIL = _MODEL_TAIL + r"-state"


def is_model_of(name: str, stem: str) -> bool:
    """``stem`` is a checkpoint sd-scripts writes for the output name ``name``."""
    return re.fullmatch(re.escape(name) + _MODEL_TAIL, stem) is not None


def is_sample_of(name: str, filename: str) -> bool:
    return re.match(re.escape(name) + _SAMPLE_TAIL, filename) is not None


def files_of(folder: Path, name: str) -> list[Path]:
    """What sd-scripts wrote into ``folder`` under the output name ``name``."""
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    state = re.compile(re.escape(name) + _STATE_TAIL)
    for p in entries:
        if (p.suffix.lower() in MODEL_SUFFIXES and is_model_of(name, p.stem)) or state.fullmatch(
            p.name
        ):
            found.append(p)
    with contextlib.suppress(OSError):
        found += [p for p in (folder / "sample").iterdir() if is_sample_of(name, p.name)]
    return found


def _claims(runs: Path, folder: Path) -> dict[str, dict[str, Any]]:
    """Output name -> the newest run (``{"id", "status"}``) in the runs folder ``runs``
    that writes into ``folder`` under it."""
    claims: dict[str, dict[str, Any]] = {}
    try:
        run_dirs = sorted(p for p in runs.iterdir() if p.is_dir())
    except OSError:
        return claims
    for run_dir in run_dirs:
        cmd = read_json(run_dir / "command.json")
        if cmd.get("output_dir") and _same(Path(cmd["output_dir"]), folder):
            status = read_json(run_dir / "state.json").get("status")
            claims[str(cmd.get("output_name") or "")] = {"id": run_dir.name, "status": status}
    return claims


def _same(a: Path, b: Path) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def free_output_name(folder: Path, name: str, runs: Path) -> tuple[str, str]:
    """An output name no file in ``folder`` and no live run in ``runs`` uses: ``name``
    itself, else ``name-2``, ``name-3`` …; and, when it is not ``name``, why (a note).

    A finished run's name is free again once its files are gone; :class:`RunOutputs`
    then keeps the two runs' files apart by time.
    """
    claims = _claims(runs, folder)
    n = 1
    candidate = name
    while claims.get(candidate, {}).get("status") in ACTIVE or files_of(folder, candidate):
        n += 1
        candidate = f"{name}-{n}"
    if candidate == name:
        return name, ""
    owner = claims.get(name)
    whose = f"run {owner['id']}'s" if owner else "files not from a run of this dataset"
    return candidate, (
        f"output name {candidate}: {folder} already holds {name}.safetensors or its "
        f"checkpoints or samples ({whose}), so this run's files are named {candidate}* and "
        "no run writes over another's (set output_name to choose the name)"
    )


@dataclass
class RunOutputs:
    folder: Path
    name: str
    since_ns: int
    samples: dict[str, int] = field(default_factory=dict)  # path -> mtime_ns
    models: dict[str, int] = field(default_factory=dict)  # path -> size in bytes

    until_ns: int | None = None  # files written later are a later run's (same folder, name)

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
        folder = Path(folder).resolve()
        return cls(folder, name, since, until_ns=_next_same(Path(run_path), folder, name, since))

    def _is_sample(self, path: Path) -> bool:
        return (
            path.suffix.lower() in SAMPLE_SUFFIXES
            and path.parent.name == "sample"
            and (not self.name or is_sample_of(self.name, path.name))
        )

    def _is_model(self, path: Path) -> bool:
        return (
            path.suffix.lower() in MODEL_SUFFIXES
            and path.parent == self.folder
            and (not self.name or is_model_of(self.name, path.stem))
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
            if self.until_ns is not None and st.st_mtime_ns >= self.until_ns:
                continue  # a later run's, written over this one's name
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


def _next_same(run_path: Path, folder: Path, name: str, since: int) -> int | None:
    """When the next run writing into ``folder`` under ``name`` was created (None: none
    was). Runs get names of their own now; runs made before could share one."""
    later = []
    try:
        siblings = [p for p in run_path.parent.iterdir() if p.name > run_path.name]
    except OSError:
        return None
    for other in siblings:
        cmd = read_json(other / "command.json")
        final, out = cmd.get("final_model"), cmd.get("output_dir")
        if not final or not out or Path(final).stem != name or not _same(Path(out), folder):
            continue
        try:
            created = (other / "command.json").stat().st_mtime_ns
        except OSError:
            continue
        if created > since:
            later.append(created)
    return min(later, default=None)


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
