"""Each rule of methodology.md seen firing on a planted problem and silent on a clean set."""

from __future__ import annotations

from pathlib import Path

import pytest
import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.catalog import RULES, known_rule
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report


def check(root: Path, rules: list[str] | None = None) -> Report:
    return RulesEngine(Dataset.open(root)).check(rules)


def fired(report: Report, severities: tuple[str, ...] = ("error", "warning", "advice")) -> set[str]:
    return {f.rule_id for f in report.findings if f.severity in severities}


def finding(report: Report, key: str):
    matches = [f for f in report.findings if f.key == key]
    assert matches, f"{key} not in {[f.key for f in report.findings]}"
    return matches[0]


TAG_RULES = {
    "tags.core",
    "tags.style",
    "tags.blacklist",
    "tags.kind-prune",
    "tags.duplicate",
    "tags.conflict",
    "tags.hair-unique",
    "tags.eyes-unique",
    "pair.orphans",
    "caption.empty",
    "bundle.bio-overlap",
    "bundle.per-subject",
}


@pytest.mark.parametrize("style", ["spaces", "underscores"])
@pytest.mark.parametrize("kind", sorted(rf.BUILDERS))
def test_clean_dataset_of_every_kind_has_no_tag_errors(
    tmp_path: Path, kind: str, style: str
) -> None:
    report = check(rf.BUILDERS[kind](tmp_path / kind, clean=True, style=style))
    assert not report.has_errors, [f.message for f in report.findings if f.severity == "error"]
    assert not (fired(report, ("error", "warning")) & TAG_RULES)
    assert report.readiness.errors == 0


@pytest.mark.parametrize("style", ["spaces", "underscores"])
def test_character_problems_each_fire_with_their_images(tmp_path: Path, style: str) -> None:
    report = check(rf.character(tmp_path / "c", clean=False, style=style))
    assert finding(report, "tags.core:missing").images == ["img002.png", "img004.png"]
    assert finding(report, "tags.core:not-first").images == ["img001.png"]
    assert finding(report, "tags.style:missing").images == [
        "img002.png",
        "img003.png",
        "img004.png",
    ]
    bl = finding(report, "tags.blacklist")
    assert bl.images == ["img000.png"] and bl.details == {"muscular": 1} and bl.severity == "error"
    assert finding(report, "tags.duplicate").details == {"smile": 1}
    assert finding(report, "tags.conflict").details == {"long hair + short hair": 1}
    hair = finding(report, "tags.hair-unique")
    assert hair.images == ["img000.png", "img001.png", "img003.png"]
    assert "green_gob_hair" in hair.fix.label  # the dominant colour, the character's name
    eyes = finding(report, "tags.eyes-unique")
    assert eyes.images == ["img000.png", "img003.png"]
    assert finding(report, "caption.empty").images == ["img004.png"]
    assert finding(report, "pair.orphans:no-caption").images == ["img005.png"]
    assert finding(report, "pair.orphans:captions").images == ["stray.txt"]
    assert report.has_errors


def test_blacklist_is_the_guides_list_in_both_styles_and_couples_add_three(tmp_path: Path) -> None:
    guide = [
        "dark-skinned male",
        "monkey d. luffy",
        "horror (theme)",
        "virtual youtuber",
        "antenna",
    ]
    caps = {
        f"i{i}.png": ", ".join(["gob focus", "anime screencap", tag]) for i, tag in enumerate(guide)
    }
    caps["u.png"] = "gob focus, anime screencap, dark-skinned_male, large_breasts"
    caps["k.png"] = "gob focus, anime screencap, 1girl, penis"  # 1girl: couples only; genitals stay
    root = rf.write_images(tmp_path / "solo", caps)
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    bl = finding(check(root), "tags.blacklist")
    assert set(bl.images) == {f"i{i}.png" for i in range(len(guide))} | {"u.png"}
    assert bl.details["dark-skinned male"] == 2 and bl.details["large breasts"] == 1
    rf.write_settings(root, {"kind": "couple", "name": "gob", "core_tag": "gob focus"})
    assert "k.png" in finding(check(root), "tags.blacklist").images


def test_blacklist_extends_and_allows_per_dataset(tmp_path: Path) -> None:
    root = rf.write_images(
        tmp_path / "d", {"a.png": "gob focus, anime screencap, horns, my oc name"}
    )
    rf.write_settings(
        root,
        {
            "kind": "character",
            "name": "gob",
            "core_tag": "gob focus",
            "blacklist_extra": ["my_oc_name"],
        },
        {"rules": {"blacklist_allow": ["horns"]}},
    )
    assert finding(check(root), "tags.blacklist").details == {"my oc name": 1}


