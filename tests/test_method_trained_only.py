"""Only the images kohya trains say what the LoRA is called (anchor.trained_items).

Beside ``N_name`` folders kohya never reads a folder that is not named so (a ``solos/``
folder of collage sources): its captions must not tip the trigger, the anchor or the
proposed core tag. A caption tag in the guide's core shape that the trained captions
start with outranks a folder's name no caption carries. Every dataset here is written
by the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import anchor_of
from lorapan.core.method.triggers import find_triggers, main_trigger
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report
from lorapan.core.training.prompts import prompt_subject
from PIL import Image

CREW = "kanade and mizuki and ena and mafuyu_4girls focus"


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def crew(root: Path, trained: int = 20, solos: int = 8) -> Path:
    """A group in ``10_nightcord/`` and its members' solo sources in ``solos/``."""
    poses = ["sitting", "standing", "smile", "from side", "night"]
    caps = {}
    for i in range(trained):
        tags = [CREW, rf.STYLE_TAG, "multiple girls", "4girls", "white hair", "pink hair"]
        caps[f"10_nightcord/g{i:02d}.png"] = ", ".join([*tags, poses[i % 5]])
    for i in range(solos):
        caps[f"solos/s{i:02d}.png"] = f"1girl, solo, white hair, blue eyes, {poses[i % 5]}"
    return rf.write_images(root, caps)


def test_an_ignored_folder_does_not_flip_the_core_tag_to_a_folder_name(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = crew(tmp_path / "group")
    ds = Dataset.open(root)
    assert [f.path for f in ds.ignored_folders] == ["solos"]
    anchor = anchor_of(ds)
    assert anchor.single == CREW and anchor.source == "first tag of every caption kohya trains"
    trigger = main_trigger(find_triggers(ds))
    assert trigger is not None and trigger.tag == CREW
    assert prompt_subject(ds) == CREW  # sample prompts start with it, not 'nightcord'
    [core] = check(root).find("tags.core")
    assert core.fix is not None and f"'{CREW}'" in core.fix.label
    out = lorapan_cmd("fix", root, "--rule", "tags.core", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "nightcord" not in out.stdout.split("the combined plan")[0]
    assert "+'nightcord'" not in out.stdout
    info = lorapan_cmd("info", root)
    assert f"trigger: '{CREW}' (the first field of 20 of the 20 captions kohya trains" in (
        info.stdout
    )


def test_without_kohya_folders_every_image_is_read(tmp_path: Path) -> None:
    """No N_name folder at all: lorapan's dataset TOML trains every image, so every
    caption counts: the crew's core-shaped tag leads 20 of 28, still the owner's core
    tag (the guide's shape), and the 8 solos lack it."""
    caps = {f"a/g{i:02d}.png": f"{CREW}, smile" for i in range(20)}
    caps |= {f"b/s{i:02d}.png": "1girl, solo, smile" for i in range(8)}
    root = rf.write_images(tmp_path / "flat", caps)
    ds = Dataset.open(root)
    assert not ds.ignored_folders
    trigger = main_trigger(find_triggers(ds))
    assert trigger is not None and trigger.captions == 20
    assert "in 20 of 28 captions" in trigger.describe(28)


def test_a_core_shaped_caption_tag_outranks_the_folder_name_inside_it(tmp_path: Path) -> None:
    """``10_gob`` beside captions that all start ``gob goblin with third eye focus``:
    the folder's 'gob' leads that tag, and putting it first would split the core tag."""
    core = "gob goblin with third eye focus"
    caps = {f"10_gob/{i:02d}.png": f"{core}, solo, smile, {t}" for i, t in enumerate("abcdef")}
    root = rf.write_images(tmp_path / "gob", caps)
    rf.write_settings(root, {"kind": "character"})
    triggers = find_triggers(Dataset.open(root))
    assert [t.tag for t in triggers][:2] == [core, "gob"]
    [finding] = check(root).find("tags.core")
    assert finding.fix is not None and f"'{core}'" in finding.fix.label
    assert not check(root).find("tags.trigger-first")


def test_a_group_shape_counts_the_sets_own_people(tmp_path: Path) -> None:
    """No names known: the merge's shape has as many names as the images show, with
    their words ('_4girls'), not the guide's '_3boys' example."""
    caps = {
        f"{i:02d}.png": f"multiple girls, 4girls, white hair, pink hair, blue eyes, smile, {t}"
        for i, t in enumerate(["sitting", "standing", "night"] * 10)
    }
    root = rf.write_images(tmp_path / "four", caps)
    rf.write_settings(root, {"kind": "group"})
    [hair] = check(root).find("tags.hair-unique")
    assert "'<name> and <name> and <name> and <name>_4girls focus'" in hair.message
    assert "3boys" not in hair.message


def test_the_core_fix_leaves_the_solos_kohya_ignores_alone(tmp_path: Path, lorapan_cmd) -> None:
    """Solos in an ignored folder are collage material (the guide: 'get their solos and
    create the collages'): the group's core tag on a one-girl picture would be false, so
    the core fix writes the trained captions only, and check asks it of them only."""
    root = crew(tmp_path / "group")
    solo = (root / "solos" / "s00.txt").read_bytes()
    res = lorapan_cmd("fix", root, "--rule", "tags.core")
    assert res.returncode in (0, 1), res.stderr
    assert (root / "solos" / "s00.txt").read_bytes() == solo
    assert not check(root).find("tags.core")  # set, first on every trained caption


# ---- what check asks of a folder kohya ignores ----------------------------------------
SOLO = "1girl, solo, white hair, blue eyes, rating:general, smile, smile"


def check_json(lorapan_cmd, root: Path, *args: str) -> dict:
    out = lorapan_cmd("check", root, "--json", *args)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def by_key(report: dict) -> dict[str, dict]:
    return {f["key"]: f for f in report["findings"]}


def crew_with(root: Path, trained: dict[str, str], solos: dict[str, str | bytes | None]) -> Path:
    """A group (kind stated) with ``trained`` captions in ``10_nightcord/`` and
    ``solos`` in a ``solos/`` folder kohya ignores."""
    caps: dict[str, str | bytes | None] = {f"10_nightcord/{k}": v for k, v in trained.items()}
    caps |= {f"solos/{k}": v for k, v in solos.items()}
    rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "group", "core_tag": CREW})
    return root


