"""`lorapan checklist PATH`: the coverage checklist; tick the items only a person can tell."""

from __future__ import annotations

import argparse

from lorapan.support import EXIT_OK, command_parser, fail, open_dataset, print_json

NAME = "checklist"
ORDER = 27
HELP = "coverage checklist for the subject kind; tick manual items (saved in lorapan.toml)"

EPILOG = """\
Items counted from tags show count/minimum; manual items (e.g. both lateral sides
shown) are ticked by you and saved under [checklist] in lorapan.toml (key: the item id).
Each call that ticks is one journaled step: `lorapan undo` takes it back.

examples:
  lorapan checklist ~/data/goblin
  lorapan checklist ~/data/goblin --tick lateral-sides
  lorapan checklist ~/data/goblin --untick coverage.lateral-sides --json
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Show the coverage checklist and tick manual items.",
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("--tick", action="append", default=[], metavar="ID", help="tick a manual item")
    p.add_argument(
        "--untick", action="append", default=[], metavar="ID", help="untick a manual item"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run, one_pass=True)


def _item_id(raw: str) -> str:
    return raw[len("coverage.") :] if raw.startswith("coverage.") else raw


def run(args: argparse.Namespace) -> int:
    from lorapan.core.checklist import tick
    from lorapan.core.rules.engine import RulesEngine
    from lorapan.core.settings import SETTINGS_FILE

    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    engine = RulesEngine(ds, live=False)  # the effective kind (set or inferred) decides the list
    specs = {c.id: c for c in engine.check(["coverage"]).coverage}
    manual = sorted(i for i, s in specs.items() if s.manual)
    changes = [(_item_id(i), True) for i in args.tick] + [(_item_id(i), False) for i in args.untick]
    for item, _ticked in changes:
        if item not in specs:
            return fail(
                f"no checklist item {item!r} for kind {ds.settings.kind!r}",
                f"manual items: {', '.join(manual) or '(none)'}",
            )
        if not specs[item].manual:
            return fail(
                f"{item!r} is counted from tags, not ticked by hand",
                f"manual items: {', '.join(manual) or '(none)'}",
            )
    if changes:  # one journaled step: `lorapan undo` takes it back
        result = tick(ds, dict(changes))
        if result.conflicts:
            return fail(f"{SETTINGS_FILE} changed while it was written; nothing ticked")
        engine.settings_changed()
    report = engine.check(["coverage"])
    if args.json:
        print_json(
            {
                "root": str(ds.root),
                "kind": ds.settings.kind,
                "items": [c.to_dict() for c in report.coverage],
            }
        )
        return EXIT_OK
    done = sum(1 for c in report.coverage if c.done)
    print(f"{ds.root} — {ds.settings.kind}: coverage {done}/{len(report.coverage)}")
    for c in report.coverage:
        box = "[x]" if c.done else "[ ]"
        amount = (
            ("ticked" if c.ticked else "tick by hand") if c.manual else f"{c.count}/{c.minimum}"
        )
        print(f"  {box} {c.label} ({amount})  id: {c.id}")
    return EXIT_OK