def test_kind_prune_fires_on_listed_tags_and_proposes_candidates_when_none_listed(
    tmp_path: Path,
) -> None:
    report = check(rf.background(tmp_path / "b", clean=False))
    assert finding(report, "tags.kind-prune").details == {"building": 1, "sky": 1}
    clean = check(rf.background(tmp_path / "bc", clean=True))
    assert "tags.kind-prune" not in fired(clean)
    root = rf.asset(tmp_path / "a", clean=False)
    for i in range(0, 18, 3):  # 'skull' on 12 of 18: a trait of the subject, advised
        cap = root / f"a{i:03d}.txt"
        cap.write_text(cap.read_text().replace("wooden chair", "wooden chair, skull"))
        cap = root / f"a{i + 1:03d}.txt"
        cap.write_text(cap.read_text().replace("wooden chair", "wooden chair, skull"))
    assets = check(root)
    cands = finding(assets, "tags.kind-prune:candidates")
    assert cands.severity == "advice" and "'skull' ×12" in cands.message
    # the lighting the asset's coverage asks for is never offered ('day' is on 9 of 18)
    assert "'day'" not in cands.message
    # a tag on every image is tags.constant's, with its one-key fix: not offered twice
    assert "wooden chair" not in cands.message
    assert finding(assets, "tags.constant:wooden chair").fix is not None


def test_background_both_indoors_and_outdoors_warns(tmp_path: Path) -> None:
    root = rf.background(tmp_path / "b", clean=False)
    # one stray indoor image is not "both"; three of twenty are (each counted once)
    assert "background.indoor-outdoor" not in fired(check(root))
    for stem in ("b002", "b003"):
        (root / f"{stem}.txt").write_text("cyberpunk scenery-cityscape focus, kitchen, night")
    f = finding(check(root), "background.indoor-outdoor")
    assert f.images == ["b001.png", "b002.png", "b003.png"] and f.severity == "warning"
    assert "3 interior and 17 exterior" in f.message
    assert "background.indoor-outdoor" not in fired(
        check(rf.background(tmp_path / "c", clean=True))
    )


def test_core_tag_proposed_from_the_shared_first_tag_with_a_settings_fix(tmp_path: Path) -> None:
    caps = {f"{i}.png": f"Yanagise Eika, anime screencap, tag{i}" for i in range(5)}
    root = rf.write_images(tmp_path / "k", caps)
    rf.write_settings(root, {"kind": "character", "name": ""})
    f = finding(check(root), "tags.core:unset")
    # every caption starts with it already: only lorapan.toml lacks it, training may go on
    assert f.severity == "warning" and "'Yanagise Eika'" in f.message
    assert "already starts with it" in f.message
    assert (
        f.fix.settings == {"core_tag": "Yanagise Eika"} and "one undo reverts both" in f.fix.label
    )
    (root / "4.txt").write_text("anime screencap, Yanagise Eika, tag4")
    f = finding(check(root), "tags.core:unset")
    assert f.severity == "error"  # one caption the fix must change: an error until it does


def test_core_tag_proposal_falls_back_to_the_kinds_shape(tmp_path: Path) -> None:
    root = rf.write_images(tmp_path / "k", {"a.png": "smile", "b.png": "frown"})
    rf.write_settings(root, {"kind": "couple", "name": "gob and mira"})
    f = finding(check(root), "tags.core:unset")
    assert f.fix.settings == {"core_tag": "gob and mira couple focus"}


def test_counts_limited_and_aim(tmp_path: Path) -> None:
    small = check(rf.character(tmp_path / "s", n=10))
    assert finding(small, "count.limited").severity == "advice"
    assert "count.aim" not in fired(small)
    many = check(rf.character(tmp_path / "m", n=95))
    assert "remove 5" in finding(many, "count.aim").message
    assert "lorapan scan" in finding(many, "count.aim").message  # what to remove first
    few = check(rf.character(tmp_path / "f", n=30))
    assert "add 20" in finding(few, "count.aim").message
    ok = check(rf.character(tmp_path / "o", n=60))
    assert not ({"count.aim", "count.limited"} & fired(ok))


def test_single_image_second_version_aim(tmp_path: Path) -> None:
    report = check(rf.single_image(tmp_path / "s", n=22))
    assert "25–35" in finding(report, "count.aim").message
    assert "count.aim" not in fired(check(rf.single_image(tmp_path / "t", n=16)))


def test_bundle_subjects_and_bio_overlap(tmp_path: Path) -> None:
    report = check(rf.bundle_characters(tmp_path / "b", clean=False))
    short = finding(report, "bundle.per-subject:mira focus")
    assert "10 images" in short.message and "add 59" in short.message
    overlap = finding(report, "bundle.bio-overlap:scar")
    assert overlap.severity == "error" and len(overlap.images) == 6
    clean = check(rf.bundle_characters(tmp_path / "c", clean=True))
    assert not ({"bundle.per-subject", "bundle.bio-overlap", "tags.hair-unique"} & fired(clean))


