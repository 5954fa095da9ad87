"""What the analysis and the rules say about each image, in the words the screen shows.

The file list's markers (``!`` unreadable, ``-`` not trained by kohya, ``E``/``W``
findings, ``=`` clone), the line under the preview (sharpness, clone relation,
read-only caption) and the sort orders that use them. Plain state and functions: the screen feeds it the analysis
and rules results and asks it what to show.
"""

from __future__ import annotations

from typing import Any

from lorapan.core.dataset import Dataset

SORTS = ("name", "tags", "findings", "sharpness")


class Annotations:
    """Facts, clone marks and rule findings per image."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.facts: dict[str, Any] = {}
        self.clone_group: dict[str, str] = {}
        #: the clone groups themselves (core.analysis.clones.CloneGroup), for the compare
        self.groups: list[Any] = []
        #: what the preview's clone line says to open the compare ("c: compare")
        self.compare_hint = ""
        self.report: Any = None
        #: relpath -> (errors, warnings) among the report's findings
        self.image_findings: dict[str, tuple[int, int]] = {}

    # ---- inputs ----------------------------------------------------------------
    def set_analysis(
        self, facts: dict[str, Any], clone_group: dict[str, str], groups: list[Any] | None = None
    ) -> None:
        self.facts = facts
        self.clone_group = clone_group
        self.groups = list(groups or [])

    def set_report(self, report: Any) -> set[str]:
        """Take a rules report; returns the images whose markers changed."""
        self.report = report
        per: dict[str, list[int]] = {}
        for f in getattr(report, "findings", []):
            slot = 0 if f.severity == "error" else 1 if f.severity == "warning" else None
            if slot is None:
                continue
            for rel in f.images:
                per.setdefault(rel, [0, 0])[slot] += 1
        old = self.image_findings
        new = {r: (v[0], v[1]) for r, v in per.items()}
        self.image_findings = new
        return {r for r in old.keys() | new.keys() if old.get(r) != new.get(r)}

    # ---- what to show -------------------------------------------------------------
    def row_info(self, rel: str) -> tuple[int, str]:
        """(tag count, markers) for the file list's row of ``rel``."""
        item = self.dataset.items.get(rel)
        if item is None:
            return 0, "?"
        marks = ""
        facts = self.facts.get(rel)
        if item.read_only or (facts is not None and not facts.ok):
            marks += "!"
        if not self.dataset.trains(rel):
            marks += "-"  # before E/W: whatever its findings, kohya never reads it
        errors, warnings = self.image_findings.get(rel, (0, 0))
        if errors:
            marks += "E"
        elif warnings:
            marks += "W"
        if rel in self.clone_group and len(marks) < 2:
            marks += "="
        return len(item.tags), marks

    def caption(self, rel: str | None) -> str:
        """The line under the preview: clone relation (first: it can be acted on, and the
        line is cut on narrow panes), sharpness, grayscale, caption problem."""
        if rel is None:
            return ""
        parts = []
        if rel in self.clone_group:
            hint = f" ({self.compare_hint})" if self.compare_hint else ""
            parts.append(self.clone_group[rel] + hint)
        f = self.facts.get(rel)
        if f is not None and f.ok:
            parts.append(f"sharpness {f.sharpness:.0f}" + (" (blurry)" if f.blurry else ""))
            if f.grayscale:
                parts.append("grayscale")
        elif f is not None:
            parts.append(f.error_message or "unreadable")
        item = self.dataset.items.get(rel)
        if item is not None and item.caption_error:
            parts.append(f"caption read-only: {item.caption_error}")
        return " · ".join(parts)

    def sorted(self, rows: list[str], sort: str) -> list[str]:
        """``rows`` in ``sort`` order (one of ``SORTS``; "name" keeps dataset order)."""
        items = self.dataset.items
        if sort == "tags":
            return sorted(rows, key=lambda r: -len(items[r].tags))
        if sort == "findings":
            return sorted(rows, key=lambda r: tuple(-n for n in self.image_findings.get(r, (0, 0))))
        if sort == "sharpness":

            def sharp(r: str) -> tuple[int, float]:
                f = self.facts.get(r)
                return (0, f.sharpness) if f is not None and f.ok else (1, 0.0)

            return sorted(rows, key=sharp)
        return rows  # dataset order is natural order
