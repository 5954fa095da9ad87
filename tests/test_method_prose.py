"""Prose captions: sentences are not tags, and the report says which rules apply."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.prose import caption_style, is_sentence, prose_mask, shuffle_advice
from lorapan.core.rules.engine import RulesEngine


def test_a_field_is_a_sentence_by_its_words_and_punctuation() -> None:
    assert is_sentence("a painting of a robot sitting on a rock")
    assert is_sentence("Это высокодетализированная 3D-анимация в стиле CGI")  # any spaced script
    assert is_sentence("a girl smiles at you.")
    assert not is_sentence("a girl with curly hair")
    assert not is_sentence("white background")
    assert not is_sentence("rating:general")


def test_clauses_of_a_sentence_belong_to_it_and_shared_tags_stay_tags() -> None:
    tags = ("a boy wearing two candles on his head", "holding a lighted match", "itojunji style.")
    assert prose_mask(tags, frozenset({"itojunji style"})) == (True, True, False)
    tags = ("1girl", "a girl sitting on a bench in the park", "smile", "red hair")
    assert prose_mask(tags) == (False, True, False, False)  # a one-word tag ends the run


def test_mixed_captions_keep_tag_rules_on_their_tag_part(tmp_path: Path) -> None:
    caps = {
        f"{i}.png": f"Miles_suit, spiderverse style, 1boy, leaping toward the camera with one hand "
        f"extended forward in a dramatic pose number {i}, muscular arms and large breasts."
        for i in range(6)
    }
    root = rf.write_images(tmp_path / "m", caps)
    rf.write_settings(root, {"kind": "character", "style_tag": ""})
    report = RulesEngine(Dataset.open(root), live=False).check()
    assert caption_style(it.tags for it in Dataset.open(root).items.values()).style == "mixed"
    [bl] = report.find("tags.blacklist")
    assert set(bl.details) == {"1boy"}  # not 'muscular' or 'breasts' inside the sentence
    [p] = report.find("captions.prose")
    assert "shuffle_caption = false" in p.message
    assert all(c.manual for c in report.coverage)  # sentences cannot be counted by tag
    assert shuffle_advice(caption_style([("a b c d e f g",)]))[0] is False


def test_coverage_of_a_prose_set_is_ticked_by_hand(tmp_path: Path, lorapan_cmd) -> None:
    caps = {
        f"{i}.png": f"tk, a man in a green hat is looking straight at the viewer {i}."
        for i in range(4)
    }
    root = rf.write_images(tmp_path / "p", caps)
    res = lorapan_cmd("checklist", root, "--tick", "view-front")
    assert res.returncode == 0, res.stderr
    assert "[x] front view (ticked)" in res.stdout


def test_a_tag_the_method_asks_for_counts_where_a_sentence_runs_on(tmp_path: Path) -> None:
    """'red scarf' after an unfinished sentence reads as one of its clauses, so rules
    that flag tags leave it alone; a rule that asks for the tag must still find it there,
    or its fix (which adds nothing: the field is there) could never clear it."""
    sentence = "a goblin standing in a dark forest at night"
    caps = {
        "00.png": f"gob focus, {sentence}, red scarf",
        "01.png": "gob focus, a goblin sitting by a campfire in the snow, holding a torch",
        "02.png": "gob focus, a goblin walking down a narrow street in the rain",
    }
    root = rf.write_images(tmp_path / "m", caps)
    rf.write_settings(root, {"kind": "character", "core_tag": "gob focus", "style_tag": ""})
    scores = {rel: {"red scarf": 0.9} for rel in caps}
    categories = {"red scarf": "general"}
    assert prose_mask(("gob focus", sentence, "red scarf"))[2]  # read as a clause

    def inconsistent() -> list[list[str]]:
        engine = RulesEngine(Dataset.open(root), live=False, scores=scores, categories=categories)
        return [f.images for f in engine.check().find("tags.inconsistent")]

    assert inconsistent() == [["01.png", "02.png"]]
    ds = Dataset.open(root)
    engine = RulesEngine(ds, live=False, scores=scores, categories=categories)
    [finding] = engine.check().find("tags.inconsistent")
    ds.apply_changes(finding.fix.planner(ds), "add the missing tags")
    assert (root / "02.txt").read_text() == caps["02.png"] + ", red scarf"
    assert inconsistent() == []


def test_a_tag_list_after_a_sentence_is_checked_as_tags(tmp_path: Path) -> None:
    """BLIP with WD14 appends tags to a sentence: 'long hair, short hair' after an
    unfinished sentence read as its clauses, so their conflict went unreported. Tags the
    method's own lists name are tags wherever they stand."""
    caps = {
        f"{i}.png": f"ohwx person, a woman standing in a bright office by the window {i}"
        for i in range(4)
    }
    caps["c.png"] = "ohwx person, a woman with short hair in an office, long hair, short hair"
    root = rf.write_images(tmp_path / "p", caps)
    report = RulesEngine(Dataset.open(root), live=False).check()
    [conflict] = report.find("tags.conflict")
    assert conflict.images == ["c.png"] and "'long hair + short hair'" in conflict.message
