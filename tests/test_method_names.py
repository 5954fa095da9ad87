"""A tagger's or a booru's first tag never names the subject (lorapan.core.method.names).

The guide spells the unique tags ``<colour>_<name>_hair`` with the name from the core
tag. A freshly tagged set has neither: every caption starts with ``1girl``, which says
a tagger ran, so no name is known and the merge asks for one instead of writing
``red 1girl hair``. Every dataset here is written by the test.
"""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.names import booru_name, core_shaped, not_a_name
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def tagged(root: Path, first: str, n: int = 30) -> Path:
    """A set as a WD14 run leaves it: no lorapan.toml, ``first`` on every caption."""
    places = ["outdoors", "indoors", "sky"]
    caps = {
        f"{i:02d}.png": f"{first}, solo, red hair, long hair, blue eyes, smile, {places[i % 3]}"
        for i in range(n)
    }
    return rf.write_images(root, caps)


def test_a_tagger_person_tag_is_never_the_unique_tags_name(tmp_path: Path, lorapan_cmd) -> None:
    root = tagged(tmp_path / "fresh", "1girl")
    report = check(root)
    for rule in ("tags.hair-unique", "tags.eyes-unique"):
        [merge] = report.find(rule)
        assert merge.fix is None, merge.fix.label
        assert "no name is known yet; set the character's name or core tag" in merge.message
        assert "'1girl', first in the captions, is a tagger's tag, not a name" in merge.message
        assert "1girl hair" not in merge.message and "1girl eyes" not in merge.message
    [core] = report.find("tags.core")
    assert core.fix is None and "'<name> focus'" in core.message
    before = rf.snapshot_bytes(root)
    out = lorapan_cmd("fix", root, "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "1girl hair" not in out.stdout and "1girl eyes" not in out.stdout
    assert rf.snapshot_bytes(root) == before


def test_a_single_caption_led_by_1boy_is_not_named_1boy(tmp_path: Path, lorapan_cmd) -> None:
    """The blacklist removes '1boy' (characters); the same plan must not write it into a
    unique tag."""
    caps = {"daberry.png": "1boy, solo, blue hair, short hair, green eyes, hoodie, male focus"}
    root = rf.write_images(tmp_path / "one", caps)
    out = lorapan_cmd("fix", root, "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "-'1boy'" in out.stdout  # the blacklist still removes it
    assert "1boy hair" not in out.stdout and "1boy eyes" not in out.stdout


def test_a_name_stated_later_gives_the_merge_its_fix(tmp_path: Path) -> None:
    root = tagged(tmp_path / "named", "1girl")
    rf.write_settings(root, {"kind": "character", "name": "zara"})
    [hair] = check(root).find("tags.hair-unique")
    assert hair.fix is not None and "'red zara hair'" in hair.fix.label


def test_a_trigger_first_on_every_caption_still_names_the_merge(tmp_path: Path) -> None:
    root = tagged(tmp_path / "trig", "zk1")
    [hair] = check(root).find("tags.hair-unique")
    assert hair.fix is not None and "'red zk1 hair'" in hair.fix.label


def test_a_stated_core_tag_led_by_a_tagger_word_names_no_one(tmp_path: Path) -> None:
    """``1girl with red scarf focus`` has the guide's shape, but its first word is a
    tagger's count: the unique tags need a name, not '1girl'."""
    root = tagged(tmp_path / "shape", "1girl with red scarf focus")
    rf.write_settings(root, {"kind": "character", "core_tag": "1girl with red scarf focus"})
    [hair] = check(root).find("tags.hair-unique")
    assert hair.fix is None and "no name is known yet" in hair.message


def test_what_names_no_subject() -> None:
    assert "tagger" in not_a_name("1girl") and "tagger" in not_a_name("no_humans")
    assert "booru" in not_a_name("mocha_(cotton)")
    assert "booru" in not_a_name("fern (sousou no frieren)")
    assert not not_a_name("zk1") and not not_a_name("Yanagise Eika")
    assert booru_name("y_y_(ysk_ygc)") and not booru_name("chair with skull (object) focus")
    assert not booru_name("(^_^)") and not booru_name(":)")
    assert core_shaped("kanade and mizuki and ena and mafuyu_4girls focus")
    assert core_shaped("cyberpunk scenery-cityscape focus")
    assert not core_shaped("male focus") and not core_shaped("solo focus")
    assert not core_shaped("gob")


def scraped_backgrounds(root: Path, firsts: list[str], n: int = 50) -> Path:
    """Scenery as a booru scraper writes it: the artist's tag first."""
    things = ["torii", "shrine", "stairs", "lantern", "tree", "river", "bridge", "road"]
    caps = {}
    for i in range(n):
        first = firsts[i % len(firsts)]
        tags = [first, "no humans", "scenery", "outdoors", things[i % 8], things[(i + 3) % 8]]
        caps[f"{8000 + i}.png"] = ", ".join(tags)
    return rf.write_images(root, caps)


def test_a_booru_artist_tag_first_on_most_captions_is_not_the_trigger(
    tmp_path: Path, lorapan_cmd
) -> None:
    """46 of 50 start with one artist, 4 with another: the first is not the owner's
    trigger, and the core fix must not put it in front of the other artist's captions."""
    root = scraped_backgrounds(tmp_path / "bg", ["mocha_(cotton)"] * 23 + ["y_y_(ysk_ygc)"] * 2)
    rf.write_settings(root, {"kind": "background"})
    [core] = check(root).find("tags.core")
    assert core.fix is None
    assert "'mocha_(cotton)', first in 46 of 50 captions, is not proposed" in core.message
    assert "booru's artist, character or copyright tag" in core.message
    assert "'<name> scenery focus'" in core.message and "set [dataset] name" in core.message
    out = lorapan_cmd("fix", root, "--rule", "tags.core", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "mocha_(cotton)" not in out.stdout and "0 captions would change" in out.stdout
    info = lorapan_cmd("info", root)
    assert "trigger:" not in info.stdout
    assert "'mocha_(cotton)' (first tag of 46 of 50 captions): a booru's artist" in info.stdout


def test_a_booru_name_first_on_every_caption_is_not_proposed(tmp_path: Path) -> None:
    root = scraped_backgrounds(tmp_path / "bg", ["mocha_(cotton)"])
    rf.write_settings(root, {"kind": "background"})
    [core] = check(root).find("tags.core")
    assert core.fix is None and "Proposed" not in core.message


def test_a_name_the_owner_gave_a_folder_stays_the_trigger_whatever_its_shape(
    tmp_path: Path,
) -> None:
    """``10_fern_(frieren)``: the owner named it, so it is theirs to keep."""
    caps = {
        f"10_fern_(frieren)/{i:02d}.png": f"1girl, solo, purple hair, smile, {t}"
        for i, t in enumerate(["outdoors", "indoors", "sky"] * 6)
    }
    root = rf.write_images(tmp_path / "owner", caps)
    rf.write_settings(root, {"kind": "character"})
    [core] = check(root).find("tags.core")
    assert core.fix is not None and "'fern_(frieren)'" in core.fix.label


def two_tone(root: Path, first: str, second: str) -> Path:
    """Two hair colours on every caption, as WD14 tags two-tone hair, ``first`` written
    first (the tagger's surer tag); alphabetical order would pick the other one."""
    poses = ["sitting", "standing", "smile", "from side", "night", "running"]
    caps = {
        f"10_rook/r{i:02d}.png": f"rook, {rf.STYLE_TAG}, 1boy, solo, {first} hair, "
        f"{second} hair, two-tone hair, green eyes, hoodie, {poses[i % 6]}"
        for i in range(24)
    }
    root = rf.write_images(root, caps)
    rf.write_settings(root, {"kind": "character", "core_tag": "rook"})
    return root


def test_two_tone_hair_merges_under_the_colour_the_captions_write_first(tmp_path: Path):
    [hair] = check(two_tone(tmp_path / "ow", "orange", "white")).find("tags.hair-unique")
    assert hair.fix is not None and "'orange rook hair'" in hair.fix.label
    [hair] = check(two_tone(tmp_path / "wo", "white", "orange")).find("tags.hair-unique")
    assert hair.fix is not None and "'white rook hair'" in hair.fix.label


def test_heterochromia_merges_as_itself_not_as_one_of_the_two_colours(tmp_path: Path):
    """'red eyes, blue eyes, heterochromia': 'red rook eyes' would teach both eyes red."""
    root = two_tone(tmp_path / "h", "black", "white")
    for cap in (root / "10_rook").glob("*.txt"):
        cap.write_text(cap.read_text().replace("green eyes", "heterochromia, red eyes, blue eyes"))
    [eyes] = check(root).find("tags.eyes-unique")
    assert eyes.fix is not None and "'heterochromia rook eyes'" in eyes.fix.label
    one = tmp_path / "one"
    root = two_tone(one, "black", "white")  # a single eye colour: merged under it
    [eyes] = check(root).find("tags.eyes-unique")
    assert eyes.fix is not None and "'green rook eyes'" in eyes.fix.label


def test_a_bundle_subjects_two_tone_hair_takes_the_colour_written_first(tmp_path: Path):
    caps = {}
    for i in range(30):
        caps[f"gob/{i:03d}.png"] = f"gob focus, {rf.STYLE_TAG}, solo, black hair, red hair, smile"
        caps[f"mira/{i:03d}.png"] = f"mira focus, {rf.STYLE_TAG}, solo, pink hair, smile"
    root = rf.write_images(tmp_path / "b", caps)
    rf.write_settings(
        root,
        {"kind": "bundle-characters", "name": "duo", "core_tag": ""},
        {"rules": {"subjects": ["gob focus", "mira focus"]}},
    )
    [hair] = check(root).find("tags.hair-unique")
    assert hair.fix is not None
    after = {tuple(c.after) for c in hair.fix.plan(Dataset.open(root))}
    assert any("black gob hair" in tags for tags in after), after
    assert not any("red gob hair" in tags for tags in after)
