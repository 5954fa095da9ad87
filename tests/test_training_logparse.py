"""The log parser on every captured sd-scripts log, and the byte stream from kohya.md §4.

Expected values come from the fixtures' README (flags and what each run shows).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import require_shared
from lorapan.core.training.logparse import LogParser, parse_text
from lorapan.core.training.verdict import judge
from test_training_env import FIXTURES

ADAMW_CKPTS = [
    "gob_lora-step00000004.safetensors",
    "gob_lora-000001.safetensors",
    "gob_lora-step00000008.safetensors",
    "gob_lora.safetensors",
]
NO_DATA = {"step": 0, "total": 0, "no_data": True, "checkpoints": [], "model_saved": False}
# file -> (facts, exit status, expected verdict)
EXPECTED: dict[str, tuple[dict, int, str]] = {
    "run-pty.log": (
        {
            "step": 10,
            "total": 10,
            "epochs": 2,
            "epoch": 2,
            "checkpoints": ADAMW_CKPTS,
            "samples": [5, 10],
            "model_saved": True,
        },
        0,
        "succeeded",
    ),
    "run-pipe.log": (
        {
            "step": 10,
            "total": 10,
            "epochs": 2,
            "epoch": 2,
            "checkpoints_set": set(ADAMW_CKPTS),
            "samples": [5, 10],
            "model_saved": True,
        },
        0,
        "succeeded",
    ),
    "run-pipe-unbuffered.log": (
        {
            "step": 10,
            "total": 10,
            "epochs": 2,
            "epoch": 2,
            "checkpoints": ADAMW_CKPTS,
            "samples": [5, 10],
            "model_saved": True,
        },
        0,
        "succeeded",
    ),
    "run-adafactor-pipe.log": (
        {
            "step": 10,
            "total": 10,
            "epochs": 2,
            "epoch": 2,
            "batches": 9,
            "checkpoints": ["gob_lora_af-000001.safetensors", "gob_lora_af.safetensors"],
            "samples": [],
            "model_saved": True,
        },
        0,
        "succeeded",
    ),
    "run-plain-python-pipe.log": (
        {
            "step": 6,
            "total": 6,
            "epochs": 1,
            "epoch": 1,
            "checkpoints": ["gob_lora.safetensors"],
            "samples": [],
            "model_saved": True,
        },
        0,
        "succeeded",
    ),
    "run-validation.log": (
        {"step": 6, "total": 6, "model_saved": True, "samples": []},
        0,
        "succeeded",
    ),
    "run-nan-loss.log": ({"step": 5, "total": 5, "nan_step": 2, "model_saved": True}, 0, "failed"),
    "run-accelerate-noconfig.log": (
        {"step": 3, "total": 3, "checkpoints": ["gob_lora.safetensors"], "model_saved": True},
        0,
        "succeeded",
    ),
    "fail-missing-dir.log": (NO_DATA, 0, "failed"),
    "fail-empty-dir.log": (NO_DATA, 0, "failed"),
    "fail-no-repeats-prefix.log": (
        {**NO_DATA, "warning": "ignore directory without repeats"},
        0,
        "failed",
    ),
    "fail-bad-arg.log": ({"step": 0, "error": "invalid int value: 'abc'"}, 1, "failed"),
    "fail-nan-lr.log": ({"step": 0, "error": "Invalid learning rate: nan"}, 1, "failed"),
    "fail-late-valueerror.log": (
        {"step": 0, "error": "persistent_workers option needs num_workers > 0"},
        1,
        "failed",
    ),
    "interrupt-sigint.log": (
        {"step": 2, "total": 10, "interrupted": True, "model_saved": False},
        -2,
        "failed",
    ),
    "interrupt-sigterm-launcher.log": (
        {"step": 4, "total": 10, "epoch": 1, "model_saved": False},
        -15,
        "failed",
    ),
}


def _text(name: str) -> str:
    return require_shared("fixtures", "kohya", name).read_bytes().decode("utf-8", "replace")


@pytest.mark.needs_shared
def test_every_fixture_has_expectations():
    assert sorted(p.name for p in FIXTURES.glob("*.log")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_read_correctly(name: str):
    facts, code, verdict = EXPECTED[name]
    p = parse_text(_text(name))
    assert p.step == facts["step"]
    for key in ("total", "epochs", "epoch", "model_saved", "nan_step", "no_data", "interrupted"):
        if key in facts:
            assert getattr(p, key) == facts[key], key
    if "batches" in facts:
        assert p.batches_per_epoch == facts["batches"]
    if "checkpoints" in facts:
        assert [Path(c).name for c in p.checkpoints] == facts["checkpoints"]
    if "checkpoints_set" in facts:  # buffered stdout: same files, order scrambled
        assert {Path(c).name for c in p.checkpoints} == facts["checkpoints_set"]
    if "samples" in facts:
        assert p.sample_steps == facts["samples"]
    if "error" in facts:
        assert any(facts["error"] in e for e in p.errors), p.errors
    if "warning" in facts:
        assert any(facts["warning"] in w for w in p.warnings)
    if p.step:
        assert p.loss is not None and [s for s, _ in p.losses] == list(range(1, p.step + 1))
    signame = {-2: "SIGINT", -15: "SIGTERM"}.get(code)
    v = judge(p, None if signame else code, signal_name=signame)
    assert v.status == verdict, v.reasons


def test_no_data_exit_zero_is_failure_with_reason():
    v = judge(parse_text(_text("fail-missing-dir.log")), 0)
    assert v.status == "failed" and "No data found" in " ".join(v.reasons)


def test_nan_loss_flagged_from_the_step_it_appears():
    p = parse_text(_text("run-nan-loss.log"))
    assert math.isnan(p.loss) and p.nan_step == 2
    assert all(not math.isnan(loss) for s, loss in p.losses if s < 2)
    assert "NaN" in " ".join(judge(p, 0).reasons)


def test_exit_zero_without_model_is_failure():
    p = parse_text(_text("run-plain-python-pipe.log"))
    v = judge(p, 0, model_exists=False)
    assert v.status == "failed" and "no model" in v.reasons[0]


def test_bar_followed_by_rich_record_on_same_line_still_counts():
    p = parse_text(_text("run-pipe.log"))
    # step 5's bar is followed by "2026-11-26 23:32:17 INFO" on one line; it must be seen
    assert 5 in [s for s, _ in p.losses]


SECTION4 = (
    "  total optimization steps / 学習ステップ数: 6\n\rsteps:   0%|          | 0/6 [00:00<?, ?it/s]\nepoch 1/2\n\n"
    "\rsteps:  17%|█▋        | 1/6 [00:01<00:06,  1.20s/it]\rsteps:  17%|█▋        | 1/6 [00:01<00:06,  1.20s/it, avr_loss=0.112]"
    "\rsteps:  33%|███▎      | 2/6 [00:02<00:04,  1.20s/it, avr_loss=0.112]\rsteps:  33%|███▎      | 2/6 [00:02<00:04,  1.20s/it, avr_loss=0.105]"
    "\rsteps:  50%|█████     | 3/6 [00:03<00:03,  1.20s/it, avr_loss=0.104]\nsaving checkpoint: /out/mylora-000001.safetensors\n\nepoch 2/2\n\n"
    "\rsteps:  67%|██████▋   | 4/6 [00:04<00:02,  1.20s/it, avr_loss=0.104]"
    "\rsteps: 100%|██████████| 6/6 [00:07<00:00,  1.20s/it, avr_loss=0.0907]\nsaving checkpoint: /out/mylora.safetensors\n"
    "\rsteps: 100%|██████████| 6/6 [00:07<00:00,  1.20s/it, avr_loss=0.0907]\n"
)


def test_section4_stream_byte_by_byte_matches_whole():
    whole = parse_text(SECTION4)
    parser = LogParser()
    for ch in SECTION4:  # arrival in the smallest pieces must not change the result
        parser.feed(ch)
    parser.flush()
    p = parser.progress
    assert (p.step, p.total, p.epoch, p.epochs) == (6, 6, 2, 2)
    assert p.losses == whole.losses == [(1, 0.112), (2, 0.105), (3, 0.104), (4, 0.104), (6, 0.0907)]
    assert p.checkpoints == ["/out/mylora-000001.safetensors", "/out/mylora.safetensors"]
    assert p.final_model == "/out/mylora.safetensors"
    assert p.rate == pytest.approx(1 / 1.2) and p.eta_s == 0


def test_display_lines_collapse_redraws_to_latest():
    lines = LogParser().feed(SECTION4)
    bar_lines = [ln for ln in lines if ln.startswith("steps:")]
    assert bar_lines[1].endswith("avr_loss=0.104]")  # 3 redraws on one line -> the last one
    assert not any("\r" in ln for ln in lines)


def test_tqdm_format_examples_from_kohya_md():
    lines = [
        "steps:   0%|          | 1/1600 [00:02<1:17:17,  2.90s/it, avr_loss=0.0841]",
        "steps:  83%|████████▎ | 2500/3000 [1:06:40<13:20,  1.60s/it, Average key norm=0.0123, Keys Scaled=0, avr_loss=0.0934]",
    ]
    p = parse_text("\r".join(lines) + "\n")
    assert (p.step, p.total, p.loss) == (2500, 3000, 0.0934)
    assert p.eta_s == 13 * 60 + 20 and p.elapsed_s == 3600 + 6 * 60 + 40
    first = parse_text(lines[0] + "\n")
    assert first.eta_s == 3600 + 17 * 60 + 17 and first.loss == 0.0841


def _long_run(total: int = 2500) -> str:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_training_log import long_run_log

    return long_run_log(total)


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
def test_a_long_run_reads_the_same_whatever_the_pieces(piece: int):
    """Every step's last loss, whether the log arrives a byte at a time or a MiB at a time."""
    text = _long_run()
    parser = LogParser()
    lines = []
    for i in range(0, len(text), piece):
        lines += parser.feed(text[i : i + piece])
    lines += parser.flush()
    p = parser.progress
    assert (p.step, p.total, p.model_saved) == (2500, 2500, True)
    assert [s for s, _ in p.losses] == list(range(1, 2501))
    assert p.losses[99] == (100, float(f"{0.1 + 1 / 104:.3g}"))  # the step's second redraw
    assert p.checkpoints[-1] == "/out/gob.safetensors" and p.sample_steps == []
    assert lines[-1] == "model saved." and not any("\r" in ln for ln in lines)


