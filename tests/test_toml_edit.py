"""lorapan.toml keeps the user's comments when lorapan sets a key or ticks an item: the
old text is edited in place, and what it cannot edit so is written whole (the document
is always exactly the one asked for)."""

from __future__ import annotations

import sys
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.toml_edit import dump_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NOTES = b"""# my settings: trained on the November scrape
[dataset]
name   =   "zz"   # keep me
# style_tag = "later"

[training]
networkDim = 32  # more for SDXL
"""


def test_a_changed_and_a_new_key_keep_every_comment() -> None:
    doc = tomllib.loads(NOTES.decode())
    doc["dataset"]["core_tag"] = "zz focus"
    doc["training"]["networkDim"] = 16
    doc["checklist"] = {"lateral-sides": True}
    out = dump_toml(doc, NOTES).decode()
    assert tomllib.loads(out) == doc
    for kept in ("# my settings", 'name   =   "zz"   # keep me', '# style_tag = "later"'):
        assert kept in out
    assert "networkDim = 16\n" in out and 'core_tag = "zz focus"' in out
    assert out.index("core_tag") < out.index("[training]")  # in its own table


def test_what_cannot_be_edited_in_place_is_written_whole() -> None:
    old = b'[dataset]\nname = "zz"\nblacklist_extra = [\n  "a",\n  "b",\n]\n'
    doc = tomllib.loads(old.decode())
    doc["dataset"]["blacklist_extra"] = ["a"]  # a multi-line value: not edited in place
    assert tomllib.loads(dump_toml(doc, old).decode()) == doc
    del doc["dataset"]["name"]  # a key removed
    assert tomllib.loads(dump_toml(doc, old).decode()) == doc


def test_fix_tick_and_undo_keep_the_users_file(tmp_path: Path, lorapan_cmd) -> None:
    caps = {f"10_eika/{i}.png": f"1girl, solo, eika, smile {i}" for i in range(4)}
    root = rf.write_images(tmp_path / "k", caps)
    (root / "lorapan.toml").write_bytes(NOTES.replace(b'"zz"', b'"eika"'))
    assert lorapan_cmd("fix", root, "--rule", "tags.core").returncode in (0, 1)
    assert lorapan_cmd("checklist", root, "--tick", "lateral-sides").returncode in (0, 1)
    text = (root / "lorapan.toml").read_text()
    assert "# my settings" in text and "# keep me" in text and "# more for SDXL" in text
    assert 'core_tag = "eika"' in text and "lateral-sides = true" in text
    for _ in range(2):
        assert lorapan_cmd("undo", root).returncode == 0
    assert (root / "lorapan.toml").read_bytes() == NOTES.replace(b'"zz"', b'"eika"')
