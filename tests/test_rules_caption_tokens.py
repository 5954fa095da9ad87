"""Captions longer than CLIP lets sd-scripts read (``caption.tokens``).

sd-scripts keeps 75 CLIP tokens of a caption (150 or 225 with ``--max_token_length``)
and cuts the rest without a word. Real files, the rules engine, the real ``lorapan``
entry point; the fix writes ``[training] max_token_length`` into lorapan.toml, the
training plan passes it on, and undo restores the file byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.clip_tokens import least_tokens, token_limit
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.rules.model import Report
from lorapan.core.training.config import build_plan
from lorapan.core.training.inputs import load_inputs

SHORT = ["ayu", rf.STYLE_TAG, "1girl", "solo", "long hair", "smile"]
# A WD14 list at a low threshold: 91 tokens at least, with the commas.
LONG = SHORT + [
    "looking at viewer",
    "open mouth",
    "shirt",
    "long sleeves",
    "holding",
    "standing",
    "full body",
    "outdoors",
    "sky",
    "day",
    "cloud",
    "tree",
    "blue sky",
    "grass",
    "building",
    "scenery",
    "road",
    "street",
    "city",
    "sunlight",
    "wind",
    "skirt",
    "pleated skirt",
    "school uniform",
    "serafuku",
    "sailor collar",
    "red neckerchief",
    "white socks",
    "brown footwear",
    "loafers",
    "bag",
    "school bag",
]


@pytest.fixture(autouse=True)
def no_hub_cache(tmp_path, monkeypatch):
    """CLIP's vocabulary in this machine's Hugging Face cache would make counts exact."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-hub"))


