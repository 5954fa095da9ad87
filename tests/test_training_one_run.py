"""One run of a dataset at a time, and each run's model files its own.

`lorapan train ds; lorapan train ds` started two runs at once, both writing
`.lorapan/output/gob.safetensors`: `runs ds <first>` listed both runs' files and
`export ds <first>` copied the second run's weights under the first run's metadata
(a CLI review). Starts go through the real entry point with the stand-in trainer.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lorapan.core.training.outputs import files_of
from lorapan.core.training.resume import saved_states
from lorapan.core.training.runs import RunBusy, find_run, list_runs, load_run, stop_run
from lorapan.core.workflows.training_start import StartRequest, start_training
from lorapan.tui.screens.training import TrainingScreen
from lorapan.tui.screens.training_start import StartTrainingScreen
from test_training_env import make_dataset, replay_env, runnable_training, wait_for
from textual.widgets import Static
from training_helpers import Host, _until


def _env(monkeypatch, step_s: float) -> None:
    for key, value in replay_env(step_s=step_s).items():
        monkeypatch.setenv(key, value)


def _default_output(tmp_path):
    """A runnable dataset whose [training] sets no output_dir (the default place)."""
    table = runnable_training(tmp_path)
    del table["output_dir"]
    return make_dataset(tmp_path / "ds", training=table)


def _run_ids(root) -> list[str]:
    return [r.id for r in list_runs(root)]


def test_runs_one_after_another_each_keep_their_own_model(tmp_path, lorapan_cmd, monkeypatch):
    _env(monkeypatch, 0.01)
    root = _default_output(tmp_path)
    for _ in range(2):
        res = lorapan_cmd("train", root, "--watch")
        assert res.returncode == 0, res.stdout + res.stderr
    first, second = list_runs(root)
    for run in (first, second):
        model = run.path / "output" / "gob.safetensors"
        assert model.is_file() and run.command["final_model"] == str(model)
    shown = json.loads(lorapan_cmd("runs", root, first.id, "--json").stdout)
    assert shown["final_model"] == str(first.path / "output" / "gob.safetensors")
    paths = [c["path"] for c in shown["checkpoints"]]
    paths += [s for c in shown["checkpoints"] for s in c["samples"]]
    assert paths and all(p.startswith(str(first.path)) for p in paths), paths
    dest = tmp_path / "upload"
    res = lorapan_cmd("export", root, first.id, f"{dest}/")
    assert res.returncode == 0, res.stderr
    card = json.loads((dest / "gob.json").read_text())
    assert card["lorapan"]["run"] == first.id
    started = lorapan_cmd("train", root, "--dry-run").stdout
    assert f"--output_dir {root.resolve()}/.lorapan/runs/" in started


def test_a_start_while_a_run_is_live_is_refused_with_exit_3(tmp_path, lorapan_cmd, monkeypatch):
    _env(monkeypatch, 3)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    live = json.loads(lorapan_cmd("train", root, "--json").stdout)["run"]
    res = lorapan_cmd("train", root)
    assert res.returncode == 3, res.stderr
    assert f"run {live} of this dataset is still" in res.stderr
    assert f"lorapan stop {root} {live}" in res.stderr
    assert f"lorapan runs {root} --watch" in res.stderr
    refused = lorapan_cmd("train", root, "--json")
    assert refused.returncode == 3
    out = json.loads(refused.stdout)
    assert out["started"] is False and out["busy"]["run"] == live
    assert f"lorapan stop {root} {live}" in out["next"] and out["errors"][0]["message"]
    assert _run_ids(root) == [live]  # no folder for the refused starts
    dry = lorapan_cmd("train", root, "--dry-run")
    assert dry.returncode == 0 and f"warning: run {live} of this dataset is still" in dry.stdout
    assert lorapan_cmd("stop", root, live, "--grace", "10", "5").returncode == 0
    monkeypatch.setenv("REPLAY_STEP_S", "0.01")
    # a stopped run that wrote no file under gob (its first checkpoint is at step 4)
    # leaves the name free
    name = "gob-2" if files_of(tmp_path / "out", "gob") else "gob"
    res = lorapan_cmd("train", root, "--watch")
    assert res.returncode == 0, res.stderr
    assert "model:  " + str(tmp_path / "out" / f"{name}.safetensors") in res.stdout


def test_two_starts_at_once_start_one_run(tmp_path, monkeypatch):
    """Both may find the dataset free before planning; the start lock lets one through."""
    _env(monkeypatch, 3)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    cmd = [sys.executable, "-m", "lorapan", "train", str(root), "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    results = [(p.wait(timeout=300), p.communicate()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 3], [err.decode() for _, (_, err) in results]
    started = next(json.loads(out)["run"] for code, (out, _) in results if code == 0)
    assert _run_ids(root) == [started]
    assert find_run(root, started).active
    stop_run(find_run(root, started), grace=(10, 5))


def test_resume_while_another_run_is_live_is_refused(tmp_path, lorapan_cmd, monkeypatch):
    _env(monkeypatch, 0.4)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    first = json.loads(lorapan_cmd("train", root, "--json").stdout)["run"]
    assert wait_for(lambda: saved_states(find_run(root, first)), timeout=60)
    assert lorapan_cmd("stop", root, first, "--grace", "10", "5").returncode == 0
    if load_run(find_run(root, first).path).status != "stopped":
        pytest.skip("the run ended before the stop: nothing to resume")
    monkeypatch.setenv("REPLAY_STEP_S", "3")
    second = json.loads(lorapan_cmd("train", root, "--json").stdout)["run"]
    res = lorapan_cmd("train", root, "--resume", first, "--json")
    assert res.returncode == 3 and f"run {second} of this dataset is still" in res.stderr
    out = json.loads(res.stdout)
    assert out["resumed"] is False and out["busy"]["run"] == second
    assert find_run(root, first).status == "stopped"
    assert lorapan_cmd("stop", root, second, "--grace", "10", "5").returncode == 0


def test_a_refused_start_under_json_prints_why_as_json(tmp_path, lorapan_cmd):
    """`train --json` with sd-scripts not set printed nothing on stdout."""
    root = make_dataset(tmp_path / "ds")
    res = lorapan_cmd("train", root, "--json")
    assert res.returncode == 1
    out = json.loads(res.stdout)
    assert out["started"] is False and out["next"]
    messages = [e["message"] for e in out["errors"]]
    assert "the sd-scripts folder is not set" in messages and "base model not set" in messages
    bad = lorapan_cmd("train", root, "--json", "--set", "targetSteps=-5")
    assert bad.returncode == 2
    assert "targetSteps = -5 is out of range" in json.loads(bad.stdout)["errors"][0]["message"]


def test_the_workflow_refuses_before_planning_and_leaves_no_folder(tmp_path, monkeypatch):
    _env(monkeypatch, 3)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    live = start_training(StartRequest(root)).run
    try:
        start_training(StartRequest(root))
    except RunBusy as exc:
        assert exc.run.id == live.id
    else:
        raise AssertionError("a second run started while the first was live")
    finally:
        stop_run(load_run(live.path), grace=(10, 5))
    assert _run_ids(root) == [live.id]


async def test_the_app_refuses_a_start_while_a_run_started_elsewhere_is_live(tmp_path, monkeypatch):
    """The screen shows an older run; a run started from a shell is live: `s` shows
    that run and says to stop it first, from the key or from the dialog."""
    _env(monkeypatch, 0.01)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    older = start_training(StartRequest(root)).run
    assert wait_for(lambda: not load_run(older.path).active)
    screen = TrainingScreen(root, older.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await pilot.press("s")  # nothing live: the dialog opens
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, StartTrainingScreen))
        dialog = pilot.app.screen
        assert await _until(pilot, lambda: dialog.plans_built >= 1)
        monkeypatch.setenv("REPLAY_STEP_S", "3")
        live = start_training(StartRequest(root)).run  # from a shell, meanwhile
        await pilot.press("ctrl+s")
        assert await _until(pilot, lambda: screen.run is not None and screen.run.id == live.id)
        assert _run_ids(root) == [older.id, live.id]
        await pilot.press("s")  # again, now from the key: no dialog
        await pilot.pause()
        assert pilot.app.screen is screen
        messages = [n.message for n in pilot.app._notifications]
        said = [m for m in messages if f"run {live.id} of this dataset is still" in m]
        assert len(said) == 2 and all("stop it first (x)" in m for m in said), messages
        status = str(screen.query_one("#tr-status", Static).render())
        assert live.id in status
    stop_run(load_run(live.path), grace=(10, 5))
    assert _run_ids(root) == [older.id, live.id]
