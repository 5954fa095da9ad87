"""`lorapan train` plans from the method: the inferred kind picks the preset, sample
prompts start with the trigger and suit the kind, prose trains unshuffled (issue 14.3,
14.4, 14.7). Each test runs the real command on a dataset nobody configured."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import rules_fixtures as rf
from conftest import copy_dataset, require_shared
from test_method_kind import cartoon_backgrounds

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

POSES = {"sitting", "standing", "kneeling", "lying on back", "eating", "reading book"}


def _dry_run(lorapan_cmd, root: Path, *extra: str) -> dict:
    res = lorapan_cmd("train", root, "--dry-run", "--json", *extra)
    assert res.returncode in (0, 1), res.stderr  # 1: pre-flight errors (no sd-scripts here)
    return json.loads(res.stdout)


def _general(out: dict) -> dict:
    return tomllib.loads(out["dataset_config"])["general"]


def _infos(out: dict) -> list[str]:
    return [c["message"] for c in out["checks"] if c["level"] == "info"]


def test_a_background_set_trains_with_the_concepts_preset_and_scene_prompts(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = cartoon_backgrounds(tmp_path / "bgs")
    out = _dry_run(lorapan_cmd, root)
    assert out["preset"] == "concepts"  # not the character preset of the default kind
    assert any(
        m.startswith("preset concepts for the kind background (inferred:") for m in _infos(out)
    )
    for prompt in out["prompts"]:
        fields = {f.strip() for f in prompt.split(" --")[0].split(",")}
        assert not fields & POSES, prompt  # a scene with something happening, not a pose
        assert any(" " in f and f.split()[0] in {"1girl", "1boy", "cat", "robot"} for f in fields)
    assert not (root / "lorapan.toml").exists()  # the inferred kind is used, never saved


def test_a_kohya_folder_names_the_trigger_the_prompts_start_with(
    tmp_path: Path, lorapan_cmd
) -> None:
    """`5_tk girl` in a folder named after the character: prompts start with `tk`."""
    caps = {
        f"5_tk girl/{i}.png": f"tk, 1girl, solo, {'smile' if i % 2 else 'open mouth'}"
        for i in range(6)
    }
    root = rf.write_images(tmp_path / "wikipe-tan", caps)
    out = _dry_run(lorapan_cmd, root)
    assert out["prompts"] and all(p.startswith("tk, ") for p in out["prompts"]), out["prompts"]
    assert not any("wikipe-tan" in p for p in out["prompts"])
    assert out["preset"] == "characters"


def test_prose_captions_train_unshuffled_unless_the_user_says_otherwise(
    tmp_path: Path, lorapan_cmd
) -> None:
    sentences = [
        "a painting of a robot sitting on a rock by the sea, by oilz",
        "an old lighthouse standing alone on a cliff at dusk, by oilz",
        "a small boat drifting across a calm lake under a grey sky, by oilz",
        "a fox curled up asleep in the snow beside a fallen tree, by oilz",
        "two children flying a red kite over a green hill in spring, by oilz",
        "a market street crowded with people under paper lanterns, by oilz",
    ]
    root = rf.write_images(tmp_path / "oils", {f"{i}.png": s for i, s in enumerate(sentences)})
    out = _dry_run(lorapan_cmd, root)
    assert _general(out)["shuffle_caption"] is False
    [note] = [m for m in _infos(out) if m.startswith("shuffle_caption = false")]
    assert "prose" in note and "--set shuffleCaption=true" in note
    forced = _dry_run(lorapan_cmd, root, "--set", "shuffleCaption=true")
    assert _general(forced)["shuffle_caption"] is True  # the user's word stands
    warnings = [c["message"] for c in forced["checks"] if c["level"] == "warning"]
    assert any(w.startswith("shuffle_caption = true as you set it") for w in warnings)


def test_tag_captions_keep_the_presets_shuffle(tmp_path: Path, lorapan_cmd) -> None:
    caps = {f"5_tk girl/{i}.png": f"tk, 1girl, solo, smile, pose {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "tk", caps)
    out = _dry_run(lorapan_cmd, root)
    assert _general(out)["shuffle_caption"] is True
    assert not any("shuffle_caption" in m for m in _infos(out))


def test_the_real_prose_character_set_trains_unshuffled(tmp_path: Path, lorapan_cmd) -> None:
    """aldar-kose: Russian sentences led by a `[aldar_kose_token]` (../shared fixture)."""
    root = copy_dataset(require_shared("fixtures", "real", "aldar-kose"), tmp_path / "ak")
    out = _dry_run(lorapan_cmd, root)
    assert _general(out)["shuffle_caption"] is False
    assert all("aldar" in p.split(",")[0] for p in out["prompts"]), out["prompts"]


def test_two_styles_sample_each_style_by_its_own_trigger(tmp_path: Path, lorapan_cmd) -> None:
    """tattoo-styles: `8_geometric` led by `geometric`, `8_minimalist` led by `mmmmmlist`
    (not its folder's name). No tag names both, so the prompts take turns, each style by
    its own trigger, never the dataset folder's name (../shared fixture)."""
    root = copy_dataset(require_shared("fixtures", "real", "tattoo-styles"), tmp_path / "ts")
    out = _dry_run(lorapan_cmd, root)
    assert out["preset"] == "concepts"
    firsts = [p.split(",")[0] for p in out["prompts"]]
    assert set(firsts) == {"geometric", "mmmmmlist"}, out["prompts"]
    assert not any("tattoo" in p or "minimalist" in p for p in out["prompts"])


def test_every_subject_of_a_bundle_gets_a_sample_prompt() -> None:
    from lorapan.core.training.prompts import flexibility_prompts

    suits = [f"suit {i}" for i in range(6)]
    lines = flexibility_prompts(suits, "bundle-costumes", {}, count=4)
    assert {line.split(",")[0] for line in lines} == set(suits)  # 6 prompts, not 4
    assert len(flexibility_prompts("tk", "character", {}, count=4)) == 4
