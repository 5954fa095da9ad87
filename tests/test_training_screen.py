"""The training screen on a tiny host app, following a real replay subprocess."""

from __future__ import annotations

import os
import time

from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.runs import load_run, new_run_dir, start_run, stop_run
from lorapan.tui.screens.confirm import ConfirmScreen
from lorapan.tui.screens.training import TrainingScreen
from lorapan.tui.screens.training_start import StartTrainingScreen
from lorapan.tui.widgets.loss_chart import LossChart, render_chart
from PIL import Image
from test_training_env import make_dataset, replay_env, runnable_training
from textual.widgets import Button, Log, ProgressBar, Select, Static, TextArea
from training_helpers import Host, _until


def _root(tmp_path, **training):
    return make_dataset(tmp_path / "ds", training=runnable_training(tmp_path, **training))


def _start(root, **env):
    """A replayed run; tests that stop it take slow steps (``step_s``), since a loaded
    machine can otherwise let the run end on its own before the stop key arrives."""
    plan = build_plan(load_inputs(root), new_run_dir(root))
    return start_run(plan, env=replay_env(**env))


async def test_screen_follows_a_run_to_the_end(tmp_path):
    root = _root(tmp_path)
    run = _start(root, step_s=0.05)
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _until(
            pilot, lambda: "succeeded" in str(screen.query_one("#tr-status", Static).render())
        )
        bar = screen.query_one("#tr-progress", ProgressBar)
        assert (bar.progress, bar.total) == (10, 10)
        assert len(screen.query_one(LossChart).losses) == 10
        log = screen.query_one("#tr-log", Log)
        text = "\n".join(log.lines)
        assert "model saved." in text and "\r" not in text
        # the 10 steps give 20 bar redraws; collapsed, far fewer bar lines remain
        assert sum(1 for ln in log.lines if ln.startswith("steps:")) < 20

        # the output watcher reports the final model once it is complete, maybe after the
        # run ended: wait for it rather than racing the watcher on a loaded machine
        def stats() -> str:
            return str(screen.query_one("#tr-stats", Static).render())

        assert await _until(pilot, lambda: "gob.safetensors" in stats()), stats()
        assert "step 10/10" in stats() and "gob-step00000008" not in stats()
        # the watcher reports the last sample once it is complete, maybe after the run ended
        assert await _until(pilot, lambda: (screen.sample_shown or "").endswith(".png"))


async def test_stats_show_the_logged_lr_from_tensorboard(tmp_path):
    """The stand-in writes real event files; a fixed logged lr differs from the formula."""
    import pytest

    pytest.importorskip("tensorboard")
    root = _root(tmp_path)
    run = _start(root, step_s=0.05, REPLAY_TB_LR="4.2e-4")
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _until(
            pilot, lambda: "succeeded" in str(screen.query_one("#tr-status", Static).render())
        )
        stats = str(screen.query_one("#tr-stats", Static).render())
        assert "lr 4.20e-04 (logged)" in stats, stats


async def test_stats_say_scheduler_when_nothing_is_logged(tmp_path):
    root = _root(tmp_path, tensorboard=False)
    run = _start(root, step_s=0.02)
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _until(
            pilot, lambda: "succeeded" in str(screen.query_one("#tr-status", Static).render())
        )
        stats = str(screen.query_one("#tr-stats", Static).render())
        assert "(scheduler)" in stats and "logged" not in stats, stats