def test_check_asks_nothing_of_the_captions_kohya_never_trains(tmp_path: Path, lorapan_cmd) -> None:
    """The solos carry a tagger's '1girl', junk, hair and eye colours and a repeat: none
    of it trains, so no tag rule names them; the images counted are the 20 trained."""
    root = crew(tmp_path / "group")
    for txt in (root / "solos").glob("*.txt"):
        txt.write_text(SOLO)
    report = check_json(lorapan_cmd, root)
    named = {rel for f in report["findings"] for rel in f["images"]}
    assert named and not [rel for rel in named if rel.startswith("solos/")]
    assert "1girl" not in json.dumps(report["findings"])
    assert report["readiness"]["images"] == 20
    style = by_key(report)["tags.style:unset"]  # every trained caption carries it
    assert style["images"] == [] and "confirming adds it" not in style["message"]


def test_the_solos_of_a_group_are_said_to_be_collage_material(tmp_path: Path, lorapan_cmd) -> None:
    root = crew(tmp_path / "group")
    found = by_key(check_json(lorapan_cmd, root))["kohya.ignored-folder:solos"]
    assert found["severity"] == "advice"
    msg = found["message"]
    assert "kohya does not train" in msg and "collage material" in msg
    assert "move them" not in msg
    # a command that makes one, with solos of the folder (different captions first)
    assert (
        f"`lorapan collage {root} solos/s00.png solos/s01.png solos/s02.png solos/s03.png`" in msg
    )
    out = lorapan_cmd("collage", root, "solos/s00.png", "solos/s01.png", "--core", CREW, "-n")
    assert out.returncode == 0, out.stderr
    info = lorapan_cmd("info", root).stdout  # the fact, without advice that fits no kind
    assert "folder 'solos' has 8 images that kohya ignores" in info and "move" not in info


def test_a_couples_solos_make_a_collage_of_two(tmp_path: Path, lorapan_cmd) -> None:
    """A couple's manual item 'no image focuses on only one of them' looks first at the
    trained images tagged 'solo', not at the solos kept aside for collages."""
    core = "rin and haru couple focus"
    caps = {f"10_rinharu/{i:02d}.png": f"{core}, 2girls, hug, smile" for i in range(24)}
    caps["10_rinharu/24.png"] = f"{core}, 1girl, solo, smile"
    caps |= {f"solos/rin{i}.png": "1girl, solo, red hair, smile" for i in range(3)}
    caps |= {f"solos/haru{i}.png": "1girl, solo, blue hair, smile" for i in range(3)}
    root = rf.write_images(tmp_path / "duo", caps)
    rf.write_settings(root, {"kind": "couple", "core_tag": core})
    found = by_key(check_json(lorapan_cmd, root))
    msg = found["kohya.ignored-folder:solos"]["message"]
    assert found["kohya.ignored-folder:solos"]["severity"] == "advice"
    assert f"`lorapan collage {root} solos/haru0.png solos/rin0.png`" in msg
    assert "a collage of two solos" in msg
    look = found["coverage.no-single-focus"]
    assert look["images"] == ["10_rinharu/24.png"]
    assert "look first at the 1 image tagged 'solo'" in look["message"]


