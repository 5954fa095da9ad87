"""lorapan against a real kohya-ss/sd-scripts install (marked ``kohya``).

These run only when ``LORAPAN_TEST_SD_SCRIPTS`` names a TOML file describing an install
made by hand outside the repository (nothing of it is committed)::

    checkout = "/opt/kohya/sd-scripts"        # kohya-ss/sd-scripts checkout
    python = "/opt/kohya/venv/bin/python"     # its venv (requirements installed)
    accelerate = "/opt/kohya/venv/bin/accelerate"
    model = "/opt/kohya/models/sd15-random.safetensors"   # an SD1.5 checkpoint
    tokenizer_cache_dir = "/opt/kohya/tokcache"           # optional: no hub access

Run them one at a time (each real run takes several GB):
``LORAPAN_TEST_SD_SCRIPTS=/opt/kohya/lorapan-test.toml pytest -m kohya -n 0``.

(a) For every kind (so every preset), SD1.5 and SDXL, a flat folder and a Civitai
import, the dataset TOML and argv lorapan generates pass sd-scripts' own parser,
``verify_training_args``, the config sanitizer, the dataset build (buckets) and the
trainer's extra checks, and sd-scripts counts the images and steps lorapan predicted.
No model is loaded, so SDXL needs no SDXL checkpoint. The multi-GPU launch command
is parsed by accelerate's own parser.
(b) Real runs of a few steps on CPU: through ``lorapan train --watch``, through the
training screen (Pilot), and a stop then ``--resume`` whose step count goes on.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lorapan.core.settings import KINDS
from lorapan.core.training import presets as P
from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs
from lorapan.core.training.runs import find_run, load_run, new_run_dir
from lorapan.core.training.trainer_check import checks_for, run_checks
from PIL import Image
from test_training_env import wait_for

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

pytestmark = [pytest.mark.kohya, pytest.mark.serial]
RUN_S = 1800.0  # the most one real run may take on a loaded 2-core CPU


def install() -> dict:
    path = os.environ.get("LORAPAN_TEST_SD_SCRIPTS")
    if not path:
        pytest.skip("LORAPAN_TEST_SD_SCRIPTS names no sd-scripts install (see this file)")
    doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    for key in ("checkout", "python", "model"):
        if not Path(doc.get(key, "")).exists():
            pytest.skip(f"{path}: {key} = {doc.get(key)!r} does not exist")
    return doc


def training_table(inst: dict, **extra) -> dict:
    table = {
        "sd_scripts": inst["checkout"],
        "python": inst["python"],
        "base_model": inst["model"],
        "mixed_precision": "no",  # CPU
        "save_precision": "float",
    }
    if inst.get("accelerate"):
        table["accelerate"] = inst["accelerate"]
    if inst.get("tokenizer_cache_dir"):
        table.update(tokenizer_cache_dir=inst["tokenizer_cache_dir"], offline=True)
    table.update(extra)
    return table


def dataset(root: Path, kind: str, training: dict, *, folders=("3_gob",), flat=False) -> Path:
    """Images of several aspect ratios (so several buckets), captions, lorapan.toml."""
    import tomli_w

    sizes = [(128, 128), (128, 192), (192, 128), (128, 128), (160, 96), (96, 160)]
    for f, folder in enumerate(folders):
        where = root if flat else root / folder
        where.mkdir(parents=True, exist_ok=True)
        for i, size in enumerate(sizes):
            Image.new("RGB", size, (i * 40 % 255, 60 + 30 * f, 120)).save(where / f"{f}_{i}.png")
            (where / f"{f}_{i}.txt").write_text(
                "gob goblin, anime screencap, solo, standing, smile\n", encoding="utf-8"
            )
    doc = {"dataset": {"kind": kind, "name": "gob", "core_tag": "gob goblin"}, "training": training}
    (root / "lorapan.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    return root


def guide_civitai() -> P.Preset:
    """The guide's character JSON with its literal THIS WILL DIFFER line, as users paste it."""
    from test_training_env import SHARED

    text = next((SHARED / "seed").glob("*.txt")).read_text(encoding="utf-8", errors="replace")
    start = text.index("{", text.index("All Character Datasets"))
    return P.parse_civitai(text[start : text.index("}", start) + 1], "guide.json")


