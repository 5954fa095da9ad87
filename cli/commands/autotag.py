"""`lorapan autotag PATH`: WD14 ONNX tagger over a dataset: suggest, add missing, or replace."""

from __future__ import annotations

import argparse
import sys

from lorapan.core.commands_hint import hint
from lorapan.support import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_writer_flags,
    command_parser,
    fail,
    open_dataset,
    print_json,
    refuse_if_interrupted,
    select_or_fail,
)

NAME = "autotag"
ORDER = 45
HELP = "tag images with a local WD14 ONNX tagger: suggest, add missing, replace (undoable)"

EPILOG = """\
modes:
  suggest       list the predicted tags each caption lacks, with scores; writes nothing
  add-missing   add the predicted tags a caption lacks
  replace       write the predicted caption, core tag and style tag first

A model is a folder with model.onnx and selected_tags.csv (SmilingWolf's wd-* layout).
It is found by --model, the dataset's [tagger] model setting, or `lorapan models`.
Scores are cached in DATASET/.lorapan/tagger.sqlite: re-running with other thresholds
needs no inference. Writes are journaled: `lorapan undo PATH` reverts them.

examples:
  lorapan autotag DIR --model ~/models/wd-vit-tagger-v3
  lorapan autotag DIR --mode add-missing --query 'tags<5'
  lorapan autotag DIR --mode replace --threshold 0.4 --character-threshold 0.9 --dry-run
  lorapan autotag DIR --mcut --exclude 'simple background,white background' --json
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Tag images with a WD14-family ONNX tagger (onnxruntime; GPU when available).",
        epilog=EPILOG,
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument(
        "--model", "-m", metavar="DIR", help="tagger folder (model.onnx + selected_tags.csv)"
    )
    p.add_argument(
        "--mode",
        choices=("suggest", "add-missing", "replace"),
        default="suggest",
        help="what to do with the predictions (default: suggest; see modes below)",
    )
    p.add_argument(
        "--query", "-q", help="only images matching this query (see `lorapan edit --help`)"
    )
    p.add_argument("--batch", type=int, metavar="N", help="images per inference batch (default 4)")
    p.add_argument(
        "--threshold", type=float, metavar="T", help="general tag threshold (default 0.35)"
    )
    p.add_argument(
        "--character-threshold",
        type=float,
        metavar="T",
        help="character tag threshold (default 0.85)",
    )
    p.add_argument("--mcut", action="store_true", help="MCut thresholding for general tags")
    p.add_argument(
        "--rating", action="store_true", help="add the rating tag (general, sensitive, ...)"
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="TAGS",
        help="never add these (comma list)",
    )
    p.add_argument(
        "--tag-style", choices=("spaces", "underscores"), help="default: the dataset's style"
    )
    p.add_argument("--no-cache", action="store_true", help="run the model even for cached images")
    p.add_argument(
        "--dry-run", "-n", action="store_true", help="show what would change, write nothing"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)
    add_writer_flags(p, whole=False)  # holds the lock only to write


def _check_numbers(args: argparse.Namespace) -> str | None:
    for name in ("threshold", "character_threshold"):
        value = getattr(args, name)
        if value is not None and not 0.0 <= value <= 1.0:
            return f"--{name.replace('_', '-')} must be between 0 and 1, got {value}"
    if args.batch is not None and args.batch < 1:
        return f"--batch must be 1 or more, got {args.batch}"
    return None


def run(args: argparse.Namespace) -> int:
    from lorapan.core.tagger import modes, service
    from lorapan.core.tagger.model import ModelError, TaggerModel, resolve_model

    if (problem := _check_numbers(args)) is not None:
        return fail(problem, "see `lorapan autotag --help`")
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    rels, code = select_or_fail(ds, args.query)
    if rels is None:
        return code
    try:
        model = TaggerModel.open(resolve_model(args.model, service.configured_model(ds)))
    except ModelError as exc:
        return fail(str(exc), exc.hint)
    options = service.tag_options(
        ds,
        blacklist=service.dataset_blacklist(ds),
        exclude=[t.strip() for arg in args.exclude for t in arg.split(",") if t.strip()],
        general=args.threshold,
        character=args.character_threshold,
        mcut_general=args.mcut or None,
        rating=args.rating or None,
        style=args.tag_style,
    )
    if not args.json:
        print(f"model: {model.name} ({model.id})  provider: {model.provider}", file=sys.stderr)
        if model.fallback_note:
            print(f"warning: {model.fallback_note}", file=sys.stderr)
        fixed = model.spec.fixed_batch
        if fixed and args.batch and args.batch != fixed:
            print(
                f"note: this model takes batches of {fixed}; --batch {args.batch} ignored",
                file=sys.stderr,
            )
    result = _predict(ds, model, rels, options, args)
    changes = modes.plan(ds, result.predictions, args.mode)
    applied = None
    if changes and not args.dry_run:
        if (refused := refuse_if_interrupted(ds)) is not None:
            return refused
        applied = ds.apply_changes(changes, f"autotag {args.mode} ({model.name})")
    return _report(args, ds, model, rels, result, changes, applied)


def _predict(ds, model, rels, options, args):
    from lorapan.core.progress import ProgressBar
    from lorapan.core.tagger import service

    bar = None if args.json else ProgressBar("tagging", f"[{model.provider}]")
    try:
        return service.predict(
            ds,
            model,
            rels,
            options,
            batch_size=args.batch,
            progress=bar.update if bar else None,
            use_cache=not args.no_cache,
        )
    finally:
        if bar:
            bar.close()


def _report(args, ds, model, rels, result, changes, applied) -> int:
    from lorapan.core.tagger import modes

    run = result.run
    lacking = modes.suggestions(ds, result.predictions)
    errors = sorted(run.errors.items())
    if args.json:
        out = {
            "model": model.name,
            "model_id": model.id,
            "provider": model.provider,
            "provider_note": model.fallback_note,
            "mode": args.mode,
            "images": len(rels),
            "scored": run.stats.images,
            "cached": run.cached,
            "cache_note": run.cache_note,
            "unreadable": [{"image": r, "reason": why} for r, why in errors],
            "suggestions": {
                rel: [
                    {"tag": p.tag, "score": round(p.score, 4), "category": p.category}
                    for p in preds
                ]
                for rel, preds in lacking.items()
            },
            "dry_run": applied is None,
            "changes": [c.to_dict() for c in changes],
        }
        if applied is not None:
            out["result"] = applied.to_dict()
        print_json(out)
    else:
        _print_human(args, rels, run, lacking, changes, applied)
    if errors or (applied is not None and not applied.ok):
        return EXIT_FINDINGS
    return EXIT_OK


def _print_human(args, rels, run, lacking, changes, applied) -> None:
    print(
        f"{len(rels)} images: {run.stats.images} tagged, {run.cached} from cache, {len(run.errors)} unreadable"
    )
    for rel, why in sorted(run.errors.items()):
        print(f"  unreadable: {rel}: {why}")
    if run.cache_note:
        print(f"note: {run.cache_note}")
    if args.mode == "suggest":
        for rel, preds in lacking.items():
            print(f"{rel}: " + ", ".join(f"+{p.tag} {p.score:.2f}" for p in preds))
        print(f"{len(lacking)} captions lack predicted tags; add them with --mode add-missing")
        return
    for ch in changes:
        parts = [f"+{t}" for t in ch.added] + [f"-{t}" for t in ch.removed]
        print(f"{ch.relpath}: {', '.join(parts) or 'reordered'}")
    if applied is None:
        print(f"would change {len(changes)} captions")
        return
    print(f"changed {len(applied.applied)} captions")
    for rel, why in applied.conflicts:
        print(f"  not written: {rel}: {why} (run autotag again)")
    for rel, why in applied.unreadable:
        print(f"  not written: {rel}: {why}")
    if applied.applied:
        print(f"undo with: {hint('undo', args.path)}")
