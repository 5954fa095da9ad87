"""The kind, inferred from evidence and shown; the rules follow the effective kind."""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.describe import describe_dataset, summary_lines
from lorapan.core.method.kind import infer_kind, resolve_kind
from lorapan.core.method.triggers import find_triggers
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.settings import load_settings

ROOMS = ["bedroom", "kitchen", "classroom", "living room", "bathroom", "hallway"]
OUTSIDE = ["street", "sky", "building", "forest"]


def cartoon_backgrounds(root: Path) -> Path:
    """The issue's flat folder of 53 cartoon backgrounds: BG-001... first, 39 interior and
    14 exterior by their own tags, 'no humans' on 51, scenery tags on 49, no lorapan.toml."""
    caps = {}
    for i in range(53):
        tags = [f"BG-{i + 1:03d}"]
        if i < 51:
            tags.append("no humans")
        if i < 39:
            tags += ["interior", ROOMS[i % len(ROOMS)]] if i < 37 else [ROOMS[i % len(ROOMS)]]
        else:
            tags += ["exterior", OUTSIDE[i % len(OUTSIDE)]] if i < 51 else ["sky", "street"]
        tags += ["wide shot", "cartoon"]
        caps[f"bg_{i + 1:03d}.png"] = ", ".join(tags)
    return rf.write_images(root, caps)


def test_a_flat_folder_of_backgrounds_is_a_background_set_with_its_evidence(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = cartoon_backgrounds(tmp_path / "bgs")
    guess = infer_kind(Dataset.open(root))
    assert (guess.kind, guess.source) == ("background", "inferred")
    assert "'no humans' on 51/53" in guess.describe()
    assert guess.subjects == []  # 53 one-image first tags are ids, not a bundle
    report = RulesEngine(Dataset.open(root), live=False).check()
    fired = {f.rule_id for f in report.findings}
    assert not {"tags.hair-unique", "tags.eyes-unique", "coverage.eye-focus"} & fired
    assert report.readiness.kind == "background"
    [place] = report.find("background.indoor-outdoor")
    assert "39 interior and 14 exterior" in place.message
    assert "tags.first-id" in fired
    out = json.loads(lorapan_cmd("check", root, "--json").stdout)
    assert out["kind"]["kind"] == "background" and out["kind"]["source"] == "inferred"
    res = lorapan_cmd("check", root)
    assert f"lorapan fix {root} --rule dataset.kind" in res.stdout
    assert not (root / "lorapan.toml").exists()  # inferred, never written unasked
    lorapan_cmd("fix", root, "--rule", "dataset.kind")
    assert load_settings(root).kind == "background"
    assert load_settings(root).is_set("kind")


def test_a_set_kind_wins_and_the_inferred_one_is_never_saved(tmp_path: Path) -> None:
    root = cartoon_backgrounds(tmp_path / "bgs")
    rf.write_settings(root, {"kind": "asset"})
    assert resolve_kind(Dataset.open(root)).kind == "asset"
    root = cartoon_backgrounds(tmp_path / "b2")
    ds = Dataset.open(root)
    resolve_kind(ds)
    assert ds.settings.kind == "background" and not ds.settings.is_set("kind")
    ds.settings.tick("cropped-sections")
    from lorapan.core.settings import save_settings

    save_settings(root, ds.settings)
    assert "kind" not in (root / "lorapan.toml").read_text()


def test_people_counts_decide_character_couple_group(tmp_path: Path) -> None:
    def kind(caps: list[str]) -> str:
        root = rf.write_images(
            tmp_path / str(len(list(tmp_path.iterdir()))),
            {f"{i}.png": c for i, c in enumerate(caps)},
        )
        return infer_kind(Dataset.open(root)).kind

    assert kind(["tk, 1girl, solo, smile"] * 6) == "character"
    assert kind(["a and b, 2girls, hug"] * 6) == "couple"
    assert kind(["abcd, 4boys, multiple boys"] * 6) == "group"
    assert kind(["thing, no humans, simple background, white background, chair"] * 6) == "asset"
    prose = {"a.png": "hello there", "b.png": "good morning"}  # (one image: single-image)
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "p", prose)))
    assert (guess.kind, guess.source) == ("character", "default")


def test_a_style_set_keeps_no_humans_and_gets_no_character_rules(tmp_path: Path) -> None:
    caps = {
        f"ink/8_inkwash/{i}.png": f"inky, no humans, 1boy, monochrome, bird {i}" for i in range(6)
    }
    caps |= {f"ink/8_watercolor/{i}.png": f"wash, no humans, flower {i}" for i in range(6)}
    root = rf.write_images(tmp_path / "s", caps)
    report = RulesEngine(Dataset.open(root), live=False).check()
    assert report.readiness.kind == "style"
    assert not report.find("tags.blacklist")  # 'no humans' is right on a style set
    assert not [f for f in report.find("tags.core") if f.key == "tags.core:unset"]


