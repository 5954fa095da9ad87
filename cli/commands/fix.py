"""`lorapan fix PATH`: apply the fixes `lorapan check` offers, as one undoable edit."""

from __future__ import annotations

import argparse

from lorapan.core.change_words import describe_change
from lorapan.core.commands_hint import hint
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_writer_flags,
    command_parser,
    print_json,
    refuse_if_interrupted,
    shorten,
)

NAME = "fix"
ORDER = 26
HELP = "apply the fixes `check` offers, journaled (`lorapan undo` reverts them)"

EPILOG = """\
Without --rule, the fixes of error and warning findings are applied. Advice fixes
(e.g. pruning a constant tag), writes to lorapan.toml (a proposed core tag,
style tag, kind or caption extension) and rewrites of image files (kohya.orientation,
kohya.transparency) are applied only when named with --rule. The fixes are planned as one: the trigger stays the first
field, the style tag goes right after it, and no fix removes what another keeps.
--dry-run prints that plan per caption (before → after). All caption changes of
one run, the images a fix sets aside and what it writes to lorapan.toml are one
journal transaction: one `lorapan undo PATH` reverts them.

examples:
  lorapan fix ~/data/goblin --dry-run            what would change
  lorapan fix ~/data/goblin                      apply error and warning fixes
  lorapan fix ~/data/goblin --rule tags.blacklist --rule tags.hair-unique
  lorapan fix ~/data/goblin --rule tags.core     also confirms a proposed core tag
  lorapan fix ~/data/goblin --rule dataset.kind  writes the inferred kind
  lorapan undo ~/data/goblin                     revert the last fix run
"""

# Fixes that must run before others can see a clean caption (core first, then style...).
ORDER_OF_RULES = (
    "caption.multiline",
    "tags.separator",
    "tags.escaped-brackets",
    "tags.weight-syntax",
    "tags.junk",
    "tags.first-id",
    "tags.trigger-first",
    "tags.placeholder",
    "tags.core",
    "pair.orphans",
    "tags.style",
    "tags.blacklist",
    "tags.kind-prune",
    "bundle.bio-overlap",
    "tags.hair-unique",
    "tags.eyes-unique",
    "tags.duplicate",
    "quality.lowq-tag",
    "tags.inconsistent",
    "tags.constant",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Apply the rules' fixes through the journal.",
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="only this rule id or prefix (repeatable)",
    )
    p.add_argument(
        "--dry-run", "-n", action="store_true", help="show what would change, write nothing"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run, kind=None, one_pass=True)
    add_writer_flags(p)


def _eligible(finding, named: bool) -> bool:  # noqa: ANN001
    if finding.fix is None:
        return False
    if named:
        return True
    fix = finding.fix
    return finding.severity in ("error", "warning") and not (fix.settings or fix.rewrites)


def _rank(finding) -> int:  # noqa: ANN001
    try:
        return ORDER_OF_RULES.index(finding.rule_id)
    except ValueError:
        return len(ORDER_OF_RULES)


def run(args: argparse.Namespace) -> int:
    from lorapan.commands.check import build_engine
    from lorapan.core.rules.fixes import compose
    from lorapan.core.rules.kind_pin import kind_to_pin, pinned_note

    engine, code = build_engine(args)
    if engine is None:
        return code
    ds = engine.dataset
    if not args.dry_run and (refused := refuse_if_interrupted(ds)) is not None:
        return refused
    settings_done, updates, rules_set = [], {}, []
    for f in engine.check(args.rule or None).findings:
        if f.fix is not None and f.fix.settings and args.rule:
            rules_set.append(f.rule_id)
            if not args.dry_run:  # planned with them; written with the run's captions
                for key, value in f.fix.settings.items():
                    ds.settings.assign(key, value)
                engine.settings_changed()
            updates.update(f.fix.settings)
            settings_done.append(f.fix.settings)
    report = engine.check(args.rule or None)
    todo = sorted((f for f in report.findings if _eligible(f, bool(args.rule))), key=_rank)
    # Images a fix sets aside leave first, and caption files a fix renames move first;
    # the caption fixes are planned for the rest (a renamed caption's wait for a next run).
    aside = [(f.fix, f.fix.plan(ds)) for f in todo if f.fix.moves_files]
    leaving = {step.relpath for fx, planned in aside if not fx.rewrites for step in planned}
    rewriting = any(planned for fx, planned in aside if fx.rewrites)  # images stay, rewritten
    changes, steps = compose(ds, [f.fix for f in todo if not f.fix.moves_files])
    changes = [c for c in changes if c.relpath not in leaving]
    steps = [(fx, [c for c in ch if c.relpath not in leaving]) for fx, ch in steps]
    moved, result, pinned = [], None, None
    pin = kind_to_pin(ds) if leaving else kind_to_pin(ds, changes) if changes else None
    would_pin = pin if args.dry_run else None
    if not args.dry_run and (changes or leaving or updates or rewriting):
        pinned_too = {**updates, **({"kind": pin} if pin else {})}
        result, moved = _apply(ds, todo, aside, changes, pinned_too, rules_set)
        pinned = pin if result.settings else None
    after = None
    if not args.dry_run:
        fresh, _code = build_engine(args, warn=False)  # a fresh check of what is on disk now
        after = (fresh or engine).check(args.rule or None)
    if args.json:
        print_json(
            {
                "root": str(ds.root),
                "dry_run": args.dry_run,
                "settings": settings_done,
                "kind_written": pinned,
                "kind_would_be_written": would_pin,
                "fixes": [
                    {"rule": fx.rule_id, "label": fx.label, "changes": [c.to_dict() for c in ch]}
                    for fx, ch in [*aside, *steps]
                ],
                "set_aside": [
                    s.to_dict() for fx, planned in aside if fx.sets_aside for s in planned
                ],
                "renames": [s.to_dict() for fx, planned in aside if fx.renames for s in planned],
                "rewrites": [s.to_dict() for fx, planned in aside if fx.rewrites for s in planned],
                "changes": [c.to_dict() for c in changes],
                "result": result.to_dict() if result else None,
                "set_aside_result": [r.to_dict() for fx, r in moved if fx.sets_aside],
                "rename_result": [r.to_dict() for fx, r in moved if fx.renames],
                "rewrite_result": [r.to_dict() for fx, r in moved if fx.rewrites],
                "remaining": after.counts() if after else None,
            }
        )
    else:
        _print_aside(args, aside, moved)
        _print_human(args, settings_done, steps, changes, result, after, bool(leaving or rewriting))
        if pinned or would_pin:
            print(pinned_note(pinned or would_pin, dry_run=args.dry_run))
    if any(r is not None and not r.ok for r in [result, *(r for _fx, r in moved)]):
        return EXIT_FINDINGS
    return EXIT_FINDINGS if after is not None and after.has_errors else EXIT_OK


