"""Captions kohya reads differently from how they look (``core/rules/caption_form.py``).

Real files written by each test, checked by the rules engine and fixed through the
real ``lorapan`` entry point; undo restores every byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report

POSES = ["sitting", "standing", "smile", "from side", "night", "running"]


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def tags(i: int) -> list[str]:
    return ["mira", rf.STYLE_TAG, "1girl", "solo", "blue hair", POSES[i % 6]]


def multiline_set(root: Path) -> Path:
    """Twenty one-line captions; four tagged one tag per line, four with a BLIP sentence
    on the first line and the tags (trigger first) under it."""
    caps = {f"10_mira/m{i:02d}.png": ", ".join(tags(i)) + "\n" for i in range(20)}
    for i in range(4):
        caps[f"10_mira/m{i:02d}.png"] = "\n".join(tags(i)) + "\n"
    for i in range(4, 8):
        caps[f"10_mira/m{i:02d}.png"] = "a girl with blue hair in a field\n" + ", ".join(tags(i))
    return rf.write_images(root, caps)


def test_tags_under_the_first_line_are_an_error_kohya_would_never_train(tmp_path):
    root = multiline_set(tmp_path / "m")
    [found] = check(root).find("caption.multiline")
    assert found.severity == "error" and len(found.images) == 8
    assert "'blue hair' ×8" in found.message and "first line" in found.message
    (root / "lorapan.toml").write_text("[training]\nenable_wildcard = true\n")
    assert not check(root).find("caption.multiline")  # each line a caption of its own


def test_the_fix_joins_the_lines_trigger_first_and_undo_restores_the_bytes(tmp_path, lorapan_cmd):
    root = multiline_set(tmp_path / "m")
    before = rf.snapshot_bytes(root)
    out = lorapan_cmd("fix", root, "--rule", "caption.multiline")
    assert out.returncode in (0, 1), out.stderr
    per_line = (root / "10_mira" / "m00.txt").read_text()
    assert per_line == "mira, anime screencap, 1girl, solo, blue hair, sitting\n"
    blip = (root / "10_mira" / "m04.txt").read_text()
    # the line the trigger leads goes first, where keep_tokens = 1 keeps it
    assert (
        blip
        == "mira, anime screencap, 1girl, solo, blue hair, night, a girl with blue hair in a field"
    )
    assert (root / "10_mira" / "m12.txt").read_bytes() == before["10_mira/m12.txt"]  # untouched
    assert not check(root).find("caption.multiline")
    assert lorapan_cmd("undo", root).returncode == 0
    assert rf.snapshot_bytes(root) == before


def test_the_default_fix_says_to_run_again_for_what_the_joined_tags_need(tmp_path, lorapan_cmd):
    root = multiline_set(tmp_path / "m")
    for i in range(4):  # the hair tag only on the lines kohya never reads
        path = root / "10_mira" / f"m{i:02d}.txt"
        path.write_text("mira\n" + "\n".join(["red hair", *tags(i)[1:]]) + "\n")
    out = lorapan_cmd("fix", root)
    assert "caption.multiline" in out.stdout
    assert f"run `lorapan fix {root}` again" in out.stdout


def foreign_set(root: Path) -> Path:
    caps = {
        f"10_sakura/s{i:02d}.png": ", ".join(["さくら", "1girl", POSES[i % 6]]) for i in range(12)
    }
    caps["10_sakura/s00.png"] = "さくら、1人の女の子、ソロ、ピンクの髪、雨"
    caps["10_sakura/s01.png"] = "さくら，1人の女の子，長い髪"
    # a sentence that uses the comma as Japanese prose does: clauses, not tags
    caps["10_sakura/s02.png"] = (
        "さくら, 雨の降る夕方に古い教室の窓辺でひとり静かに本を読んでいる少女、"
        "その横顔を柔らかな光が照らしている"
    )
    return rf.write_images(root, caps)


def test_tags_separated_by_a_japanese_comma_are_split_by_the_fix(tmp_path, lorapan_cmd):
    root = foreign_set(tmp_path / "jp")
    before = rf.snapshot_bytes(root)
    [found] = check(root).find("tags.separator")
    assert sorted(found.images) == ["10_sakura/s00.png", "10_sakura/s01.png"]
    assert "'、' and '，'" in found.message
    out = lorapan_cmd("fix", root, "--rule", "tags.separator")
    assert out.returncode in (0, 1), out.stderr
    assert (
        root / "10_sakura" / "s00.txt"
    ).read_text() == "さくら, 1人の女の子, ソロ, ピンクの髪, 雨"
    assert (root / "10_sakura" / "s01.txt").read_text() == "さくら, 1人の女の子, 長い髪"
    assert (root / "10_sakura" / "s02.txt").read_bytes() == before["10_sakura/s02.txt"]
    assert lorapan_cmd("undo", root).returncode == 0
    assert rf.snapshot_bytes(root) == before


def test_escaped_brackets_are_unescaped_and_then_read_as_the_tags_they_are(tmp_path, lorapan_cmd):
    caps = {
        f"10_ayu/a{i:02d}.png": f"ayu, {rf.STYLE_TAG}, 1girl, {POSES[i % 6]}" for i in range(10)
    }
    caps["10_ayu/a00.png"] = f"ayu, {rf.STYLE_TAG}, bow \\(weapon\\), bow (weapon), 1girl"
    caps["10_ayu/a01.png"] = f"ayu, {rf.STYLE_TAG}, yoimiya \\(genshin impact\\), 1girl"
    root = rf.write_images(tmp_path / "esc", caps)
    rf.write_settings(root, {"kind": "character", "core_tag": "ayu"})
    report = check(root)
    [found] = report.find("tags.escaped-brackets")
    assert sorted(found.images) == ["10_ayu/a00.png", "10_ayu/a01.png"]
    assert not report.find("tags.franchise-name")  # hidden behind the backslashes
    out = lorapan_cmd("fix", root, "--rule", "tags.escaped-brackets")
    assert out.returncode in (0, 1), out.stderr
    assert (root / "10_ayu" / "a00.txt").read_text() == f"ayu, {rf.STYLE_TAG}, bow (weapon), 1girl"
    [franchise] = check(root).find("tags.franchise-name")
    assert "yoimiya (genshin impact)" in franchise.message


def test_tags_outside_the_english_vocabulary_are_named_as_the_reason_nothing_is_read(
    tmp_path, lorapan_cmd
):
    """Japanese tags: the kind, merges and coverage find nothing; the kind says why and
    what to do, instead of 'no person tags' on a set of one girl."""
    vary = ["座っている", "立っている", "雨", "夜", "教室"]
    caps = {
        f"10_sakura/s{i:02d}.png": f"さくら, 1人の女の子, ソロ, ピンクの髪, {vary[i % 5]}"
        for i in range(20)
    }
    root = rf.write_images(tmp_path / "jp", caps)
    kind = json.loads(lorapan_cmd("info", root, "--json").stdout)["kind"]
    assert kind["source"] == "default"
    assert "not the English booru tags" in kind["evidence"][0]
    assert "lorapan autotag" in kind["evidence"][0]
    english = rf.write_images(
        tmp_path / "en", {f"{i}.png": "sakura, 1girl, solo" for i in range(9)}
    )
    assert "English" not in json.dumps(
        json.loads(lorapan_cmd("info", english, "--json").stdout)["kind"]
    )


PROSE = (
    "This image shows a man lying on a couch reading a book. He is wearing glasses, a plaid "
    "shirt and dark trousers, and there is a cup of tea on the table next to him."
)


def test_new_tags_never_cut_a_sentence_and_prose_lines_join_as_prose(tmp_path):
    """Florence captions: the low-quality tags went between 'He is wearing glasses' and 'a
    plaid shirt', and a joined second line read '... next to him., The man ...'."""
    from lorapan.core.rules.caption_form import joined
    from lorapan.core.rules.fixes import lowq_add_fn

    root = rf.write_images(tmp_path / "p", {"15_noah/n.png": PROSE + "\nThe man is about thirty."})
    ds = Dataset.open(root)
    engine = RulesEngine(ds, live=False)
    item = ds.items["15_noah/n.png"]
    one = joined(item, frozenset())
    assert one[-1].endswith("next to him. The man is about thirty.")
    added = lowq_add_fn(engine.ctx, engine.ctx.anchor)(item.tags)
    assert ", ".join(added).startswith(PROSE)  # the sentences whole, the tags after them
    assert added[-3:] == ("low quality", "blurry", "worst quality")


