"""Starting a run: one workflow (open → plan → check → run folder → start) for CLI and app."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from lorapan.core.dataset import Dataset
from lorapan.core.training import config
from lorapan.core.training.runs import load_run
from lorapan.core.workflows import training_start
from lorapan.core.workflows.training_start import StartRequest, start_training
from lorapan.main import main
from lorapan.tui.screens.training import TrainingScreen
from lorapan.tui.screens.training_start import StartTrainingScreen
from test_training_env import make_dataset, replay_env, runnable_training, wait_for
from training_helpers import Host, _until


def _count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[object]:
    """Record each call of ``owner.name`` (and of every lorapan module's copy of it)."""
    real = getattr(owner, name)
    calls: list[object] = []

    def counting(*args, **kwargs):
        calls.append(args[0] if args else None)
        return real(*args, **kwargs)

    if isinstance(owner, type):  # a classmethod: patch the class, every caller sees it
        monkeypatch.setattr(owner, name, classmethod(lambda cls, *a, **k: counting(*a, **k)))
        return calls
    for module in list(sys.modules.values()):
        if (
            getattr(module, "__name__", "").startswith("lorapan")
            and getattr(module, name, None) is real
        ):
            monkeypatch.setattr(module, name, counting)
    return calls


def test_dry_run_scans_the_folder_once_and_plans_once(tmp_path, monkeypatch, capsys):
    # Captions without the style tag: the rules run and find an error, as a real check does.
    root = make_dataset(
        tmp_path / "ds", training=runnable_training(tmp_path), tags="gob goblin, solo"
    )
    opened = _count_calls(monkeypatch, Dataset, "open")
    plans = _count_calls(monkeypatch, config, "build_plan")
    code = main(["train", str(root), "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # the rules' error-level finding blocks a start
    assert any("error-level finding" in c["message"] for c in out["checks"])
    assert out["steps"]["total_steps"] == 10
    assert len(opened) == 1, f"the dataset folder was scanned {len(opened)} times"
    assert len(plans) == 1, f"the run was planned {len(plans)} times"


def test_refused_start_creates_no_run_folder(tmp_path, monkeypatch, capsys):
    root = make_dataset(tmp_path / "ds")  # no sd-scripts, no base model
    made = _run_folders_made(monkeypatch)
    assert main(["train", str(root)]) == 1
    assert "sd-scripts folder is not set" in capsys.readouterr().err
    assert made == []  # not created and then deleted: never created
    assert not (root / ".lorapan" / "runs").exists() or not any(
        (root / ".lorapan" / "runs").iterdir()
    )


def _run_folders_made(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    real = training_start.new_run_dir
    made: list[Path] = []

    def recording(root: Path, create: bool = True) -> Path:
        path = real(root, create)
        if create:
            made.append(path)
        return path

    monkeypatch.setattr(training_start, "new_run_dir", recording)
    return made


def test_started_run_reads_its_files_from_its_own_folder(tmp_path):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    outcome = start_training(StartRequest(root, env=replay_env(step_s=0.01)))
    assert outcome.run is not None and outcome.errors == []
    run = outcome.run
    argv = run.command["argv"]
    for name in ("dataset.toml", "prompts.txt"):
        assert str(run.path / name) in argv and (run.path / name).is_file()
    assert wait_for(lambda: not load_run(run.path).active)
    assert load_run(run.path).status == "succeeded"


def test_plan_moved_to_another_folder_takes_every_run_path_along(tmp_path):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    plan = training_start.plan_start(StartRequest(root)).plan
    old, new = plan.run_dir, tmp_path / "runs" / "20250101-000000-1"
    moved = plan.moved_to(new)
    assert moved.run_dir == new and plan.run_dir == old
    assert str(new / "dataset.toml") in moved.argv and str(new / "prompts.txt") in moved.argv
    assert not [a for a in moved.argv if str(old) in a]
    assert len(moved.argv) == len(plan.argv)


def _record_starts(monkeypatch: pytest.MonkeyPatch) -> list[StartRequest]:
    real = training_start.start_training
    seen: list[StartRequest] = []

    def recording(request: StartRequest, **kwargs):
        seen.append(request)
        return real(request, **kwargs)

    monkeypatch.setattr(training_start, "start_training", recording)
    return seen


def test_cli_starts_through_the_workflow(tmp_path, monkeypatch, capsys):
    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    seen = _record_starts(monkeypatch)
    assert main(["train", str(root), "--json", "--set", "targetSteps=9"]) == 0
    run = load_run(next((root / ".lorapan" / "runs").iterdir()))
    assert json.loads(capsys.readouterr().out)["run"] == run.id
    assert [(r.root, r.overrides) for r in seen] == [(root, {"targetSteps": "9"})]
    assert wait_for(lambda: not load_run(run.path).active)


async def test_app_starts_through_the_workflow_and_a_refused_start_leaves_no_folder(
    tmp_path, monkeypatch
):
    root = make_dataset(tmp_path / "ds")  # nothing configured: the checks refuse
    seen = _record_starts(monkeypatch)
    made = _run_folders_made(monkeypatch)
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await pilot.press("s")
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, StartTrainingScreen))
        dialog = pilot.app.screen
        assert await _until(pilot, lambda: dialog.plans_built >= 1)
        await pilot.press("ctrl+s")
        assert await _until(pilot, lambda: pilot.app.screen is screen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        messages = " ".join(n.message for n in pilot.app._notifications)
    assert [r.root for r in seen] == [root]
    assert "sd-scripts folder is not set" in messages and "base model not set" in messages
    assert made == []
