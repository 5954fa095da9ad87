"""`lorapan autotag` and `lorapan models` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_lorapan
from onnx_models import make_model_dir
from PIL import Image

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


def lorapan(*args: object, data_home: Path) -> subprocess.CompletedProcess:
    return run_lorapan(*args, env={"XDG_DATA_HOME": str(data_home)})


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "ds"
    root.mkdir()
    for name, colour in COLOURS.items():
        Image.new("RGB", (32, 32), colour).save(root / f"{name}.png")
    (root / "red.txt").write_text("tk, solo")
    (root / "green.txt").write_text("tk, green")
    return {"root": root, "model": make_model_dir(tmp_path / "models"), "home": tmp_path / "xdg"}


def test_suggest_json_lists_missing_tags_and_writes_nothing(env: dict[str, Path]) -> None:
    res = lorapan("autotag", env["root"], "--model", env["model"], "--json", data_home=env["home"])
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["provider"] == "CPUExecutionProvider" and out["mode"] == "suggest"
    assert out["scored"] == 3 and out["cached"] == 0
    red = {s["tag"]: s for s in out["suggestions"]["red.png"]}
    assert red["red"]["score"] > 0.9 and red["red knight (series)"]["category"] == "character"
    assert "green" not in {s["tag"] for s in out["suggestions"]["green.png"]}
    assert (env["root"] / "red.txt").read_text() == "tk, solo"
    assert not (env["root"] / "blue.txt").exists()


def test_add_missing_shows_progress_provider_and_undo_hint(env: dict[str, Path]) -> None:
    res = lorapan(
        "autotag", env["root"], "-m", env["model"], "--mode", "add-missing", data_home=env["home"]
    )
    assert res.returncode == 0, res.stderr
    assert "provider: CPUExecutionProvider" in res.stderr
    assert "3/3" in res.stderr and "ETA" in res.stderr
    assert "changed 3 captions" in res.stdout and "lorapan undo" in res.stdout
    assert (env["root"] / "red.txt").read_text().startswith("tk, solo, red knight (series), red")
    undo = lorapan("undo", env["root"], data_home=env["home"])
    assert undo.returncode == 0, undo.stderr
    assert (env["root"] / "red.txt").read_text() == "tk, solo"
    assert not (env["root"] / "blue.txt").exists()


def test_second_run_with_new_threshold_uses_the_cache(env: dict[str, Path]) -> None:
    lorapan("autotag", env["root"], "-m", env["model"], "--json", data_home=env["home"])
    res = lorapan(
        "autotag",
        env["root"],
        "-m",
        env["model"],
        "--threshold",
        "0.25",
        "--json",
        data_home=env["home"],
    )
    out = json.loads(res.stdout)
    assert out["scored"] == 0 and out["cached"] == 3
    assert "faint" in {s["tag"] for s in out["suggestions"]["red.png"]}


def test_replace_dry_run_with_query_and_exclude(env: dict[str, Path]) -> None:
    res = lorapan(
        "autotag", env["root"], "-m", env["model"], "--mode", "replace", "--query", "solo",
        "--exclude", "^_^,dark", "--dry-run", "--json", data_home=env["home"],
    )  # fmt: skip
    out = json.loads(res.stdout)
    [change] = out["changes"]
    assert change["image"] == "red.png"
    assert (
        change["after"][0] == "tk"
        and "^_^" not in change["after"]
        and "dark" not in change["after"]
    )
    assert out["dry_run"] is True
    assert (env["root"] / "red.txt").read_text() == "tk, solo"


def test_unreadable_image_is_reported_and_the_rest_tagged(env: dict[str, Path]) -> None:
    (env["root"] / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)
    res = lorapan(
        "autotag", env["root"], "-m", env["model"], "--mode", "add-missing", data_home=env["home"]
    )
    assert res.returncode == 1
    assert "unreadable: broken.png" in res.stdout
    assert "changed 3 captions" in res.stdout
    assert "Traceback" not in res.stderr


def test_no_model_says_how_to_get_one(env: dict[str, Path]) -> None:
    res = lorapan("autotag", env["root"], data_home=env["home"])
    assert res.returncode == 2
    assert "no tagger model found" in res.stderr
    assert "huggingface-cli download SmilingWolf/wd-vit-tagger-v3" in res.stderr
    assert "Traceback" not in res.stderr


def test_mismatched_model_is_a_usage_error(env: dict[str, Path], tmp_path: Path) -> None:
    bad = make_model_dir(tmp_path / "bad", extra_outputs=2)
    res = lorapan("autotag", env["root"], "-m", bad, data_home=env["home"])
    assert res.returncode == 2
    assert "gives 16 scores per image but selected_tags.csv has 14 tags" in res.stderr


def test_bad_threshold_and_bad_query_are_usage_errors(env: dict[str, Path]) -> None:
    res = lorapan(
        "autotag", env["root"], "-m", env["model"], "--threshold", "2", data_home=env["home"]
    )
    assert res.returncode == 2 and "between 0 and 1" in res.stderr
    res = lorapan(
        "autotag", env["root"], "-m", env["model"], "--query", "(solo", data_home=env["home"]
    )
    assert res.returncode == 2 and "bad query" in res.stderr


def test_models_lists_installed_models(env: dict[str, Path]) -> None:
    empty = lorapan("models", data_home=env["home"])
    assert empty.returncode == 1 and "no tagger model found" in empty.stdout
    make_model_dir(env["home"] / "lorapan" / "models", "wd-test-tagger", batch=1)
    res = lorapan("models", "--check", "--json", data_home=env["home"])
    assert res.returncode == 0, res.stderr
    [info] = json.loads(res.stdout)["models"]
    assert info["name"] == "wd-test-tagger" and info["tags"] == 14 and info["batch"] == 1
    assert info["provider"] == "CPUExecutionProvider"
    # With one installed model, autotag needs no --model.
    auto = lorapan("autotag", env["root"], "--json", data_home=env["home"])
    assert json.loads(auto.stdout)["model"] == "wd-test-tagger"
    batched = lorapan("autotag", env["root"], "--batch", "8", "--no-cache", data_home=env["home"])
    assert batched.returncode == 0, batched.stderr
    assert "takes batches of 1; --batch 8 ignored" in batched.stderr
    assert "3 images: 3 tagged" in batched.stdout


def test_models_download_without_the_hub_extra_explains(env: dict[str, Path]) -> None:
    pytest.importorskip("lorapan")
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        res = lorapan("models", "--download", "SmilingWolf/wd-vit-tagger-v3", data_home=env["home"])
        assert res.returncode == 2 and "lorapan[hub]" in res.stderr
    else:
        pytest.skip("huggingface_hub is installed here; downloading needs network")


def test_progress_into_a_log_prints_few_lines_and_the_last(env: dict[str, Path]) -> None:
    # stderr is a pipe here: no redraws; a line at most every LORAPAN_PROGRESS_SECONDS
    # (an hour: only the first update and the final line), so a 10k-image run's log
    # does not get one line per batch.
    res = subprocess.run(
        [sys.executable, "-m", "lorapan", "autotag", env["root"], "-m", env["model"]]
        + ["--batch", "1", "--no-cache"],
        capture_output=True,
        text=True,
        env=dict(
            os.environ,
            XDG_DATA_HOME=str(env["home"]),
            NO_COLOR="1",
            LORAPAN_PROGRESS_SECONDS="3600",
        ),
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    lines = [x for x in res.stderr.splitlines() if x.startswith("tagging [")]
    assert len(lines) == 2, lines
    assert "3/3" in lines[-1] and "3/3" not in lines[0]
    assert "\r" not in res.stderr
