"""Runs with real processes: the stand-in trainer replays captured sd-scripts output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.logparse import LogParser
from lorapan.core.training.runs import (
    find_run,
    follow,
    list_runs,
    load_run,
    new_run_dir,
    start_run,
    stop_run,
)
from test_training_env import alive, make_dataset, replay_env, runnable_training, wait_for


def _plan(tmp_path: Path, **training):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path, **training))
    inputs = load_inputs(root)
    return root, build_plan(inputs, new_run_dir(root))


def _wait_end(run, timeout=60.0):
    assert wait_for(lambda: not load_run(run.path).active, timeout), load_run(run.path).state
    return load_run(run.path)


def test_run_completes_writes_model_samples_and_state(tmp_path):
    root, plan = _plan(tmp_path)
    run = start_run(plan, env=replay_env())
    assert run.state["pid"] and run.state["pgid"] == run.state["pid"]
    assert run.state["supervisor_pid"] != os.getpid()
    parser = LogParser()
    for chunk in follow(run):
        parser.feed(chunk)
    end = load_run(run.path)
    assert end.status == "succeeded", end.state
    assert end.state["exit_code"] == 0 and parser.progress.step == 10
    assert plan.final_model.exists()
    assert sorted(p.name for p in (plan.output_dir / "sample").glob("*.png"))  # samples at 5 and 10
    assert (run.path / "dataset.toml").read_text() == plan.dataset_toml
    assert [r.id for r in list_runs(root)] == [run.id]


def test_run_survives_its_starter_dying_and_reattaches(tmp_path):
    """Start from a child process that is SIGKILLed at once; the run goes on; re-attach."""
    root, plan = _plan(tmp_path)
    script = textwrap.dedent(f"""
        import os, pickle, sys, time
        from pathlib import Path
        from lorapan.core.training.config import build_plan
        from lorapan.core.training.inputs import load_inputs
        from lorapan.core.training.runs import new_run_dir, start_run
        root = Path({str(root)!r})
        plan = build_plan(load_inputs(root), new_run_dir(root))
        run = start_run(plan, env={replay_env(step_s=0.15)!r})
        print(run.id, flush=True)
        time.sleep(600)
    """)
    starter = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    run_id = starter.stdout.readline().strip()
    starter.kill()  # the app / SSH session is gone
    starter.wait()
    starter.stdout.close()
    run = find_run(root, run_id)
    assert run.active
    parser = LogParser()
    for chunk in follow(run):  # re-attach: follow the log from the start
        parser.feed(chunk)
    assert parser.progress.step == 10
    assert load_run(run.path).status == "succeeded"


def test_stop_sends_sigint_to_group(tmp_path):
    _, plan = _plan(tmp_path)
    run = start_run(plan, env=replay_env(step_s=0.5))
    assert wait_for(lambda: "steps:" in run.log.read_text(errors="replace"))
    end = stop_run(run, grace=(20, 20))
    assert end.status == "stopped" and end.state["stop_signal"] == "SIGINT"
    assert end.state["signal"] == "SIGINT"
    assert "KeyboardInterrupt" in run.log.read_text(errors="replace")
    assert not alive(run.state["pid"])


def test_stop_escalates_when_sigint_is_ignored(tmp_path):
    _, plan = _plan(tmp_path)
    run = start_run(plan, env=replay_env(step_s=0.5, REPLAY_IGNORE="INT,TERM"))
    assert wait_for(lambda: "steps:" in run.log.read_text(errors="replace"))
    end = stop_run(run, grace=(0.5, 0.5))
    assert end.status == "stopped"
    assert end.state["stop_signal"] == "SIGKILL" and end.state["signal"] == "SIGKILL"
    assert not alive(run.state["pid"])


def test_stop_reaches_trainer_behind_a_launcher_that_forwards_nothing(tmp_path):
    """Like `accelerate launch`: the launcher dies, its child keeps running; the group stop gets both."""
    launcher = tmp_path / "launcher.py"
    launcher.write_text(
        textwrap.dedent("""
        import os, subprocess, sys
        child = subprocess.Popen([sys.executable, *sys.argv[1:]])
        open(os.environ["CHILD_PID_FILE"], "w").write(str(child.pid))
        sys.exit(child.wait())
    """)
    )
    root, plan = _plan(tmp_path)
    script_at = plan.argv.index(next(a for a in plan.argv if a.endswith("train_network.py")))
    plan.argv[:script_at] = [sys.executable, str(launcher)]
    pid_file = tmp_path / "child.pid"
    run = start_run(
        plan, env=replay_env(step_s=0.5, REPLAY_IGNORE="INT", CHILD_PID_FILE=str(pid_file))
    )
    assert wait_for(lambda: "steps:" in run.log.read_text(errors="replace"))
    child = int(pid_file.read_text())
    end = stop_run(run, grace=(1.0, 5.0))
    assert end.status == "stopped"
    assert end.state["stop_signal"] == "SIGTERM"  # SIGINT killed the launcher only
    assert not alive(child)


def test_crash_exit_is_failure_with_the_error(tmp_path):
    _, plan = _plan(tmp_path)
    run = start_run(plan, env=replay_env("fail-late-valueerror.log"))
    end = _wait_end(run)
    assert end.status == "failed" and end.state["exit_code"] == 1
    assert "persistent_workers option needs num_workers > 0" in " ".join(end.state["reasons"])


def test_no_data_found_with_exit_zero_is_failure(tmp_path):
    root, plan = _plan(tmp_path)
    for p in (root / "3_gob").iterdir():  # the images vanish before the trainer reads them
        p.unlink()
    run = start_run(plan, env=replay_env())
    end = _wait_end(run)
    assert end.state["exit_code"] == 0
    assert end.status == "failed" and "no data" in " ".join(end.state["reasons"])
    assert not plan.final_model.exists()


def test_nan_loss_run_is_flagged(tmp_path):
    _, plan = _plan(tmp_path)
    end = _wait_end(start_run(plan, env=replay_env("run-nan-loss.log")))
    assert end.state["exit_code"] == 0 and end.status == "failed"
    assert "NaN at step 2" in " ".join(end.state["reasons"])


def test_missing_trainer_executable_is_reported(tmp_path):
    _, plan = _plan(tmp_path)
    plan.argv[0] = str(tmp_path / "no-such-python")
    end = _wait_end(start_run(plan))
    assert end.status == "failed" and "cannot start the trainer" in end.state["reasons"][0]


def test_lost_supervisor_is_noticed(tmp_path):
    _, plan = _plan(tmp_path)
    run = start_run(plan, env=replay_env(step_s=0.3))
    sup = run.state["supervisor_pid"]
    os.kill(sup, signal.SIGKILL)
    assert wait_for(lambda: not alive(sup))
    os.killpg(run.state["pgid"], signal.SIGKILL)
    assert wait_for(lambda: load_run(run.path).status == "lost")


def test_run_outputs_lists_only_this_runs_samples_and_checkpoints(tmp_path):
    """Two runs into one output_dir: the second gets a name of its own and writes over
    nothing of the first's (it overwrote gob.safetensors, then counted it as its own)."""
    from lorapan.core.training.outputs import RunOutputs

    root, plan = _plan(tmp_path)
    first = start_run(plan, env=replay_env(step_s=0.01))
    _wait_end(first)
    first_model = plan.final_model.read_bytes()
    second_plan = build_plan(load_inputs(root), new_run_dir(root))
    assert second_plan.final_model == plan.output_dir / "gob-2.safetensors"
    assert any(f"{plan.final_model.name} or its checkpoints" in n for n in second_plan.notes)
    (plan.output_dir / "other_000005_00_x.png").write_bytes(b"")  # not a sample folder file
    second = start_run(second_plan, env=replay_env("run-nan-loss.log", step_s=0.01))
    _wait_end(second)
    outputs = RunOutputs.for_run(second.path, second.command)
    outputs.scan()
    assert not outputs.samples  # the NaN run samples nothing; the first run's are not its own
    assert set(outputs.models) == {str(second_plan.final_model.resolve())}
    earlier = RunOutputs.for_run(first.path, first.command)
    earlier.scan()
    assert len(earlier.samples) == 8 and earlier.newest_sample.endswith(".png")  # 2 x 4 prompts
    assert str(plan.final_model.resolve()) in earlier.models
    assert plan.final_model.read_bytes() == first_model


