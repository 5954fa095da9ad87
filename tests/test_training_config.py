"""Presets, Civitai JSON, settings layers, and the TOML/argv checked against sd-scripts' facts."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import require_shared
from lorapan.core.training import presets as P
from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.schema import validate_dataset_config, validate_train_args
from test_training_env import make_dataset, runnable_training

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def _guide_json(which: str) -> str:
    """The guide's own params block, with its literal THIS WILL DIFFER line."""
    text = next(require_shared("seed").glob("*.txt")).read_text(encoding="utf-8", errors="replace")
    head = "All Character Datasets" if which == "characters" else "All Concepts / Backgrounds"
    start = text.index("{", text.index(head))
    return text[start : text.index("}", start) + 1]


def _plan(tmp_path, **kw):
    training = kw.pop("training", None)
    root = make_dataset(
        tmp_path / "ds", kw.pop("sizes", None), training=training, kind=kw.pop("kind", "character")
    )
    return build_plan(load_inputs(root), tmp_path / "run", **kw)


@pytest.mark.parametrize("which", ["characters", "concepts"])
def test_guide_json_with_placeholder_equals_shipped_preset(which):
    assert "THIS WILL DIFFER" in _guide_json(which)
    imported = P.parse_civitai(_guide_json(which))
    assert imported.params == P.load_preset(which).params
    assert imported.params["numRepeats"] == P.COMPUTE


def test_preset_follows_kind(tmp_path):
    assert _plan(tmp_path / "a", kind="character").preset == "characters"
    assert _plan(tmp_path / "b", kind="background").preset == "concepts"
    assert _plan(tmp_path / "c", kind="background", preset="characters").preset == "characters"
    # the guide heads its second preset "All Concepts / Backgrounds / Style / Assets / Bundles"
    assert _plan(tmp_path / "d", kind="bundle-characters").preset == "concepts"


@pytest.mark.parametrize("engine", ["rapid", "musubi", "ai-toolkit", "flux2-dev"])
def test_other_engines_rejected_with_reason(engine):
    doc = json.loads(json.dumps({**P.load_preset("characters").params, "engine": engine}))
    with pytest.raises(P.PresetError, match="sd-scripts"):
        P.parse_civitai(json.dumps(doc))


def test_export_fills_computed_repeats(tmp_path):
    plan = _plan(tmp_path)
    out = json.loads(P.export_civitai(plan.params, plan.num_repeats[0]))
    assert out["numRepeats"] == plan.num_repeats[0] and out["targetSteps"] == 1120
    again = P.parse_civitai(json.dumps(out))
    assert again.params["numRepeats"] == plan.num_repeats[0]


def test_civitai_export_with_base_model_sets_family():
    doc = {"trainingDetails": {"baseModel": "pony", "params": P.load_preset("concepts").params}}
    assert P.parse_civitai(json.dumps(doc)).family == "sdxl"


def test_generated_toml_passes_schema_and_sets_caption_extension(tmp_path):
    plan = _plan(tmp_path)
    doc = tomllib.loads(plan.dataset_toml)  # the text that is written, read back
    assert validate_dataset_config(doc) == []
    assert doc["general"]["caption_extension"] == ".txt"
    sub = doc["datasets"][0]["subsets"][0]
    assert sub["num_repeats"] == plan.num_repeats[0] and sub["image_dir"].endswith("3_gob")
    assert doc["datasets"][0]["max_bucket_reso"] >= doc["datasets"][0]["resolution"]


