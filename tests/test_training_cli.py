"""`lorapan train / runs / logs / stop` through the real entry point."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import require_shared
from lorapan.core.training.runs import find_run, load_run
from lorapan.core.training.schema import validate_dataset_config, validate_train_args
from test_training_env import make_dataset, replay_env, runnable_training, wait_for

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def test_dry_run_json_has_toml_and_argv(tmp_path, lorapan_cmd):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--dry-run", "--json", "--set", "targetSteps=12")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    doc = tomllib.loads(out["dataset_config"])
    assert validate_dataset_config(doc) == []
    script_at = next(i for i, a in enumerate(out["argv"]) if a.endswith("train_network.py"))
    assert validate_train_args(out["argv"][script_at + 1 :], sdxl=False) == []
    assert out["argv"][out["argv"].index("--max_train_steps") + 1] == "12"
    assert out["steps"]["total_steps"] == 12
    assert not (root / ".lorapan" / "runs").exists() or not any(
        (root / ".lorapan" / "runs").iterdir()
    )


def test_dry_run_text_shows_toml_command_and_predicted_steps(tmp_path, lorapan_cmd):
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--dry-run", "--sdxl")
    assert res.returncode == 0, res.stderr
    assert 'caption_extension = ".txt"' in res.stdout
    assert "sdxl_train_network.py" in res.stdout and "--clip_skip" not in res.stdout
    assert "steps/epoch" in res.stdout


def test_civitai_guide_json_import_and_export(tmp_path, lorapan_cmd):
    text = next(require_shared("seed").glob("*.txt")).read_text(encoding="utf-8", errors="replace")
    start = text.index("{", text.index("All Character Datasets"))
    params = tmp_path / "params.json"
    params.write_text(text[start : text.index("}", start) + 1], encoding="utf-8")
    root = make_dataset(tmp_path / "ds")
    exported = tmp_path / "out.json"
    res = lorapan_cmd(
        "train", root, "--civitai", params, "--dry-run", "--json", "--export-civitai", exported
    )
    out = json.loads(res.stdout)
    assert out["steps"]["total_steps"] == 1120
    assert json.loads(exported.read_text())["numRepeats"] == out["steps"]["num_repeats"][0]


def test_rejected_engine_and_bad_set_are_clear_errors(tmp_path, lorapan_cmd):
    root = make_dataset(tmp_path / "ds")
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"engine": "musubi", "networkDim": 4}))
    res = lorapan_cmd("train", root, "--civitai", params, "--dry-run")
    assert res.returncode == 2 and "musubi" in res.stderr and "Traceback" not in res.stderr
    res = lorapan_cmd("train", root, "--set", "resolution", "--dry-run")
    assert res.returncode == 2 and "KEY=VALUE" in res.stderr


def test_preflight_blocks_start(tmp_path, lorapan_cmd):
    root = make_dataset(tmp_path / "ds")  # no sd_scripts / base model configured
    res = lorapan_cmd("train", root)
    assert res.returncode == 1
    assert "sd-scripts folder is not set" in res.stderr and "base model not set" in res.stderr
    assert not any((root / ".lorapan" / "runs").glob("*/command.json"))


def test_train_runs_logs_stop_end_to_end(tmp_path, lorapan_cmd, monkeypatch):
    for key, value in replay_env(step_s=3).items():
        monkeypatch.setenv(key, value)  # the run inherits the environment it was started from
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--json")
    assert res.returncode == 0, res.stderr
    run_id = json.loads(res.stdout)["run"]
    run = find_run(root, run_id)
    assert wait_for(lambda: "steps:" in run.log.read_text(errors="replace"))
    listed = json.loads(lorapan_cmd("runs", root, "--json").stdout)
    assert [r["id"] for r in listed] == [run_id] and listed[0]["status"] == "running"
    stopped = lorapan_cmd("stop", root, run_id, "--grace", "10", "5")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    logs = lorapan_cmd("logs", root, run_id)
    assert "steps:" in logs.stdout and "\r" not in logs.stdout
    assert load_run(run.path).status == "stopped"


def test_watch_follows_to_the_end(tmp_path, lorapan_cmd, monkeypatch):
    for key, value in replay_env(step_s=0.02).items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--watch")
    assert res.returncode == 0, res.stderr
    assert "step 10/10" in res.stdout and "succeeded" in res.stdout
    follow = lorapan_cmd("logs", root, "latest", "--follow")
    assert "model saved." in follow.stdout


def test_watch_shows_the_logged_lr(tmp_path, lorapan_cmd, monkeypatch):
    pytest.importorskip("tensorboard")
    for key, value in replay_env(step_s=0.02, REPLAY_TB_LR="4.2e-4").items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--watch")
    assert res.returncode == 0, res.stderr
    assert "lr 4.20e-04 (logged)" in res.stdout, res.stdout


def test_error_findings_block_start_unless_forced(tmp_path, lorapan_cmd, monkeypatch):
    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)
    # captions without the style tag: the rules report an error-level finding
    root = make_dataset(
        tmp_path / "ds", training=runnable_training(tmp_path), tags="gob goblin, solo"
    )
    res = lorapan_cmd("train", root)
    assert res.returncode == 1 and "error-level finding" in res.stderr and "--force" in res.stderr
    forced = lorapan_cmd("train", root, "--force", "--watch")
    assert forced.returncode == 0, forced.stderr
    assert "succeeded" in forced.stdout


def test_preflight_names_every_error_rule_with_its_count(tmp_path, lorapan_cmd):
    # core not first, a blacklisted body tag, an unmerged hair colour: several error rules
    root = make_dataset(
        tmp_path / "ds",
        training=runnable_training(tmp_path),
        tags="muscular, gob goblin, green hair",
    )
    found = json.loads(lorapan_cmd("check", root, "--json").stdout)["findings"]
    rules = sorted({f["rule"] for f in found if f["severity"] == "error"})
    assert len(rules) >= 3
    res = lorapan_cmd("train", root)
    assert res.returncode == 1
    line = next(x for x in res.stderr.splitlines() if "error-level finding" in x)
    for rule in rules:
        assert f"{rule} (6 images)" in line, line
    assert "(s)" not in line and f"lorapan fix {root}" in res.stderr and "--force" in res.stderr


def test_logs_without_runs_says_how_to_start_one(tmp_path, lorapan_cmd):
    root = make_dataset(tmp_path / "ds")
    res = lorapan_cmd("logs", root)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "no training runs yet" in res.stderr
    assert f"lorapan train {root} --dry-run" in res.stderr and f"lorapan train {root}" in res.stderr
    assert "lorapan runs" not in res.stderr
    missing = lorapan_cmd("logs", tmp_path / "nope")
    assert missing.returncode == 2 and "not a folder" in missing.stderr


def _epochs_json(tmp_path, **params) -> tuple:
    """27 images (20 square, 7 at 2:3) and a Civitai JSON with 10 epochs and a target."""
    root = make_dataset(tmp_path / "ds", [(128, 128)] * 20 + [(96, 144)] * 7)
    base = {"engine": "kohya", "resolution": 1024, "enableBucket": True, "trainBatchSize": 3}
    path = tmp_path / "params.json"
    path.write_text(json.dumps({**base, "maxTrainEpochs": 10, **params}))
    return root, path


def test_target_steps_with_epochs_ends_inside_the_planned_epochs(tmp_path, lorapan_cmd):
    # r=12 gives 108 steps/epoch: 10 epochs are 1080 steps, short of 1120, and kohya would
    # count ceil(1120/108) = 11 epochs. r=13 gives 118: 10 epochs reach 1120, the last partial.
    root, params = _epochs_json(tmp_path, targetSteps=1120)
    res = lorapan_cmd("train", root, "--civitai", params, "--dry-run")
    assert res.returncode in (0, 1), res.stderr
    info = next(x for x in res.stdout.splitlines() + res.stderr.splitlines() if "steps/epoch" in x)
    assert "× 13 repeats" in info and "118 steps/epoch" in info, info
    assert "9 full epochs + 58 steps" in info and "the trainer counts 10 epochs" in info
    assert "decides the length" not in info and "(s)" not in info
    whole = lorapan_cmd(
        "train", root, "--civitai", params, "--set", "targetSteps=0", "--dry-run", "--json"
    )
    out = json.loads(whole.stdout)
    assert out["argv"][out["argv"].index("--max_train_epochs") + 1] == "10"
    assert out["steps"]["epochs"] == 10


def test_hand_repeats_short_of_the_target_say_why_the_trainer_counts_one_more(
    tmp_path, lorapan_cmd
):
    root, params = _epochs_json(tmp_path, targetSteps=1120)
    res = lorapan_cmd("train", root, "--civitai", params, "--set", "numRepeats=12", "--dry-run")
    assert res.returncode in (0, 1), res.stderr
    info = next(x for x in res.stdout.splitlines() + res.stderr.splitlines() if "steps/epoch" in x)
    assert "10 full epochs + 40 steps" in info and "the trainer counts 11 epochs" in info
    assert "targetSteps 1120" in info and "maxTrainEpochs 10" in info


def test_civitai_formula_uses_the_jsons_epochs(tmp_path, lorapan_cmd):
    root, params = _epochs_json(tmp_path, targetSteps=1120)
    out = json.loads(lorapan_cmd("train", root, "--civitai", params, "--dry-run", "--json").stdout)
    assert out["steps"]["num_repeats"] == [13]
    assert out["steps"]["civitai_formula_steps"] == -(-27 * 13 * 10 // 3)  # ceil(N·r·E/bs) = 1170


def test_runs_watch_reattaches_to_the_active_run(tmp_path, lorapan_cmd, monkeypatch):
    for key, value in replay_env(step_s=1.0).items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    assert lorapan_cmd("train", root).returncode == 0  # returns at once; the run is detached
    res = lorapan_cmd("runs", root, "--watch")
    assert res.returncode == 0, res.stderr
    assert "re-attached" in res.stdout and "step 10/10" in res.stdout and "succeeded" in res.stdout


def test_relative_paths_work_from_any_directory(tmp_path, lorapan_cmd, monkeypatch):
    """`lorapan train ds` from the parent folder; settings paths relative to the dataset."""
    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)
    table = runnable_training(tmp_path)
    table["output_dir"] = "../out-relative"  # relative to the dataset folder
    make_dataset(tmp_path / "ds", training=table)
    res = lorapan_cmd("train", "ds", "--watch", cwd=tmp_path)
    assert res.returncode == 0, res.stderr + res.stdout
    assert (tmp_path / "out-relative" / "gob.safetensors").exists()
    assert "succeeded" in lorapan_cmd("runs", "ds", cwd=tmp_path).stdout


def test_flat_folder_dry_run_says_what_kohya_will_do_and_check_agrees(tmp_path, lorapan_cmd):
    """14.11: a flat folder said "0 images × 0 repeats … 1120 steps", and check and train
    advised different folder names."""
    from PIL import Image

    root = tmp_path / "flat"
    (root / "more").mkdir(parents=True)
    for i in range(6):
        folder = root if i < 4 else root / "more"  # kohya reads no subfolders: two subsets
        Image.new("RGB", (128, 128), (i * 30, 90, 120)).save(folder / f"{i}.png")
        (folder / f"{i}.txt").write_text("gob goblin, anime screencap, solo, standing\n")
    (root / "lorapan.toml").write_text('[dataset]\nkind = "character"\nname = "gob"\n')
    res = lorapan_cmd("train", root, "--dry-run", "--json")
    out = json.loads(res.stdout)
    steps = out["steps"]
    assert steps["images"] == 6 and steps["total_steps"] == 1120
    r = steps["num_repeats"][0]
    assert r > 1 and steps["images_with_repeats"] == 6 * r
    doc = tomllib.loads(out["dataset_config"])
    dirs = [s["image_dir"] for s in doc["datasets"][0]["subsets"]]
    assert dirs == [str(root), str(root / "more")]
    advice = next(c["message"] for c in out["checks"] if "kohya folder" in c["message"])
    assert f"{r}_<name>" in advice and "trains it as it is" in advice
    check = lorapan_cmd("check", root)
    assert advice in check.stdout, check.stdout


def test_a_target_inside_the_only_epoch_is_said_so(tmp_path, lorapan_cmd):
    """numRepeats 20 gives 1 epoch of 181 steps (buckets); a target of 150 ends it early: not
    '0 full epochs + 150 steps'."""
    root, params = _epochs_json(tmp_path, maxTrainEpochs=1, numRepeats=20, targetSteps=150)
    res = lorapan_cmd("train", root, "--civitai", params, "--dry-run")
    info = next(x for x in res.stdout.splitlines() + res.stderr.splitlines() if "steps/epoch" in x)
    assert "the target ends the run after 150 of the epoch's 181 steps" in info, info
    assert "0 full epochs" not in info


def test_computed_repeats_say_they_replace_the_folders_n(tmp_path, lorapan_cmd):
    """'3_gob' reads as 3 repeats to a kohya user; the plan trains the repeats computed for
    the target, and says so (and how to train the folder's 3)."""
    root = make_dataset(tmp_path / "ds")
    out = lorapan_cmd("train", root, "--dry-run")
    note = next((x for x in out.stdout.splitlines() if "computed for targetSteps" in x), "")
    assert "the folders' names say 3 (`--set numRepeats=folder` trains those)" in note, out.stdout
    out = lorapan_cmd("train", root, "--dry-run", "--set", "numRepeats=folder")
    assert "computed for targetSteps" not in out.stdout + out.stderr
    assert "6 images × 3 repeats" in out.stdout + out.stderr


def test_a_bundle_with_per_folder_repeats_exports_one_civitai_repeat_and_says_so(
    tmp_path, lorapan_cmd
):
    """Civitai's trainer takes one numRepeats: the plan does not quote its formula with
    the first folder's repeats, and the export writes the one that trains as many images."""
    training = runnable_training(tmp_path)
    root = make_dataset(tmp_path / "ds", folder="10_gob", kind="bundle-concepts")
    make_dataset(root, [(128, 128)] * 12, folder="2_ana", kind="bundle-concepts", training=training)
    exported = tmp_path / "out.json"
    res = lorapan_cmd("train", root, "--dry-run", "--export-civitai", exported)
    assert res.returncode == 0, res.stderr
    assert "Civitai's formula" not in res.stdout
    assert "Civitai's trainer takes one numRepeats" in res.stdout
    out = json.loads(lorapan_cmd("train", root, "--dry-run", "--json").stdout)["steps"]
    repeats = out["num_repeats"]
    assert len(set(repeats)) == 2
    expected = round((6 * repeats[0] + 12 * repeats[1]) / 18)  # images trained in all, kept
    assert json.loads(exported.read_text())["numRepeats"] == expected
    assert f"has {expected}" in res.stderr and "numRepeats for all" in res.stderr


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ("numRepeats=abc", "numRepeats = 'abc' is not a valid int: give a whole number, 1 or more"),
        ("numRepeats=-3", "numRepeats = -3 is out of range: give a whole number, 1 or more"),
        ("targetSteps=-5", "targetSteps = -5 is out of range: give a whole number of steps, 0 or"),
        ("networkDim=1.5", "networkDim = '1.5' is not a valid int"),
        ("noiseOffset=3", "noiseOffset = 3.0 is out of range: give a number from 0 to 1"),
        ("lrScheduler=cosin", "lrScheduler = 'cosin': sd-scripts knows constant"),
        ("mixed_precision=fp32", "mixed_precision = 'fp32': give one of no, fp16, bf16"),
        ("prompt_count=0", "prompt_count = '0' is out of range"),
    ],
)
def test_a_set_value_of_the_wrong_type_or_range_is_refused_with_what_is_allowed(
    tmp_path, lorapan_cmd, item, said
):
    """`--set numRepeats=abc` was silently computed, `targetSteps=-5` passed --max_train_steps -5."""
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--dry-run", "--set", item)
    assert res.returncode == 2, res.stdout
    assert f"--set: {said}" in res.stderr and "Traceback" not in res.stderr
    assert "--max_train_steps" not in res.stdout


def test_runs_json_gives_a_live_runs_step_from_its_log(tmp_path, lorapan_cmd, monkeypatch):
    """`runs --json` said "step": null (and `runs` 0/10) while the log was at 9/10."""
    from lorapan.core.training.logparse import parse_text

    for key, value in replay_env(step_s=2).items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    run_id = json.loads(lorapan_cmd("train", root, "--json").stdout)["run"]
    run = find_run(root, run_id)

    def logged_step() -> int:
        return parse_text(run.log.read_text(errors="replace")).step

    assert wait_for(lambda: logged_step() >= 2, timeout=60)
    seen = logged_step()
    row = json.loads(lorapan_cmd("runs", root, "--json").stdout)[0]
    assert row["status"] == "running" and row["total"] == 10
    assert seen <= row["step"] <= 10 and isinstance(row["loss"], float)
    text = lorapan_cmd("runs", root).stdout
    listed = int(text.split("running", 1)[1].split("/10", 1)[0])
    assert listed >= seen, text
    assert lorapan_cmd("stop", root, run_id, "--grace", "10", "5").returncode == 0