def test_a_checklist_not_yet_asked_for_says_when_it_will_be(tmp_path, lorapan_cmd):
    """Prose captions and no kind: 'coverage 0/10' listed ten manual items while the
    summary counted '0 checklist items' (a keyboard review on aldar-kose)."""
    caps = {f"{i}.png": f"{PROSE} The picture number {i} is calm." for i in range(6)}
    root = rf.write_images(tmp_path / "prose", caps)
    out = lorapan_cmd("check", root).stdout
    assert " 0 checklist items" in out
    assert "(asked once [dataset] kind is set)" in out
    assert "Proposed: 'This image" not in out  # a sentence all captions open with names no one
    (root / "lorapan.toml").write_text('[dataset]\nkind = "character"\n')
    out = lorapan_cmd("check", root).stdout
    assert "asked once" not in out and " 0 checklist items" not in out


def test_a_blacklisted_tag_after_a_sentence_is_still_a_tag(tmp_path):
    """Florence's sentence then WD14's tags: a rare tag after the sentence read as its
    clause escaped the blacklist ('large breasts' on 4 of 20), and training went ahead."""
    sentence = "A young woman with short black hair is standing in a sunlit park."
    caps = {
        f"10_nara/n{i:02d}.png": f"nara, {sentence}, 1girl, solo, {POSES[i % 6]}"
        + (", large breasts" if i < 4 else "")
        for i in range(20)
    }
    root = rf.write_images(tmp_path / "n", caps)
    [black] = check(root).find("tags.blacklist")
    assert black.details.get("large breasts") == 4