def test_an_unprefixed_folder_of_a_character_is_still_a_warning(
    tmp_path: Path, lorapan_cmd
) -> None:
    """``images/`` beside ``10_gob`` in a character set: most likely meant to train."""
    core = "gob goblin with third eye focus"
    caps = {f"10_gob/{i:02d}.png": f"{core}, solo, smile" for i in range(6)}
    caps |= {f"images/{i:02d}.png": f"{core}, solo, sitting" for i in range(3)}
    root = rf.write_images(tmp_path / "gob", caps)
    rf.write_settings(root, {"kind": "character", "core_tag": core})
    found = by_key(check_json(lorapan_cmd, root))["kohya.ignored-folder:images"]
    assert found["severity"] == "warning"
    assert found["message"] == (
        "folder 'images' has 3 images that kohya ignores: only `N_name` folders (N = repeats) "
        "beside it are read; move them into one"
    )


def test_a_groups_folder_of_group_pictures_is_still_a_warning(tmp_path: Path, lorapan_cmd) -> None:
    """Not solos: group pictures left out of the N_name folder are a mistake."""
    group = f"{CREW}, multiple girls, 4girls, smile"
    root = crew_with(
        tmp_path / "group",
        {f"g{i:02d}.png": group for i in range(20)},
        {},
    )
    rf.write_images(root / "more", {f"m{i}.png": group for i in range(4)})
    found = by_key(check_json(lorapan_cmd, root))["kohya.ignored-folder:more"]
    assert found["severity"] == "warning" and "move them into one" in found["message"]


def test_the_files_in_an_ignored_folder_are_still_checked(tmp_path: Path, lorapan_cmd) -> None:
    """A collage is made from them: a caption that cannot be read (the collage would
    silently lose its tags), a caption without its image, a format kohya skips."""
    trained = {f"g{i:02d}.png": f"{CREW}, multiple girls, 4girls, smile" for i in range(20)}
    root = crew_with(tmp_path / "group", trained, {"bad.png": b"1girl, \xff\xfe solo"})
    (root / "solos" / "gone.txt").write_text("1girl, solo")
    Image.new("RGB", (16, 16)).save(root / "solos" / "anim.gif")
    (root / "solos" / "anim.txt").write_text("1girl, solo")
    found = by_key(check_json(lorapan_cmd, root))
    assert found["caption.unreadable"]["images"] == ["solos/bad.png"]
    assert found["pair.orphans:captions"]["images"] == ["solos/gone.txt"]
    assert found["kohya.image-format:ext"]["images"] == ["solos/anim.gif"]


def test_counts_and_coverage_are_of_the_images_kohya_trains(tmp_path: Path, lorapan_cmd) -> None:
    """'school uniform' on 20 of the 20 trained images is constant (not 20 of 26); the
    solos' 'hug' covers nothing; the aim counts 20 images."""
    trained = {
        f"g{i:02d}.png": f"{CREW}, {rf.STYLE_TAG}, multiple girls, school uniform, {p}"
        for i, p in enumerate(["sitting", "standing", "night", "smile"] * 5)
    }
    solos = {f"s{i}.png": "1girl, solo, hug, sitting" for i in range(6)}
    root = crew_with(tmp_path / "group", trained, solos)
    report = check_json(lorapan_cmd, root)
    found = by_key(report)
    assert (
        "'school uniform' is on 20 of 20 images" in found["tags.constant:school uniform"]["message"]
    )
    [interacting] = [c for c in report["coverage"] if c["id"] == "interacting"]
    assert interacting["count"] == 0 and found["coverage.interacting"]["severity"] == "warning"
    assert "20 images: the guide aims for 30–70" in found["count.aim"]["message"]