@pytest.mark.parametrize(
    "doc, message",
    [
        (
            {"datasets": [{"resolution": 512, "network_dim": 4, "subsets": [{"image_dir": "x"}]}]},
            "extra keys not allowed",
        ),
        (
            {"datasets": [{"resolution": 512, "subsets": [{"num_repeats": 2}]}]},
            "required key not provided",
        ),
        (
            {"datasets": [{"resolution": 512, "batch_size": 1.0, "subsets": [{"image_dir": "x"}]}]},
            "expected int",
        ),
        (
            {
                "datasets": [
                    {"resolution": 512, "network_multiplier": 1, "subsets": [{"image_dir": "x"}]}
                ]
            },
            "expected float",
        ),
    ],
)
def test_schema_rejects_what_the_sanitizer_rejects(doc, message):
    assert any(message in e for e in validate_dataset_config(doc))


def test_sd15_argv(tmp_path):
    plan = _plan(tmp_path)
    a = plan.script_args
    script = plan.argv[-len(a) - 1]
    assert script.rsplit("/", 1)[-1] == "train_network.py" and plan.argv[:2] == [
        plan.settings["accelerate"],
        "launch",
    ]
    assert validate_train_args(a, sdxl=False) == []
    assert a[a.index("--clip_skip") + 1] == "2"
    assert a[a.index("--optimizer_args") + 1 : a.index("--optimizer_args") + 4] == [
        "scale_parameter=False",
        "relative_step=False",
        "warmup_init=False",
    ]
    assert a[a.index("--max_train_steps") + 1] == "1120" and "--max_train_epochs" not in a
    assert a[a.index("--learning_rate") + 1] == a[a.index("--unet_lr") + 1] == "0.0005"
    assert "--console_log_simple" in a and "--sample_prompts" in a
    assert a[a.index("--lr_scheduler_num_cycles") + 1] == "3"


def test_sdxl_argv_drops_clip_skip(tmp_path):
    plan = _plan(tmp_path, sdxl=True)
    assert plan.argv[-len(plan.script_args) - 1].endswith("sdxl_train_network.py")
    assert "--clip_skip" not in plan.script_args
    assert validate_train_args(plan.script_args, sdxl=True) == []
    assert validate_train_args([*plan.script_args, "--clip_skip", "2"], sdxl=True)


def test_text_encoder_lr_zero_trains_unet_only(tmp_path):
    plan = _plan(tmp_path, overrides={"textEncoderLR": "0"})
    assert "--network_train_unet_only" in plan.script_args
    assert "--text_encoder_lr" not in plan.script_args


def test_schema_catches_a_bad_argument_like_argparse():
    errors = validate_train_args(["--network_dim", "abc", "--text_encoder_lr1", "1e-5"], sdxl=True)
    assert any("invalid int value: 'abc'" in e for e in errors)
    assert any("unrecognized arguments: --text_encoder_lr1" in e for e in errors)


def test_layers_dataset_table_then_set(tmp_path):
    plan = _plan(
        tmp_path,
        training={"targetSteps": 600, "networkDim": 4},
        overrides={"resolution": "512", "targetSteps": "300"},
    )
    assert plan.params["networkDim"] == 4  # from lorapan.toml
    assert plan.params["targetSteps"] == 300  # --set wins
    assert plan.dataset_config["datasets"][0]["resolution"] == 512
    assert plan.steps.total_steps == 300


def test_unknown_or_badly_typed_set_is_a_clear_error(tmp_path):
    with pytest.raises(P.PresetError, match="unknown training key 'netDim'"):
        _plan(tmp_path / "a", overrides={"netDim": "4"})
    with pytest.raises(P.PresetError, match="networkDim = 'four' is not a valid int"):
        _plan(tmp_path / "b", overrides={"networkDim": "four"})