def test_runs_made_before_names_were_kept_apart_do_not_claim_a_later_runs_files(tmp_path):
    """Two older runs wrote `out/gob.safetensors` in turn: the first run's listing must
    not show the second's model (export took it under the first run's metadata)."""
    import json
    import time

    from lorapan.core.training.outputs import RunOutputs

    root = make_dataset(tmp_path / "ds")
    out = tmp_path / "out"
    (out / "sample").mkdir(parents=True)
    runs = []
    for n, run_id in enumerate(("20260101-000000", "20260102-000000")):
        run_dir = root / ".lorapan" / "runs" / run_id
        run_dir.mkdir(parents=True)
        command = {"output_dir": str(out), "final_model": str(out / "gob.safetensors")}
        (run_dir / "command.json").write_text(json.dumps(command))
        (run_dir / "state.json").write_text(json.dumps({"status": "succeeded"}))
        base = time.time() - 3600 + 600 * n  # the second started after the first had written
        os.utime(run_dir / "command.json", (base, base))
        for name in (f"gob-step0000000{n + 4}.safetensors", f"sample/gob_00000{n + 4}_00_x.png"):
            (out / name).write_bytes(b"x")
            os.utime(out / name, (base + 60, base + 60))
        runs.append(run_dir)
    (out / "gob.safetensors").write_bytes(b"second's")  # the final model, written last
    first = RunOutputs.for_run(runs[0], json.loads((runs[0] / "command.json").read_text()))
    first.scan()
    assert sorted(Path(p).name for p in first.models) == ["gob-step00000004.safetensors"]
    assert [Path(p).name for p in first.samples] == ["gob_000004_00_x.png"]
    second = RunOutputs.for_run(runs[1], json.loads((runs[1] / "command.json").read_text()))
    second.scan()
    assert sorted(Path(p).name for p in second.models) == [
        "gob-step00000005.safetensors",
        "gob.safetensors",
    ]


