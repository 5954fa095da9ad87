"""`lorapan models`: the tagger models lorapan can find, and how to get one."""

from __future__ import annotations

import argparse

from lorapan.support import EXIT_FINDINGS, EXIT_OK, command_parser, print_json

NAME = "models"
ORDER = 46
HELP = "list the WD14 tagger models found (user models folder, settings, --model)"

EPILOG = """\
A model is a folder holding model.onnx and selected_tags.csv, as in SmilingWolf's
wd-* repositories (v2 convnext/swinv2/vit/moat, v3 vit/swinv2/eva02). Put such
folders in the models folder shown below, or point --model / a dataset's
[tagger] model setting at one. lorapan never downloads anything itself.

examples:
  lorapan models
  lorapan models --path ~/data/goblin     also the model that dataset's settings name
  lorapan models --json
  lorapan models --download SmilingWolf/wd-vit-tagger-v3   (optional extra: lorapan[hub])
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = command_parser(
        sub,
        NAME,
        help=HELP,
        description="List the tagger models lorapan can use.",
        epilog=EPILOG,
    )
    p.add_argument("extra", nargs="*", metavar="DIR", help="also look in these folders")
    p.add_argument(
        "--path", metavar="DATASET", help="also the model named in this dataset's settings"
    )
    p.add_argument(
        "--check", action="store_true", help="open each model with onnxruntime and report its input"
    )
    p.add_argument(
        "--download",
        metavar="REPO",
        help="fetch REPO's model.onnx + selected_tags.csv into the models folder "
        "(needs network and `pip install lorapan[hub]`)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _describe(folder, check: bool) -> dict:
    from lorapan.core.tagger.labels import TagListError, read_tag_csv
    from lorapan.core.tagger.model import ModelError, TaggerModel

    info: dict = {"name": folder.name, "path": str(folder.resolve())}
    try:
        if check:
            model = TaggerModel.open(folder)
            spec = model.spec
            info.update(
                tags=len(model.tags),
                input=f"{spec.name} {spec.height}x{spec.width} NHWC",
                batch=spec.fixed_batch or "any",
                provider=model.provider,
            )
        else:
            info["tags"] = len(read_tag_csv(folder / "selected_tags.csv"))
            info["size_mb"] = round((folder / "model.onnx").stat().st_size / 1e6, 1)
    except (ModelError, TagListError, OSError) as exc:
        info["problem"] = str(exc)
    return info


def _configured(path: str | None) -> str | None:
    if not path:
        return None
    from pathlib import Path

    from lorapan.core.settings import SettingsError, load_settings

    try:
        value = load_settings(Path(path).expanduser()).section("tagger").get("model")
    except (SettingsError, OSError):
        return None
    return str(value) if value else None


def _download(repo: str) -> int:
    from lorapan.core.tagger.model import MODEL_FILE, TAGS_FILE, models_dir
    from lorapan.support import fail

    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        return fail(
            "downloading needs the optional huggingface_hub package",
            "`pip install lorapan[hub]`, or download the two files elsewhere (see `lorapan models`)",
        )
    target = models_dir() / repo.rstrip("/").split("/")[-1]
    try:
        for name in (MODEL_FILE, TAGS_FILE):
            hf_hub_download(repo_id=repo, filename=name, local_dir=str(target))
    except Exception as exc:  # network, auth or missing repository: say so, no traceback
        return fail(f"download of {repo} failed: {exc}", "check the repository id and the network")
    print(f"saved {repo} to {target}")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from lorapan.core.tagger.model import find_models, how_to_get, models_dir

    if args.download:
        return _download(args.download)

    folders = find_models([*args.extra, _configured(args.path)])
    found = [_describe(f, args.check) for f in folders]
    if args.json:
        print_json({"models_dir": str(models_dir()), "models": found})
        return EXIT_OK if found else EXIT_FINDINGS
    print(f"models folder: {models_dir()}")
    if not found:
        print("no tagger model found")
        print("to get one: " + how_to_get())
        return EXIT_FINDINGS
    for info in found:
        extra = info.get("problem") or "  ".join(
            f"{k}={info[k]}" for k in ("tags", "size_mb", "input", "batch", "provider") if k in info
        )
        print(f"{info['name']:<28} {extra}\n  {info['path']}")
    return EXIT_OK
