"""A run's results: `lorapan runs PATH RUN` lists every checkpoint with its samples and the
final model; `lorapan export` copies one out with a metadata sidecar."""

from __future__ import annotations

import hashlib
import json

from lorapan.core.training.runs import load_run
from test_training_env import make_dataset, replay_env, runnable_training, wait_for


def _finished(tmp_path, lorapan_cmd, monkeypatch):
    for key, value in replay_env(step_s=0.01).items():
        monkeypatch.setenv(key, value)
    root = make_dataset(tmp_path / "ds", training=runnable_training(tmp_path))
    res = lorapan_cmd("train", root, "--json")
    run_id = json.loads(res.stdout)["run"]
    assert wait_for(lambda: load_run(root / ".lorapan" / "runs" / run_id).status == "succeeded")
    return root, run_id


def test_runs_lists_every_checkpoint_its_samples_and_the_final_model(
    tmp_path, lorapan_cmd, monkeypatch
):
    root, run_id = _finished(tmp_path, lorapan_cmd, monkeypatch)
    out = json.loads(lorapan_cmd("runs", root, run_id, "--json").stdout)
    ckpts = out["checkpoints"]
    # the replayed run saves at steps 4 and 8, at the end of epoch 1 (step 6) and at the end
    assert [(c["step"], c["final"]) for c in ckpts] == [
        (4, False),
        (6, False),
        (8, False),
        (10, True),
    ]
    assert all(c["bytes"] > 0 and c["mtime"] for c in ckpts)
    assert out["final_model"] == str(tmp_path / "out" / "gob.safetensors")
    assert [len(c["samples"]) for c in ckpts] == [0, 0, 0, 4]  # steps 5 and 10, 4 prompts
    text = lorapan_cmd("runs", root, "latest").stdout
    assert "step 8" in text and "gob-step00000008.safetensors" in text
    assert "final model: " + str(tmp_path / "out" / "gob.safetensors") in text
    assert "samples: gob_000010_00_" in text


def test_export_copies_the_model_with_its_metadata(tmp_path, lorapan_cmd, monkeypatch):
    root, run_id = _finished(tmp_path, lorapan_cmd, monkeypatch)
    dest = tmp_path / "upload"
    dest.mkdir()
    res = lorapan_cmd("export", root, run_id, dest)
    assert res.returncode == 0, res.stderr
    model, sidecar = dest / "gob.safetensors", dest / "gob.json"
    assert model.read_bytes() == (tmp_path / "out" / "gob.safetensors").read_bytes()
    card = json.loads(sidecar.read_text())
    assert card["activation text"] == "gob goblin" and card["sd version"] == "SD1"
    meta = card["lorapan"]
    assert meta["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert meta["preset"] == "characters" and meta["total_steps"] == 10 and meta["final"]
    assert meta["dataset"]["name"] == "gob" and meta["dataset"]["images"] == 6
    assert {"tag": "gob goblin", "images": 6} in meta["tags_used"]
    # a checkpoint by its step, to a file name of the user's choosing
    res = lorapan_cmd("export", root, run_id, tmp_path / "gob-v1", "--checkpoint", "8")
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "gob-v1.json").read_text())["lorapan"]["checkpoint_step"] == 8
    # no such step; and nothing is overwritten without --force
    res = lorapan_cmd("export", root, run_id, dest, "--checkpoint", "3")
    assert res.returncode != 0 and "checkpoints at steps: 4, 6, 8" in res.stderr
    res = lorapan_cmd("export", root, run_id, dest)
    assert res.returncode != 0 and "exists" in res.stderr
    assert lorapan_cmd("export", root, run_id, dest, "--force").returncode == 0
    # a run folder alone names the run
    res = lorapan_cmd("export", root / ".lorapan" / "runs" / run_id, tmp_path / "x.safetensors")
    assert res.returncode == 0 and (tmp_path / "x.json").is_file()


def test_export_dest_with_a_trailing_slash_is_a_folder_and_a_missing_parent_is_refused(
    tmp_path, lorapan_cmd, monkeypatch
):
    """`export ds latest out2/` wrote ./out2.safetensors; `/nonexistent/dir/x.safetensors`
    ran mkdir -p on /nonexistent/dir without a word."""
    root, run_id = _finished(tmp_path, lorapan_cmd, monkeypatch)
    res = lorapan_cmd("export", root, run_id, "out2/", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out2" / "gob.safetensors").is_file()
    assert (tmp_path / "out2" / "gob.json").is_file() and not (tmp_path / "out2.json").exists()
    for dest in ("nowhere/dir/x.safetensors", "nowhere/dir/"):
        res = lorapan_cmd("export", root, run_id, dest, cwd=tmp_path)
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert "nowhere" in res.stderr and "does not exist: make it first (mkdir -p" in res.stderr
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "afile").write_text("x")
    res = lorapan_cmd("export", root, run_id, "afile/", cwd=tmp_path)
    assert res.returncode == 2 and "is a file, not a folder" in res.stderr
