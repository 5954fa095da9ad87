"""Starting a training run: open → plan → check → create the run folder → start.

``lorapan train`` and the app's training screen both start runs through
:func:`start_training`. The dataset folder is scanned once and the run planned
once: the method's rules run on the same open dataset (findings only; their
readiness would plan again), and the run folder is created only after the checks
passed, so a refused start leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorapan.core.dataset import Dataset
from lorapan.core.method.kind import resolve_kind
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.inputs import load_inputs as rule_inputs
from lorapan.core.training import inputs as training_inputs
from lorapan.core.training.config import RunPlan, build_plan
from lorapan.core.training.inputs import TrainInputs
from lorapan.core.training.preflight import Check, RuleErrors, blocking, preflight
from lorapan.core.training.presets import Preset
from lorapan.core.training.runs import (
    RunBusy,
    RunError,
    RunInfo,
    live_run,
    new_run_dir,
    refuse_if_live,
    start_run,
)
from lorapan.core.training.runstate import runs_dir
from lorapan.core.training.trainer_check import check_plan, trainer_configured
from lorapan.core.user_config import load_user_config


@dataclass
class StartRequest:
    """What to start: the dataset and the choices ``lorapan train`` takes."""

    root: Path
    preset: str | None = None  # None: the dataset's kind (or [training] preset)
    civitai: Preset | None = None  # a Civitai params JSON, parsed
    sdxl: bool | None = None  # None: from the settings
    overrides: dict[str, str] = field(default_factory=dict)  # --set KEY=VALUE
    force: bool = False  # start despite error-level findings of the rules
    env: dict[str, str] | None = None  # extra environment for the trainer
    inputs: TrainInputs | None = None  # the dataset as already read for a prediction
    check_trainer: bool = True  # ask sd-scripts itself before starting (when configured)
    #: the user config's [training] (the caller read it and showed its problems); None: read now
    user_training: dict[str, Any] | None = None


@dataclass
class StartOutcome:
    plan: RunPlan
    inputs: TrainInputs
    checks: list[Check]
    run: RunInfo | None = None  # None: a dry run, or refused by the checks

    @property
    def errors(self) -> list[Check]:
        return blocking(self.checks)


def plan_start(request: StartRequest) -> StartOutcome:
    """Open, plan and check; writes nothing (what ``--dry-run`` shows).

    Raises ``ValueError`` (presets, settings) or ``OSError`` when no plan can be made.
    """
    root = Path(request.root).expanduser()
    ds = Dataset.open(root)
    resolve_kind(ds)  # an unset kind as the captions show it: its preset, as `check` says
    inputs = request.inputs or training_inputs.from_dataset(ds)
    user_table = request.user_training
    if user_table is None:
        user_table = load_user_config().table("training")
    plan = build_plan(
        inputs,
        new_run_dir(root, create=False),
        preset=request.preset,
        civitai=request.civitai,
        sdxl=request.sdxl,
        overrides=request.overrides,
        user_table=user_table,
    )
    checks = preflight(plan, inputs, rule_errors=rule_errors(ds), force=request.force)
    if (live := live_run(runs_dir(root.resolve()))) is not None:
        checks.append(Check("warning", f"{RunBusy(live)}; a start now is refused"))
    return StartOutcome(plan, inputs, checks)


def start_training(
    request: StartRequest,
    *,
    dry_run: bool = False,
    on_checked: Callable[[StartOutcome], None] | None = None,
) -> StartOutcome:
    """Plan and check, then (unless ``dry_run`` or an error-level check) start the run.

    ``on_checked`` sees the checked plan before anything is created (the CLI prints
    the checks there, so they come before "started run"). Raises what
    :func:`plan_start` raises, and :class:`RunError` when the run cannot be started:
    :class:`RunBusy`, before anything is planned, while another run of the dataset is
    live (checked again, under the start lock, as the run is written).
    """
    root = Path(request.root).expanduser()
    if not dry_run:
        refuse_if_live(runs_dir(root.resolve()))
    outcome = plan_start(request)
    if not dry_run and request.check_trainer and not outcome.errors:
        outcome.checks += trainer_checks(outcome.plan)
    if on_checked is not None:
        on_checked(outcome)
    if dry_run or outcome.errors:
        return outcome
    try:
        run_dir = new_run_dir(root)
    except OSError as exc:
        raise RunError(str(exc)) from exc
    try:
        outcome.plan = outcome.plan.moved_to(run_dir)
        outcome.run = start_run(outcome.plan, env=request.env)
    except RunError:
        with contextlib.suppress(OSError):
            run_dir.rmdir()  # refused before writing (a run started meanwhile): still empty
        raise
    except OSError as exc:
        raise RunError(str(exc)) from exc
    return outcome


def check_only(request: StartRequest) -> StartOutcome:
    """``lorapan train --check``: the plan, the checks and sd-scripts' own verdict; no start."""
    outcome = plan_start(request)
    configured = trainer_configured(outcome.plan)
    if configured:
        outcome.checks += check_plan(outcome.plan)
    elif not any("sd-scripts" in c.message or "not found in" in c.message for c in outcome.errors):
        outcome.checks.append(
            Check(
                "error",
                "sd-scripts cannot be asked: sd_scripts needs a kohya-ss/sd-scripts checkout "
                "(with library/) and python the Python of its venv",
            )
        )
    return outcome


def trainer_checks(plan: RunPlan) -> list[Check]:
    """sd-scripts' verdict on the plan, or a note that it could not be asked."""
    if trainer_configured(plan):
        return check_plan(plan)
    return [
        Check("info", "not checked with sd-scripts itself (no sd-scripts checkout with library/)")
    ]


def rule_errors(ds: Dataset) -> RuleErrors:
    """The method's error-level findings as (rule id, images), for the pre-flight check."""
    try:
        engine = RulesEngine(ds, live=False, **rule_inputs(ds).engine_kwargs())
        findings = engine.findings()
    except Exception as exc:  # noqa: BLE001 - a rules failure must not hide the other checks
        return [(f"the rules could not run: {exc}", 0)]
    return [(f.rule_id, len(f.images)) for f in findings if f.severity == "error"]
