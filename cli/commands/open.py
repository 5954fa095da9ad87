"""``lorapan open PATH`` (also ``lorapan PATH``): the reviewer app on a dataset folder."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys
from pathlib import Path

from lorapan.support import EXIT_OK, EXIT_USAGE, fail

NAME = "open"
ORDER = 5
HELP = "open a dataset folder in the reviewer app (also: lorapan PATH)"

EPILOG = """\
examples:
  lorapan ~/data/goblin                    same as `lorapan open ~/data/goblin`
  lorapan open DIR --theme high-contrast   pick a theme (it is remembered)
  lorapan open DIR --no-preview            no image preview (slow links)
  lorapan open DIR --preview sixel         real pixels where the terminal has sixel
                                           (needs: pip install textual-image)
  lorapan open DIR --serve --port 8000     serve in a browser; then ssh -L 8000:localhost:8000

keys: ? shows every key; ctrl+p searches every action. Remap keys in keymap.toml
in the user config folder. Environment: LORAPAN_THEME,
LORAPAN_PREVIEW=halfcell|auto|sixel|tgp|off (halfcell is the default and works everywhere),
LORAPAN_CONFIG_DIR. Over SSH set COLORTERM=truecolor for full colour.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        NAME,
        help=HELP,
        description=HELP,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", type=Path, help="the dataset folder")
    p.add_argument("--theme", help="theme name (lorapan-dark, lorapan-light, high-contrast…)")
    p.add_argument("--no-preview", action="store_true", help="do not draw image previews")
    p.add_argument(
        "--preview",
        choices=("auto", "halfcell", "sixel", "tgp", "off"),
        help="how to draw the preview (default halfcell; sixel/tgp need textual-image)",
    )
    p.add_argument("--no-analysis", action="store_true", help="do not analyse images at open")
    p.add_argument("--no-watch", action="store_true", help="do not follow outside changes")
    p.add_argument(
        "--serve", action="store_true", help="serve the app to a browser (textual-serve)"
    )
    p.add_argument("--host", default="localhost", help="--serve: address (default localhost)")
    p.add_argument("--port", type=int, default=8000, help="--serve: port (default 8000)")
    p.set_defaults(func=run)


def _serve(args: argparse.Namespace, root: Path) -> int:
    if importlib.util.find_spec("textual_serve") is None:
        return fail(
            "--serve needs the optional textual-serve package",
            "pip install 'lorapan[serve]' (or pip install textual-serve), then run again",
        )
    from textual_serve.server import Server

    parts = [sys.executable, "-m", "lorapan", "open", str(root)]
    if args.theme:
        parts += ["--theme", args.theme]
    if args.no_preview:
        parts.append("--no-preview")  # a browser shows half-blocks only: --preview is not passed
    if args.no_analysis:
        parts.append("--no-analysis")
    if args.no_watch:
        parts.append("--no-watch")
    url = f"http://{args.host}:{args.port}"
    print(
        f"serving {root} on {url}: each browser tab runs its own copy of the app\n"
        f"from another machine: ssh -L {args.port}:localhost:{args.port} THIS_HOST, "
        f"then open http://localhost:{args.port}\nctrl+c stops the server",
        flush=True,
    )
    try:
        Server(
            shlex.join(parts), host=args.host, port=args.port, title=f"lorapan {root.name}"
        ).serve()
    except OSError as exc:
        return fail(f"cannot serve on {url}: {exc}", "try another --port")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    root = args.path.expanduser()
    if not root.is_dir():
        return fail(f"{root} is not a folder", "give the folder that holds the images")
    if args.serve:
        return _serve(args, root.resolve())
    served = "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")  # started by --serve
    if not served and (not sys.stdin.isatty() or not sys.stdout.isatty()):
        return fail(
            "the app needs a terminal", "run it in a terminal; for scripts use the other commands"
        )
    from lorapan.tui.app import run_app  # textual is imported only here

    opts = {
        "theme": args.theme,
        "preview": "off" if args.no_preview else args.preview,
        "analyse": not args.no_analysis,
        "watch": not args.no_watch,
    }
    try:
        return run_app(root, **opts)
    except OSError as exc:
        return fail(f"cannot open {root}: {exc}", "check the folder's permissions")


__all__ = ["EXIT_USAGE", "NAME", "ORDER", "HELP", "register", "run"]