def test_people_of_many_looks_are_a_concept_and_one_look_a_character(tmp_path: Path) -> None:
    """One character has one look: a pose across blonde, pink, blue and black-haired
    people is a concept (no hair merged into one tag); a character the tagger once calls
    'brown hair' instead of 'black hair' is still a character."""
    looks = ["blonde", "pink", "blue", "black", "white", "red"]
    caps = {
        f"{i}.png": f"umbrella pose, 1girl, solo, {looks[i % 6]} hair, holding umbrella, rain {i}"
        for i in range(12)
    }
    root = rf.write_images(tmp_path / "c", caps)
    guess = infer_kind(Dataset.open(root))
    assert guess.kind == "concept" and "hair varies ('blonde hair' ×2" in "; ".join(guess.evidence)
    report = RulesEngine(Dataset.open(root), live=False).check()
    assert not report.find("tags.hair-unique")  # no one-key merge of six looks into one

    caps = {f"{i}.png": f"tk, 1girl, solo, black hair, smile {i}" for i in range(11)}
    caps["11.png"] = "tk, 1girl, solo, brown hair, smile"
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "k", caps)))
    assert guess.kind == "character"


def test_a_fix_keeps_the_kind_it_was_made_for(tmp_path: Path, lorapan_cmd) -> None:
    """The couple blacklist removes '1girl', '1boy' and 'couple', the only tags that said
    two people; without the kind written, the next check read the set as another kind."""
    caps = {
        f"{i}.png": f"rin and haru, 1girl, 1boy, couple, {w}, outdoors, street"
        for i, w in enumerate(["hug", "holding hands", "walking", "smile", "kiss", "running"])
    }
    root = rf.write_images(tmp_path / "c", caps)
    assert infer_kind(Dataset.open(root)).kind == "couple"
    dry = lorapan_cmd("fix", root, "--dry-run")  # the preview says what the fix will write
    assert "kind = 'couple' (as inferred) would be written to lorapan.toml" in dry.stdout
    assert not (root / "lorapan.toml").exists()
    planned = json.loads(lorapan_cmd("fix", root, "--dry-run", "--json").stdout)
    assert (planned["kind_would_be_written"], planned["kind_written"]) == ("couple", None)
    before = (root / "0.txt").read_bytes()
    res = lorapan_cmd("fix", root)
    assert "kind = 'couple' (as inferred) written to lorapan.toml" in res.stdout
    assert "1girl" not in (root / "0.txt").read_text()
    assert load_settings(root).kind == "couple"
    assert lorapan_cmd("undo", root).returncode == 0  # one step: the captions and the kind
    assert (root / "0.txt").read_bytes() == before and not (root / "lorapan.toml").exists()
    assert lorapan_cmd("redo", root).returncode == 0
    info = json.loads(lorapan_cmd("info", root, "--json").stdout)
    assert (info["kind"]["kind"], info["kind"]["source"]) == ("couple", "set")
    # a kind lorapan could not infer is never written
    prose = {"a.png": "hello there, hello there", "b.png": "good day, good day"}  # (one: single)
    root = rf.write_images(tmp_path / "d", prose)
    res = lorapan_cmd("fix", root)
    assert "written to lorapan.toml" not in res.stdout and not (root / "lorapan.toml").exists()


def test_what_info_and_fix_say_is_what_they_read(tmp_path: Path, lorapan_cmd) -> None:
    """A kind from --kind is not 'set in lorapan.toml'; a first tag on 9 of 10 captions is
    not 'every caption'; a fix of one rule counts what is left of that rule only."""
    caps = {f"{i}.png": f"tk, 1girl, solo, smile, pose {i}" for i in range(9)}
    caps["9.png"] = "1girl, solo, tk, smile"
    root = rf.write_images(tmp_path / "k", caps)
    out = lorapan_cmd("check", root, "--kind", "concept").stdout
    assert "kind: concept (--kind, for this run)" in out
    assert "'tk' (first tag of 9 of 10 captions)" in lorapan_cmd("info", root).stdout
    out = lorapan_cmd("fix", root, "--rule", "tags.trigger-first").stdout
    assert "remaining of tags.trigger-first: 0 errors, 0 warnings" in out


