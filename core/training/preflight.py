"""Checks before a run starts; each failure is one clear message with what to do."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from lorapan.core.commands_hint import hint
from lorapan.core.training.config import RunPlan
from lorapan.core.training.folders import folder_advice
from lorapan.core.training.inputs import TrainInputs
from lorapan.core.training.run_settings import looks_local
from lorapan.core.training.schema import validate_dataset_config, validate_train_args
from lorapan.core.words import plural


@dataclass
class Check:
    level: str  # "error", "warning" or "info"
    message: str
    hint: str = ""
    overridable: bool = False  # an error the user may start despite (--force / a confirm)
    details: tuple[str, ...] = ()  # one line per item the message counts


RuleErrors = list[tuple[str, int]]  # error-level findings as (rule id, images)


def rule_errors_text(errors: RuleErrors) -> str:
    """``3 error-level findings: tags.core (6 images), bundle.bio-overlap ×2 (12 images)``."""
    per_rule: dict[str, list[int]] = {}
    for rule, images in errors:
        per_rule.setdefault(rule, []).append(images)
    parts = []
    for rule, counts in per_rule.items():
        times = f" ×{len(counts)}" if len(counts) > 1 else ""
        n = sum(counts)
        parts.append(f"{rule}{times} ({n} image{'' if n == 1 else 's'})" if n else rule)
    word = "finding" if len(errors) == 1 else "findings"
    return f"{len(errors)} error-level {word}: " + ", ".join(parts)


def _executable(name: str) -> bool:
    return bool(shutil.which(name)) or (Path(name).is_file() and os.access(name, os.X_OK))


def preflight(
    plan: RunPlan,
    inputs: TrainInputs,
    *,
    rule_errors: RuleErrors | None = None,
    force: bool = False,
) -> list[Check]:
    """Everything that would make the run fail or waste GPU time, found up front.

    ``rule_errors`` are the method's error-level findings, checked by the caller
    (:mod:`lorapan.core.workflows` runs the rules on the dataset it opened for the
    plan); they block the start unless ``force``. None: the rules were not run.
    """
    s = plan.settings
    checks: list[Check] = []
    if rule_errors:
        level = "warning" if force else "error"
        checks.append(
            Check(
                level,
                rule_errors_text(rule_errors),
                f"`{hint('fix', inputs.root)}` (details: `{hint('check', inputs.root)}`), "
                "or start anyway with --force",
                overridable=True,
                details=tuple(
                    f"{rule} ({n} image{'' if n == 1 else 's'})" if n else rule
                    for rule, n in rule_errors
                ),
            )
        )
    if not inputs.folders or inputs.image_count == 0:
        checks.append(Check("error", f"no images to train under {inputs.root}"))
    elif advice := folder_advice(plan.num_repeats, inputs.in_kohya_folders):
        checks.append(Check("info", advice))
    unreadable = [p for f in inputs.folders + inputs.reg_folders for p in f.unreadable]
    if unreadable:
        checks.append(
            Check("warning", f"{len(unreadable)} unreadable image(s), e.g. {unreadable[0]}")
        )
    not_read = [p for f in inputs.folders for p in f.not_read]
    if not_read:
        checks.append(
            Check(
                "warning",
                f"{len(not_read)} image(s) in a format kohya does not read, left out of the "
                f"steps (e.g. {not_read[0]}): save them as PNG to train them",
            )
        )
    sd = Path(s["sd_scripts"]).expanduser() if s["sd_scripts"] else None
    script = "sdxl_train_network.py" if plan.sdxl else "train_network.py"
    if sd is None:
        checks.append(
            Check(
                "error",
                "the sd-scripts folder is not set",
                "set sd_scripts in lorapan.toml [training] or the user config",
            )
        )
    elif not (sd / script).is_file():
        checks.append(
            Check(
                "error",
                f"{script} not found in {sd}",
                "point sd_scripts at a kohya-ss/sd-scripts checkout",
            )
        )
    launcher = plan.argv[0]
    if not _executable(launcher):
        checks.append(
            Check(
                "error",
                f"cannot run {launcher}",
                "set python (or accelerate) in [training] to the sd-scripts venv",
            )
        )
    model = s["base_model"]
    if not model:
        checks.append(Check("error", "base model not set", "set base_model in [training]"))
    elif looks_local(model) and not Path(model).expanduser().exists():
        checks.append(
            Check(
                "error",
                f"base model not found: {model}",
                "set base_model to a .safetensors file or a diffusers folder",
            )
        )
    out = Path(s["output_dir"])
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), None)
    if probe is None or not os.access(probe, os.W_OK):
        checks.append(Check("error", f"output folder not writable: {out}"))
    for problem in validate_dataset_config(plan.dataset_config):
        checks.append(Check("error", f"dataset config: {problem}"))
    for problem in validate_train_args(plan.script_args, plan.sdxl):
        checks.append(Check("error", f"trainer arguments: {problem}"))
    for problem in plan.problems:
        checks.append(Check("error", problem))
    for warning in plan.warnings:
        checks.append(Check("warning", warning))
    checks += [Check("info", note) for note in plan.notes]
    checks.append(Check("info", steps_summary(plan)))
    checks.append(Check("info", plan.sampling.text(plan.steps.total_steps)))
    return checks


def steps_summary(plan: RunPlan) -> str:
    """The predicted step count as the trainer will print it, for showing before a start."""
    st = plan.steps
    if not st.images:
        return "no images: nothing to train"
    reg = (
        f" + {st.reg_images} class images raised to {st.reg_with_repeats}" if st.reg_images else ""
    )
    return (
        f"{st.images} images × {'/'.join(map(str, plan.num_repeats)) or 0} repeats "
        f"= {st.images_with_repeats}{reg}; {st.steps_per_epoch} steps/epoch, {_epochs_text(plan)}, "
        f"{st.total_steps} steps in total ({_civitai_text(plan)})" + _processes_text(plan)
    )


def civitai_repeats(plan: RunPlan) -> int:
    """The one ``numRepeats`` Civitai's trainer takes: the folders' own when they agree,
    else the one that trains as many images in all (the per-folder balance is lost)."""
    repeats = plan.num_repeats
    if len(set(repeats)) <= 1:
        return repeats[0] if repeats else 1
    st = plan.steps
    return max(1, round(st.images_with_repeats / max(1, st.images)))


def _civitai_text(plan: RunPlan) -> str:
    if len(set(plan.num_repeats)) <= 1:
        return f"Civitai's formula: {plan.steps.civitai_steps}"
    return (
        "Civitai's trainer takes one numRepeats for every folder, so these per-folder "
        f"repeats train as planned only here; --export-civitai writes {civitai_repeats(plan)}"
    )


def _processes_text(plan: RunPlan) -> str:
    """kohya splits each epoch's batches over the processes (one per GPU)."""
    n = int(plan.settings.get("num_processes") or 1)
    if n <= 1:
        return ""
    bs = int(plan.params.get("trainBatchSize", 1))
    return f"; {n} processes: each step trains {n} batches of {bs} at once, one per GPU"