async def test_samples_and_checkpoints_come_from_the_output_watcher(tmp_path):
    """Only this run's files count: an earlier run's sample in the same folder is not shown.
    The folder already holds gob's files, so this run writes its own as gob-2."""
    root = _root(tmp_path)
    out = tmp_path / "out"
    earlier_sample = out / "sample" / "gob_000010_00_20260101000000.png"
    earlier_sample.parent.mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(earlier_sample)
    earlier_ckpt = out / "gob-000099.safetensors"
    earlier_ckpt.write_bytes(b"old")
    past = time.time() - 3600
    for p in (earlier_sample, earlier_ckpt):
        os.utime(p, (past, past))
    run = _start(root, step_s=0.3)
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _until(
            pilot, lambda: screen.outputs is not None and screen.last and screen.last.step >= 2
        )
        assert screen.sample_shown is None  # no sample yet from this run (first at step 5)
        assert "on disk" not in str(screen.query_one("#tr-stats", Static).render())
        assert await _until(
            pilot, lambda: "succeeded" in str(screen.query_one("#tr-status", Static).render())
        )
        mine = sorted(p for p in (out / "sample").glob("*.png") if p != earlier_sample)
        assert len(mine) == 8  # the replay samples at steps 5 and 10, one per prompt (4)
        assert await _until(pilot, lambda: screen.sample_shown == str(mine[-1]))
        assert all(p.name.startswith("gob-2_") for p in mine)
        models = {str(p) for p in out.glob("gob-2*.safetensors")}
        assert await _until(pilot, lambda: set(screen.outputs.models) == models)
        stats = str(screen.query_one("#tr-stats", Static).render())
        assert f"{len(models)} on disk, newest gob-2.safetensors" in stats, stats
        caption = screen.query_one("#tr-sample-path", Static).render().plain
        assert caption == "samples at final: gob-2.safetensors"  # the step-10 sample is the final's
        panel = screen.query_one("#tr-results")
        names = [c.path.name for c in panel.found]  # not an earlier run's gob-000099
        assert names == [
            "gob-2-step00000004.safetensors",
            "gob-2-000001.safetensors",
            "gob-2-step00000008.safetensors",
            "gob-2.safetensors",
        ]
        listed = str(screen.query_one("#tr-ckpts", Static).render())
        assert listed.splitlines()[-1].startswith("▶ final") and "4 samples" in listed
    assert screen._watcher is None  # stopped with the screen
    assert earlier_ckpt.read_bytes() == b"old"  # the earlier files are as they were


async def test_reattach_picks_up_a_running_run_and_stop_key_stops_it(tmp_path):
    root = _root(tmp_path)
    run = _start(root, step_s=3.0)
    screen = TrainingScreen(root)  # no id: the newest run
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _until(pilot, lambda: screen.last is not None and screen.last.step >= 1)
        await pilot.press("r")  # re-attach: reads the log again from the start
        assert await _until(pilot, lambda: screen.last is not None and screen.last.step >= 1)
        await pilot.press("x")  # asks first
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        assert "Ctrl-C" in str(pilot.app.screen.query_one(".body", Static).render())
        await pilot.press("y")
        assert await _until(
            pilot, lambda: "stopped" in str(screen.query_one("#tr-status", Static).render())
        )
    assert load_run(run.path).status == "stopped"


async def _dialog(pilot, screen, key: str = "s"):
    """Press ``key`` (start) and wait for the start dialog's first prediction."""
    await pilot.press(key)
    assert await _until(pilot, lambda: isinstance(pilot.app.screen, StartTrainingScreen))
    dialog = pilot.app.screen
    assert await _until(pilot, lambda: dialog.plans_built >= 1)
    return dialog