def test_an_image_not_captioned_yet_in_a_two_folder_set(tmp_path: Path, lorapan_cmd) -> None:
    """Images get added before they are captioned: info and check read the kind anyway."""
    caps = {f"5_x/{i}.png": f"x, 1girl, solo, smile {i}" for i in range(5)}
    caps |= {f"5_y/{i}.png": f"y, 1boy, solo, smile {i}" for i in range(5)}
    caps |= {"5_y/new.png": None, "5_y/empty.png": ""}
    root = rf.write_images(tmp_path / "b", caps)
    info = lorapan_cmd("info", root)
    assert "kind: bundle-characters" in info.stdout and not info.stderr, info.stderr
    assert "1 image without caption: 5_y/new.png" in info.stdout
    check = lorapan_cmd("check", root)
    assert check.returncode == 1 and "pair.orphans" in check.stdout and not check.stderr


def test_a_taggers_words_first_on_many_captions_are_not_subjects(tmp_path: Path) -> None:
    """A style set whose trigger is missing from the front of some captions starts those
    with 'monochrome'; a character set with its trigger on half starts the rest with
    '1girl': neither is a bundle of subjects."""
    caps = {f"10_inkwash style/a{i}.png": f"inkwash style, crane, water {i}" for i in range(8)}
    caps |= {f"10_inkwash style/b{i}.png": f"monochrome, tree, inkwash style {i}" for i in range(8)}
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "s", caps)))
    assert (guess.kind, guess.subjects) == ("style", [])
    caps = {f"10_zkx/a{i}.png": f"zkx, 1girl, solo, smile {i}" for i in range(8)}
    caps |= {f"10_zkx/b{i}.png": f"1girl, solo, zkx, smile {i}" for i in range(8)}
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "c", caps)))
    assert (guess.kind, guess.subjects) == ("character", [])


def test_a_thing_worn_by_many_people_is_an_asset_not_a_concept(tmp_path: Path) -> None:
    """The guide's assets are clothing, weapons, furniture: a hat on people of many looks
    is one asset (its checklist: lighting, weather, backgrounds), not a pose concept."""
    looks = ["blonde", "pink", "blue", "black", "white", "red"]
    caps = {
        f"{i}.png": f"pirate look, tricorn, hat, 1girl, solo, {looks[i % 6]} hair, smile {i}"
        for i in range(12)
    }
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "hat", caps)))
    assert guess.kind == "asset", guess.evidence
    assert "'hat' on 12/12" in "; ".join(guess.evidence)
    # the trigger alone says so, whoever wears it
    named = {f"12_trcn hat/{i}.png": f"trcn hat, 1girl, solo, black hair, {i}" for i in range(8)}
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "named", named)))
    assert guess.kind == "asset" and "the trigger 'trcn hat' names a thing" in guess.evidence[0]
    # words, not letters: 'hatsune' and 'landscape' name no hat or cape; a person's name stays
    for trigger in ("hatsune miku", "witch hat girl", "capelin"):
        person = {f"10_{trigger}/{i}.png": f"{trigger}, 1girl, solo, {i}" for i in range(8)}
        root = rf.write_images(tmp_path / trigger.replace(" ", "-"), person)
        assert infer_kind(Dataset.open(root)).kind == "character", trigger


def test_a_concepts_silhouette_is_a_tick_not_a_warning(tmp_path: Path) -> None:
    """The guide asks a silhouette of action / pose concepts only; lorapan cannot tell a
    pose from a body concept (or a hat), so the item is a person's tick, listing the
    monochrome images to look at first."""
    caps = {f"{i}.png": f"wing pose, 1girl, solo, from side, smile {i}" for i in range(10)}
    caps["9.png"] = "wing pose, 1girl, solo, monochrome, from above"
    root = rf.write_images(tmp_path / "c", caps)
    rf.write_settings(root, {"kind": "concept"})
    report = RulesEngine(Dataset.open(root), live=False).check()
    [item] = report.find("coverage.silhouette")
    assert item.severity == "manual" and item.images == ["9.png"]
    assert "pose concepts" in item.message


def test_a_sentence_set_named_after_a_person_is_a_character(tmp_path: Path) -> None:
    """Sentences name no kind as tags do; a DreamBooth-style folder name whose class word
    is a person ('ohwx woman') does. Without one, the kind stays unconfirmed."""
    lines = ["a photo of ohwx woman sitting at a cafe table", "ohwx woman walking on a beach"]
    caps = {f"20_ohwx woman/{i}.png": f"{lines[i % 2]} in the evening {i}" for i in range(6)}
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "p", caps)))
    assert (guess.kind, guess.source) == ("character", "inferred")
    assert "the trigger 'ohwx woman' names a person ('woman'" in guess.evidence[0]
    caps = {
        f"20_ohwx cafe/{i}.png": f"a photo of a cafe table in the evening {i}" for i in range(6)
    }
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "q", caps)))
    assert guess.source == "default"


