"""Copy a run's model out, with a metadata sidecar: what a user uploads.

The sidecar ``<model>.json`` beside the copy holds the keys the A1111/Forge LoRA
browser reads (``activation text``, ``sd version``, ``description``) and, under
``lorapan``, where the model came from: the dataset, the preset and its parameters,
the steps, the tags the captions used and the file's SHA-256 (Civitai's AutoV2 hash
is its first 10 hex digits).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from lorapan.core.training.checkpoints import Checkpoint
from lorapan.core.training.runs import RunError, RunInfo


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def model_card(run: RunInfo, ckpt: Checkpoint, digest: str) -> dict[str, Any]:
    cmd, ds = run.command, run.command.get("dataset") or {}
    tags = ds.get("tags") or []
    trigger = ds.get("core_tag") or ""
    return {
        "description": f"LoRA trained by lorapan on {ds.get('name') or 'a dataset'} "
        f"({ds.get('kind') or 'unknown kind'}), {ckpt.label} of {cmd.get('total_steps')} steps",
        "activation text": trigger,
        "sd version": "SDXL" if cmd.get("sdxl") else "SD1",
        "preferred weight": 1.0,
        "lorapan": {
            "run": run.id,
            "status": run.status,
            "dataset": {k: v for k, v in ds.items() if k != "tags"},
            "preset": cmd.get("preset"),
            "params": cmd.get("params"),
            "num_repeats": cmd.get("num_repeats"),
            "checkpoint_step": ckpt.step,
            "final": ckpt.final,
            "total_steps": cmd.get("total_steps"),
            "tags_used": [{"tag": t, "images": n} for t, n in tags],
            "file": ckpt.path.name,
            "sha256": digest,
            "autov2": digest[:10],
        },
    }


def destination(dest: str | Path, name: str) -> tuple[Path, bool]:
    """Where an export of the file ``name`` goes: (the model's path, whether its folder
    is to be made). Raises :class:`RunError` for a place it cannot go.

    ``dest`` is a folder when it exists as one or ends with ``/`` (``out/``: the model
    goes in as ``out/<name>``; that one folder is made when its parent exists), else the
    model's file name (a missing extension is added). lorapan makes no more than that
    one folder: a missing parent is more likely a typo than a wish.
    """
    text = str(dest)
    path = Path(text).expanduser()
    as_folder = text.endswith(("/", os.sep)) or path.is_dir()
    if as_folder and path.exists() and not path.is_dir():
        raise RunError(f"{path} is a file, not a folder (drop the trailing /)")
    parent = path.parent  # must exist: the model's folder, or the one the folder is made in
    if not parent.is_dir():
        raise RunError(
            f"{parent} does not exist: make it first (mkdir -p {parent}) or export into "
            "a folder that exists"
        )
    target = path / name if as_folder else path
    return target, as_folder and not path.exists()


def export(
    run: RunInfo, ckpt: Checkpoint, dest: str | Path, force: bool = False
) -> tuple[Path, Path]:
    """Copy ``ckpt`` to ``dest`` (see :func:`destination`) and write the sidecar.

    Nothing is overwritten without ``force``; each file is written beside its final
    name and renamed into place, so a reader never sees half a model.
    """
    target, make_folder = destination(dest, ckpt.path.name)
    if target.suffix != ckpt.path.suffix:
        target = target.with_name(target.name + ckpt.path.suffix)
    sidecar = target.with_suffix(".json")
    for path in (target, sidecar):
        if path.exists() and not force:
            raise RunError(f"{path} exists (--force replaces it)")
    if make_folder:
        target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(ckpt.path, tmp)
    os.replace(tmp, target)
    card = model_card(run, ckpt, sha256(target))
    tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)
    return target, sidecar
