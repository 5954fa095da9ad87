"""Keeping the kind a fix was made for.

An inferred kind rests on tags, and the fixes made for it may remove them: a couple's
blacklist takes ``1girl``, ``1boy``, ``couple`` and ``hetero``, the only tags that said
"two people", and the next check read the set as a background (other rules, another
preset). So when a fix's captions are written while the kind is only inferred, that kind
is written to lorapan.toml in the fix's own transaction (one undo reverts both): the fix
was made for it, and its own edits must not change what the set is read as. A kind with
no evidence (the unconfirmed default) is not written.
"""

from __future__ import annotations

from collections.abc import Iterable

from lorapan.core.dataset import Dataset
from lorapan.core.edits import TagChange
from lorapan.core.method.kind import kind_guess


def kind_to_pin(ds: Dataset, changes: Iterable[TagChange] | None = None) -> str | None:
    """The inferred kind a fix's captions would write to lorapan.toml (None: the kind is
    set already, not inferable, or none of ``changes`` can be written: read-only files)."""
    if ds.settings.is_set("kind"):
        return None
    if changes is not None and not any(
        (it := ds.items.get(c.relpath)) is not None and not it.write_refusal for c in changes
    ):
        return None
    guess = kind_guess(ds)
    return guess.kind if guess.source == "inferred" else None


def pinned_note(kind: str, dry_run: bool = False) -> str:
    done = "would be written" if dry_run else "written"
    return (
        f"kind = '{kind}' (as inferred) {done} to lorapan.toml: fixes are made for the kind, "
        "and their edits must not change what the set is read as; change it there if it is wrong"
    )
