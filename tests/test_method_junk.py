"""Conflicts with their reasons, tagger junk and prompt weights: data, with fixes."""

from __future__ import annotations

from pathlib import Path

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


def test_a_pasted_generation_prompt_loses_its_prompt_only_words(tmp_path: Path) -> None:
    """BREAK, <lora:...>, embedding:... and a weight over several tags: what a prompt
    pasted as a caption brings (generated images, the guide's second single-image
    version). sd-scripts trains them as text."""
    prompt = (
        "mika, 1girl, (smile:0.8), BREAK, full body, <lora:add_detail:0.6>, "
        "embedding:easynegative, (masterpiece, best quality:1.1), x{i}"
    )
    root = rf.write_images(tmp_path / "p", {f"{i}.png": prompt.format(i=i) for i in range(4)})
    rf.write_settings(root, {"kind": "character", "core_tag": "mika", "style_tag": ""})
    [found] = _report(root).find("tags.weight-syntax")
    for shown in ("BREAK", "<lora:add_detail:0.6>", "embedding:easynegative", "(smile:0.8)"):
        assert shown in found.details
    _fix_everything(root)
    assert (root / "0.txt").read_text() == (
        "mika, 1girl, smile, full body, masterpiece, best quality, x0"
    )
    assert not _report(root).find("tags.weight-syntax")


def test_prompt_words_inside_a_field_go_in_one_run(tmp_path: Path) -> None:
    """A1111 writes '<lora:...>' and 'BREAK' inside a chunk, and an embedding inside a
    weight: one fix run takes them all out (a second changes nothing)."""
    prompt = (
        "mika, city <lora:kiri_v2:0.8>, <lora:a:0.5><lora:b:1>, solo BREAK smile, "
        "(embedding:bad_prompt:0.8), break dance, x{i}"
    )
    root = rf.write_images(tmp_path / "p", {f"{i}.png": prompt.format(i=i) for i in range(4)})
    rf.write_settings(root, {"kind": "character", "core_tag": "mika", "style_tag": ""})
    [found] = _report(root).find("tags.weight-syntax")
    assert "city <lora:kiri_v2:0.8>" in found.details and "solo BREAK smile" in found.details
    _fix_everything(root)
    assert (root / "0.txt").read_text() == "mika, city, solo, smile, break dance, x0"
    assert not _report(root).find("tags.weight-syntax")