def test_several_gpus_use_accelerate_multi_gpu_and_tell_processes_apart(tmp_path):
    plan = _plan(
        tmp_path,
        training={
            "num_processes": 4,
            "accelerate": "/opt/venv/bin/accelerate",
            "gpu_ids": "0,1,2,3",
        },
    )
    launch = plan.argv[: plan.argv.index(plan.argv[-len(plan.script_args) - 1])]
    assert launch == [
        "/opt/venv/bin/accelerate",
        "launch",
        "--num_cpu_threads_per_process",
        "1",
        "--multi_gpu",
        "--num_processes",
        "4",
        "--num_machines",
        "1",
        "--gpu_ids",
        "0,1,2,3",
        "--tee",
        "1:3,2:3,3:3",  # processes 1-3 get a [defaultN]: prefix; process 0's bar stays live
        "--log_dir",
        str(plan.run_dir / "processes"),
    ]
    assert plan.problems == []
    one = _plan(tmp_path / "one")
    assert (plan.steps.steps_per_epoch, plan.steps.total_steps) != (0, 0)
    # the plan divides the batches by the processes, as kohya does (targetSteps decides the
    # total, so the repeats go up fourfold to fill the same number of steps)
    assert plan.num_repeats[0] >= 3 * one.num_repeats[0]


def test_several_machines_need_an_address_and_a_rank(tmp_path):
    base = {"num_processes": 4, "num_machines": 2}
    plan = _plan(tmp_path, training=base)
    assert any("main_process_ip and main_process_port" in p for p in plan.problems)
    plan = _plan(
        tmp_path / "b",
        training={
            **base,
            "machine_rank": 1,
            "main_process_ip": "10.0.0.1",
            "main_process_port": 29500,
        },
    )
    assert plan.problems == []
    i = plan.argv.index("--machine_rank")
    assert plan.argv[i : i + 6] == [
        "--machine_rank",
        "1",
        "--main_process_ip",
        "10.0.0.1",
        "--main_process_port",
        "29500",
    ]
    assert plan.argv[plan.argv.index("--tee") + 1] == "1:3"  # two processes on this machine
    odd = _plan(tmp_path / "c", training={**base, "num_processes": 3})
    assert any("divide evenly" in p for p in odd.problems)


@pytest.mark.parametrize(
    ("resolution", "sdxl", "bounds"),
    [
        (128, False, (64, 256)),
        (512, False, (256, 1024)),
        (768, False, (256, 1536)),
        (1024, True, (256, 2048)),
    ],
)
def test_bucket_bounds_follow_the_resolution(tmp_path, resolution, sdxl, bounds):
    plan = _plan(tmp_path, sdxl=sdxl, overrides={"resolution": str(resolution)})
    ds = plan.dataset_config["datasets"][0]
    assert (ds["min_bucket_reso"], ds["max_bucket_reso"], ds["bucket_reso_steps"]) == (*bounds, 64)
    assert ds["min_bucket_reso"] <= resolution <= ds["max_bucket_reso"] and plan.problems == []


def test_bucket_settings_the_trainer_would_refuse_are_problems_before_a_start(tmp_path):
    low = _plan(tmp_path, overrides={"resolution": "128", "min_bucket_reso": "256"})
    assert any("min_bucket_reso = 256 is above the resolution 128" in p for p in low.problems)
    steps = _plan(tmp_path / "s", overrides={"bucket_reso_steps": "32"})
    assert any("SD1.5 needs a multiple of 64" in p for p in steps.problems)
    sdxl = _plan(tmp_path / "x", sdxl=True, overrides={"bucket_reso_steps": "32"})
    assert sdxl.problems == []


def test_sampling_follows_the_checkpoints_and_can_be_turned_off(tmp_path):
    plan = _plan(tmp_path)  # 1120 steps: a quarter is 280
    a = plan.script_args
    assert a[a.index("--save_every_n_steps") + 1] == "280" and "--save_state" in a
    assert a[a.index("--sample_every_n_steps") + 1] == "280"
    assert plan.sampling.at_steps == (280, 560, 840, 1120) and plan.sampling.images == 16
    assert "16 images (4 prompts at steps 280, 560, 840, 1120)" in plan.sampling.text(1120)
    assert "480 sampler steps beside 1120 training steps" in plan.sampling.text(1120)
    off = _plan(tmp_path / "off", overrides={"sample_every_n_steps": "off"})
    assert (
        "--sample_prompts" not in off.script_args
        and "--sample_every_n_steps" not in off.script_args
    )
    assert off.sampling.text(1120).startswith("sampling: off")
    own = _plan(
        tmp_path / "own", overrides={"sample_every_n_steps": "500", "save_every_n_steps": "off"}
    )
    assert own.sampling.at_steps == (500, 1000) and "--save_every_n_steps" not in own.script_args
    assert validate_train_args(own.script_args, sdxl=False) == []
    with pytest.raises(P.PresetError, match="a number of steps, auto or off"):
        _plan(tmp_path / "bad", overrides={"sample_every_n_steps": "often"})


