"""sd-scripts' own verdict in lorapan's words, and a start it refuses leaves nothing behind.

The real probe runs against a real sd-scripts in ``test_training_kohya.py``; here the
verdicts are the ones the probe reports (their texts are sd-scripts' own).
"""

from __future__ import annotations

from lorapan.core.training import trainer_check
from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.trainer_check import TrainerVerdict, checks_for, english
from lorapan.core.workflows import training_start
from lorapan.core.workflows.training_start import StartRequest, start_training
from test_training_env import make_dataset, replay_env, runnable_training

BUCKET = (
    "AssertionError: min_bucket_reso must be equal or less than resolution / "
    "min_bucket_resoは最小解像度より大きくできません。"
)


def _plan(tmp_path):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    return root, build_plan(load_inputs(root), tmp_path / "run")


def test_a_refusal_is_said_in_english_with_what_to_do(tmp_path):
    _, plan = _plan(tmp_path)
    assert english(BUCKET) == "min_bucket_reso must be equal or less than resolution"
    [c] = checks_for(plan, TrainerVerdict(False, "dataset", BUCKET))
    assert c.level == "error"
    assert c.message == (
        "sd-scripts could not build the dataset: min_bucket_reso must be equal or less "
        "than resolution"
    )
    assert "min_bucket_reso" in c.hint
    [t] = checks_for(plan, TrainerVerdict(False, "tokenizer", "TypeError: expected str"))
    assert "tokenizer_cache_dir" in t.hint


def test_the_trainers_counts_sit_beside_the_prediction(tmp_path):
    _, plan = _plan(tmp_path)
    st = plan.steps
    same = {
        "images_with_repeats": st.images_with_repeats,
        "batches_per_epoch": st.batches_per_epoch,
    }
    checks = checks_for(plan, TrainerVerdict(True, facts={**same, "total_steps": 10}))
    assert [c.level for c in checks] == ["info"]
    assert f"{st.images_with_repeats} images with repeats" in checks[0].message
    other = {**same, "images_with_repeats": st.images_with_repeats + 6, "total_steps": 12}
    warnings = [c.message for c in checks_for(plan, TrainerVerdict(True, facts=other))]
    assert any("lorapan predicted" in w and "images with repeats" in w for w in warnings)
    assert any("will train 12 steps, lorapan predicted 10" in w for w in warnings)


def test_a_start_sd_scripts_refuses_creates_no_run(tmp_path, monkeypatch):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    asked = []

    def refuse(plans, timeout=0):
        asked.append(plans)
        return [TrainerVerdict(False, "dataset", BUCKET)]

    monkeypatch.setattr(training_start, "trainer_configured", lambda plan: True)
    monkeypatch.setattr(trainer_check, "run_checks", refuse)
    outcome = start_training(StartRequest(root, env=replay_env()))
    assert asked and outcome.run is None
    assert any("could not build the dataset" in c.message for c in outcome.errors)
    assert not (root / ".lorapan" / "runs").exists() or not any(
        (root / ".lorapan" / "runs").iterdir()
    )


def test_without_a_real_checkout_the_start_says_it_was_not_asked(tmp_path):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    outcome = start_training(StartRequest(root, env=replay_env(step_s=0.01)), dry_run=False)
    assert outcome.run is not None
    assert any("not checked with sd-scripts itself" in c.message for c in outcome.checks)
    from lorapan.core.training.runs import load_run
    from test_training_env import wait_for

    assert wait_for(lambda: not load_run(outcome.run.path).active)