async def test_start_key_reports_preflight_errors(tmp_path):
    root = make_dataset(tmp_path / "ds")  # nothing configured
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        dialog = await _dialog(pilot, screen)
        assert "steps in total" in dialog.plan_text  # the prediction needs no sd-scripts
        await pilot.press("ctrl+s")
        assert await _until(pilot, lambda: pilot.app.screen is screen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        messages = " ".join(n.message for n in pilot.app._notifications)
        assert "sd-scripts folder is not set" in messages
        # the toasts fade; the reasons stay where the run would show, with the app's keys
        status = str(screen.query_one("#tr-status").render())
        assert status.startswith("could not start: ") and "sd-scripts folder is not set" in status
        assert "base model not set" in status and "O opens the dataset's settings" in status
    assert not any((root / ".lorapan" / "runs").glob("*"))


async def test_start_key_starts_and_follows(tmp_path, monkeypatch):
    for key, value in replay_env(step_s=0.02).items():
        monkeypatch.setenv(key, value)
    root = _root(tmp_path)
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await _dialog(pilot, screen)
        await pilot.press("ctrl+s")
        assert await _until(
            pilot, lambda: "succeeded" in str(screen.query_one("#tr-status", Static).render())
        )
        assert screen.run is not None and screen.last.step == 10


async def test_the_start_dialog_shows_the_plans_warnings_before_the_start(tmp_path):
    """The SD1.5 size warning came as a toast after the run had started."""
    training = runnable_training(tmp_path)
    del training["resolution"]  # the preset's 1024 px on an SD1.5 base
    screen = TrainingScreen(make_dataset(tmp_path / "ds", training=training))
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        dialog = await _dialog(pilot, screen)
        assert "! the characters preset trains at 1024 px" in dialog.plan_text


async def test_start_dialog_preset_and_overrides_predict_the_steps_of_the_run(
    tmp_path, monkeypatch
):
    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)
    root = _root(tmp_path)  # a character dataset: the characters preset unless chosen
    overrides = {"targetSteps": "20", "trainBatchSize": "2"}
    expected = build_plan(
        load_inputs(root), tmp_path / "x", preset="concepts", overrides=overrides
    ).steps
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        dialog = await _dialog(pilot, screen)
        assert "preset characters" in dialog.plan_text
        dialog.query_one("#start-preset", Select).value = "concepts"
        area = dialog.query_one("#start-overrides", TextArea)
        area.focus()
        await pilot.press(*"targetSteps")
        area.insert("=20\n# a comment\ntrainBatchSize=2\n")
        want = f"{expected.total_steps} steps in total"
        assert await _until(pilot, lambda: want in dialog.plan_text), dialog.plan_text
        assert "preset concepts" in dialog.plan_text
        assert f"{expected.steps_per_epoch} steps/epoch" in dialog.plan_text
        shown = str(dialog.query_one("#start-plan", Static).render())
        assert want in shown
        await pilot.press("ctrl+s")
        assert await _until(
            pilot, lambda: "succeeded" in str(screen.query_one("#tr-status", Static).render())
        )
        run = load_run(screen.run.path)
        assert run.command["preset"] == "concepts"
        assert run.command["total_steps"] == expected.total_steps
        assert run.command["params"]["trainBatchSize"] == 2
        # the overrides are offered again next time
        dialog = await _dialog(pilot, screen)
        assert "targetSteps=20" in dialog.query_one("#start-overrides", TextArea).text
        await pilot.press("escape")


async def test_start_dialog_refuses_bad_overrides_and_escape_starts_nothing(tmp_path):
    root = _root(tmp_path)
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        dialog = await _dialog(pilot, screen)
        area = dialog.query_one("#start-overrides", TextArea)
        for bad, message in (
            ("targetSteps=lots", "targetSteps = 'lots' is not a valid int"),
            ("learningRate=1e-4", "unknown training key 'learningRate'"),
            ("just words", "line 1"),
        ):
            area.text = bad
            assert await _until(pilot, lambda m=message: m in dialog.plan_text), dialog.plan_text
            assert dialog.query_one("#start-go", Button).disabled
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert pilot.app.screen is dialog  # not started
        await pilot.press("escape")
        assert await _until(pilot, lambda: pilot.app.screen is screen)
    assert not any((root / ".lorapan" / "runs").glob("*"))


def test_chart_marks_nan_and_scales_finite_values():
    text = render_chart([1.0, 0.9, float("nan"), 0.8], 40, 8).plain
    assert "NaN!" in text and "·" in text and "•" in text
    assert "0.8" in text and "1" in text.splitlines()[1]