def test_offline_settings_reach_the_trainer(tmp_path):
    from lorapan.core.training.run_settings import trainer_env

    plan = _plan(tmp_path, training={"tokenizer_cache_dir": "tok", "offline": True})
    a = plan.script_args
    assert a[a.index("--tokenizer_cache_dir") + 1] == str((tmp_path / "ds" / "tok").resolve())
    assert trainer_env(plan.settings)["HF_HUB_OFFLINE"] == "1"
    assert "--tokenizer_cache_dir" not in _plan(tmp_path / "on").script_args


def test_train_reads_the_user_config_from_the_config_dir_and_warns_of_its_problems(
    tmp_path, lorapan_cmd
):
    root = make_dataset(tmp_path / "ds")
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "config.toml").write_text("theme = 3\n[training]\nnetworkDim = 32\n")
    env = {"LORAPAN_CONFIG_DIR": str(cfg)}
    res = lorapan_cmd("train", root, "--dry-run", "--json", env=env)
    argv = json.loads(res.stdout)["argv"]
    assert argv[argv.index("--network_dim") + 1] == "32"
    assert f"warning: {cfg / 'config.toml'}: theme = 3 must be a theme name" in res.stderr
    # a [training] the plan cannot use: warned, then refused with the same words
    (cfg / "config.toml").write_text('[training]\nnetworkDim = "wide"\n')
    res = lorapan_cmd("train", root, "--dry-run", env=env)
    assert res.returncode == 2 and "networkDim = 'wide'" in res.stderr
    assert "Traceback" not in res.stderr
    # LORAPAN_CONFIG (a file; never documented) is not read, and train says so
    (cfg / "config.toml").write_text("[training]\nnetworkDim = 8\n")
    res = lorapan_cmd("train", root, "--dry-run", "--json", env={"LORAPAN_CONFIG": str(cfg)})
    argv = json.loads(res.stdout)["argv"]
    assert argv[argv.index("--network_dim") + 1] != "8"
    assert "LORAPAN_CONFIG is not read" in res.stderr and "LORAPAN_CONFIG_DIR" in res.stderr


def test_prompts_use_tags_absent_from_dataset(tmp_path):
    plan = _plan(tmp_path)  # captions say "standing, smile"
    assert len(plan.prompts) == 4
    for line in plan.prompts:
        prompt = line.split(" --")[0]
        assert prompt.startswith("gob goblin, ")
        assert "standing" not in prompt
    assert "--w 1024 --h 1024" in plan.prompts[0]


def test_runnable_settings_pass_preflight(tmp_path):
    from lorapan.core.training.preflight import blocking, preflight

    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    inputs = load_inputs(root)
    plan = build_plan(inputs, tmp_path / "run")
    assert blocking(preflight(plan, inputs)) == []
    broken = build_plan(
        inputs,
        tmp_path / "run",
        overrides={"base_model": str(tmp_path / "nope.safetensors"), "sd_scripts": str(tmp_path)},
    )
    messages = " | ".join(c.message for c in blocking(preflight(broken, inputs)))
    assert "base model not found" in messages and "train_network.py not found" in messages


