"""User config, theme files and the keymap file: values, overrides, and bad input."""

from __future__ import annotations

from pathlib import Path

from lorapan.tui.config import load_config, save_theme
from lorapan.tui.keymap import SPECS, bindings_for, load_keymap
from lorapan.tui.themes_loader import bundled_themes, load_themes


def test_environment_overrides_the_file(tmp_path: Path):
    (tmp_path / "config.toml").write_text('theme = "lorapan-light"\npreview = "off"\n')
    cfg = load_config(tmp_path, env={"LORAPAN_THEME": "high-contrast"})
    assert cfg.theme == "high-contrast"
    assert cfg.preview == "off"
    cfg = load_config(tmp_path, env={"LORAPAN_PREVIEW": "sixel-please"})
    assert cfg.preview == "off"  # the file's value stays
    assert any("sixel-please" in p for p in cfg.problems)


def test_broken_config_file_falls_back_with_a_message(tmp_path: Path):
    (tmp_path / "config.toml").write_text("theme = \n")
    cfg = load_config(tmp_path, env={})
    assert cfg.theme == "lorapan-dark"
    assert cfg.problems and "not valid TOML" in cfg.problems[0]


def test_save_theme_keeps_other_keys(tmp_path: Path):
    (tmp_path / "config.toml").write_text('preview = "off"\n[mine]\nnote = "kept"\n')
    cfg = load_config(tmp_path, env={})
    assert save_theme(cfg, "high-contrast") is None
    text = (tmp_path / "config.toml").read_text()
    assert 'theme = "high-contrast"' in text and 'note = "kept"' in text


def test_three_bundled_themes_including_high_contrast():
    themes, problems = bundled_themes()
    names = {t.name for t in themes}
    assert not problems
    assert {"lorapan-dark", "lorapan-light", "high-contrast"} <= names
    hc = next(t for t in themes if t.name == "high-contrast")
    assert hc.background == "#000000" and hc.foreground == "#FFFFFF"


def test_user_theme_replaces_and_bad_theme_is_reported(tmp_path: Path):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "mine.toml").write_text('name = "lorapan-dark"\nprimary = "#FF0000"\n')
    (folder / "bad.toml").write_text('name = "bad"\nprimary = "not a colour"\n')
    themes, problems = load_themes(tmp_path)
    dark = next(t for t in themes if t.name == "lorapan-dark")
    assert dark.primary == "#FF0000"
    assert any("bad.toml" in p and "not a colour" in p for p in problems)
    assert "bad" not in {t.name for t in themes}


def test_keymap_file_remaps_by_id_and_reports_unknown_ids(tmp_path: Path):
    (tmp_path / "keymap.toml").write_text('[keys]\nundo = "z"\nnot-a-binding = "x"\n')
    keymap, problems = load_keymap(tmp_path)
    assert keymap == {"undo": "z"}
    assert any("not-a-binding" in p for p in problems)


def test_every_binding_has_a_unique_id_and_a_description():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids))
    assert all(s.description for s in SPECS)
    main_ids = {b.id for b in bindings_for("main")}
    assert {"undo", "redo", "filter", "tag-add"} <= main_ids


def test_a_theme_change_leaves_a_config_file_that_does_not_parse_as_it_is(tmp_path: Path):
    broken = 'theme = "lorapan-light\n[training]\nsd_scripts = "~/sd-scripts"\n'
    (tmp_path / "config.toml").write_text(broken)
    cfg = load_config(tmp_path, env={})
    problem = save_theme(cfg, "high-contrast")
    assert problem and "not saved" in problem
    assert (tmp_path / "config.toml").read_text() == broken
