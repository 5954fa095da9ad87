"""Prompt prefixes (Pony's ``score_9, score_8_up, source_anime, rating_safe``): never a
trigger, the anchor or the name of the unique tags; kept by tags.junk where the set
follows the convention; a blurry image's quality claims go with the low-quality fix."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import rules_fixtures as rf
import tomli_w
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import anchor_of, insert_after_anchor, restyle
from lorapan.core.method.triggers import find_triggers
from lorapan.core.rules.engine import RulesEngine

PREFIX = "score_9, score_8_up, score_7_up, source_anime"
VARY = ["smile, city", "from side, forest", "sitting, street", "open mouth, beach", "night, park"]


def pony_set(root: Path, n: int = 20, folder: str = "10_zara", name: str = "zara") -> Path:
    """A Pony character set as its trainer wrote it: the prefix block, then the name."""
    caps = {}
    for i in range(n):
        rating = "rating_questionable" if i % 3 == 0 else "rating_safe"
        caps[f"{folder}/{name}{i:02d}.png"] = (
            f"{PREFIX}, {rating}, {name}, 1girl, solo, white hair, short hair, yellow eyes, "
            f"{VARY[i % len(VARY)]}"
        )
    return rf.write_images(root, caps)


def _check(root: Path):
    return RulesEngine(Dataset.open(root), live=False).check()


def _caption(root: Path, rel: str) -> list[str]:
    return (root / rel).with_suffix(".txt").read_text().split(", ")


def test_the_prefix_block_is_never_the_trigger_anchor_or_name(tmp_path: Path, lorapan_cmd) -> None:
    root = pony_set(tmp_path / "p")
    before = rf.snapshot_bytes(root)
    ds = Dataset.open(root)
    assert [t.tag for t in find_triggers(ds)] == ["zara"]
    assert not anchor_of(ds)  # every caption starts with 'score_9', which names nothing
    out = json.loads(lorapan_cmd("check", root, "--json").stdout)
    assert [t["tag"] for t in out["triggers"]] == ["zara"]
    assert out["anchor"]["tags"] == []
    assert out["prefix_first"] == {"tag": "score_9", "captions": 20, "total": 20}
    info = lorapan_cmd("info", root).stdout  # what keep_tokens=1 keeps, said before fixing
    assert "first field kept by keep_tokens=1: 'score_9', a prompt prefix, on 20 of 20" in info
    report = _check(root)
    [hair] = report.find("tags.hair-unique")
    assert "'white zara hair'" in hair.fix.label and "score" not in hair.message
    [first] = report.find("tags.trigger-first")
    assert "'score_9', a prompt prefix" in first.message
    assert not report.find("tags.junk")  # rating_safe is the convention's, on purpose
    assert rf.snapshot_bytes(root) == before  # checking wrote nothing

    assert lorapan_cmd("fix", root).returncode in (0, 1)
    tags = _caption(root, "10_zara/zara01.png")
    assert tags[:6] == [
        "zara",
        "score_9",
        "score_8_up",
        "score_7_up",
        "source_anime",
        "rating_safe",
    ]
    assert {"white zara hair", "yellow zara eyes"} <= set(tags)
    after = _check(root)
    assert not {"tags.hair-unique", "tags.eyes-unique", "tags.trigger-first", "tags.junk"} & {
        f.rule_id for f in after.findings
    }
    assert anchor_of(Dataset.open(root)).single == "zara"


def test_a_trigger_found_by_position_is_read_after_the_prefix_block(tmp_path: Path) -> None:
    root = pony_set(tmp_path / "p", folder="images", name="M1N2_K")
    [t] = find_triggers(Dataset.open(root))
    assert t.tag == "M1N2_K" and t.captions == 20
    assert "the first field of 20 captions (after their prompt prefixes)" in t.evidence


def test_new_tags_go_after_the_block_and_keep_its_spelling(tmp_path: Path) -> None:
    root = pony_set(tmp_path / "p", n=3)
    anchor = anchor_of(Dataset.open(root))
    tags = ("score_9", "score_8_up", "rating_safe", "zara", "long_hair")
    assert insert_after_anchor(tags, "anime screencap", anchor) == (
        "score_9",
        "score_8_up",
        "rating_safe",
        "anime screencap",
        "zara",
        "long_hair",
    )
    # Pony learned 'score_8_up'; 'score 8 up' would be another word to it
    assert restyle(tags, "spaces", anchor) == (
        "score_9",
        "score_8_up",
        "rating_safe",
        "zara",
        "long hair",
    )


def test_rating_tags_are_junk_where_no_pony_prefix_says_otherwise(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"kai, 1boy, rating_safe, smile {i}" for i in range(6)}
    caps["6.png"] = "kai, 1boy, rating:general, smile"
    root = rf.write_images(tmp_path / "j", caps)
    [junk] = _check(root).find("tags.junk")
    assert len(junk.images) == 7 and "Pony" in junk.message
    # the same set with Pony's prefixes: its rating_safe stays, a tagger's rating:general goes
    for i in range(7):
        path = root / f"{i}.txt"
        path.write_text(f"score_9, source_anime, {path.read_text()}")
    [junk] = _check(root).find("tags.junk")
    assert junk.images == ["6.png"] and set(junk.details) == {"rating:general"}


def _engine(root: Path, blurry: set[str]) -> RulesEngine:
    ds = Dataset.open(root)
    facts = {
        rel: SimpleNamespace(blurry=rel in blurry, low_res=False, error_kind=None)
        for rel in ds.items
    }
    return RulesEngine(ds, facts=facts, clone_groups=[])


def _lowq(engine: RulesEngine, sub: str):
    [f] = [f for f in engine.check().findings if f.key == f"quality.lowq-tag:{sub}"]
    return f


def test_a_blurry_image_loses_its_quality_claims_with_the_lowq_tags(tmp_path: Path) -> None:
    root = rf.write_images(
        tmp_path / "q",
        {
            "a.png": "zara, score_9, score_8_up, score_7_up, source_anime, rating_safe, 1girl, smile",
            "b.png": "zara, score_9, score_8_up, score_7_up, source_anime, rating_safe, 1girl",
        },
    )
    rf.write_settings(root, {"kind": "character", "core_tag": "zara"})
    engine = _engine(root, {"a.png"})
    missing = _lowq(engine, "missing")
    assert "'score_9'" in missing.fix.label and "opposite" in missing.message
    engine.apply_fix(missing)
    assert _caption(root, "a.png") == [
        "zara",
        "source_anime",
        "rating_safe",
        "low quality",
        "blurry",
        "worst quality",
        "1girl",
        "smile",
    ]
    assert _caption(root, "b.png")[1] == "score_9"  # a sharp image keeps its claims
    assert not [f for f in engine.check().findings if f.rule_id == "quality.lowq-tag"]


def test_lowq_tags_beside_a_claim_are_a_finding_and_the_claims_list_is_data(
    tmp_path: Path,
) -> None:
    root = rf.write_images(
        tmp_path / "q", {"a.png": "zara, masterpiece, low quality, blurry, worst quality, smile"}
    )
    rf.write_settings(root, {"kind": "character", "core_tag": "zara"})
    engine = _engine(root, {"a.png"})
    claims = _lowq(engine, "claims")
    assert claims.details == {"masterpiece": 1} and "both cannot be true" in claims.message
    engine.apply_fix(claims)
    assert "masterpiece" not in _caption(root, "a.png")

    # a user who wants the claims kept says so in lorapan.toml
    root = rf.write_images(tmp_path / "k", {"a.png": "zara, score_9, smile"})
    rf.write_settings(
        root,
        {"kind": "character", "core_tag": "zara"},
        {"rules": {"vocab": {"quality_claims": []}}},
    )
    engine = _engine(root, {"a.png"})
    missing = _lowq(engine, "missing")
    assert missing.fix.label == "add 'low quality, blurry, worst quality'"
    engine.apply_fix(missing)
    assert "score_9" in _caption(root, "a.png")


def test_a_dataset_extends_the_prefixes(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"newest, kai, 1boy, smile {i}" for i in range(10)}
    root = rf.write_images(tmp_path / "n", caps)
    assert anchor_of(Dataset.open(root)).single == "newest"
    (root / "lorapan.toml").write_bytes(
        tomli_w.dumps({"rules": {"vocab_add": {"prefixes": ["newest"]}}}).encode()
    )
    ds = Dataset.open(root)
    assert not anchor_of(ds)
    assert [t.tag for t in find_triggers(ds)] == ["kai"]


def test_a_restyle_keeps_a_datasets_own_prefix_as_written(tmp_path: Path, lorapan_cmd) -> None:
    """`edit --tag-style` respells every tag but the anchor, the triggers and the prompt
    prefixes: the dataset's own prefixes too, not only the shipped list."""
    caps = {f"{i}.png": f"aesthetic_v2, kai, 1boy, long_hair, smile {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "n", caps)
    (root / "lorapan.toml").write_bytes(
        tomli_w.dumps({"rules": {"vocab_add": {"prefixes": ["aesthetic v2"]}}}).encode()
    )
    res = lorapan_cmd("edit", root, "--tag-style", "spaces")
    assert res.returncode == 0, res.stderr
    assert _caption(root, "0.png")[:4] == ["aesthetic_v2", "kai", "1boy", "long hair"]
