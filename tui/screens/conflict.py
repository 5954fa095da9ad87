"""The conflict dialog: our edit met a caption that changed on disk meanwhile.

Choices: reload (take the disk's version, drop our edit for those files) or keep
ours (reload, then re-plan the same edit against the disk's current tags and
apply it, so the outside change and ours both survive where they can).
"""

from __future__ import annotations

from collections.abc import Sequence

from lorapan.tui.screens.confirm import ChoiceScreen


def conflict_body(label: str, conflicts: Sequence[tuple[str, str]], limit: int = 12) -> str:
    lines = [f"The edit “{label}” was not written to these files:"]
    for rel, reason in list(conflicts)[:limit]:
        lines.append(f"  {rel}: {reason}")
    if len(conflicts) > limit:
        lines.append(f"  … and {len(conflicts) - limit} more")
    lines.append("")
    lines.append("Reload shows the files as they are on disk now (your edit is dropped there).")
    lines.append("Keep ours reloads them and applies your edit again on top.")
    return "\n".join(lines)


class ConflictScreen(ChoiceScreen):
    """Returns "reload" or "ours" (escape = reload)."""

    def __init__(self, label: str, conflicts: Sequence[tuple[str, str]]) -> None:
        super().__init__(
            "Changed on disk by another program",
            conflict_body(label, conflicts),
            [("r", "reload", "Reload from disk"), ("k", "ours", "Keep ours")],
            escape_value="reload",
        )
