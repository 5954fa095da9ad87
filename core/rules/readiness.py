"""Readiness: the repeats and steps ``lorapan train`` will use, predicted live.

The plan is the training module's own (``lorapan.core.training.config.build_plan``):
same preset choice, same ``[training]`` layers (user config, ``lorapan.toml``), same
bucket settings and the same bucket-aware repeats search, so the numbers here are
the ones ``lorapan train DIR --dry-run`` prints.

Image sizes are read once per image and kept in a :class:`SizeTable`: from the
image-analysis facts where the cached size is the one sd-scripts buckets by
(square, or a format without EXIF orientation, as ``training.inputs.cached_sizes``
decides), otherwise from the file header (no decode). An image is read again only
when its file's stamp (size, mtime) changed, so a caption edit costs one ``stat``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lorapan.core.dataset import Dataset

Size = tuple[int, int]
Stamp = tuple[int, int]

# Formats whose files carry no EXIF orientation: the analysed (oriented) size is the
# stored size sd-scripts buckets by. Mirrors ``training.inputs.cached_sizes``.
NO_ORIENTATION = frozenset({"PNG", "BMP", "GIF"})


@dataclass(frozen=True)
class StepFacts:
    preset: str
    target: int
    repeats: list[int]  # per kohya folder, in training's folder order
    total_steps: int | None
    steps_per_epoch: int | None
    epochs: int | None
    in_folders: bool  # False: no kohya folder yet, all images taken as one
    unsized: int  # images with no readable size (training leaves them out)
    folder_steps: int | None = None  # steps with the folders' own N_ repeats
    error: str = ""  # a [training] setting training would refuse


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def trusted_size(facts: Any) -> Size | None:
    """The analysed size when sd-scripts would bucket the file by the same size."""
    if facts is None or not getattr(facts, "ok", True):
        return None
    w, h = getattr(facts, "width", None), getattr(facts, "height", None)
    if not (isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0):
        return None
    fmt = str(getattr(facts, "format", "") or "").upper()
    return (w, h) if w == h or fmt in NO_ORIENTATION else None


class SizeTable:
    """Image sizes by relpath, read once and refreshed only when a file changes."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[Stamp | None, Size | None]] = {}
        self.version = 0  # bumped whenever a size appears, changes or goes

    def sync(self, ds: Dataset, facts: Mapping[str, Any] | None) -> None:
        """Add images not seen yet, drop the gone ones (after images came or went)."""
        items = ds.items
        gone = [rel for rel in self._rows if rel not in items]
        for rel in gone:
            del self._rows[rel]
        new = [rel for rel in items if rel not in self._rows]
        for rel in new:
            self._read(ds, rel, facts.get(rel) if facts else None)
        if gone or new:
            self.version += 1

    def refresh(self, ds: Dataset, relpaths: Iterable[str]) -> bool:
        """Re-read the images whose file changed; True when a size changed."""
        changed = False
        for rel in relpaths:
            row = self._rows.get(rel)
            item = ds.items.get(rel)
            if row is None or item is None:
                continue
            if _stamp(item.image_path) == row[0]:
                continue
            before = row[1]
            self._read(ds, rel, None)  # the cached facts describe the old file
            changed |= self._rows[rel][1] != before
        if changed:
            self.version += 1
        return changed

    def _read(self, ds: Dataset, rel: str, facts: Any) -> None:
        from lorapan.core.training.inputs import image_size

        path = ds.items[rel].image_path
        stamp = _stamp(path)
        size = trusted_size(facts) if stamp is not None else None
        if size is None and stamp is not None:
            size = image_size(path)
        self._rows[rel] = (stamp, size)

    @property
    def rows(self) -> Mapping[str, tuple[Stamp | None, Size | None]]:
        return self._rows

    def get(self, rel: str) -> Size | None:
        row = self._rows.get(rel)
        return row[1] if row else None


def train_inputs(ds: Dataset, sizes: SizeTable) -> tuple[Any, bool, int]:
    """The ``TrainInputs`` ``lorapan train`` builds for this dataset, from known sizes.

    Only images in kohya ``N_name`` folders train; with no such folder yet, all
    images are taken as one folder so the summary can say which repeats to name it.
    """
    from lorapan.core.training.inputs import FolderInput, TrainInputs

    root = ds.root
    per: dict[str, FolderInput] = {}  # by folder relpath: one Path per folder, not per image
    in_folders = bool(ds.folders)
    unsized = 0
    rows = sizes.rows
    for rel, item in ds.items.items():
        folder = item.folder
        if in_folders and folder is None:
            continue  # kohya ignores it (kohya.ignored-folder says so)
        key = folder.path if folder else ""
        fi = per.get(key)
        if fi is None:
            path = root / key if key else root
            fi = per[key] = FolderInput(path, int(folder.repeats) if folder else 1)
        row = rows.get(rel)
        if row is None or row[1] is None:
            fi.unreadable.append(item.image_path)
            unsized += 1
        else:
            fi.sizes.append(row[1])
    folders = sorted(per.values(), key=lambda f: f.path)  # training's order
    return TrainInputs(root, ds.settings, folders, Counter()), in_folders, unsized


def step_facts(ds: Dataset, sizes: SizeTable) -> StepFacts:
    """What ``lorapan train`` would plan now (``build_plan``, without writing anything)."""
    from lorapan.core.training.config import bucket_spec, build_plan, read_user_training
    from lorapan.core.training.presets import PresetError, preset_for_kind
    from lorapan.core.training.steps import FolderSizes, plan_steps

    inputs, in_folders, unsized = train_inputs(ds, sizes)
    try:
        plan = build_plan(
            inputs, ds.root / ".lorapan" / "runs" / "next", user_table=read_user_training()
        )
    except Exception as exc:  # noqa: BLE001 - a bad [training] table must not stop the check
        preset = preset_for_kind(ds.settings.kind)
        target = int(preset.params.get("targetSteps", 0) or 0)
        why = str(exc) if isinstance(exc, PresetError) else f"cannot plan training ({exc})"
        return StepFacts(preset.name, target, [], None, None, None, in_folders, unsized, None, why)
    p = plan.params
    target = int(p.get("targetSteps", 0) or 0)
    st = plan.steps
    folder_steps = None
    if in_folders and inputs.folders:
        own = [FolderSizes(tuple(f.sizes), f.repeats) for f in inputs.folders]
        folder_steps = plan_steps(
            own,
            bucket_spec(plan.dataset_config),
            int(p.get("trainBatchSize", 1)),
            max_train_epochs=int(p.get("maxTrainEpochs", 1) or 1),
            num_processes=max(1, int(plan.settings["num_processes"])),
        ).total_steps
    has_images = inputs.image_count > 0
    return StepFacts(
        plan.preset,
        target,
        list(plan.num_repeats) if has_images else [],
        st.total_steps if has_images else None,
        st.steps_per_epoch if has_images else None,
        st.epochs if has_images else None,
        in_folders,
        unsized,
        folder_steps,
    )
