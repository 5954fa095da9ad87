"""The user config is found where the README says, and every value lorapan cannot use
is reported (never silently replaced); so are bad `[analysis]` values of a dataset."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from conftest import write_dataset
from hypothesis import given
from hypothesis import strategies as st
from lorapan.core.analysis.facts import AnalysisConfig
from lorapan.core.settings_problems import analysis_problems
from lorapan.core.user_config import config_dir, load_user_config

BAD_CONFIG = """\
theme = 3
preview = "sixel-please"
them = "typo"

[training]
sd_scripts = "~/sd-scripts"
maxTrainEpochs = "many"

[analysis]
blur_threshold = 50

[mine]
note = "a user's own table is left alone"
"""


def test_the_folder_is_lorapan_config_dir_else_the_platform_one(tmp_path: Path, monkeypatch):
    assert config_dir({"LORAPAN_CONFIG_DIR": str(tmp_path)}) == tmp_path
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir({}) == tmp_path / "xdg" / "lorapan"
    (tmp_path / "config.toml").write_text('[training]\nmaxTrainEpochs = 3\npreview = "x"\n')
    cfg = load_user_config(env={"LORAPAN_CONFIG_DIR": str(tmp_path)})
    assert cfg.path == tmp_path / "config.toml"
    assert cfg.table("training") == {"maxTrainEpochs": 3, "preview": "x"}
    assert any("unknown training key 'preview'" in p for p in cfg.problems)


def test_a_missing_file_is_an_empty_config_without_problems(tmp_path: Path):
    cfg = load_user_config(tmp_path, env={})
    assert cfg.raw == {} and cfg.problems == [] and cfg.table("training") == {}


def test_invalid_toml_is_reported_with_its_path(tmp_path: Path):
    (tmp_path / "config.toml").write_text("theme = \n")
    cfg = load_user_config(tmp_path, env={})
    (problem,) = cfg.problems
    assert str(tmp_path / "config.toml") in problem and "not valid TOML" in problem
    assert cfg.raw == {}


def test_every_unusable_value_is_reported_and_a_users_own_table_is_not(tmp_path: Path):
    (tmp_path / "config.toml").write_text(BAD_CONFIG)
    cfg = load_user_config(tmp_path, env={"LORAPAN_CONFIG": "/somewhere/config.toml"})
    text = "\n".join(cfg.problems)
    assert "theme = 3" in text
    assert "preview = 'sixel-please' is not one of" in text
    assert "unknown key 'them'" in text
    assert "maxTrainEpochs = 'many' is not a valid int" in text
    assert "[analysis] has no effect in the user config" in text
    assert "LORAPAN_CONFIG is not read" in text
    assert "mine" not in text
    assert len(cfg.problems) == 6
    assert cfg.theme is None and cfg.preview is None


def test_a_good_config_has_no_problems(tmp_path: Path):
    (tmp_path / "config.toml").write_text(
        'theme = "lorapan-light"\npreview = "off"\n[training]\nmaxTrainEpochs = 3\n'
        'sd_scripts = "~/sd-scripts"\n'
    )
    cfg = load_user_config(tmp_path, env={})
    assert cfg.problems == []
    assert (cfg.theme, cfg.preview) == ("lorapan-light", "off")


ANALYSIS_KEYS = [f.name for f in fields(AnalysisConfig)]


@given(
    st.sampled_from(ANALYSIS_KEYS),
    st.one_of(st.integers(-3, 5000), st.floats(allow_infinity=False), st.booleans()),
)
def test_every_analysis_value_not_taken_as_written_is_reported(key, value):
    used = getattr(AnalysisConfig.from_settings({key: value}), key)
    problems = analysis_problems({key: value})
    if isinstance(value, bool):  # from_settings never takes true/false
        assert problems and used == getattr(AnalysisConfig(), key)
    else:
        assert bool(problems) == (used != value), (used, problems)
    for problem in problems:
        assert f"[analysis] {key} = " in problem and f"; {used} is used" in problem


def test_analysis_typos_and_text_are_reported():
    problems = analysis_problems({"blur_edge_pix": 5, "blur_edge_px": "high", "workers": "2"})
    assert len(problems) == 2
    assert "unknown key 'blur_edge_pix'" in problems[0]
    assert "blur_edge_px = 'high' is not a number; 7.0 is used" in problems[1]


def test_the_retired_blur_threshold_names_its_replacement():
    """A lorapan.toml from before edge-width blur keeps a key nothing reads any more: the
    user is told what to set instead, not shown a list of known keys."""
    problems = analysis_problems({"blur_threshold": 70})
    assert len(problems) == 1
    assert "blur_threshold is no longer read" in problems[0]
    assert "set blur_edge_px" in problems[0]


def test_infinite_whole_numbers_keep_their_defaults():
    config = AnalysisConfig.from_settings({"workers": float("inf"), "blur_edge_px": 9})
    assert config.workers == AnalysisConfig().workers and config.blur_edge_px == 9


def test_info_prints_config_problems_and_keeps_its_exit_code(tmp_path: Path, lorapan_cmd):
    root = write_dataset(tmp_path / "ds", {"a.png": "a, b\n"})
    (root / "lorapan.toml").write_text("[analysis]\nblur_edge_px = -5\n")
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text(BAD_CONFIG)
    clean = lorapan_cmd("info", root, env={"LORAPAN_CONFIG_DIR": str(tmp_path / "none")})
    res = lorapan_cmd("info", root, env={"LORAPAN_CONFIG_DIR": str(config)})
    assert res.returncode == clean.returncode == 0
    assert "blur_edge_px = -5 must be 0 or more; 7.0 is used" in res.stdout
    assert "preview = 'sixel-please'" in res.stdout
    assert "blur_edge_px = -5" in clean.stdout and "sixel" not in clean.stdout
    data = json.loads(
        lorapan_cmd("info", root, "--json", env={"LORAPAN_CONFIG_DIR": str(config)}).stdout
    )
    assert len(data["config_problems"]) == 6  # five from the user config, one from [analysis]


def test_check_and_fix_warn_of_analysis_values_they_do_not_use(tmp_path: Path, lorapan_cmd):
    """The clone and blur rules read [analysis]: a value they replace is said once."""
    root = write_dataset(tmp_path / "ds", {"a.png": "a, b\n", "b.png": "a, c\n"})
    (root / "lorapan.toml").write_text('[analysis]\nblur_edge_px = "high"\n')
    env = {"LORAPAN_CONFIG_DIR": str(tmp_path / "none")}
    for argv in (("check", root), ("check", root, "--json"), ("fix", root)):
        res = lorapan_cmd(*argv, env=env)
        assert "Traceback" not in res.stderr
        warned = [line for line in res.stderr.splitlines() if line.startswith("warning: ")]
        assert warned == [
            f"warning: {root / 'lorapan.toml'}: [analysis] blur_edge_px = 'high' is not a "
            "number; 7.0 is used"
        ], res.stderr
