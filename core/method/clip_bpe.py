"""CLIP's own byte-pair tokenizer, when its vocabulary is on the machine.

sd-scripts loads CLIP's tokenizer from ``tokenizer_cache_dir`` (``openai_clip-vit-large-
patch14/vocab.json`` and ``merges.txt``, on machines without the Hugging Face hub) or from
the Hugging Face cache, where it lands the first time sd-scripts runs. lorapan ships no
vocabulary, but where one of those is, it counts a caption's tokens exactly as CLIP
does: lowercase, whitespace folded, the pieces :mod:`.clip_tokens` splits, each piece's
bytes mapped to CLIP's printable alphabet and merged by rank (OpenAI's
``simple_tokenizer``). Elsewhere :mod:`.clip_tokens` gives its lower bound.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

#: sd-scripts' tokenizer for SD 1.x and the first of SDXL's two (the same vocabulary)
MODEL = "openai/clip-vit-large-patch14"
MERGES = 49152 - 256 - 2 + 1


def _byte_alphabet() -> dict[int, str]:
    """OpenAI's bytes_to_unicode: every byte as a printable character."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    keep += range(ord("®"), ord("ÿ") + 1)
    out, extra = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + extra)
            extra += 1
    return out


_BYTES = _byte_alphabet()


class ClipBPE:
    """Counts CLIP tokens of text pieces with the merge ranks of ``merges.txt``."""

    def __init__(self, merges: list[tuple[str, str]]) -> None:
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        self._cache: dict[str, int] = {}

    def count(self, piece: str) -> int:
        """Tokens of one piece (a run of letters, a digit or a run of punctuation)."""
        got = self._cache.get(piece)
        if got is None:
            got = self._cache[piece] = len(self._merge(piece))
        return got

    def _merge(self, piece: str) -> list[str]:
        word = ["".join(_BYTES[b] for b in ch.encode("utf-8")) for ch in piece]
        word = [c for part in word for c in part]
        if not word:
            return []
        word[-1] += "</w>"
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, 1 << 30))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word


def candidates(cache_dir: str = "", env: dict[str, str] | None = None) -> list[Path]:
    """Folders that may hold CLIP's ``merges.txt``: the tokenizer cache sd-scripts is
    given, then the Hugging Face cache's snapshots of the model."""
    env = dict(os.environ) if env is None else env
    out = []
    if cache_dir:
        out.append(Path(cache_dir).expanduser() / MODEL.replace("/", "_"))
    hub = env.get("HF_HUB_CACHE") or os.path.join(
        env.get("HF_HOME") or os.path.join(Path.home(), ".cache", "huggingface"), "hub"
    )
    snaps = Path(hub) / f"models--{MODEL.replace('/', '--')}" / "snapshots"
    if snaps.is_dir():
        out += sorted(p for p in snaps.iterdir() if p.is_dir())
    return out


@lru_cache(maxsize=4)
def load(folder: str) -> ClipBPE | None:
    """The tokenizer of ``folder`` (its merges.txt, with vocab.json beside it), or None.
    Counting needs the merges only: the vocabulary maps tokens to ids."""
    path = Path(folder)
    try:
        if not (path / "vocab.json").is_file():
            return None
        lines = (path / "merges.txt").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    # the first line is '#version'; CLIP uses the first 49152 - 256 - 2 merges
    merges = [tuple(line.split()) for line in lines[1:MERGES] if len(line.split()) == 2]
    return ClipBPE(merges) if merges else None  # type: ignore[arg-type]


def find(cache_dir: str = "") -> ClipBPE | None:
    """CLIP's tokenizer from the first folder that holds it (None: none on this machine)."""
    return next(filter(None, map(load, map(str, candidates(cache_dir)))), None)
