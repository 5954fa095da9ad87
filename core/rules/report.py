"""How the engine's findings become a report: which ones, in which order.

The engine keeps the per-image groups and tag counts up to date; this module
adds the dataset-wide and coverage findings to the group findings, sorts them most
severe first, and narrows a report to the rules a caller asked for (``--rule``).
"""

from __future__ import annotations

from collections.abc import Iterable

from lorapan.core.rules.dataset_wide import dataset_findings
from lorapan.core.rules.dataset_wide.coverage import coverage
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.model import SEVERITY_RANK, CoverageItem, Finding


def rule_matches(rule_id: str, wanted: Iterable[str] | None) -> bool:
    """``--rule tags`` matches ``tags.core``; ``--rule coverage`` all coverage items."""
    if not wanted:
        return True
    return any(rule_id == w or rule_id.startswith(w.rstrip(".") + ".") for w in wanted)


def all_findings(
    group_findings: list[Finding], view: View
) -> tuple[list[Finding], list[CoverageItem]]:
    """The group findings with the dataset-wide and coverage ones, most severe first."""
    findings = group_findings + dataset_findings(view)
    cover, cover_findings = coverage(view)
    findings += cover_findings
    findings.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.rule_id, f.key))
    return findings, cover


def narrowed(
    findings: list[Finding], cover: list[CoverageItem], wanted: list[str] | None
) -> tuple[list[Finding], list[CoverageItem]]:
    """Only the findings (and coverage items) of the rules in ``wanted``; all without."""
    if not wanted:
        return findings, cover
    findings = [f for f in findings if rule_matches(f.rule_id, wanted)]
    if not any(rule_matches(f"coverage.{c.id}", wanted) for c in cover):
        cover = []
    return findings, cover
