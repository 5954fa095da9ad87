"""Resume: a stopped run continues from its saved trainer state, its step count going on.

The stand-in trainer saves a state beside each step checkpoint (``--save_state``) and,
given ``--resume``, replays only the steps after it, counting its bar as sd-scripts
counts a resumed one (the steps left). The real trainer does the same in
``test_training_kohya.py``.
"""

from __future__ import annotations

import json

from lorapan.core.training.logparse import parse_text
from lorapan.core.training.resume import resume_argv, saved_states
from lorapan.core.training.runs import load_run
from test_training_env import make_dataset, replay_env, runnable_training, wait_for


def _started(tmp_path, lorapan_cmd, monkeypatch, step_s=0.4):
    for key, value in replay_env(step_s=step_s).items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--json")
    assert res.returncode == 0, res.stderr
    run = load_run(root / ".lorapan" / "runs" / json.loads(res.stdout)["run"])
    return root, run


def test_a_stopped_run_resumes_from_its_last_state_and_counts_on(
    tmp_path, lorapan_cmd, monkeypatch
):
    root, run = _started(tmp_path, lorapan_cmd, monkeypatch)
    assert wait_for(lambda: saved_states(load_run(run.path)), timeout=60)  # the state at step 4
    assert lorapan_cmd("stop", root, run.id, "--grace", "10", "5").returncode == 0
    stopped = load_run(run.path)
    assert stopped.status == "stopped" and stopped.state["step"] < 10
    state = saved_states(stopped)[-1]  # step 4, or 8 on a slow machine
    monkeypatch.setenv("REPLAY_STEP_S", "0.02")
    res = lorapan_cmd("train", root, "--resume", "latest", "--watch")
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"resumed run {run.id} from step {state.step} of 10" in res.stdout
    assert "step 10/10" in res.stdout and f"run {run.id}: succeeded" in res.stdout
    end = load_run(run.path)
    assert end.status == "succeeded" and end.state["step"] == 10
    assert [a["status"] for a in end.state["attempts"]] == ["stopped"]
    argv = json.loads((run.path / "resume.json").read_text())["argv"]
    assert argv[-3:] == ["--resume", str(state.folder), "--skip_until_initial_step"]
    p = parse_text(run.log.read_text(encoding="utf-8"))
    steps = [s for s, _ in p.losses]
    after = list(range(state.step + 1, 11))
    assert steps[-len(after) :] == after and p.resumed_from == state.step  # on, not from 1
    assert p.model_saved and not p.interrupted  # the first attempt's Ctrl-C is history


def test_what_cannot_be_resumed_says_why(tmp_path, lorapan_cmd, monkeypatch):
    root, run = _started(tmp_path, lorapan_cmd, monkeypatch, step_s=0.3)
    res = lorapan_cmd("train", root, "--resume", run.id)
    assert res.returncode != 0 and "still going" in res.stderr
    assert lorapan_cmd("stop", root, run.id, "--grace", "10", "5").returncode == 0
    if not saved_states(load_run(run.path)):  # stopped before the first checkpoint
        res = lorapan_cmd("train", root, "--resume", run.id)
        assert "saved no trainer state" in res.stderr
    monkeypatch.setenv("REPLAY_STEP_S", "0.01")
    res = lorapan_cmd("train", root, "--json")
    done = json.loads(res.stdout)["run"]
    assert wait_for(lambda: not load_run(root / ".lorapan" / "runs" / done).active)
    res = lorapan_cmd("train", root, "--resume", done)
    assert res.returncode != 0 and "succeeded" in res.stderr


def test_resume_replaces_an_earlier_resume_in_the_command():
    argv = [
        "accelerate",
        "launch",
        "t.py",
        "--x",
        "1",
        "--resume",
        "/a",
        "--skip_until_initial_step",
    ]
    assert resume_argv(argv, "/b") == [
        "accelerate",
        "launch",
        "t.py",
        "--x",
        "1",
        "--resume",
        "/b",
        "--skip_until_initial_step",
    ]


def test_a_resumed_runs_step_read_from_its_log_tail_counts_on(tmp_path):
    """The resumed bar counts the steps left (0/6 … 3/6); the tail read for `lorapan runs`
    no longer holds the resume line, and still gives step 7 of 10."""
    from lorapan.core.training.runs import log_progress

    def bar(n: int, total: int) -> str:
        return f"\rsteps: {100 * n // total:3d}%|#   | {n}/{total} [00:08<01:20,  1.00it/s, avr_loss=0.1{n}]"

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    first = "".join(bar(n, 10) for n in range(1, 5))
    resumed = "".join(bar(n, 6) for n in range(0, 4)) * 50  # redraws push the resume line out
    text = f"{first}\nlorapan: resuming from step 4 of 10 (state x)\n{resumed}"
    (run_dir / "log").write_text(text, encoding="utf-8")
    (run_dir / "state.json").write_text(json.dumps({"status": "running", "resumed_from": 4}))
    (run_dir / "command.json").write_text(json.dumps({"total_steps": 10}))
    run = load_run(run_dir)
    progress = log_progress(run, size=2000)
    assert "resuming" not in text[-2000:]
    assert (progress.step, progress.total, progress.loss) == (7, 10, 0.13)
