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
from lorapan.core.rules.inputs import load_inputs

REAL = SHARED / "fixtures" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="real datasets not available")


def real(tmp_path: Path, name: str) -> Path:
    return copy_dataset(REAL / name, tmp_path / name)


def report_of(root: Path):
    return RulesEngine(Dataset.open(root), live=False).check()


def scanned_report_of(root: Path):
    """The report with the image facts and clone groups ``lorapan scan`` cached."""
    ds = Dataset.open(root)
    return RulesEngine(ds, live=False, **load_inputs(ds).engine_kwargs()).check()


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
    [style] = report.find("tags.style")  # Russian prose of 3D renders: no style tag to guess
    assert style.severity == "warning" and style.fix is None and "style_tag" in style.message
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
    assert not report.find("tags.constant")
    # each suit's own tag, on all of its images: what a costume bundle drops (the guide's
    # "remove all tags related to your asset"), named per subject, as advice
    [prune] = report.find("tags.kind-prune")
    assert prune.severity == "advice"
    assert "'ATSV_MilesSuit' (35 images): 'sleek suit' ×35" in prune.message
    assert "'ITSV_MilesSuit' (42 images): 'spraypainted suit' ×42" in prune.message
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
    [style] = report.find("tags.style")  # anime tagger tags: the guide's anime style tag, asked
    assert style.severity == "warning" and style.fix.settings == {"style_tag": "anime screencap"}
    assert "on photos and 3D renders" in style.message  # '1boy' says which tagger, not the look
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
    [style] = report.find("tags.style")  # photos: no style tag to propose, so asked
    assert style.severity == "warning" and style.fix is None


def test_person_selfies_with_a_core_tag_start_every_caption_with_it(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = real(tmp_path, "person-selfies")
    (root / "lorapan.toml").write_text('[dataset]\ncore_tag = "prtk person"\n')
    lorapan_cmd("fix", root)
    # the placeholder's text goes and the core tag is the first field (image_3..jpeg has
    # no caption of its own: its orphan caption is for the user to rename)
    assert (root / "image_4.txt").read_text() == "prtk person, selfie at home"
    assert set(firsts(root).values()) == {"prtk person"}


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


# What `lorapan scan` finds in each real set, reviewed against the guide (every image
# looked at; the numbers behind the thresholds are in docs/calibration.md):
# (caption files, blurry, low resolution at 1024, clones, altered copies)
SCANNED = {
    # 13 soft frames of an upscaled video, all equally soft: none is blurrier than
    # the set itself, so none is tagged low quality; 13 different frames, no clone
    "aldar-kose": ({".txt": 13}, 0, 0, 0, 0),
    # 11 crisp renders, each a different pose: nothing to tag, nothing copied
    "armored-figure": ({".txt": 11}, 0, 0, 0, 0),
    # images/2.png is 570x342: under half of the 1024 px lorapan trains at (its kohya
    # dataset.toml says 512, which `lorapan train` does not read; [training] resolution
    # = 512 judges it there), so the guide's low-quality tags belong on it
    "itojunji-style": ({".txt": 4}, 0, 1, 0, 0),
    # image_2.jpeg is 236x576: upscaled more than 2x to train, low quality by the guide
    "person-selfies": ({".txt": 4}, 0, 1, 0, 0),
    # 6 small product photos (short sides 268-480); no captions yet, so nothing to tag
    "phone-product": ({}, 0, 6, 0, 0),
    # 77 movie frames: the 10 pairs with identical captions are different frames
    "spiderverse-suits": ({".txt": 77}, 0, 0, 0, 0),
    # 9 small geometric designs (short sides 300-474); one minimalist drawing stored
    # twice (re-encoded): 1 clone of 83 is 1.2 %, under the guide's 3 %, so no error
    "tattoo-styles": ({".txt": 83}, 0, 9, 1, 0),
}


def test_every_real_dataset_has_its_scan_pinned() -> None:
    assert set(SCANNED) == {p.name for p in REAL.iterdir() if p.is_dir()}


@pytest.mark.parametrize("name", sorted(SCANNED))
def test_caption_files_clones_and_blur_as_the_guide_counts_them(
    tmp_path: Path, lorapan_cmd, name: str
) -> None:
    root = real(tmp_path, name)
    extensions, blurry, low_res, clones, altered = SCANNED[name]
    scan = json.loads(lorapan_cmd("scan", root, "--json").stdout)
    summary = scan["summary"]
    assert (summary["blurry"], summary["low_res"]) == (blurry, low_res)
    assert (summary["clones"], summary["altered"]) == (clones, altered)
    report = scanned_report_of(root)
    assert report.dataset["caption_extensions"] == extensions
    assert report.dataset["caption_extension_read"] == ".txt"
    assert not report.find("clones.ratio") and not report.find("altered.kinds")
    small = {row["relpath"] for row in scan["images"] if row["low_res"]}
    captioned = {rel for rel, it in Dataset.open(root).items.items() if it.has_caption}
    missing = [f for f in report.find("quality.lowq-tag") if f.key.endswith(":missing")]
    assert {rel for f in missing for rel in f.images} == small & captioned


@pytest.mark.parametrize("name", sorted(SCANNED))
def test_after_fix_every_error_left_can_be_acted_on(tmp_path: Path, lorapan_cmd, name: str) -> None:
    root = real(tmp_path, name)
    lorapan_cmd("scan", root)  # the image rules (blur, size, clones) take part
    lorapan_cmd("fix", root)
    report = scanned_report_of(root)
    assert not report.find("quality.lowq-tag")  # the small ones are tagged
    for f in report.findings:
        if f.severity == "error":
            # a fix, a command to copy, or the setting to write
            assert f.fix is not None or "`" in f.message or "lorapan.toml" in f.message, f
    anchors = {tag_key(t) for t in report.dataset["anchor"]["tags"]}
    if anchors:
        assert {tag_key(t) for t in firsts(root).values()} <= anchors
    out = lorapan_cmd("check", root)
    assert "'m1n2n3z4 k'" not in out.stdout and "'yanagise eika'" not in out.stdout