def _epochs_text(plan: RunPlan) -> str:
    """``10 epochs``, or with a target that is not whole epochs, why kohya counts one more.

    ``--max_train_steps T`` (targetSteps) overrides maxTrainEpochs: computed repeats
    make E epochs reach T, but whole repeats rarely hit it, so the last epoch is
    partial; repeats given by hand can make the trainer count one epoch more.
    """
    st = plan.steps
    if not st.steps_per_epoch:
        return plural(st.epochs, "epoch")
    full, rest = divmod(st.total_steps, st.steps_per_epoch)
    if not rest:
        return plural(full, "epoch")
    if full == 0:  # the target ends the run inside its only epoch
        text = (
            f"the target ends the run after {rest} of the epoch's {st.steps_per_epoch} steps "
            f"(the trainer counts {plural(st.epochs, 'epoch')}"
        )
    else:
        text = (
            f"{plural(full, 'full epoch')} + {plural(rest, 'step')} "
            f"(the trainer counts {plural(st.epochs, 'epoch')}"
        )
    target = int(plan.params.get("targetSteps", 0) or 0)
    epochs = int(plan.params.get("maxTrainEpochs", 0) or 0)
    if target and epochs and epochs != st.epochs:
        text += (
            f": targetSteps {target} decides the length, not maxTrainEpochs {epochs}; "
            f"--set targetSteps=0 trains {plural(epochs, 'whole epoch')}"
        )
    return text + ")"


def blocking(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.level == "error"]