def _apply(ds, todo, aside, changes, settings, rules_set=()):  # noqa: ANN001, ANN202
    """Set the images aside, rename caption files and write the caption fixes in one
    journal transaction (one undo reverts the run); returns the captions' result and
    (fix, result) per fix that moves files."""
    from lorapan.core import triage
    from lorapan.core.dataset import ApplyResult
    from lorapan.core.rules.image_fixes import rewrite_writes
    from lorapan.core.rules.messages import plural

    moves, move_owners, per_fix, seen = [], {}, [], set()
    redone = [s for fx, planned in aside if fx.rewrites for s in planned]
    files, refused = rewrite_writes(ds, redone)  # one write per image, all its rewrites
    for fx, planned in aside:
        if fx.rewrites:  # the image stays (its captions' fixes too): rewritten in place
            images = {s.relpath for s in planned}
            res = ApplyResult(f"{fx.journal_label}: rewrite")
            res.conflicts += [(r, why) for r, why in refused if r in images]
            per_fix.append((fx, res, images))
            continue
        images = [s.relpath for s in planned if s.relpath not in seen]
        seen.update(images)
        if not images:
            continue
        if fx.renames:
            renames = [(s.relpath, s.src, s.dest) for s in planned if s.relpath in images]
            ops, owners, res = triage.plan_renames(ds, renames, f"{fx.journal_label}: rename")
        else:
            ops, owners, res = triage.plan_set_aside(ds, images, f"{fx.journal_label}: set aside")
        moves += ops
        move_owners.update(owners)
        per_fix.append((fx, res, set(images)))
    label = "fix " + ", ".join(sorted({f.rule_id for f in todo} | set(rules_set)))
    for verb, fixes in (
        ("set aside", [f for f, _r, _i in per_fix if f.sets_aside]),
        ("renamed the captions of", [f for f, _r, _i in per_fix if f.renames]),
        ("rewrote", [f for f, _r, _i in per_fix if f.rewrites]),
    ):
        if fixes:
            owned = {i for f, _r, imgs in per_fix if f in fixes for i in imgs}
            label += f" ({verb} {plural(len(owned), 'image')})"
    result = ds.apply_changes(
        changes, label=label, moves=moves, move_owners=move_owners, settings=settings, files=files
    )
    seen.update(s.relpath for s in redone)
    moved = []
    for fx, res, images in per_fix:
        res.applied = [r for r in result.applied if r in images]
        res.conflicts += [(r, why) for r, why in result.conflicts if r in images]
        res.txn_id = result.txn_id
        moved.append((fx, res))
    result.applied = [r for r in result.applied if r not in seen]
    result.conflicts = [(r, why) for r, why in result.conflicts if r not in seen]
    return result, moved