def toy_clip(folder: Path) -> Path:
    """A CLIP tokenizer folder whose merges make 'long</w>' and 'hair</w>' one token
    each and leave every other word a token per letter (vocab.json is only looked at)."""
    model = folder / "openai_clip-vit-large-patch14"
    model.mkdir(parents=True)
    merges = ["l o", "lo n", "lon g</w>", "h a", "ha i", "hai r</w>"]
    (model / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    (model / "vocab.json").write_text("{}")
    return folder


def check(root: Path) -> Report:
    return RulesEngine(Dataset.open(root), live=False).check()


def long_set(root: Path, long: list[str] = LONG, n_long: int = 3) -> Path:
    caps = {f"10_ayu/{i:02d}.png": ", ".join(long if i < n_long else SHORT) for i in range(20)}
    return rf.write_images(root, caps)


def test_clip_pieces_count_what_the_tokenizer_splits_before_bpe():
    # common booru words are one token each; digits and '_' split as CLIP splits them
    assert least_tokens("1girl, solo, long hair") == 7  # 1 girl , solo , long hair
    assert least_tokens("long_hair") == 3
    assert least_tokens("Don't  STOP") == 3  # don 't stop: lowercased, spaces folded


def test_long_captions_are_named_with_the_longest_count_and_short_ones_are_not(tmp_path):
    root = long_set(tmp_path / "ds")
    [found] = check(root).find("caption.tokens")
    assert found.severity == "warning"
    assert found.images == ["10_ayu/00.png", "10_ayu/01.png", "10_ayu/02.png"]
    longest = least_tokens(", ".join(LONG))
    assert longest > 75
    assert f"at least {longest} tokens" in found.message
    assert "keeps the first 75 (max_token_length unset)" in found.message
    assert found.fix is not None
    assert found.fix.settings == {"training.max_token_length": 150}


@pytest.mark.parametrize(
    ("training", "silent"),
    [
        ("max_token_length = 150", True),
        ('extra_args = ["--max_token_length", "225"]', True),
        ('extra_args = "--max_token_length=150 --xformers"', True),
        ("max_token_length = 75", False),
    ],
)
def test_a_limit_set_in_training_is_the_one_read(tmp_path, training, silent):
    root = long_set(tmp_path / "ds")
    (root / "lorapan.toml").write_text(f"[training]\n{training}\n")
    assert (not check(root).find("caption.tokens")) is silent


def test_the_user_config_limit_counts_under_the_datasets_own(tmp_path, monkeypatch):
    root = long_set(tmp_path / "ds")
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text("[training]\nmax_token_length = 225\n")
    monkeypatch.setenv("LORAPAN_CONFIG_DIR", str(config))
    assert not check(root).find("caption.tokens")
    (root / "lorapan.toml").write_text("[training]\nmax_token_length = 75\n")
    assert check(root).find("caption.tokens")  # the dataset's key wins


def test_past_225_there_is_no_setting_to_write_only_tags_to_prune(tmp_path):
    huge = SHORT + [f"detail {i}" for i in range(80)]  # 3 tokens each with the comma
    root = long_set(tmp_path / "ds", huge, n_long=1)
    [found] = check(root).find("caption.tokens")
    assert "past 225" in found.message and found.fix is None


def test_words_in_other_scripts_ask_for_the_most_sd_scripts_reads(tmp_path):
    prose = "портрет девушки с длинными волосами " * 15  # 75 Cyrillic words
    root = long_set(tmp_path / "ds", ["ayu", prose.strip()], n_long=2)
    [found] = check(root).find("caption.tokens")
    assert "outside English" in found.message
    assert found.fix is not None
    assert found.fix.settings == {"training.max_token_length": 225}


def test_the_fix_writes_the_limit_training_passes_it_and_undo_restores(tmp_path, lorapan_cmd):
    root = long_set(tmp_path / "ds")
    toml = root / "lorapan.toml"
    toml.write_text("# my notes\n[training]\nseed = 7  # keep\n")
    before = toml.read_bytes()
    plain = lorapan_cmd("fix", root)  # a settings fix runs only when named
    assert plain.returncode in (0, 1), plain.stderr
    assert toml.read_bytes() == before
    out = lorapan_cmd("fix", root, "--rule", "caption.tokens", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["settings"] == [{"training.max_token_length": 150}]
    text = toml.read_text()
    assert "# my notes" in text and "seed = 7  # keep" in text
    assert "max_token_length = 150" in text
    assert not check(root).find("caption.tokens")
    plan = build_plan(load_inputs(root), tmp_path / "run")
    at = plan.argv.index("--max_token_length")
    assert plan.argv[at + 1] == "150"
    undone = lorapan_cmd("undo", root)
    assert undone.returncode == 0, undone.stderr
    assert toml.read_bytes() == before


def test_a_limit_sd_scripts_does_not_accept_is_refused_with_the_choices(tmp_path, lorapan_cmd):
    root = long_set(tmp_path / "ds")
    (root / "lorapan.toml").write_text("[training]\nmax_token_length = 100\n")
    out = lorapan_cmd("train", root, "--dry-run", "--force")
    assert out.returncode != 0
    assert "max_token_length = 100: sd-scripts reads 75, 150 or 225" in out.stderr
    assert token_limit({"max_token_length": 100}) == 75  # what sd-scripts would refuse


def test_enable_wildcard_the_method_advises_reaches_the_dataset_config(tmp_path):
    """caption.multiline tells a user to set [training] enable_wildcard = true: training
    takes it and writes it where sd-scripts reads it."""
    root = long_set(tmp_path / "ds")
    (root / "lorapan.toml").write_text("[training]\nenable_wildcard = true\n")
    plan = build_plan(load_inputs(root), tmp_path / "run")
    assert plan.dataset_config["general"]["enable_wildcard"] is True


def test_past_225_the_others_still_get_the_fix_that_reads_them(tmp_path):
    huge = SHORT + [f"detail {i}" for i in range(80)]
    caps = {f"10_ayu/{i:02d}.png": ", ".join(LONG if i else huge) for i in range(4)}
    caps.update({f"10_ayu/s{i:02d}.png": ", ".join(SHORT) for i in range(16)})
    root = rf.write_images(tmp_path / "ds", caps)
    [found] = check(root).find("caption.tokens")
    assert found.fix is not None and found.fix.settings == {"training.max_token_length": 225}
    assert "1 caption past 225 must be pruned either way" in found.message


def test_with_clips_vocabulary_on_the_machine_the_count_is_exact(tmp_path):
    """tokenizer_cache_dir (as sd-scripts is given it) holds CLIP's merges: words it has
    no merges for take a token per letter, so a caption the lower bound let pass is long."""
    words = ["ayu", "long hair"] + [f"w{i}" for i in range(20)]  # 'w13' = w, 1, 3
    root = rf.write_images(tmp_path / "ds", {f"{i}.png": ", ".join(words) for i in range(3)})
    assert not check(root).find("caption.tokens")  # 74 pieces: under 75
    cache = toy_clip(tmp_path / "tok")
    (root / "lorapan.toml").write_text(f'[training]\ntokenizer_cache_dir = "{cache}"\n')
    [found] = check(root).find("caption.tokens")
    # the pieces, with 'ayu' a token per letter: 76
    assert "76 tokens (the longest, by CLIP's own tokenizer)" in found.message
    assert "at least" not in found.message