# -- (a) the generated TOML and argv pass sd-scripts' own checks -------------------------
def test_every_kind_family_flat_folder_and_civitai_import_pass_sd_scripts_checks(tmp_path):
    inst = install()
    plans, names = [], []
    for kind in KINDS:
        folders = ("2_gob", "4_gob other") if kind.startswith("bundle") else ("3_gob",)
        root = dataset(tmp_path / kind, kind, training_table(inst), folders=folders)
        for sdxl in (False, True):
            plans.append(build_plan(load_inputs(root), new_run_dir(root, False), sdxl=sdxl))
            names.append(f"{kind} {'SDXL' if sdxl else 'SD1.5'}")
    flat = dataset(tmp_path / "flat", "character", training_table(inst), flat=True)
    plans.append(build_plan(load_inputs(flat), new_run_dir(flat, False)))
    names.append("flat folder")
    civitai = dataset(tmp_path / "civitai", "character", training_table(inst))
    for sdxl in (False, True):
        plan = build_plan(
            load_inputs(civitai), new_run_dir(civitai, False), civitai=guide_civitai(), sdxl=sdxl
        )
        plans.append(plan)
        names.append(f"Civitai import {'SDXL' if sdxl else 'SD1.5'}")
    assert {p.preset for p in plans} >= {"characters", "concepts", "guide.json"}
    started = time.monotonic()
    verdicts = run_checks(plans, timeout=1200)
    print(f"\nsd-scripts checked {len(plans)} plans in {time.monotonic() - started:.0f} s")
    for name, plan, verdict in zip(names, plans, verdicts, strict=True):
        assert verdict.ok, f"{name}: sd-scripts {verdict.stage}: {verdict.error}"
        problems = [c.message for c in checks_for(plan, verdict) if c.level != "info"]
        assert problems == [], f"{name}: {problems}"  # the trainer counts what lorapan predicted
        assert verdict.facts["images_with_repeats"] == plan.steps.images_with_repeats


