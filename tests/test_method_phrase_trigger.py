"""A trigger phrase in sentence captions (``20_ohwx woman`` with ``a photo of ohwx woman
...``): taken whole, counted wherever a sentence names it, never split nor written twice;
and the folder a trigger is cited from."""

from __future__ import annotations

from pathlib import Path

import rules_fixtures as rf
from lorapan.core.dataset import Dataset
from lorapan.core.method.anchor import first_place, put_first
from lorapan.core.method.triggers import find_triggers
from lorapan.core.rules.engine import RulesEngine

FIELD = [  # the trigger as its own first field
    "ohwx woman, standing on a pier at dawn, wind in her hair",
    "ohwx woman, reading a book on a couch, brown hair, curly hair, brown eyes",
]
LEAD = [  # a sentence the trigger leads
    "ohwx woman sitting at a cafe table holding a cup of tea. She has brown eyes.",
    "ohwx woman laughing with her eyes closed, outdoors, blurry background",
    "ohwx woman walking a dog along a river at noon",
]
WITHIN = [  # a sentence that names it further on
    "a photo of ohwx woman with curly brown hair smiling in a park",
    "a close-up portrait of ohwx woman wearing a red coat, natural light, brown hair, "
    "curly hair, brown eyes, smile",
    "a full body photo of ohwx woman walking down a street at night",
]


def photo_set(root: Path, repeat: int = 3) -> Path:
    caps = {}
    for r in range(repeat):
        for i, cap in enumerate(FIELD + LEAD + WITHIN):
            caps[f"20_ohwx woman/p{r}_{i}.png"] = cap
    return rf.write_images(root, caps)


def _captions(root: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((root / "20_ohwx woman").glob("*.txt"))}


def test_the_folder_phrase_is_the_trigger_wherever_a_sentence_names_it(tmp_path: Path) -> None:
    root = photo_set(tmp_path / "o")
    [t] = find_triggers(Dataset.open(root))
    assert t.tag == "ohwx woman" and "its whole name" in t.evidence[0]
    assert (t.captions, t.first, t.lead, t.within) == (24, 6, 9, 9)


def test_trigger_first_keeps_the_phrase_whole_and_leaves_sentences_that_name_it(
    tmp_path: Path,
) -> None:
    root = photo_set(tmp_path / "o", repeat=1)
    ds = Dataset.open(root)
    report = RulesEngine(ds, live=False).check()
    [f] = report.find("tags.trigger-first")
    assert sorted(f.images) == [f"20_ohwx woman/p0_{i}.png" for i in (2, 3, 4)]
    assert "3 captions name it inside the first sentence" in f.message
    after = {c.relpath: c.after for c in f.fix.plan(ds)}
    assert after["20_ohwx woman/p0_4.png"] == ("ohwx woman", "walking a dog along a river at noon")


def test_no_fix_writes_the_trigger_twice(tmp_path: Path, lorapan_cmd) -> None:
    """`lorapan fix`, then confirming the core tag: every caption carries 'ohwx woman'
    once, first (its own field, or inside the first sentence, which keep_tokens keeps),
    and the hair and eye tags merge under the known trigger."""
    root = photo_set(tmp_path / "o")
    lorapan_cmd("fix", root)
    assert lorapan_cmd("fix", root, "--rule", "tags.core").returncode in (0, 1)
    assert 'core_tag = "ohwx woman"' in (root / "lorapan.toml").read_text()
    for name, text in _captions(root).items():
        said = text.replace("brown ohwx woman hair", "").replace("brown ohwx woman eyes", "")
        assert said.count("ohwx") == 1, (name, text)
        assert first_place(tuple(text.split(", ")), "ohwx woman") in ("field", "within"), text
    caps = _captions(root)
    assert caps["p0_2.txt"].startswith("ohwx woman, sitting at a cafe table")
    assert caps["p0_5.txt"] == WITHIN[0]  # untouched
    assert "brown ohwx woman hair" in caps["p0_1.txt"]
    report = RulesEngine(Dataset.open(root), live=False).check()
    assert not {"tags.core", "tags.hair-unique", "tags.eyes-unique"} & {
        f.rule_id for f in report.findings
    }


def test_put_first_never_adds_a_second_copy() -> None:
    key = "ohwx woman"
    assert put_first(("a photo of ohwx woman in a park today",), key) == (
        "a photo of ohwx woman in a park today",
    )
    # a later sentence naming it moves first, whole; one it leads is split after it
    assert put_first(("natural light", "a photo of ohwx woman in a park"), key) == (
        "a photo of ohwx woman in a park",
        "natural light",
    )
    assert put_first(("smile", "ohwx woman standing on a beach"), key) == (
        "ohwx woman",
        "standing on a beach",
        "smile",
    )
    # a short field is a tag, not a sentence: 'white zara hair' does not carry 'zara'
    assert put_first(("white zara hair", "1girl"), "zara") == ("zara", "white zara hair", "1girl")


def test_a_trigger_shared_by_outfit_folders_cites_the_folder_named_for_it(tmp_path: Path) -> None:
    def caps(folders: list[str]) -> dict[str, str]:
        return {
            f"{folder}/{i}.png": f"mika, 1girl, silver hair, pose {i}"
            for folder in folders
            for i in range(3)
        }

    root = rf.write_images(tmp_path / "m", caps(["10_mika", "4_mika swimsuit", "6_mika kimono"]))
    [t] = find_triggers(Dataset.open(root))
    assert t.tag == "mika" and t.evidence[0] == "kohya folder '10_mika'"
    root = rf.write_images(tmp_path / "n", caps(["4_mika swimsuit", "6_mika kimono"]))
    [t] = find_triggers(Dataset.open(root))
    assert t.evidence[0] == "kohya folders '4_mika swimsuit', '6_mika kimono'"