async def test_gpu_stats_from_nvidia_smi(tmp_path, monkeypatch):
    """No GPU here: a stand-in nvidia-smi prints the documented csv,noheader,nounits rows."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho '87, 10240, 24576'\necho '3, 512, 24576'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    screen = TrainingScreen(make_dataset(tmp_path / "ds"))
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        gpu = screen.query_one("#tr-gpu", Static)
        assert await _until(pilot, lambda: "GPU0" in str(gpu.render()), timeout=10)
        assert "GPU0 87% 10.0/24.0 GiB" in str(gpu.render()) and "GPU1 3%" in str(gpu.render())


async def test_real_app_opens_the_screen_on_the_running_run(tmp_path):
    """ctrl+t in the reviewer app pushes this screen, which re-attaches to the newest run."""
    from lorapan.tui.app import make_app

    root = _root(tmp_path)
    run = _start(root, step_s=0.3)
    app = make_app(root, config_dir=tmp_path / "config", analyse=False, watch=False, rules=False)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("ctrl+t")
        assert await _until(pilot, lambda: isinstance(app.screen, TrainingScreen))
        screen = app.screen
        assert await _until(pilot, lambda: screen.last is not None and screen.last.step >= 1)
        assert screen.run_id == run.id
        await pilot.press("escape")
        assert await _until(pilot, lambda: not isinstance(app.screen, TrainingScreen))
    after = load_run(run.path)
    assert after.active or after.status == "succeeded"  # leaving the screen does not stop the run
    stop_run(after, grace=(5, 5))


def _app_with_keymap(root, tmp_path, keys: str):
    """The real app with ``keys`` (toml lines) in its user config's keymap.toml."""
    from lorapan.tui.app import make_app

    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "keymap.toml").write_text(f"[keys]\n{keys}\n")
    return make_app(root, config_dir=config, analyse=False, watch=False, rules=False)


async def test_remapped_start_and_stop_keys_in_the_app_and_the_messages_name_them(tmp_path):
    root = _root(tmp_path)
    run = _start(root, step_s=3.0)
    app = _app_with_keymap(root, tmp_path, 'training-start = "S"\ntraining-stop = "X"')
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("ctrl+t")
        assert await _until(pilot, lambda: isinstance(app.screen, TrainingScreen))
        screen = app.screen
        assert await _until(pilot, lambda: screen.last is not None and screen.last.step >= 1)
        await pilot.press("S")  # the new start key: refused while the run is going
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("stop it first (X)" in m for m in messages), messages
        await pilot.press("x")  # the old stop key does nothing now
        await pilot.pause()
        assert not any("stopping run" in n.message for n in app._notifications)
        assert load_run(run.path).active
        await pilot.press("X", "y")
        assert await _until(
            pilot, lambda: "stopped" in str(screen.query_one("#tr-status", Static).render())
        )
    assert load_run(run.path).status == "stopped"


