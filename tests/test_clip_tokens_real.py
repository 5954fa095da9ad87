"""lorapan's CLIP token count against CLIP's real tokenizer (marked ``kohya``).

``caption.tokens`` counts a lower bound of the tokens sd-scripts' CLIP tokenizer makes
of a caption (lorapan ships no vocabulary). Here the real tokenizer, from the sd-scripts
install ``LORAPAN_TEST_SD_SCRIPTS`` names (its ``tokenizer_cache_dir``), counts every
caption of the real datasets in ``../shared/fixtures/real`` and some hard strings: the
count is never above the real one, and near it for tag lists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_shared
from lorapan.core.captions import split_tags
from lorapan.core.method.clip_bpe import find as find_bpe
from lorapan.core.method.clip_tokens import caption_tokens, least_tokens

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

pytestmark = [pytest.mark.kohya, pytest.mark.needs_shared]

COUNT = """
import json, sys
from transformers import CLIPTokenizer
tok = CLIPTokenizer.from_pretrained(sys.argv[1])
texts = json.load(sys.stdin)
print(json.dumps([len(tok(t, truncation=False).input_ids) - 2 for t in texts]))
"""
HARD = [
    "1girl, 2boys, 1990s (style), score_9, long_hair",
    "Don't stop!!! ... ??? -- __ ~~ :3 ^_^ (・∀・)",
    "café, naïve, Ångström, straße, ｆｕｌｌｗｉｄｔｈ, 東京タワー, 🌸🌸",
    "a photo of ohwx woman sitting at a cafe, 35mm, f/1.8, 8k uhd",
]


def install() -> dict:
    path = os.environ.get("LORAPAN_TEST_SD_SCRIPTS")
    if not path:
        pytest.skip("LORAPAN_TEST_SD_SCRIPTS names no sd-scripts install")
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def real_counts(texts: list[str]) -> list[int]:
    doc = install()
    cache = Path(doc.get("tokenizer_cache_dir", "")) / "openai_clip-vit-large-patch14"
    if not cache.is_dir():
        pytest.skip(f"no CLIP tokenizer files in {cache}")
    out = subprocess.run(
        [doc["python"], "-c", COUNT, str(cache)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def real_captions() -> list[str]:
    """Every caption's first line in the real datasets, as kohya joins its tags."""
    texts = []
    for path in sorted(require_shared("fixtures", "real").rglob("*.txt")):
        try:
            line = path.read_text(encoding="utf-8-sig").splitlines()[0]
        except (UnicodeDecodeError, IndexError):
            continue
        if tags := split_tags(line):
            texts.append(", ".join(tags))
    return texts


def test_the_count_is_never_above_clips_own_and_near_it_for_tags():
    captions = real_captions()
    assert len(captions) > 100
    texts = captions + HARD
    real = real_counts(texts)
    ours = [caption_tokens(tuple(split_tags(t))) for t in captions] + [
        least_tokens(t) for t in HARD
    ]
    over = [(t[:60], o, r) for t, o, r in zip(texts, ours, real, strict=True) if o > r]
    assert not over, over  # a lower bound: caption.tokens never warns of what is not so
    ascii_tags = [(o, r) for t, o, r in zip(captions, ours, real, strict=False) if t.isascii()]
    ratio = sum(r for _o, r in ascii_tags) / sum(o for o, _r in ascii_tags)
    assert ratio < 1.25, ratio  # near: measured 1.10 on these sets


def test_with_the_vocabulary_sd_scripts_uses_the_count_is_clips_own():
    """lorapan's byte-pair count (:mod:`lorapan.core.method.clip_bpe`) from the same
    tokenizer_cache_dir equals CLIP's on every real caption and the hard strings."""
    captions = real_captions() + HARD
    real = real_counts(captions)
    bpe = find_bpe(install().get("tokenizer_cache_dir", ""))
    assert bpe is not None
    ours = [least_tokens(t, bpe) for t in captions]
    wrong = [(t[:60], o, r) for t, o, r in zip(captions, ours, real, strict=True) if o != r]
    assert not wrong, wrong