def test_a_refused_setting_is_reported_in_lorapans_words(tmp_path, lorapan_cmd):
    inst = install()
    root = dataset(tmp_path / "ds", "character", training_table(inst, resolution=128))
    res = lorapan_cmd("train", root, "--check", "--set", "extra_args=--network_dim abc")
    assert res.returncode == 1
    assert (
        "sd-scripts refused an argument" in res.stdout and "invalid int value: 'abc'" in res.stdout
    )
    res = lorapan_cmd("train", root, "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "sd-scripts accepts the run" in res.stdout


def test_the_multi_gpu_command_parses_with_accelerates_own_parser(tmp_path):
    inst = install()
    extra = dict(num_processes=4, num_machines=2, machine_rank=1, gpu_ids="0,1")
    extra.update(main_process_ip="10.0.0.1", main_process_port=29500)
    root = dataset(tmp_path / "ds", "character", training_table(inst, **extra))
    plan = build_plan(load_inputs(root), new_run_dir(root, False))
    assert plan.problems == []
    launch = plan.argv[2 : len(plan.argv) - len(plan.script_args)]  # after "accelerate launch"
    code = (
        "import json, sys\n"
        "from accelerate.commands.launch import launch_command_parser\n"
        "a = launch_command_parser().parse_args(sys.argv[1:] + ['--'])\n"
        "print(json.dumps({k: getattr(a, k) for k in ('multi_gpu', 'num_processes', "
        "'num_machines', 'machine_rank', 'main_process_ip', 'main_process_port', 'gpu_ids', "
        "'tee', 'log_dir', 'training_script')}))"
    )
    out = subprocess.run(
        [inst["python"], "-c", code, *launch], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    parsed = json.loads(out.stdout)
    assert parsed["multi_gpu"] and parsed["num_processes"] == 4 and parsed["num_machines"] == 2
    assert parsed["machine_rank"] == 1 and parsed["main_process_ip"] == "10.0.0.1"
    assert parsed["gpu_ids"] == "0,1" and parsed["tee"] == "1:3"
    assert parsed["training_script"].endswith("train_network.py")
    # kohya's steps per process: the batches divide by the 4 processes
    single = build_plan(
        load_inputs(root),
        new_run_dir(root, False),
        overrides={"num_processes": "1", "num_machines": "1"},
    )
    assert plan.num_repeats[0] > single.num_repeats[0]


# -- (b) real runs -------------------------------------------------------------------
def quick(inst: dict, **extra) -> dict:
    """A run of a few steps that a loaded CPU finishes in minutes."""
    fast = dict(
        resolution=128,
        trainBatchSize=2,
        targetSteps=2,
        networkDim=4,
        networkAlpha=2,
        textEncoderLR=0,  # the U-Net only: faster
        sample_every_n_steps="off",
    )
    return training_table(inst, **{**fast, **extra})


def test_a_real_run_through_lorapan_train_watch(tmp_path, lorapan_cmd):
    inst = install()
    root = dataset(tmp_path / "ds", "character", quick(inst))
    started = time.monotonic()
    res = lorapan_cmd("train", root, "--watch", timeout=RUN_S)
    print(f"\nlorapan train --watch: {time.monotonic() - started:.0f} s")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "sd-scripts accepts the run" in res.stderr  # checked before it started
    assert "step 2/2" in res.stdout and "succeeded" in res.stdout
    run = find_run(root, "latest")  # each run writes into a folder of its own
    model = run.path / "output" / "gob.safetensors"
    assert f"model written: {model}" in res.stdout and model.stat().st_size > 100_000


def test_a_real_run_through_the_training_screen(tmp_path):
    inst = install()
    root = dataset(tmp_path / "ds", "character", quick(inst))
    from lorapan.tui.screens.training import TrainingScreen
    from lorapan.tui.screens.training_start import StartTrainingScreen
    from textual.app import App
    from textual.widgets import Static

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    screen = TrainingScreen(root)

    async def drive() -> str:
        async with Host().run_test(size=(120, 40)) as pilot:
            await pilot.press("s")
            loop = asyncio.get_running_loop()
            end = loop.time() + 60
            while not (
                isinstance(pilot.app.screen, StartTrainingScreen) and pilot.app.screen.plans_built
            ):
                assert loop.time() < end
                await pilot.pause(0.1)
            await pilot.press("ctrl+s")
            end = loop.time() + RUN_S
            status = screen.query_one("#tr-status", Static)
            while "succeeded" not in str(status.render()) and "failed" not in str(status.render()):
                assert loop.time() < end, str(status.render())
                await pilot.pause(0.5)
            await pilot.pause(1.0)
            return str(status.render()) + "\n" + str(screen.query_one("#tr-stats", Static).render())

    started = time.monotonic()
    shown = asyncio.run(drive())
    print(f"\ntraining screen run: {time.monotonic() - started:.0f} s")
    model = find_run(root, "latest").path / "output" / "gob.safetensors"
    assert "succeeded" in shown and f"model written: {model}" in shown, shown
    assert screen.last.step == 2 and model.is_file()


def test_a_real_run_stopped_then_resumed_counts_on(tmp_path, lorapan_cmd):
    inst = install()
    root = dataset(tmp_path / "ds", "character", quick(inst, targetSteps=4, save_every_n_steps=2))
    started = time.monotonic()
    res = lorapan_cmd("train", root, "--json", timeout=600)
    assert res.returncode == 0, res.stderr
    run = load_run(root / ".lorapan" / "runs" / json.loads(res.stdout)["run"])
    state = run.path / "output" / "gob-step00000002-state" / "train_state.json"
    assert wait_for(state.is_file, timeout=RUN_S, poll=1.0), run.log.read_text()[-3000:]
    res = lorapan_cmd("stop", root, run.id, "--grace", "60", "30", timeout=300)
    stopped = load_run(run.path)
    if stopped.status == "succeeded":  # it finished before the stop: nothing to resume here
        pytest.skip("the run ended before it could be stopped; run again on a busier machine")
    assert stopped.status == "stopped", stopped.state
    res = lorapan_cmd("train", root, "--resume", run.id, "--watch", timeout=RUN_S)
    print(f"\nrun, stop and resume: {time.monotonic() - started:.0f} s")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert f"resumed run {run.id} from step 2 of 4" in res.stdout
    assert "step 4/4" in res.stdout and "succeeded" in res.stdout
    end = load_run(run.path)
    assert end.status == "succeeded" and end.state["step"] == 4
    text = run.log.read_text(encoding="utf-8", errors="replace")
    assert "load train state from" in text and "skipping 2 steps" in text  # sd-scripts' own words
