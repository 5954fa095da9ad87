"""Readiness: the repeats and steps ``lorapan train`` will use, predicted live.

The plan is the training module's own (``lorapan.core.training.config.build_plan``):
same preset choice, same ``[training]`` layers (user config, ``lorapan.toml``), same
bucket settings and the same bucket-aware repeats search, so the numbers here are
the ones ``lorapan train DIR --dry-run`` prints.

Image sizes are read once per image and kept in a :class:`SizeTable`: the stored
size sd-scripts buckets by, from the image-analysis facts (as
``training.inputs.cached_sizes`` reads them), otherwise from the file header (no
decode). An image is read again only when its file's stamp (size, mtime) changed, so
a caption edit costs one ``stat``.

:func:`build_readiness` puts the plan next to the counts and findings, and
:func:`summary_line` says it in one line (the sidebar's and ``lorapan check``'s).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from lorapan.core.dataset import Dataset
from lorapan.core.rules.context import RuleContext
from lorapan.core.rules.dataset_wide.counts import aim_range
from lorapan.core.rules.image_reads import header_of
from lorapan.core.rules.messages import plural
from lorapan.core.rules.model import CoverageItem, Finding, Readiness
from lorapan.core.training import inputs as training_inputs
from lorapan.core.training.config import bucket_spec, build_plan
from lorapan.core.training.folders import folder_advice
from lorapan.core.training.inputs import TrainInputs
from lorapan.core.training.presets import PresetError, preset_for_kind
from lorapan.core.training.steps import FolderSizes, plan_steps
from lorapan.core.user_config import load_user_config

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
    reg_images: int = 0  # class images (is_reg) whose batches the steps include


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def trusted_size(facts: Any) -> Size | None:
    """The size sd-scripts buckets the file by, from the analysis: the stored size (a PNG
    turned by an ``eXIf`` orientation is analysed upright), else, from a cache that predates
    it, the analysed size where it cannot differ."""
    if facts is None or not getattr(facts, "ok", True):
        return None
    stored = (getattr(facts, "stored_width", 0), getattr(facts, "stored_height", 0))
    if all(isinstance(x, int) and x > 0 for x in stored):
        return stored
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
        """Add images not seen yet, drop the gone ones (after images came or went).

        Class images (``ds.reg_items``) are sized too: they add batches to the plan.
        """
        items, reg = ds.items, ds.reg_items
        gone = [rel for rel in self._rows if rel not in items and rel not in reg]
        for rel in gone:
            del self._rows[rel]
        new = [rel for rel in chain(items, reg) if rel not in self._rows]
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
        path = ds.root / rel
        stamp = _stamp(path)
        size = trusted_size(facts) if stamp is not None else None
        undecodable = facts is not None and not getattr(facts, "ok", True)
        if size is None and stamp is not None and not undecodable:
            head = header_of(str(path))  # as the kohya.* rules read it: one open for both
            size = head.size if head is not None else None  # a truncated file's header reads
        self._rows[rel] = (stamp, size)

    @property
    def rows(self) -> Mapping[str, tuple[Stamp | None, Size | None]]:
        return self._rows

    def get(self, rel: str) -> Size | None:
        row = self._rows.get(rel)
        return row[1] if row else None


def train_inputs(ds: Dataset, sizes: SizeTable) -> tuple[TrainInputs, bool, int]:
    """The ``TrainInputs`` ``lorapan train`` builds for this dataset, from known sizes.

    Only images in kohya ``N_name`` folders train; with no such folder yet, all
    images are taken as one folder so the summary can say which repeats to name it.
    """
    inputs = training_inputs.from_dataset(ds, sizes.get, loose_as_one=True, count_tags=False)
    unsized = sum(len(f.unreadable) + len(f.not_read) for f in inputs.folders)
    return inputs, bool(ds.folders), unsized


def step_facts(ds: Dataset, sizes: SizeTable) -> StepFacts:
    """What ``lorapan train`` would plan now (``build_plan``, without writing anything)."""
    inputs, in_folders, unsized = train_inputs(ds, sizes)
    try:
        plan = build_plan(
            inputs,
            ds.root / ".lorapan" / "runs" / "next",
            user_table=load_user_config().table("training"),
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
        own += [FolderSizes(tuple(f.sizes), f.repeats, is_reg=True) for f in inputs.reg_folders]
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
        reg_images=st.reg_images if has_images else 0,
    )


def build_readiness(
    ctx: RuleContext,
    total: int,
    findings: list[Finding],
    cover: list[CoverageItem],
    st: StepFacts,
) -> Readiness:
    """The sidebar's readiness: counts against the aim, what is left, the predicted plan."""
    n = total
    lo, hi = aim_range(ctx, n)
    if ctx.profile.per_subject:
        lo, hi = ctx.profile.per_subject, None
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    done = sum(1 for c in cover if c.done)
    r = Readiness(
        kind=ctx.dataset.settings.kind,
        images=n,
        aim_min=lo,
        aim_max=hi,
        errors=errors,
        warnings=warnings,
        coverage_done=done,
        coverage_total=len(cover),
        preset=st.preset,
        target_steps=st.target,
        repeats=st.repeats[0] if st.repeats else None,
        predicted_steps=st.total_steps,
        sizes_known=st.unsized == 0,
        folder_steps=st.folder_steps,
        num_repeats=list(st.repeats),
        steps_per_epoch=st.steps_per_epoch,
        epochs=st.epochs,
        in_folders=st.in_folders,
        unsized=st.unsized,
        plan_error=st.error,
        reg_images=st.reg_images,
    )
    r.summary = summary_line(r, ctx.profile.per_subject is not None)
    return r