def test_info_says_each_line_is_a_caption_when_wildcards_are_on(tmp_path, lorapan_cmd):
    root = multiline_set(tmp_path / "m")
    plain = lorapan_cmd("info", root).stdout
    assert "8 captions with more than one line; kohya reads only the first" in plain
    (root / "lorapan.toml").write_text("[training]\nenable_wildcard = true\n")
    wild = lorapan_cmd("info", root).stdout
    assert "kohya reads only the first" not in wild
    assert "each a caption of its own" in wild and "check the first line of each" in wild


def test_a_leading_comma_is_named_and_the_fix_writes_the_line_anew(tmp_path, lorapan_cmd):
    """', mira, ...': sd-scripts splits on ',' as written, so keep_tokens = 1 holds an
    empty field and 'mira' is shuffled. lorapan read the tags the same either way and
    said nothing; no edit would ever rewrite the line, since its tags did not change."""
    caps = {f"10_mira/m{i:02d}.png": ", ".join(tags(i)) + "\n" for i in range(20)}
    caps["10_mira/m00.png"] = ", " + caps["10_mira/m00.png"]
    caps["10_mira/m01.png"] = caps["10_mira/m01.png"].replace(", solo", ",, solo")
    root = rf.write_images(tmp_path / "e", caps)
    report = check(root)
    [lead] = [f for f in report.findings if f.key == "caption.empty-fields:leading"]
    [inner] = [f for f in report.findings if f.key == "caption.empty-fields:inner"]
    assert lead.severity == "warning" and lead.images == ["10_mira/m00.png"]
    assert inner.severity == "advice" and inner.images == ["10_mira/m01.png"]
    before = rf.snapshot_bytes(root)
    out = lorapan_cmd("fix", root, "--rule", "caption.empty-fields")
    assert out.returncode in (0, 1), out.stderr
    assert (root / "10_mira" / "m00.txt").read_text() == ", ".join(tags(0)) + "\n"
    assert (root / "10_mira" / "m01.txt").read_text() == ", ".join(tags(1)) + "\n"
    assert (root / "10_mira" / "m02.txt").read_bytes() == before["10_mira/m02.txt"]
    assert "0 captions changed" in lorapan_cmd("fix", root, "--rule", "caption.empty-fields").stdout
    assert lorapan_cmd("undo", root).returncode == 0
    assert rf.snapshot_bytes(root) == before
