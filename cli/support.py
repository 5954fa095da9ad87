"""Shared helpers for CLI commands: exit codes, JSON output, error messages.

It prints and returns exit codes, so it belongs to the CLI, not to core.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from lorapan.core.commands_hint import hint

EXIT_OK = 0
EXIT_FINDINGS = 1  # done, but with conflicts, unreadable files or error findings
EXIT_USAGE = 2
EXIT_BUSY = 3  # another lorapan is writing to the dataset (and --no-wait, or recover),
# or a training run of it is live (train, train --resume)
EXIT_STATE = 4  # lorapan's state in .lorapan/ is damaged, unsafe or cannot be written


#: ``json``: the command runs with --json, so an error is also a JSON object on stdout
#: (a script's ``jq`` reads it); ``printed``: stdout already holds the command's JSON
_out = {"json": False, "printed": False}


def json_written() -> None:
    """The command wrote its JSON itself (``watch``'s lines): an error adds none."""
    _out["printed"] = True


def print_json(obj: Any) -> None:
    _out["printed"] = True
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_json_rows(obj: dict[str, Any], rows: str) -> None:
    """``print_json``, but the list ``obj[rows]`` is written one compact item per line.

    A bulk edit's report has an item per image: 10,000 items indented key by key
    are 600,000 lines through Python's pure-Python indenting encoder; one line per
    item goes through the C encoder, about three times faster, and reads better.
    """

    def dump(value: Any) -> str:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        return text.replace("\n", "\n  ")

    # one encoder for every row: json.dumps with options builds a new one per call,
    # half the cost of 10,000 small rows
    compact = json.JSONEncoder(ensure_ascii=False, default=str).encode
    fields = []
    for key, value in obj.items():
        if key == rows and value:
            body = ",\n".join("    " + compact(item) for item in value)
            fields.append(f"  {dump(key)}: [\n{body}\n  ]")
        else:
            fields.append(f"  {dump(key)}: {dump(value)}")
    _out["printed"] = True
    sys.stdout.write("{\n" + ",\n".join(fields) + "\n}\n")


def fail(message: str, hint: str | None = None, code: int = EXIT_USAGE) -> int:
    """Print an error and what to do next; return the exit code. Under --json, the
    same as a JSON object on stdout too, unless the command already wrote its JSON."""
    print(f"lorapan: error: {message}", file=sys.stderr)
    if hint:
        print(f"  next: {hint}", file=sys.stderr)
    if _out["json"] and not _out["printed"]:
        print_json({"error": message, "next": hint, "exit_code": code})
    return code


def run_command(args) -> int:  # noqa: ANN001
    """Run a parsed command: under the dataset's writer lock when it writes, and with
    every :class:`~lorapan.core.errors.LorapanError` turned into a message and a code."""
    from lorapan.core.errors import LorapanError
    from lorapan.core.writer_lock import DatasetBusy, configure

    before = configure(60.0)
    _out.update(json=bool(getattr(args, "json", False)), printed=False)
    try:
        with _writer_lock(args):
            return int(args.func(args))
    except DatasetBusy as exc:
        if not getattr(args, "writer_can_wait", True):  # recover: the edit is alive
            return fail(
                exc.message,
                "its edit is running, not interrupted: let it finish (nothing to recover)",
                EXIT_BUSY,
            )
        return fail(exc.message, exc.hint, EXIT_BUSY)
    except LorapanError as exc:
        return fail(exc.message, exc.hint, EXIT_STATE)
    finally:
        configure(before.wait_s, before.on_wait)


def add_writer_flags(parser, whole: bool = True, can_wait: bool = True) -> None:  # noqa: ANN001
    """Mark a command as one that writes to the dataset at ``args.path``.

    ``whole``: hold the writer lock from before the dataset is read until the command
    ends (so what it read is what it writes over); otherwise only around each write
    (commands with long work before writing: augment, autotag). ``can_wait``: False
    for commands that must not wait for another writer (recover).
    """
    if can_wait:
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="fail at once (exit 3) when another lorapan is writing to the dataset, "
            "instead of waiting for it",
        )
    parser.set_defaults(writer_whole=whole, writer_can_wait=can_wait)


