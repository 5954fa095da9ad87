"""How much of a caption CLIP's tokenizer lets the trainer read.

sd-scripts tokenizes a caption with CLIP's tokenizer and keeps 75 tokens (77 with the
start and end marks); with ``--max_token_length 150`` or ``225`` it keeps two or three
windows of 75. What lies past the limit is cut without a word, so the last tags of a
long caption never train (with ``shuffle_caption``, a different tail each step).

Where CLIP's vocabulary is on the machine (sd-scripts' tokenizer_cache_dir, or the
Hugging Face cache: :mod:`.clip_bpe`) the count is CLIP's own. lorapan ships no
vocabulary, so elsewhere the count is a *lower bound*, exact in how it splits: CLIP's tokenizer first cuts the lowercased text
with the pattern ``'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+`` and
then splits each piece into one or more BPE tokens. Counting the pieces therefore never
says a caption is longer than it is; a caption of common words (``long hair``, ``smile``)
is counted nearly exactly, and rare words take more tokens than counted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from lorapan.core.method.clip_bpe import ClipBPE

#: Tokens CLIP reads in one window (77 with the start and end marks).
WINDOW = 75
#: The values sd-scripts accepts for ``max_token_length`` (None means one window).
LIMITS = (75, 150, 225)

# \p{L}+ is "letters": \w minus digits and '_'. \p{N} is one digit. The rest of a run of
# neither letters, digits nor spaces ('_' and punctuation) is one piece.
#: ftfy, which CLIP's tokenizer cleans text with, writes fullwidth letters halfwidth
_HALFWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_PIECES = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+")


def least_tokens(text: str, bpe: ClipBPE | None = None) -> int:
    """CLIP tokens ``text`` takes at least (start and end marks not counted); exactly,
    given CLIP's own tokenizer (:mod:`.clip_bpe`)."""
    pieces = _PIECES.findall(" ".join(text.translate(_HALFWIDTH).split()).lower())
    return sum(map(bpe.count, pieces)) if bpe is not None else len(pieces)


def caption_tokens(tags: tuple[str, ...], bpe: ClipBPE | None = None) -> int:
    """Tokens (at least, or exactly with ``bpe``) of the caption kohya builds from
    ``tags`` (joined with ', ')."""
    return least_tokens(", ".join(tags), bpe)


def token_limit(training: Mapping[str, Any]) -> int:
    """The tokens sd-scripts reads of a caption under the ``[training]`` table: its
    ``max_token_length``, or one passed in ``extra_args``."""
    value = training.get("max_token_length") or _from_args(training.get("extra_args"))
    try:
        limit = int(value or WINDOW)
    except (TypeError, ValueError):
        return WINDOW
    return limit if limit in LIMITS else WINDOW


def _from_args(extra: Any) -> str | None:
    args = shlex.split(extra) if isinstance(extra, str) else [str(a) for a in extra or ()]
    for i, arg in enumerate(args):
        if arg.startswith("--max_token_length="):
            return arg.partition("=")[2]
        if arg == "--max_token_length" and i + 1 < len(args):
            return args[i + 1]
    return None


def limit_for(tokens: int) -> int | None:
    """The smallest ``max_token_length`` that reads ``tokens`` whole; None past 225."""
    return next((limit for limit in LIMITS if tokens <= limit), None)
