"""`lorapan check PATH`: the method's rules over a dataset, grouped by severity."""

from __future__ import annotations

import argparse
import sys

from lorapan.core.commands_hint import hint
from lorapan.core.settings import KINDS
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    command_parser,
    fail,
    open_dataset,
    print_json,
    shorten,
)

NAME = "check"
ORDER = 25
HELP = "check the dataset against the method's rules (exit 1 while errors remain)"

EPILOG = """\
First the lines of what lorapan read, with evidence: the kind (set, inferred or
not inferable), the trigger, the first field keep_tokens=1 keeps, the caption
style (tags, prose, mixed) and the caption files per extension. Nothing inferred
is written to lorapan.toml until confirmed (`lorapan fix PATH --rule dataset.kind`).
Findings are grouped by severity: error (must fix; exit code 1), warning (the
guide's aims and minimums), advice (suggestions), manual (checklist items only a
person can tick: `lorapan checklist`). Each finding names its rule id, the images
and the fix `lorapan fix` would apply. Image rules (blur, unreadable, clones) use
the cache of `lorapan scan`; tags.inconsistent uses the cache of `lorapan autotag`.

examples:
  lorapan check ~/data/goblin
  lorapan check ~/data/goblin --rule tags.core --rule tags.blacklist
  lorapan check ~/data/goblin --rule tags          every tags.* rule
  lorapan check ~/data/goblin --kind couple        check as another subject kind
  lorapan check ~/data/goblin --json | jq '.findings[] | select(.severity=="error")'
  lorapan check --list-rules                        every rule id with its usual severity
"""

SEVERITY_TITLES = {
    "error": ("errors", "✗"),
    "warning": ("warnings", "!"),
    "advice": ("advice", "·"),
    "manual": ("checklist (tick by hand)", "☐"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Check a dataset against the method's rules (methodology.md).",
        epilog=EPILOG,
    )
    p.add_argument("path", nargs="?", help="dataset folder")
    p.add_argument(
        "--list-rules",
        action="store_true",
        help="list every rule id with its usual severity and what it checks, then exit",
    )
    p.add_argument(
        "--kind", choices=KINDS, help="subject kind for this run (lorapan.toml's otherwise)"
    )
    p.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="only this rule id or prefix (repeatable)",
    )
    p.add_argument("--all-images", action="store_true", help="name every image, not the first few")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run, one_pass=True)


def build_engine(args: argparse.Namespace, warn: bool = True):  # -> (RulesEngine | None, int)
    """Open the dataset and an engine over it with the cached facts and scores.

    ``warn``: print what the user config and ``[analysis]`` hold that lorapan cannot
    use (the clone and blur rules read ``[analysis]``) as warnings on stderr.
    """
    from lorapan.core.rules.catalog import known_rule
    from lorapan.core.rules.engine import RulesEngine
    from lorapan.core.rules.inputs import load_inputs

    for rule in args.rule:
        if not known_rule(rule):
            return None, fail(
                f"unknown rule id {rule!r}", "list the rule ids with `lorapan check --list-rules`"
            )
    if not args.path:
        return None, fail("no dataset folder given", "usage: lorapan check PATH (see --help)")
    ds, code = open_dataset(args.path)
    if ds is None:
        return None, code
    if getattr(args, "kind", None):
        ds.settings.kind = args.kind  # set for this run: not inferred
    inputs = load_inputs(ds)
    if warn:
        for problem in inputs.problems:
            print(f"warning: {problem}", file=sys.stderr)
    return RulesEngine(ds, live=False, **inputs.engine_kwargs()), EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        return list_rules(args.json)
    engine, code = build_engine(args)
    if engine is None:
        return code
    report = engine.check(args.rule or None)
    ds = engine.dataset
    reg = [f.to_dict() for f in ds.reg_folders]
    if args.json:
        out = report.to_dict()
        out["root"] = str(ds.root)
        out["reg_folders"] = reg
        print_json(out)
    else:
        print_report(ds.root, report, args.path, all_images=args.all_images, reg=reg)
    return EXIT_FINDINGS if report.has_errors else EXIT_OK


COUNT_WORDS = {"error": "error", "warning": "warning", "manual": "checklist item"}


def counts_text(counts: dict[str, int], severities: tuple[str, ...] | None = None) -> str:
    """``1 error, 2 warnings, 3 advice, 1 checklist item`` (advice has no plural)."""
    from lorapan.core.rules.messages import plural

    parts = []
    for sev in severities or tuple(counts):
        n = counts.get(sev, 0)
        parts.append(plural(n, COUNT_WORDS[sev]) if sev in COUNT_WORDS else f"{n} {sev}")
    return ", ".join(parts)


def list_rules(as_json: bool) -> int:
    """Every rule id of the catalog (and coverage item), one line each."""
    from lorapan.core.rules.catalog import RULES, coverage_rules

    rows = [(rule, sev, what) for rule, (sev, what) in sorted(RULES.items())]
    rows += [(rule, sev, f"coverage: {what}") for rule, (sev, what) in coverage_rules().items()]
    if as_json:
        print_json({"rules": [{"id": r, "severity": s, "checks": w} for r, s, w in rows]})
        return EXIT_OK
    width = max(len(r) for r, _s, _w in rows)
    for rule, sev, what in rows:
        print(f"{rule:<{width}}  {sev:<7}  {what}")
    print("\n--rule also takes a prefix: `--rule tags` is every tags.* rule.")
    return EXIT_OK


def print_report(  # noqa: ANN001
    root, report, path: str, all_images: bool = False, reg: list[dict] | None = None
) -> None:
    """``reg``: the class-image folders (``RegFolder.to_dict``), said to be left out."""
    from lorapan.core.dataset.reg import reg_lines
    from lorapan.core.method.describe import summary_lines

    print(f"{root}")
    for line in summary_lines(report.dataset) if report.dataset else ():
        print(f"  {line}")
    for line in reg_lines(reg or [], report.readiness.images):
        print(f"  {line}")
    print(f"  {report.readiness.summary}")
    counts = report.counts()
    print("  " + counts_text(counts))
    for severity, findings in report.by_severity().items():
        if not findings:
            continue
        title, mark = SEVERITY_TITLES[severity]
        print(f"\n{title} ({len(findings)})")
        for f in findings:
            print(f"  {mark} [{f.rule_id}] {f.message}")
            if f.images:
                names = ", ".join(f.images) if all_images else shorten(f.images, 5)
                print(f"      images ({len(f.images)}): {names}")
            if f.fix is not None:
                print(f"      fix: {f.fix.label}  →  {hint('fix', path, '--rule', f.rule_id)}")
    if report.coverage:
        done = sum(1 for c in report.coverage if c.done)
        # a kind nobody stated: its checklist is shown, not counted among the findings
        quiet = report.dataset.get("kind", {}).get("source") == "default" and not any(
            f.rule_id.startswith("coverage.") for f in report.findings
        )
        later = (
            " (asked once [dataset] kind is set)" if quiet and done < len(report.coverage) else ""
        )
        print(f"\ncoverage {done}/{len(report.coverage)}{later}")
        for c in report.coverage:
            box = "[x]" if c.done else "[ ]"
            amount = "manual" if c.manual else f"{c.count}/{c.minimum}"
            print(f"  {box} {c.label} ({amount})  coverage.{c.id}")