def _writer_lock(args):  # noqa: ANN001, ANN202
    import contextlib
    from pathlib import Path

    from lorapan.core.settings import STATE_DIR
    from lorapan.core.writer_lock import WriterLock, configure

    whole = getattr(args, "writer_whole", None)
    if whole is None or getattr(args, "dry_run", False):
        return contextlib.nullcontext()
    no_wait = getattr(args, "no_wait", False) or not getattr(args, "writer_can_wait", True)
    configure(0 if no_wait else None, None if no_wait else _say_waiting)
    root = Path(args.path).expanduser()
    if not whole or not root.is_dir():
        return contextlib.nullcontext()  # open_dataset says what is wrong with the path
    return WriterLock(root / STATE_DIR, root).hold()


def _say_waiting(holder) -> None:  # noqa: ANN001
    who = holder.describe() if holder is not None else "another lorapan process"
    print(
        f"lorapan: waiting: another lorapan is writing to this dataset ({who}); "
        "--no-wait fails at once instead",
        file=sys.stderr,
        flush=True,
    )


def open_dataset(path: str):  # -> tuple[Dataset | None, int]
    """Open a dataset for a command, or print why not and return an exit code."""
    from pathlib import Path

    from lorapan.core.dataset import Dataset
    from lorapan.core.errors import LorapanError
    from lorapan.core.settings import SettingsError

    root = Path(path).expanduser()
    if not root.exists():
        return None, fail(f"{root} does not exist", "give the folder that holds your images")
    if not root.is_dir():
        return None, fail(f"{root} is not a folder", "give the folder that holds your images")
    try:
        return Dataset.open(root), EXIT_OK
    except SettingsError as exc:
        return None, fail(str(exc), "fix lorapan.toml (see README: Settings)")
    except PermissionError as exc:
        return None, fail(
            f"cannot read {exc.filename}: permission denied", "check the folder's permissions"
        )
    except LorapanError as exc:
        return None, fail(exc.message, exc.hint, EXIT_STATE)


def refuse_if_interrupted(ds) -> int | None:
    """Edits wait until an interrupted transaction is finished or rolled back."""
    pending = ds.journal.incomplete()
    if not pending:
        return None
    labels = ", ".join(f"'{t.label}' ({len(t.ops)} files)" for t in pending)
    return fail(
        f"an edit was interrupted before it finished: {labels}",
        f"run `{hint('recover', ds.root, '--finish')}` to complete it, "
        f"or `{hint('recover', ds.root, '--rollback')}` to undo what it did",
        code=EXIT_FINDINGS,
    )


def shorten(items: list[str], limit: int = 5) -> str:
    """'a, b, c and 7 more' for long lists of files."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def command_parser(sub, name: str, help: str, description: str, epilog: str):  # noqa: A002
    """A subcommand parser whose ``--help`` keeps the epilog's examples as written."""
    import argparse

    return sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def select_or_fail(ds, query: str | None):  # -> tuple[list[str] | None, int]
    """The images a ``--query`` selects, or (None, exit code) after saying what is wrong."""
    from lorapan.core.query import QueryError

    try:
        return ds.select(query), EXIT_OK
    except QueryError as exc:
        return None, fail(f"bad query: {exc}", "see the query examples in `lorapan edit --help`")


def open_with_sources(path: str, images: list[str]):  # -> tuple[Dataset | None, list[str], int]
    """Open the dataset and resolve IMAGE arguments (augment, collage) or say why not."""
    from lorapan.core.augment.select import resolve_images

    ds, code = open_dataset(path)
    if ds is None:
        return None, [], code
    relpaths, missing = resolve_images(ds, images)
    if missing:
        return (
            None,
            [],
            fail(
                f"not an image of {ds.root}: {', '.join(missing)}",
                f"give paths inside the dataset; `{hint('info', path)}` lists them",
            ),
        )
    return ds, relpaths, EXIT_OK