def test_user_config_is_below_dataset_settings(tmp_path, monkeypatch):
    from lorapan.core.user_config import load_user_config

    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[training]\nsd_scripts = "/opt/sd-scripts"\nnetworkDim = 32\nnetworkAlpha = 16\n'
    )
    monkeypatch.setenv("LORAPAN_CONFIG_DIR", str(tmp_path))
    user_table = load_user_config().table("training")
    plan = _plan(tmp_path, training={"networkDim": 4}, user_table=user_table)
    assert plan.settings["sd_scripts"] == "/opt/sd-scripts"  # from the user config
    assert plan.params["networkDim"] == 4  # the dataset's lorapan.toml wins
    assert plan.params["networkAlpha"] == 16.0


def test_two_folders_keep_their_balance_in_the_toml(tmp_path):
    root = make_dataset(tmp_path / "ds", [(128, 128)] * 6, folder="2_gob")
    make_dataset(root, [(128, 192)] * 3, folder="4_gob closeup")
    plan = build_plan(load_inputs(root), tmp_path / "run", overrides={"targetSteps": "300"})
    subs = {
        s["image_dir"].rsplit("/", 1)[-1]: s["num_repeats"]
        for s in plan.dataset_config["datasets"][0]["subsets"]
    }
    assert subs["4_gob closeup"] == 2 * subs["2_gob"]
    assert validate_dataset_config(plan.dataset_config) == []


def test_tensorboard_logging_dir_in_the_run_folder_unless_turned_off(tmp_path):
    plan = _plan(tmp_path)
    a = plan.script_args
    assert a[a.index("--logging_dir") + 1] == str(plan.run_dir / "tensorboard")
    assert validate_train_args(a, sdxl=False) == []
    off = _plan(tmp_path / "off", overrides={"tensorboard": "false"})
    assert "--logging_dir" not in off.script_args
    with pytest.raises(P.PresetError, match="tensorboard"):
        _plan(tmp_path / "bad", overrides={"tensorboard": "maybe"})
    own = _plan(tmp_path / "own", overrides={"extra_args": "--logging_dir=/elsewhere"})
    assert [x for x in own.script_args if x.startswith("--logging_dir")] == [
        "--logging_dir=/elsewhere"
    ]


def test_override_lines_as_the_start_dialog_takes_them():
    text = "targetSteps = 600\n\n# comment\nresolution=512\n"
    assert P.parse_override_lines(text) == {"targetSteps": "600", "resolution": "512"}
    with pytest.raises(P.PresetError, match="line 2"):
        P.parse_override_lines("targetSteps=600\nresolution 512")


def test_the_guides_1024_px_on_sd15_is_a_warning_with_both_ways_out(tmp_path):
    plan = _plan(tmp_path / "a")
    assert not plan.sdxl and plan.dataset_config["datasets"][0]["resolution"] == 1024
    [warning] = [w for w in plan.warnings if "1024 px" in w]
    assert "--sdxl" in warning and "--set resolution=512" in warning
    assert not [w for w in _plan(tmp_path / "b", sdxl=True).warnings if "1024 px" in w]
    chosen = _plan(tmp_path / "c", overrides={"resolution": "512"})
    assert chosen.dataset_config["datasets"][0]["resolution"] == 512
    assert not [w for w in chosen.warnings if "px" in w]
    stated = _plan(tmp_path / "d", overrides={"resolution": "1024"})  # the user's own call
    assert not [w for w in stated.warnings if "1024 px" in w]


def test_a_bad_value_in_lorapan_toml_names_the_file_and_what_is_allowed(tmp_path):
    with pytest.raises(P.PresetError, match=r"lorapan.toml \[training\]: trainBatchSize = 0 is"):
        _plan(tmp_path, training={"trainBatchSize": 0})


def test_a_quoted_placeholder_in_a_civitai_json_means_compute():
    preset = P.parse_civitai('{"engine": "kohya", "numRepeats": "THIS WILL DIFFER"}')
    assert preset.params["numRepeats"] == P.COMPUTE