def _print_aside(args, aside, moved) -> None:  # noqa: ANN001
    """The images a fix sets aside and the caption files it renames, each with why (and
    what moved, once applied)."""
    from lorapan.core.rules.messages import plural

    for fx, planned in aside:
        if not planned:
            continue
        verb = "rename" if fx.renames else "rewrite" if fx.rewrites else "set aside"
        done = {"rename": "renamed", "rewrite": "rewrote"}.get(verb, verb)
        verb = f"would {verb}" if args.dry_run else done
        print(f"[{fx.rule_id}] {fx.label}: {plural(len(planned), 'image')}")
        for step in planned[:PER_GROUP]:
            what = f"{step.src} to {step.dest.rpartition('/')[2]}" if fx.renames else step.relpath
            print(f"      {verb} {what}" + ("" if fx.renames else f" ({step.reason})"))
        if len(planned) > PER_GROUP:
            print(f"      ... and {len(planned) - PER_GROUP} more")
        if fx.renames and args.dry_run:
            print("      (their other fixes come in the next run, on the renamed files)")
    for fx, result in moved:
        if result.conflicts:
            print(
                "left where they were: " + shorten([f"{p} ({why})" for p, why in result.conflicts])
            )
        if result.applied and fx.rewrites:
            print(
                f"{plural(len(result.applied), 'image')} rewritten for kohya (`lorapan undo "
                f"{args.path}` restores the files byte for byte)"
            )
        elif result.applied and fx.renames:
            print(
                f"{plural(len(result.applied), 'image')} now {'has its' if len(result.applied) == 1 else 'have their'} "
                f"caption in the extension kohya reads (`lorapan undo {args.path}` renames "
                f"them back; run `lorapan fix {args.path}` again for their other fixes)"
            )
        elif result.applied:
            print(
                f"{plural(len(result.applied), 'image')} set aside in .lorapan/excluded "
                f"(`lorapan undo {args.path}` brings them back, and reverts this run's caption "
                f"fixes with them; `lorapan restore {args.path}` lists them)"
            )
    if any(planned for _fx, planned in aside):
        print()


PER_GROUP = 12
HEAD = 4


def head(tags) -> str:  # noqa: ANN001
    """The first fields of a caption, each tag whole (``…``: more fields follow)."""
    shown = ", ".join(tags[:HEAD])
    return (shown + ", …") if len(tags) > HEAD else (shown or "(empty)")


def plan_groups(changes) -> list:  # noqa: ANN001
    """Changes grouped by what they do, largest group first."""
    groups: dict[str, list] = {}
    for c in changes:
        groups.setdefault(describe_change(c), []).append(c)
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))


def _reshaped(steps) -> bool:  # noqa: ANN001
    """A caption-form fix changed captions: tags the run's other fixes never saw."""
    from lorapan.core.rules.caption_form import BUILDERS

    return any(ch for fx, ch in steps if fx.rule_id in BUILDERS)


def _print_human(args, settings_done, steps, changes, result, after, aside_any) -> None:  # noqa: ANN001
    from lorapan.commands.check import counts_text
    from lorapan.core.rules.messages import plural

    verb = "would change" if args.dry_run else "changed"
    for s in settings_done:
        where = "would set" if args.dry_run else "set"
        print(f"lorapan.toml: {where} " + ", ".join(f"{k} = {v!r}" for k, v in s.items()))
    for fx, ch in steps:
        if ch:
            print(f"[{fx.rule_id}] {fx.label}: {plural(len(ch), 'caption')}")
    if not changes and not aside_any and not settings_done:
        print(
            "nothing to fix"
            + (" (see `lorapan check` for findings without a fix)" if after else "")
        )
    if changes:
        print(f"\nthe combined plan, per caption (before → after){':' if changes else ''}")
    for edit, group in plan_groups(changes):
        print(f"  {edit}  ({plural(len(group), 'caption')})")
        for c in group[:PER_GROUP]:
            if tuple(c.before[:HEAD]) == tuple(c.after[:HEAD]):
                print(f"      {c.relpath}")
            else:
                print(f"      {c.relpath}: {head(c.before)} → {head(c.after)}")
        if len(group) > PER_GROUP:
            print(f"      ... and {len(group) - PER_GROUP} more")
    if args.dry_run and (changes or not (aside_any or settings_done)):
        print(f"{plural(len(changes), 'caption')} {verb}")
    elif changes or not (aside_any or settings_done):  # what was written, not planned
        written = len(result.applied) if result is not None else 0
        if written < len(changes):
            print(f"{written} of {plural(len(changes), 'caption')} {verb}")
        else:
            print(f"{plural(written, 'caption')} {verb}")
    if result is not None:
        if result.conflicts:
            print(
                "not written (changed on disk since read): "
                + shorten([p for p, _ in result.conflicts])
            )
        if result.unreadable:
            first, why = result.unreadable[0]
            print(f"not written ({first}: {why}): " + shorten([p for p, _ in result.unreadable]))
        if result.applied or result.settings:
            print(f"undo with: {hint('undo', args.path)}")
    if after is not None:
        remaining = counts_text(after.counts(), ("error", "warning"))
        of = f" of {', '.join(args.rule)}" if args.rule else ""  # the rest were not checked
        print(f"remaining{of}: {remaining} (`{hint('check', args.path)}`)")
        if _reshaped(steps) and any(f.fix is not None for f in after.findings):
            print(
                f"  the tags this run joined or split were checked only now: run "
                f"`{hint('fix', args.path)}` again for what they need"
            )
