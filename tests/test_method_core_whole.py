"""The core tag is one field, whatever its length: the guide's ``gob goblin with third eye
focus`` and ``kaito and rei couple focus`` are never split after a folder's first name, a
merged ``brown ohwx man hair`` is never a sentence naming ``ohwx``, and a second ``fix``
changes nothing (a review's demo copy and phone set ended with the hair tag first).
Real files, fixed through the real entry point."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf

VARY = ["standing", "sitting", "smile", "from side", "night", "outdoors", "day"]
CORE = "gob goblin with third eye focus"


def firsts(root: Path) -> list[str]:
    return sorted(p.read_text().split(",")[0] for p in root.rglob("*.txt"))


def fix_twice(lorapan_cmd, root: Path, *args: str) -> str:
    first = lorapan_cmd("fix", root, *args)
    assert first.returncode in (0, 1), first.stderr
    return lorapan_cmd("fix", root, *args).stdout


def test_a_core_shaped_first_field_is_moved_whole_never_split(tmp_path, lorapan_cmd):
    caps = {}
    for i in range(30):
        tags = [CORE, rf.STYLE_TAG, "solo", "green hair", "yellow eyes", VARY[i % 7]]
        if i % 3 == 0:  # a third written with the style tag first
            tags[0], tags[1] = tags[1], tags[0]
        caps[f"10_gob goblin/g{i:02d}.png"] = ", ".join(tags)
    root = rf.write_images(tmp_path / "d", caps)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "character"\n')
    second = fix_twice(lorapan_cmd, root)
    assert firsts(root) == [CORE] * 30
    assert "gob goblin, with third eye focus" not in "".join(
        p.read_text() for p in root.rglob("*.txt")
    )
    assert "nothing to fix" in second


def test_a_couples_core_tag_in_another_order_is_one_name(tmp_path, lorapan_cmd):
    core, other = "kaito and rei couple focus", "rei and kaito couple focus"
    caps = {
        f"10_kaito and rei/k{i:02d}.png": f"{other if i % 4 == 0 else core}, {rf.STYLE_TAG}, "
        f"1boy, 1girl, {VARY[i % 7]}"
        for i in range(24)
    }
    root = rf.write_images(tmp_path / "c", caps)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "couple"\n')
    dry = lorapan_cmd("fix", root, "--dry-run").stdout
    assert "'kaito' taken off" not in dry and "and rei couple focus" not in dry.replace(core, "")
    fix_twice(lorapan_cmd, root, "--rule", "tags.core")
    texts = [p.read_text() for p in root.rglob("*.txt")]
    assert all(t.startswith(core + ",") for t in texts)
    assert not any(other in t for t in texts)  # the reordered copy went, not kept beside


def test_a_trigger_phrase_is_written_whole_and_its_merged_hair_never_leads(tmp_path, lorapan_cmd):
    caps = {}
    for i in range(24):
        name = "ohwx" if i % 3 == 0 else "ohwx man"  # some captions write the bare token
        caps[f"20_ohwx man/p{i:02d}.png"] = (
            f"{name}, 1boy, solo, realistic, brown hair, short hair, brown eyes, {VARY[i % 7]}"
        )
    root = rf.write_images(tmp_path / "p", caps)
    (root / "lorapan.toml").write_text('[dataset]\nkind = "character"\n')
    second = fix_twice(lorapan_cmd, root)
    assert firsts(root) == ["ohwx man"] * 24
    text = (root / "20_ohwx man" / "p00.txt").read_text()
    assert "brown ohwx man hair" in text and ", ohwx," not in text
    assert "nothing to fix" in second