async def test_remapped_dialog_keys_in_the_app_and_the_buttons_name_them(tmp_path, monkeypatch):
    from lorapan.tui import keymap

    # The dialog's ids until the keymap table lists them (scope "start").
    for spec in (
        keymap.KeySpec("start-confirm", "ctrl+s", "confirm", "Start", "start", priority=True),
        keymap.KeySpec("start-cancel", "escape", "cancel", "Cancel", "start"),
    ):
        if spec.id not in keymap.SPEC_BY_ID:
            monkeypatch.setitem(keymap.SPEC_BY_ID, spec.id, spec)
    root = make_dataset(tmp_path / "ds")  # no sd-scripts: a start is refused by preflight
    app = _app_with_keymap(
        root, tmp_path, 'training-start = "S"\nstart-confirm = "ctrl+o"\nstart-cancel = "f2"'
    )
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("ctrl+t")
        assert await _until(pilot, lambda: isinstance(app.screen, TrainingScreen))
        screen = app.screen
        status = str(screen.query_one("#tr-status", Static).render())
        assert "press S to start one" in status, status
        await pilot.press("s")  # the old start key
        await pilot.pause()
        assert app.screen is screen
        dialog = await _dialog(pilot, screen, key="S")
        labels = [str(b.label) for b in dialog.query(Button)]
        assert labels == ["Start (ctrl+o)", "Cancel (f2)"]
        await pilot.press("escape", "ctrl+s")  # the old keys neither cancel nor start
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("ctrl+o")
        assert await _until(pilot, lambda: app.screen is screen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        messages = " ".join(n.message for n in app._notifications)
        assert "sd-scripts folder is not set" in messages  # the start went to preflight
        dialog = await _dialog(pilot, screen, key="S")
        await pilot.press("f2")
        assert await _until(pilot, lambda: app.screen is screen)
    assert not any((root / ".lorapan" / "runs").glob("*"))


async def _wait_status(pilot, screen, word: str, timeout: float = 60.0) -> bool:
    return await _until(
        pilot, lambda: word in str(screen.query_one("#tr-status", Static).render()), timeout
    )


async def test_stop_asks_first_and_no_keeps_the_run_going(tmp_path):
    root = _root(tmp_path)
    # slow steps: on a loaded machine a fast run would end on its own before "no" is checked
    run = _start(root, step_s=3.0)
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _until(pilot, lambda: screen.last is not None and screen.last.step >= 1)
        await pilot.press("x")
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        body = str(pilot.app.screen.query_one(".body", Static).render())
        assert f"Run {run.id} is at step" in body and "SIGKILL" in body
        await pilot.press("n")
        assert await _until(pilot, lambda: pilot.app.screen is screen)
        await pilot.pause(0.3)
        assert load_run(run.path).active  # not stopped
    stop_run(load_run(run.path), grace=(5, 5))


async def test_start_despite_error_findings_after_a_confirm_that_lists_them(tmp_path, monkeypatch):
    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)
    # captions without the style tag: the rules find an error-level finding
    root = make_dataset(
        tmp_path / "ds", training=runnable_training(tmp_path), tags="gob goblin, solo"
    )
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await _dialog(pilot, screen)
        await pilot.press("ctrl+s")
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        confirm = pilot.app.screen
        body = str(confirm.query_one(".body", Static).render())
        assert "error-level finding" in body and "•" in body  # each finding on its own line
        # what to do in the app, not a CLI command (and its --force, which is y here)
        assert "R on the main screen goes to the findings, f fixes one" in body
        assert "--force" not in body and "lorapan fix" not in body
        assert not any((root / ".lorapan" / "runs").glob("*"))  # nothing yet
        await pilot.press("n")  # no: nothing starts
        assert await _until(pilot, lambda: pilot.app.screen is screen)
        await screen.workers.wait_for_complete()
        assert not any((root / ".lorapan" / "runs").glob("*"))
        await _dialog(pilot, screen)
        await pilot.press("ctrl+s")
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        assert await _wait_status(pilot, screen, "succeeded")
    run = load_run(screen.run.path)
    assert run.status == "succeeded"


async def test_the_sampling_phase_says_which_prompt(tmp_path):
    root = _root(tmp_path)
    run = _start(root, step_s=0.02, REPLAY_SAMPLE_S="0.3")
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _wait_status(pilot, screen, "sampling prompt 1/4")
        status = str(screen.query_one("#tr-status", Static).render())
        assert "at step 5/10" in status, status  # the step it samples at, not a frozen counter
        assert await _until(
            pilot, lambda: "sampler step" in str(screen.query_one("#tr-status", Static).render())
        )
        assert await _wait_status(pilot, screen, "succeeded")