def summary_line(r: Readiness, per_subject: bool) -> str:
    if r.aim_min is not None and r.aim_max is not None:
        aim = f" (aim {r.aim_min}–{r.aim_max})"
    elif r.aim_min is not None:
        aim = f" (aim {r.aim_min}{' per subject' if per_subject else ''})"
    else:
        aim = ""
    parts = [f"{r.kind}: {plural(r.images, 'image')}{aim}"]
    parts.append(
        "no errors" if not r.errors else f"{r.errors} error{'s' if r.errors != 1 else ''} left"
    )
    if r.coverage_total:
        parts.append(f"coverage {r.coverage_done}/{r.coverage_total}")
    if r.plan_error:
        parts.append(f"no training plan: {r.plan_error}")
    elif r.repeats is not None:
        parts.append(steps_text(r))
    if r.folder_steps is not None and r.folder_steps != r.predicted_steps:
        parts.append(f"kohya folders as named: {r.folder_steps} steps")
    return " · ".join(parts)


def repeats_text(r: Readiness) -> str:
    """``12`` or ``10/20`` (folders weighted by their N_ prefix keep their ratio)."""
    return "/".join(str(n) for n in r.num_repeats) or str(r.repeats)


def _epochs_text(r: Readiness) -> str:
    """``1104/epoch × 2``; when a step target ends the run inside an epoch, which one
    (kohya then counts that partial epoch too, so "× 2" alone read as twice the steps)."""
    per, epochs, total = r.steps_per_epoch, r.epochs, r.predicted_steps
    if not per or not epochs or total is None or per * epochs == total:
        return f"{per}/epoch × {epochs}"
    into = total - per * (epochs - 1)
    return (
        f"{per}/epoch; the target ends it {into} step{'s' if into != 1 else ''} into epoch {epochs}"
    )


def steps_text(r: Readiness) -> str:
    """The plan in the words of ``lorapan train --dry-run``."""
    target = f"target {r.target_steps}, " if r.target_steps else ""
    text = (
        f"numRepeats {repeats_text(r)} → {r.predicted_steps} steps "
        f"({_epochs_text(r)}; {target}preset {r.preset})"
    )
    if r.reg_images:
        text += f", with the batches of {r.reg_images} class images"
    if r.unsized:
        text += f", {r.unsized} image{'s' if r.unsized != 1 else ''} kohya cannot read left out"
    if not r.in_folders:
        text += "; " + folder_advice(r.num_repeats, r.in_folders)
    return text