def test_bundle_caption_not_starting_with_a_subject(tmp_path: Path) -> None:
    root = rf.bundle_characters(tmp_path / "b", clean=True)
    (root / "gob" / "000.txt").write_text("anime screencap, gob focus, smile")
    assert finding(check(root), "tags.core:bundle-not-first").images == ["gob/000.png"]


def test_constant_tag_advice_with_prune_fix(tmp_path: Path) -> None:
    report = check(rf.background(tmp_path / "b", clean=True))
    f = finding(report, "tags.constant:outdoors")
    assert f.severity == "advice" and len(f.images) == 20 and f.fix is not None
    # core, style and unique hair/eye tags are on every image and never reported
    assert not [
        x for x in check(rf.character(tmp_path / "c")).findings if x.rule_id == "tags.constant"
    ]


def test_style_tag_all_or_none(tmp_path: Path) -> None:
    assert finding(
        check(rf.style_kind(tmp_path / "s", clean=False)), "style.tag-all-or-none"
    ).images
    assert "style.tag-all-or-none" not in fired(check(rf.style_kind(tmp_path / "c", clean=True)))


def test_coverage_counts_tags_and_lists_manual_items(tmp_path: Path) -> None:
    report = check(rf.character(tmp_path / "c"))
    items = {c.id: c for c in report.coverage}
    assert items["view-back"].count == 8 and items["view-back"].done  # from behind, 1 in 8
    assert items["lateral-sides"].manual and not items["lateral-sides"].ticked
    assert finding(report, "coverage.lateral-sides").severity == "manual"
    assert "coverage.view-back" not in {f.rule_id for f in report.findings}
    root = rf.write_images(tmp_path / "few", {"a.png": "gob focus, anime screencap, smile"})
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    few = check(root)
    assert finding(few, "coverage.view-back").severity == "warning"


