"""`lorapan tags PATH`: the tag frequency table."""

from __future__ import annotations

import argparse

from lorapan.support import (
    EXIT_OK,
    command_parser,
    open_dataset,
    print_json,
    select_or_fail,
)

NAME = "tags"
ORDER = 20
HELP = "tag frequency table (optionally over a query)"


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="Count how many images carry each tag, most common first.",
        epilog="examples:\n  lorapan tags DIR\n  lorapan tags DIR --query 'outdoors AND NOT day' --limit 20",
    )
    p.add_argument("path", help="dataset folder")
    p.add_argument("--query", "-q", help="only images matching this query (see README: Queries)")
    p.add_argument("--limit", type=int, default=0, help="show only the N most common tags")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run, one_pass=True)


def frequencies(ds, relpaths: list[str]) -> list[tuple[str, int]]:
    if len(relpaths) == len(ds.items):
        return ds.index.frequencies()
    from lorapan.core.tag_index import TagIndex

    sub = TagIndex()
    for rel in relpaths:
        sub.add_image(rel, ds.items[rel].tags)
    return sub.frequencies()


def run(args: argparse.Namespace) -> int:
    ds, code = open_dataset(args.path)
    if ds is None:
        return code
    rels, code = select_or_fail(ds, args.query)
    if rels is None:
        return code
    rows = frequencies(ds, rels)
    if args.limit > 0:
        rows = rows[: args.limit]
    if args.json:
        print_json({"images": len(rels), "tags": [{"tag": t, "count": n} for t, n in rows]})
        return EXIT_OK
    total = max(1, len(rels))
    width = max((len(str(n)) for _, n in rows), default=1)
    for tag, n in rows:
        print(f"{n:>{width}}  {100 * n / total:5.1f}%  {tag}")
    print(f"{len(rows)} tags over {len(rels)} images")
    return EXIT_OK
