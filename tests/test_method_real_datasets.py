"""The method on datasets other people published (../shared/fixtures/real, SOURCES.md).

Each test copies one real dataset to tmp_path (lorapan writes ``.lorapan/`` into a
dataset) and pins what the guide calls right for it; the last test runs ``fix`` then
``check`` on every one of them: no error is left that the user could not act on, and
the trigger (or each subject's first tag) is first in every caption.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED, copy_dataset
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import tag_key
from lorapan.core.method.kind import kind_guess
from lorapan.core.rules.engine import RulesEngine

REAL = SHARED / "fixtures" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="real datasets not available")


def real(tmp_path: Path, name: str) -> Path:
    return copy_dataset(REAL / name, tmp_path / name)


def report_of(root: Path):
    return RulesEngine(Dataset.open(root), live=False).check()


def rules(report) -> set[str]:
    return {f.rule_id for f in report.findings}


def firsts(root: Path) -> dict[str, str]:
    return {rel: it.tags[0] for rel, it in Dataset.open(root).items.items() if it.tags}


def test_tattoo_styles(tmp_path: Path, lorapan_cmd) -> None:
    root = real(tmp_path, "tattoo-styles")
    ds = Dataset.open(root)
    assert [f.path for f in ds.folders] == ["geometric/8_geometric", "minimalist/8_minimalist"]
    report = report_of(root)
    guess = report.dataset["kind"]
    assert (guess["kind"], guess["source"]) == ("style", "inferred")  # two styles
    assert {(s["subject"], s["images"]) for s in guess["subjects"]} == {
        ("geometric", 53),
        ("mmmmmlist", 30),
    }
    assert not {"tags.blacklist", "tags.style", "tags.hair-unique"} & rules(report)
    [dup] = report.find("tags.duplicate")
    assert dup.images == ["minimalist/8_minimalist/00013-0-24_minimalist.png"] and dup.fix
    [weight] = report.find("tags.weight-syntax")
    assert weight.images == ["minimalist/8_minimalist/00016-0-28_minimalist.png"]
    assert lorapan_cmd("fix", root).returncode == 0
    after = report_of(root)
    assert not after.has_errors
    assert set(firsts(root).values()) == {"geometric", "mmmmmlist"}
    fixed = Dataset.open(root).items["minimalist/8_minimalist/00016-0-28_minimalist.png"].tags
    assert "no humans" in fixed and "(no humans)" not in fixed  # 'no humans' stays


def test_aldar_kose(tmp_path: Path, lorapan_cmd) -> None:
    root = real(tmp_path, "aldar-kose")
    report = report_of(root)
    assert report.dataset["caption_style"]["style"] == "prose"
    [trigger] = report.dataset["triggers"]
    assert trigger["tag"] == "[aldar kose token]" and trigger["captions"] == 13
    [junk] = report.find("tags.junk")
    assert junk.images == ["09.jpg"] and "**[aldar_kose_token]**" in junk.details
    assert not {"tags.blacklist", "tags.hair-unique", "tags.constant"} & rules(report)
    assert report.find("count.limited")
    assert (report.dataset["kind"]["kind"], report.dataset["kind"]["source"]) == (
        "character",
        "default",
    )
    [kind] = report.find("dataset.kind")
    assert "not inferable" in kind.message
    [prose] = report.find("captions.prose")
    assert "shuffle_caption = false" in prose.message
    lorapan_cmd("fix", root)
    assert set(firsts(root).values()) == {"[aldar kose token]"}
    nine = Dataset.open(root).items["09.jpg"].tags
    assert nine[1].startswith("Это высокодетализированная") and "**" not in ", ".join(nine)
    assert nine[-1] != "[aldar kose token]"  # the copy written last is gone


def test_spiderverse_suits(tmp_path: Path, lorapan_cmd) -> None:
    root = real(tmp_path, "spiderverse-suits")
    report = report_of(root)
    guess = report.dataset["kind"]
    assert guess["kind"] == "bundle-costumes" and guess["source"] == "inferred"
    assert {(s["subject"], s["images"]) for s in guess["subjects"]} == {
        ("ATSV_MilesSuit", 35),
        ("ITSV_MilesSuit", 42),
    }
    assert "'sleek suit'" in guess["description"] and "'spraypainted suit'" in guess["description"]
    assert report.readiness.aim_min == 30 and not report.find("bundle.per-subject")
    [style] = report.find("tags.style")
    assert style.severity == "warning"
    assert style.fix.settings == {"style_tag": "spiderverse style"}
    assert report.dataset["caption_style"]["style"] == "mixed"
    assert not report.find("tags.constant") and not report.find("tags.kind-prune")
    [same] = report.find("captions.identical")
    assert same.severity == "advice" and len(same.images) == 20
    assert "20_ITSV_MilesSuit/movie1_012.jpg" in same.images
    lorapan_cmd("fix", root)
    assert not report_of(root).has_errors
    for rel, first in firsts(root).items():
        assert first == rel.split("/")[0][3:]  # each caption starts with its subject


def test_armored_figure(tmp_path: Path, lorapan_cmd) -> None:
    root = real(tmp_path, "armored-figure")
    report = report_of(root)
    assert report.dataset["kind"]["kind"] == "character"
    [core] = [f for f in report.find("tags.core") if f.key == "tags.core:unset"]
    assert core.fix.settings == {"core_tag": "M1N2N3Z4_K"}  # spelled as written
    constant = {f.key.split(":", 1)[1] for f in report.find("tags.constant")}
    assert {"armor", "helmet"} <= constant
    assert not constant & {"m1n2n3z4 k", "rating:general", "1boy", "male focus", "red eyes"}
    assert "m1n2n3z4 k" not in json.dumps(report.to_dict())
    assert report.find("count.limited")
    lorapan_cmd("fix", root)
    tags = Dataset.open(root).items["30_images/img_000.png"].tags
    assert tags[0] == "M1N2N3Z4_K"
    assert not {"rating:general", "1boy", "male focus", "red eyes"} & set(tags)
    assert "red M1N2N3Z4_K eyes" in tags


def test_itojunji_style(tmp_path: Path, lorapan_cmd) -> None:
    root = real(tmp_path, "itojunji-style")
    report = report_of(root)
    assert report.dataset["kind"]["kind"] == "style"
    assert "class_tokens in dataset.toml" in report.dataset["kind"]["description"]
    [last] = report.find("tags.trigger-first")
    assert len(last.images) == 4
    assert report.find("count.limited") and report.dataset["caption_style"]["style"] == "prose"
    assert not report.find("tags.style")  # its trigger is its style switch
    lorapan_cmd("fix", root)
    assert (root / "images" / "4.txt").read_text() == (
        "itojunji style, a boy wearing two candles on his head, holding a lighted match\n"
    )
    assert set(firsts(root).values()) == {"itojunji style"}


def test_person_selfies(tmp_path: Path) -> None:
    root = real(tmp_path, "person-selfies")
    report = report_of(root)
    [placeholder] = report.find("tags.placeholder")
    assert len(placeholder.images) == 3 and "core_tag" in placeholder.message
    orphans = {f.key: f for f in report.find("pair.orphans")}
    rename = f"mv {root / 'image_3..jpeg'} {root / 'image_3.jpeg'}"
    assert rename in orphans["pair.orphans:captions"].message
    ds = Dataset.open(root)
    assert not any(rel.startswith("_latent_cache") for rel in ds.items)
    assert not report.find("kohya.ignored-folder")
    assert kind_guess(ds).kind == "character" and report.find("count.limited")


def test_phone_product(tmp_path: Path, lorapan_cmd) -> None:
    root = real(tmp_path, "phone-product")
    report = report_of(root)
    [orphans] = report.find("pair.orphans")
    assert len(orphans.images) == 20 and orphans.fix is None
    assert "--mode replace" in orphans.message and "core_tag" in orphans.message
    [kind] = report.find("dataset.kind")
    assert "not inferable" in kind.message and "weak evidence" in kind.message
    assert not [f for f in report.findings if f.rule_id.startswith("coverage.")]
    (root / "lorapan.toml").write_text('[dataset]\nkind = "asset"\ncore_tag = "pixel9a phone"\n')
    lorapan_cmd("fix", root)
    assert set(firsts(root).values()) == {"pixel9a phone"}


@pytest.mark.parametrize(
    "name", sorted(p.name for p in REAL.iterdir() if p.is_dir()) if REAL.is_dir() else []
)
def test_after_fix_every_error_left_can_be_acted_on(tmp_path: Path, lorapan_cmd, name: str) -> None:
    root = real(tmp_path, name)
    lorapan_cmd("fix", root)
    report = report_of(root)
    for f in report.findings:
        if f.severity == "error":
            # a fix, a command to copy, or the setting to write
            assert f.fix is not None or "`" in f.message or "lorapan.toml" in f.message, f
    anchors = {tag_key(t) for t in report.dataset["anchor"]["tags"]}
    if anchors:
        assert {tag_key(t) for t in firsts(root).values()} <= anchors
    out = lorapan_cmd("check", root)
    assert "'m1n2n3z4 k'" not in out.stdout and "'yanagise eika'" not in out.stdout
