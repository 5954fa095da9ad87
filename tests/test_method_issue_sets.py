"""The four sets issue 14 names that are not in fixtures/real, rebuilt from what the issue
says of each: a kohya-folder character with trigger `tk` in `5_tk girl`, a space-style
SDXL character `Yanagise Eika`, 53 cartoon backgrounds (test_method_kind), a style set
with both .txt and .cap (test_method_caption_files)."""

from __future__ import annotations

import json
from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.kind import infer_kind
from lorapan.core.rules.engine import RulesEngine
from lorapan.core.training.prompts import flexibility_prompts, prompt_subject
from test_method_caption_files import oil_style_set
from test_method_kind import cartoon_backgrounds

VARY = ["smile", "sitting", "from side", "standing", "from behind", "open mouth"]


def tk_set(root: Path, n: int = 30) -> Path:
    caps = {
        f"5_tk girl/{i:03d}.png": f"tk, 1girl, solo, long hair, blue hair, red eyes, {VARY[i % 6]}"
        for i in range(n)
    }
    return rf.write_images(root, caps)


def test_the_tk_set_keeps_its_trigger_first_and_uses_it_everywhere(
    tmp_path: Path, lorapan_cmd
) -> None:
    root = tk_set(tmp_path / "tk")
    report = RulesEngine(Dataset.open(root), live=False).check()
    assert report.dataset["kind"]["kind"] == "character"
    [core] = [f for f in report.find("tags.core") if f.key == "tags.core:unset"]
    assert core.fix.settings == {"core_tag": "tk"} and "kohya folder '5_tk girl'" in core.message
    constant = {f.key.split(":", 1)[1] for f in report.find("tags.constant")}
    assert not constant & {"tk", "blue hair", "long hair", "red eyes"}  # one plan
    lorapan_cmd("fix", root)
    lorapan_cmd("fix", root, "--rule", "tags.style", "--rule", "tags.core")
    caption = (root / "5_tk girl" / "000.txt").read_text()
    assert caption.startswith("tk, anime screencap, 1girl, solo, ")
    assert "blue tk hair" in caption and "red tk eyes" in caption
    ds = Dataset.open(root)
    assert prompt_subject(ds) == "tk"
    for line in flexibility_prompts(prompt_subject(ds), "character", {"smile": 5}):
        assert line.startswith("tk, ")


def test_yanagise_eika_keeps_its_spelling_in_every_message_and_write(
    tmp_path: Path, lorapan_cmd
) -> None:
    caps = {
        f"10_Yanagise Eika/{i:03d}.png": f"Yanagise Eika, 1girl, solo, black hair, {VARY[i % 6]}"
        for i in range(30)
    }
    root = rf.write_images(tmp_path / "ye", caps)
    out = lorapan_cmd("check", root).stdout
    assert "'Yanagise Eika'" in out and "yanagise eika" not in out
    assert "Yanagise_Eika" not in out
    lorapan_cmd("fix", root, "--rule", "tags.core")
    assert (root / "lorapan.toml").read_text().count('core_tag = "Yanagise Eika"') == 1
    lorapan_cmd("fix", root)
    caption = (root / "10_Yanagise Eika" / "000.txt").read_text()
    assert caption.startswith("Yanagise Eika, ") and "black Yanagise Eika hair" in caption


def test_the_backgrounds_set_after_fix(tmp_path: Path, lorapan_cmd) -> None:
    root = cartoon_backgrounds(tmp_path / "bgs")
    lorapan_cmd("fix", root)
    report = json.loads(lorapan_cmd("check", root, "--json").stdout)
    assert report["kind"]["kind"] == "background"
    assert not any(f["rule"] == "tags.first-id" for f in report["findings"])
    assert not (root / "bg_001.txt").read_text().startswith("BG-001")
    for f in report["findings"]:
        if f["severity"] == "error":
            assert f["fix"] or "lorapan.toml" in f["message"] or "`" in f["message"], f


def test_the_txt_and_cap_style_set_is_a_style(tmp_path: Path) -> None:
    guess = infer_kind(Dataset.open(oil_style_set(tmp_path / "oil")))
    assert guess.kind == "style" and "oilz style" in guess.describe()