def test_follow_reads_the_last_lines_written_just_before_the_run_ended(tmp_path):
    """The trainer's last lines land between follow's empty read and its is-it-over check.

    The ``stop`` callback runs exactly in that window: it appends the end of the run
    and records the end, as the trainer and then the supervisor do.
    """
    import json

    run_dir = tmp_path / ".lorapan" / "runs" / "r1"
    run_dir.mkdir(parents=True)
    (run_dir / "command.json").write_text("{}")
    (run_dir / "state.json").write_text(json.dumps({"status": "running"}))
    bar = "steps: {p:3d}%|#   | {n}/30000 [00:10<00:10, 99.00it/s, avr_loss=0.1]"
    (run_dir / "log").write_text("".join("\r" + bar.format(p=0, n=n) for n in range(1, 29994)))
    ended = []

    def trainer_finishes_now() -> bool:
        if not ended:
            with open(run_dir / "log", "a") as fh:
                fh.write("".join("\r" + bar.format(p=100, n=n) for n in range(29994, 30001)))
                fh.write("\nmodel saved.\n")
            (run_dir / "state.json").write_text(json.dumps({"status": "succeeded"}))
            ended.append(True)
        return False

    parser = LogParser()
    for chunk in follow(load_run(run_dir), stop=trainer_finishes_now, poll=0.01):
        parser.feed(chunk)
    parser.flush()
    assert ended and parser.progress.step == 30000 and parser.progress.model_saved


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stop_never_signals_a_reused_process_group(tmp_path, lorapan_cmd):
    """13.3: the supervisor is gone and the recorded pgid now leads an unrelated process."""
    import json

    stranger = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
    )
    try:
        root = make_dataset(tmp_path / "ds")
        run_dir = root / ".lorapan" / "runs" / "20260101-000000"
        run_dir.mkdir(parents=True)
        (run_dir / "command.json").write_text(json.dumps({"argv": ["x"], "marker": "m1"}))
        from lorapan.core.training.runstate import start_time

        state = {
            "status": "running",
            "supervisor_pid": _dead_pid(),
            "pid": stranger.pid,
            "pgid": stranger.pid,  # the id the trainer had, reused by the stranger
            "start_time": (start_time(stranger.pid) or 0) + 1,  # the trainer started earlier
            "marker": "m1",
        }
        (run_dir / "state.json").write_text(json.dumps(state))
        assert not load_run(run_dir).state.get("note")  # not "the trainer is still running"
        res = lorapan_cmd("stop", root, "20260101-000000", "--grace", "1", "1")
        assert alive(stranger.pid), "lorapan stop signalled a process that is not its trainer"
        assert "not this run's any more" in res.stdout, res.stdout
        assert load_run(run_dir).status == "lost"
    finally:
        stranger.kill()
        stranger.wait()


def test_stop_without_its_supervisor_still_reaches_the_trainer_by_its_marker(tmp_path):
    _, plan = _plan(tmp_path)
    run = start_run(plan, env=replay_env(step_s=0.5))
    assert wait_for(lambda: "steps:" in run.log.read_text(errors="replace"))
    state = load_run(run.path).state
    os.kill(state["supervisor_pid"], signal.SIGKILL)
    assert wait_for(lambda: not alive(state["supervisor_pid"]))
    assert load_run(run.path).state["note"] == "supervisor gone; the trainer is still running"
    end = stop_run(load_run(run.path), grace=(10, 5))
    assert end.status == "stopped" and end.state["stop_signal"] == "SIGINT"
    assert wait_for(lambda: not alive(state["pid"]))
