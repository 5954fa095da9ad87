"""Conflicts with their reasons, tagger junk and prompt weights: data, with fixes."""

from __future__ import annotations

from pathlib import Path

import pytest
import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.junk import junk_reason, unweighted
from lorapan.core.rules.engine import RulesEngine
from test_method_anchor import _fix_everything


def _report(root: Path):
    return RulesEngine(Dataset.open(root), live=False).check()


def test_junk_and_weights_are_recognised_by_shape_not_by_guess() -> None:
    assert junk_reason("rating:general") == "a rating tag"
    assert junk_reason("what") == junk_reason("absurdres") == "a meta tag"
    assert junk_reason("general") == ""  # only as a rating tag
    assert unweighted("(no humans)") == "no humans"
    assert unweighted("((red hair:1.2))") == "red hair"
    assert unweighted("digimon (creature)") is None
    assert unweighted("(a) and (b)") is None


def test_conflicts_name_their_reason_and_no_humans_with_solo_depends_on_the_kind(
    tmp_path: Path,
) -> None:
    caps = {f"{i}.png": f"tk, solo, solo focus, no humans, 1girl, x{i}" for i in range(3)}
    root = rf.write_images(tmp_path / "c", caps)
    rf.write_settings(root, {"kind": "character"})
    [f] = _report(root).find("tags.conflict")
    assert "solo focus means several characters with one in focus" in f.message
    assert "no humans + solo" in f.details
    rf.write_settings(root, {"kind": "style"})
    [f] = _report(root).find("tags.conflict")
    assert "no humans + solo" not in f.details  # a lone animal on a style set


def test_fix_removes_tagger_junk_unwraps_markdown_and_weights(tmp_path: Path) -> None:
    caps = {
        f"{i}.png": f"M1N2N3Z4_K, rating:general, what, (no humans), no humans, **smile**, x{i}"
        for i in range(4)
    }
    root = rf.write_images(tmp_path / "j", caps)
    rf.write_settings(root, {"kind": "asset", "style_tag": ""})
    report = _report(root)
    assert report.find("tags.junk") and report.find("tags.weight-syntax")
    assert not report.find("tags.constant")  # junk is removed, not pruned as constant
    _fix_everything(root)
    assert (root / "0.txt").read_text() == "M1N2N3Z4_K, no humans, smile, x0"


PROMPTS = {
    # BREAK, <lora:...>, embedding:... and a weight over several tags as fields of their own
    "fields": (
        "mika, 1girl, (smile:0.8), BREAK, full body, <lora:add_detail:0.6>, "
        "embedding:easynegative, (masterpiece, best quality:1.1), x0",
        ("BREAK", "<lora:add_detail:0.6>", "embedding:easynegative", "(smile:0.8)"),
        "mika, 1girl, smile, full body, masterpiece, best quality, x0",
    ),
    # as A1111 writes them inside a chunk, and an embedding inside a weight
    "inside": (
        "mika, city <lora:kiri_v2:0.8>, <lora:a:0.5><lora:b:1>, solo BREAK smile, "
        "(embedding:bad_prompt:0.8), break dance, x0",
        ("city <lora:kiri_v2:0.8>", "solo BREAK smile", "(embedding:bad_prompt:0.8)"),
        "mika, city, solo, smile, break dance, x0",
    ),
}


@pytest.mark.parametrize("case", PROMPTS)
def test_a_pasted_generation_prompt_loses_its_prompt_words_in_one_run(tmp_path, case) -> None:
    """What a prompt pasted as a caption brings (generated images, the guide's second
    single-image version): sd-scripts trains it as text. One fix run takes it out."""
    prompt, shown, fixed = PROMPTS[case]
    root = rf.write_images(
        tmp_path / "p", {f"{i}.png": prompt.replace("x0", f"x{i}") for i in range(4)}
    )
    rf.write_settings(root, {"kind": "character", "core_tag": "mika", "style_tag": ""})
    [found] = _report(root).find("tags.weight-syntax")
    assert set(shown) <= set(found.details)
    _fix_everything(root)
    assert (root / "0.txt").read_text() == fixed
    assert not _report(root).find("tags.weight-syntax")