async def test_each_checkpoints_samples_side_by_side(tmp_path):
    root = _root(tmp_path)
    run = _start(root, step_s=0.02)
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        assert await _wait_status(pilot, screen, "succeeded")
        caption = screen.query_one("#tr-sample-path", Static)
        assert await _until(pilot, lambda: "samples at final" in str(caption.render()))
        slots = [screen.query_one("#tr-sample-image")] + [
            screen.query_one(f"#tr-sample-{i}") for i in range(1, 4)
        ]
        if hasattr(slots[0], "showing_picture"):  # one image per prompt, side by side
            assert await _until(pilot, lambda: all(s.showing_picture for s in slots))
        await pilot.press("left_square_bracket")  # the checkpoint before: step 8, no samples
        assert "no samples at step 8" in str(caption.render())
        assert "▶" in str(screen.query_one("#tr-ckpts", Static).render())


async def test_resume_from_the_app_counts_on(tmp_path, monkeypatch):
    root = _root(tmp_path)
    run = _start(root, step_s=1.5)
    screen = TrainingScreen(root, run.id)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        from lorapan.core.training.resume import saved_states

        assert await _until(pilot, lambda: saved_states(load_run(run.path)))
        await pilot.press("x", "y")
        assert await _wait_status(pilot, screen, "stopped")
        for key, value in replay_env(step_s=0.02).items():
            monkeypatch.setenv(key, value)  # the resumed trainer inherits this environment
        await pilot.press("R")
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        state = saved_states(load_run(run.path))[-1]
        assert f"Continue from step {state.step} of 10" in str(
            pilot.app.screen.query_one(".body", Static).render()
        )
        await pilot.press("y")
        assert await _wait_status(pilot, screen, "succeeded")
        assert screen.last.step == 10 and screen.run_id == run.id
        chart = screen.query_one(LossChart)
        assert len(chart.losses) >= 10  # the first attempt's steps and the resumed ones


async def test_start_dialog_at_80x24_keeps_buttons_in_view_and_what_was_typed(tmp_path):
    root = _root(tmp_path)
    screen = TrainingScreen(root)
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"targetSteps=20")  # typed before the dialog has drawn
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, StartTrainingScreen))
        dialog = pilot.app.screen
        area = dialog.query_one("#start-overrides", TextArea)
        assert area.text == "targetSteps=20"
        assert await _until(pilot, lambda: "20 steps in total" in dialog.plan_text)
        for button in dialog.query(Button):  # every button on screen, whole
            r = button.region
            assert r.height > 0 and r.y >= 0 and r.bottom <= 24 and r.right <= 80, r
        await pilot.press("enter", *"trainBatchSize=2")  # while plans are being rebuilt
        assert await _until(pilot, lambda: dialog.plans_built >= 3)
        assert pilot.app.focused is area
        assert area.text == "targetSteps=20\ntrainBatchSize=2"
        await pilot.press("escape")  # cancelled: what was typed is offered again
        assert await _until(pilot, lambda: pilot.app.screen is screen)
        dialog = await _dialog(pilot, screen)
        assert (
            dialog.query_one("#start-overrides", TextArea).text
            == "targetSteps=20\ntrainBatchSize=2"
        )
        await pilot.press("escape")


def test_start_dialog_snapshot_80x24(snap_compare, tmp_path):
    import sys

    import pytest

    if sys.version_info[:2] != (3, 11):
        pytest.skip("baselines were made on Python 3.11")
    root = make_dataset(tmp_path / "ds")  # nothing configured: the plan needs no sd-scripts

    async def run_before(pilot) -> None:
        await pilot.press("s")
        assert await _until(pilot, lambda: isinstance(pilot.app.screen, StartTrainingScreen))
        assert await _until(pilot, lambda: pilot.app.screen.plans_built >= 1)
        await pilot.press(*"targetSteps=300")
        assert await _until(pilot, lambda: "300 steps in total" in pilot.app.screen.plan_text)
        await pilot.pause(0.2)

    assert snap_compare(Host(TrainingScreen(root)), terminal_size=(80, 24), run_before=run_before)