def test_sampling_phase_says_which_prompt_and_how_far():
    text = (
        "\rsteps:  50%|█████     | 5/10 [00:30<00:30,  6.05s/it, avr_loss=1.12]\n"
        "generating sample images at step / サンプル画像生成 ステップ: 5\n"
        "prompt: gob goblin, sitting\nnegative_prompt: lowres\nsample_steps: 30\n"
        "\r  0%|          | 0/30 [00:00<?, ?it/s]\r 40%|████      | 12/30 [00:04<00:06]\n"
        "prompt: gob goblin, beach\n\r 10%|█         | 3/30 [00:01<00:09]"
    )
    parser = LogParser(prompts=4)
    parser.feed(text)
    s = parser.progress.sampling
    assert s is not None and (s.at_step, s.prompt, s.sampler_step, s.sampler_steps) == (5, 2, 3, 30)
    parser.feed("\n\rsteps:  60%|██████    | 6/10 [00:40<00:20,  6.05s/it, avr_loss=1.1]")
    assert parser.progress.sampling is None and parser.progress.step == 6


def test_resumed_attempt_continues_the_step_count_and_forgets_the_last_ending():
    first = (
        "  total optimization steps / 学習ステップ数: 10\n"
        "\rsteps:  40%|████      | 4/10 [00:20<00:30,  5.0s/it, avr_loss=1.1]\n"
        "save train state to /out/gob-step00000004-state/train_state.json at epoch 1 step 4\n"
        "KeyboardInterrupt\n"
    )
    second = (
        "lorapan: resuming from step 4 of 10 (state /out/gob-step00000004-state)\n"
        "  total optimization steps / 学習ステップ数: 10\n"
        "\rsteps:   0%|          | 0/6 [00:00<?, ?it/s]"
        "\rsteps:  17%|█▋        | 1/6 [00:05<00:25,  5.0s/it, avr_loss=1.05]"
        "\rsteps:  33%|███▎      | 2/6 [00:10<00:20,  5.0s/it, avr_loss=1.0]\n"
    )
    p = parse_text(first + second)
    assert p.states == [(4, "/out/gob-step00000004-state")]
    assert (p.step, p.total, p.resumed_from, p.interrupted) == (6, 10, 4, False)
    assert [s for s, _ in p.losses] == [4, 5, 6]


def test_lines_of_other_processes_are_told_apart_and_still_read():
    text = (
        "[default1]:loading model for process 1\n"
        "[default1]:ValueError: Invalid learning rate: nan\n"
        "\rsteps:  10%|█         | 1/10 [00:05<00:45,  5.0s/it, avr_loss=1.1]\n"
    )
    parser = LogParser()
    lines = parser.feed(text)
    assert lines[:2] == [
        "[process 1] loading model for process 1",
        "[process 1] ValueError: Invalid learning rate: nan",
    ]
    assert parser.progress.processes == {1}
    assert any("Invalid learning rate" in e for e in parser.progress.errors)
    assert parser.progress.step == 1