def test_coverage_item_overridden_per_dataset(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c")
    rf.write_settings(
        root,
        {"kind": "character", "name": "gob", "core_tag": "gob goblin with third eye focus"},
        {"rules": {"coverage": {"view-back": {"tags": ["back turned"], "minimum": 2}}}},
    )
    f = finding(check(root), "coverage.view-back")
    assert "at least 2" in f.message


def test_single_image_needs_a_grayscale_copy(tmp_path: Path) -> None:
    assert finding(check(rf.single_image(tmp_path / "s", clean=False)), "coverage.grayscale-copy")
    assert "coverage.grayscale-copy" not in fired(
        check(rf.single_image(tmp_path / "t", clean=True))
    )


def test_special_details_need_focus_and_face_body_images(tmp_path: Path) -> None:
    root = rf.character(tmp_path / "c")
    (root / "img000.txt").write_text("gob goblin with third eye focus, anime screencap, arm tattoo")
    f = finding(check(root), "clones.special-details:arm tattoo")
    assert "in focus 0×" in f.message and f.images == ["img000.png"]
    for i, extra in enumerate(["close-up", "close-up", "portrait", "upper body", "full body"]):
        (root / f"img0{10 + i}.txt").write_text(
            f"gob goblin with third eye focus, anime screencap, arm tattoo, {extra}"
        )
    report = check(root)
    assert not [x for x in report.findings if x.key == "clones.special-details:arm tattoo"]


def test_conflict_table_extends_per_dataset(tmp_path: Path) -> None:
    root = rf.write_images(tmp_path / "d", {"a.png": "gob focus, anime screencap, happy, sad"})
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    assert "tags.conflict" not in fired(check(root))
    rf.write_settings(
        root,
        {"kind": "character", "name": "gob", "core_tag": "gob focus"},
        {"rules": {"vocab_add": {"conflicts": [["happy", "sad"]]}}},
    )
    assert finding(check(root), "tags.conflict").details == {"happy + sad": 1}


def test_unreadable_caption_is_an_error_not_a_crash(tmp_path: Path) -> None:
    root = rf.write_images(
        tmp_path / "d", {"a.png": b"gob focus, caf\xe9", "b.png": "gob focus, anime screencap"}
    )
    rf.write_settings(root, {"kind": "character", "name": "gob", "core_tag": "gob focus"})
    f = finding(check(root), "caption.unreadable")
    assert f.images == ["a.png"] and f.severity == "error"
    assert "as UTF-8 text" in f.message and "cannot be opened" not in f.message


def test_a_caption_that_cannot_be_opened_is_not_called_bad_text(tmp_path: Path) -> None:
    """A link to nothing (or a mode that forbids reading) is no encoding problem: the
    message says why it will not open and what to do, not 'convert to UTF-8'."""
    root = rf.write_images(tmp_path / "d", {"a.png": "gob, solo", "b.png": None})
    (root / "b.txt").symlink_to(tmp_path / "gone.txt")
    f = finding(check(root), "caption.unreadable")
    assert f.images == ["b.png"]
    assert "cannot be opened (No such file or directory)" in f.message
    assert "points at nothing" in f.message and "UTF-8" not in f.message


def test_kohya_folders_readiness_and_ignored_folder(tmp_path: Path) -> None:
    report = check(rf.kohya(tmp_path / "k", clean=False))
    assert finding(report, "kohya.ignored-folder:loose").severity == "warning"
    r = report.readiness
    # 40 images ×10 + 15 ×5 repeats, square (one bucket), batch 3, 1 epoch: ceil(475/3)
    assert r.folder_steps == 159
    assert r.repeats is not None and abs(r.predicted_steps - r.target_steps) <= 3
    assert "numRepeats" in r.summary and "kohya folders as named: 159 steps" in r.summary


def test_rules_needing_scan_or_tagger_say_so(tmp_path: Path) -> None:
    report = check(rf.character(tmp_path / "c"))
    for rule in ("quality.lowq-tag", "image.unreadable", "clones.ratio", "altered.kinds"):
        assert "lorapan scan" in finding(report, f"{rule}:needs-scan").message
    assert "tagger run" in finding(report, "tags.inconsistent:needs-tagger").message


def test_rule_filter_and_catalog(tmp_path: Path) -> None:
    report = check(rf.character(tmp_path / "c", clean=False), ["tags.core", "coverage"])
    assert {f.rule_id for f in report.findings} <= {"tags.core"} | {
        f"coverage.{c.id}" for c in report.coverage
    }
    assert report.coverage
    assert known_rule("tags") and known_rule("coverage.view-back") and not known_rule("nope")
    for rule in RULES:
        assert known_rule(rule)


def test_report_json_shape(tmp_path: Path) -> None:
    d = check(rf.character(tmp_path / "c", clean=False)).to_dict()
    assert d["counts"]["error"] == len([f for f in d["findings"] if f["severity"] == "error"])
    f = next(f for f in d["findings"] if f["rule"] == "tags.blacklist")
    assert f["images"] == ["img000.png"] and f["fix"]["label"].startswith("remove")


def test_stem_collision_is_a_warning_and_follows_the_files(tmp_path: Path) -> None:
    assert "pair.stem-collision" not in fired(check(rf.character(tmp_path / "clean")))
    root = rf.stem_collision(tmp_path / "d")
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    f = finding(engine.check(), "pair.stem-collision")
    assert f.severity == "warning" and f.images == ["a.jpg", "a.png"] and f.fix is None
    assert "kohya trains both with the same caption" in f.message and "rename one" in f.message
    assert "a.jpg + a.png → a.txt" in f.message
    assert known_rule("pair.stem-collision")
    (root / "a.jpg").unlink()
    ds.refresh_paths(["a.jpg"])
    assert "pair.stem-collision" not in fired(engine.check())


def test_a_fix_on_a_shared_caption_writes_it_once_and_undoes(tmp_path: Path) -> None:
    root = rf.stem_collision(tmp_path / "d")
    before = rf.snapshot_bytes(root)
    ds = Dataset.open(root)
    engine = RulesEngine(ds)
    f = finding(engine.check(), "tags.blacklist")
    assert f.images == ["a.jpg", "a.png"]
    outcome = engine.apply_fix(f)
    assert [c.relpath for c in outcome.changes] == ["a.jpg"] and not outcome.result.conflicts
    assert (root / "a.txt").read_text() == "gob focus, anime screencap"
    assert "tags.blacklist" not in fired(engine.check())  # both images re-checked
    ds.undo()
    assert rf.snapshot_bytes(root) == before
    assert finding(engine.check(), "tags.blacklist").images == ["a.jpg", "a.png"]


def test_a_tag_the_kind_asks_for_is_never_pruned_as_constant(tmp_path: Path) -> None:
    """A single-image set adds 'crossover' where the background is constant (its
    checklist asks for it): on every image it is not offered for pruning."""
    root = rf.single_image(tmp_path / "s", n=16)
    for txt in root.glob("*.txt"):
        txt.write_text(txt.read_text() + ", crossover")
    constant = {
        f.message.split("'")[1] for f in check(root).findings if f.rule_id == "tags.constant"
    }
    assert "crossover" not in constant
    rf.write_settings(root, {"kind": "character", "name": "daberry", "core_tag": "daberry focus"})
    constant = {
        f.message.split("'")[1] for f in check(root).findings if f.rule_id == "tags.constant"
    }
    assert "crossover" in constant  # only the kind that asks for it keeps it
