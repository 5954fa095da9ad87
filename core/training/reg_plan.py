"""Class images (DreamBooth regularisation) in a training plan: subsets and what to say.

The dataset keeps class images apart (:mod:`lorapan.core.dataset.reg`); training
emits each of their folders as an ``is_reg`` subset, and the step math
(:func:`lorapan.core.training.steps.raised_reg_repeats`) counts them as sd-scripts
raises them. A step target counts the training images' steps
(:func:`~lorapan.core.training.steps.steps_with_reg`).
"""

from __future__ import annotations

import os
from typing import Any

from lorapan.core.training.inputs import FolderInput, TrainInputs
from lorapan.core.training.steps import StepPlan


def reg_subset(folder: FolderInput) -> dict[str, Any]:
    """A class-image subset: ``is_reg``, its own repeats (sd-scripts raises them to match
    the training images), and its class token for the images without a caption (in a
    dataset TOML sd-scripts parses no ``N_class`` folder name, so it is written out)."""
    sub: dict[str, Any] = {"image_dir": str(folder.path), "num_repeats": int(folder.repeats)}
    sub["is_reg"] = True
    if folder.class_token:
        sub["class_tokens"] = folder.class_token
    return sub


def reg_note(inputs: TrainInputs, steps: StepPlan, target: int) -> str:
    """How the class images change the run; empty without them."""
    if not inputs.reg_folders:
        return ""
    dirs = ", ".join(
        f"{os.path.relpath(f.path, inputs.root)}"
        + (f" (class '{f.class_token}')" if f.class_token else "")
        for f in inputs.reg_folders
    )
    text = (
        f"regularisation: {steps.reg_images} class images in {dirs} train as is_reg subsets; "
        f"sd-scripts raises their repeats until they match the {steps.images_with_repeats} "
        f"training images with repeats, so an epoch has {steps.steps_per_epoch} steps"
    )
    if steps.reg_used < steps.reg_images:
        text += (
            f"; only {steps.reg_used} of them are used, the first in sd-scripts' order "
            "(they outnumber the training images with repeats)"
        )
    if target:
        text += (
            f"; targetSteps {target} counts the training images' steps, so the run takes "
            f"{steps.total_steps} with the class images'"
        )
    return text