def test_info_and_check_count_a_trigger_over_the_same_captions(tmp_path: Path, lorapan_cmd):
    """An empty caption does not carry the trigger: info said 'in 4 of 4 captions' where
    check's core tag finding said 'in 4 of 5'."""
    caps = {f"10_kai/{i}.png": f"kai, 1boy, solo, smile {i}" for i in range(4)}
    caps["10_kai/4.png"] = ""
    root = rf.write_images(tmp_path / "k", caps)
    info = lorapan_cmd("info", root).stdout
    check = lorapan_cmd("check", root).stdout
    assert "in 4 of 5 captions)" in info
    assert check.count("in 4 of 5 captions") == 2 and "in 4 of 4" not in check


def test_a_taggers_first_or_last_word_is_never_the_trigger(tmp_path: Path) -> None:
    """A WD14 run starts every caption with '1girl' (and 'smile' may end them all): that
    says how the captions were made, not what the LoRA is called, so no trigger is
    proposed as the core tag; a made-up word in the same place still is."""
    views = ["from side", "full body", "portrait", "upper body", "from behind", "cowboy shot"]
    caps = {f"{i}.png": f"1girl, solo, {views[i % 6]}, red dress {i}, smile" for i in range(8)}
    ds = Dataset.open(rf.write_images(tmp_path / "wd14", caps))
    assert find_triggers(ds) == []
    report = RulesEngine(ds, live=False).check()
    assert "Proposed" not in " ".join(f.message for f in report.find("tags.core"))
    info = describe_dataset(ds)
    assert "'1girl' (first tag of every caption): a tagger's tag" in "\n".join(summary_lines(info))
    caps = {f"{i}.png": f"1girl, solo, {views[i % 6]}, red dress {i}, zq4mira" for i in range(8)}
    ds = Dataset.open(rf.write_images(tmp_path / "named", caps))
    assert [t.tag for t in find_triggers(ds)] == ["zq4mira"]


def test_many_thinly_spread_hair_colours_are_several_people(tmp_path: Path) -> None:
    """Ten colours on 5-17 % of the images each (a body concept shown on many people):
    the more looks, the surer it is several characters, not one."""
    looks = ["black", "brown", "white", "blonde", "red", "pink", "silver", "blue", "orange"]
    share = [6, 5, 5, 4, 4, 3, 3, 2, 2]
    caps, i = {}, 0
    for colour, n in zip(looks, share, strict=True):
        for _ in range(n):
            caps[f"{i}.png"] = f"heterochromia focus, 1girl, solo, {colour} hair, smile {i}"
            i += 1
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "h", caps)))
    assert guess.kind == "concept", guess.evidence


def test_a_style_that_tags_nothing_is_told_how_to_train_longer(tmp_path: Path) -> None:
    """'Nothing needs more epochs' (the guide) cannot be followed as more maxTrainEpochs:
    the preset's targetSteps fixes the run's length, so the advice raises the target."""
    caps = {f"12_zk style/{i}.png": "zk style" for i in range(8)}
    root = rf.write_images(tmp_path / "s", caps)
    rf.write_settings(root, {"kind": "style", "core_tag": "zk style"})
    [f] = RulesEngine(Dataset.open(root), live=False).check().find("style.tag-all-or-none")
    assert "--set targetSteps=2210" in f.message and "more epochs alone only split it" in f.message


def test_the_kind_reads_what_kohya_trains_and_no_artist_is_a_subject(tmp_path: Path) -> None:
    """Solos kept in a folder kohya ignores beside 10_crew say nothing of the kind; a
    scrape whose captions start with two artists' tags is one set, not a bundle."""
    caps = {f"10_crew/{i}.png": f"a and b and c_3girls focus, 3girls, hug {i}" for i in range(6)}
    caps |= {f"solos/{i}.png": f"1girl, solo, smile {i}" for i in range(6)}
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "g", caps)))
    assert guess.kind == "group" and "on 6/6" in guess.evidence[0]
    scrape = {f"{i}.png": f"mocha_(cotton), no humans, scenery, city {i}" for i in range(6)}
    scrape |= {f"y{i}.png": f"y_y_(ysk_ygc), no humans, scenery, street {i}" for i in range(6)}
    guess = infer_kind(Dataset.open(rf.write_images(tmp_path / "s", scrape)))
    assert guess.kind == "background" and not guess.subjects