def test_no_fix_writes_a_caption_kohya_never_trains(tmp_path: Path, lorapan_cmd) -> None:
    """`lorapan fix` (every rule) and the one-key fixes leave the solos byte-identical
    while they fix the trained captions."""
    trained = {f"g{i:02d}.png": f"{CREW}, multiple girls, smile, smile, 1girl" for i in range(20)}
    solos = {f"s{i}.png": SOLO for i in range(6)} | {"bare.png": None}
    root = crew_with(tmp_path / "group", trained, solos)
    before = {p.name: p.read_bytes() for p in (root / "solos").iterdir()}
    dry = lorapan_cmd("fix", root, "--dry-run")
    assert dry.returncode in (0, 1), dry.stderr
    assert "solos/" not in dry.stdout
    res = lorapan_cmd("fix", root)
    assert res.returncode in (0, 1), res.stderr
    assert {p.name: p.read_bytes() for p in (root / "solos").iterdir()} == before
    assert (
        root / "10_nightcord" / "g00.txt"
    ).read_text().strip() == f"{CREW}, {rf.STYLE_TAG}, smile"
    engine = RulesEngine(Dataset.open(root), live=False)
    for finding in engine.check().findings:
        if finding.fix is not None:
            engine.apply_fix(finding)
    assert {p.name: p.read_bytes() for p in (root / "solos").iterdir()} == before


def test_rare_elements_are_counted_on_the_trained_images(tmp_path: Path) -> None:
    """The tagger saw 'hat' on 10 trained images and 10 solos: rare among the images
    kohya trains (10, under 15), so those 10 ask for it; the solos ask for nothing
    (nor does their 'scarf')."""
    trained = {f"g{i:02d}.png": f"{CREW}, {rf.STYLE_TAG}, smile" for i in range(20)}
    solos = {f"s{i:02d}.png": "1girl, solo, smile" for i in range(10)}
    root = crew_with(tmp_path / "group", trained, solos)
    hats = [f"10_nightcord/g{i:02d}.png" for i in range(10)]
    scores = {rel: {"hat": 0.9} for rel in hats}
    scores |= {f"solos/s{i:02d}.png": {"hat": 0.9, "scarf": 0.9} for i in range(10)}
    report = RulesEngine(Dataset.open(root), scores=scores, live=False).check()
    [finding] = report.find("tags.inconsistent")
    assert finding.images == hats and "'hat'" in finding.message


def test_a_live_check_follows_the_first_kohya_folder(tmp_path: Path) -> None:
    """Adding the first N_name folder makes kohya ignore the others: the live engine
    reads them again, and says what a fresh check says."""
    group = f"{CREW}, {rf.STYLE_TAG}, multiple girls, smile"
    caps = {f"a/g{i:02d}.png": group for i in range(20)}
    caps |= {f"solos/s{i}.png": "1girl, solo, smile" for i in range(6)}
    root = rf.write_images(tmp_path / "group", caps)
    rf.write_settings(root, {"kind": "group", "core_tag": CREW})
    ds = Dataset.open(root)
    live = RulesEngine(ds)
    assert "solos/s0.png" in live.check().find("tags.core")[0].images  # all train: asked
    rf.write_images(root, {"10_more/x.png": group})
    ds.refresh_paths(["10_more/x.png", "10_more/x.txt"])
    assert [f.path for f in ds.ignored_folders] == ["a", "solos"]
    now = {f.key: f.images for f in live.check().findings}
    fresh = {f.key: f.images for f in check(root).findings}
    assert now == fresh and not live.check().find("tags.core")


def test_a_character_bundles_subjects_are_its_trained_folders(tmp_path: Path) -> None:
    """A ``solos/`` folder beside a bundle's N_name folders is no third subject: it got a
    subject's aim, hair merge and count of its own."""
    from lorapan.core.rules import bundles

    caps = {}
    for i in range(30):
        caps[f"10_gob/g{i:02d}.png"] = f"gob focus, {rf.STYLE_TAG}, green_gob_hair, smile"
        caps[f"10_ana/a{i:02d}.png"] = f"ana focus, {rf.STYLE_TAG}, pink_ana_hair, smile"
    caps |= {f"solos/s{i}.png": "1girl, solo, blue hair" for i in range(5)}
    root = rf.write_images(tmp_path / "b", caps)
    rf.write_settings(root, {"kind": "bundle-characters", "name": "duo", "core_tag": ""})
    found = bundles.subjects(Dataset.open(root))
    assert sorted(found) == ["ana focus", "gob focus"]
    assert not any(r.startswith("solos/") for rels in found.values() for r in rels)
    per_subject = " ".join(f.message for f in check(root).find("bundle.per-subject"))
    assert "1girl" not in per_subject and "solos" not in per_subject
