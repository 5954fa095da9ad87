"""Files kohya reads differently than they look: orphan captions, two images sharing
one caption stem, caption extensions (also in another case: ``a.TXT``, which kohya's
``base + caption_extension`` does not find on Linux), image formats (``pair.*``,
``kohya.image-format``: a ``.gif`` lorapan lists, a ``.heic`` it does not, whose
caption is then no orphan); the folders it ignores are :mod:`.ignored`'s, pictures
it decodes differently (EXIF orientation, transparency) :mod:`.kohya_pixels`'.
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from typing import Any

from lorapan.core.method.anchor import tag_key
from lorapan.core.naming import CLIPPED_MODES, KOHYA_IMAGE_EXTS, kohya_globs, natural_key
from lorapan.core.rules.dataset_wide.kohya_pixels import pictures
from lorapan.core.rules.dataset_wide.view import View
from lorapan.core.rules.messages import plural, verb
from lorapan.core.rules.model import Finding, Fix, RenameStep
from lorapan.core.rules.pairing import near_pairs, rename_hint

#: image formats found beside training images that sd-scripts never globs (it reads
#: .avif and .jxl only with optional Pillow plugins); lorapan does not list them either
UNREAD_IMAGE_EXTS = frozenset(
    {".heic", ".heif", ".avif", ".jxl", ".tif", ".tiff", ".jfif", ".jpe", ".dng", ".psd"}
)
_listings: dict[str, tuple[int, tuple[str, ...]]] = {}


def unread_images(ds: Any) -> list[str]:
    """Files beside the dataset's images and captions in an image format kohya does not
    read (relpaths, natural order); each folder is listed again only when it changed."""
    folders = {rel.rpartition("/")[0] for rel in ds.items}
    folders.update(rel.rpartition("/")[0] for rel in ds.orphan_captions)
    out: list[str] = []
    for folder in sorted(folders):
        path = os.path.join(str(ds.root), folder)
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            continue
        memo = _listings.get(path)
        if memo is None or memo[0] != mtime:
            try:
                names = tuple(n for n in os.listdir(path) if _ext(n) in UNREAD_IMAGE_EXTS)
            except OSError:
                names = ()
            memo = _listings[path] = (mtime, names)
        out += [f"{folder}/{n}" if folder else n for n in memo[1]]
    return sorted(out, key=natural_key)


def _unread_stems(ds: Any) -> dict[str, str]:
    """Stem relpath -> the unread image of that stem (``a/IMG_1`` -> ``a/IMG_1.HEIC``)."""
    return {posixpath.splitext(rel)[0]: rel for rel in unread_images(ds)}


def orphan_captions(v: View) -> list[Finding]:
    """``pair.orphans``: captions with no image, less those of an image lorapan and kohya
    do not read (a ``.heic``): ``kohya.image-format`` says to convert it, and the
    caption is to be kept, not deleted."""
    unread = _unread_stems(v.ctx.dataset) if v.ctx.dataset.orphan_captions else {}
    orphans = [c for c in v.ctx.dataset.orphan_captions if posixpath.splitext(c)[0] not in unread]
    if not orphans:
        return []
    one = len(orphans) == 1
    them = "it" if one else "them"
    msg = (
        f"{plural(len(orphans), 'caption file')} {verb(len(orphans), 'has', 'have')} no "
        f"image beside {them}: the trainer ignores {them} and {'it usually means' if one else 'they usually mean'} "
        f"an image was renamed or deleted. Pair or delete {them}."
    )
    for image, caption in near_pairs(v.ctx.dataset)[:3]:
        msg += (
            f" {caption} and {image} differ only by a trailing dot, space or case in the "
            f"name: rename the image (`{rename_hint(v.ctx.dataset.root, image, caption)}`)."
        )
    return [Finding("pair.orphans", "error", msg, orphans, key="pair.orphans:captions")]


def stem_collisions(v: View) -> list[Finding]:
    """a.png + a.jpg beside a.txt: kohya reads a.txt for both images."""
    pairs = list(getattr(v.ctx.dataset, "stem_collisions", []))
    if not pairs:
        return []
    images = sorted({rel for a, b, _ in pairs for rel in (a, b)}, key=lambda r: v.order.get(r, 0))
    shown = "; ".join(f"{a} + {b} → {cap}" for a, b, cap in pairs[:3])
    more = f"; and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    details: dict[str, int] = {}
    for _a, _b, cap in pairs:
        details[cap] = details.get(cap, 1) + 1
    return [
        Finding(
            "pair.stem-collision",
            "warning",
            f"{plural(len(pairs), 'pair')} of images share one file name stem ({shown}{more}): "
            "kohya trains both with the same caption, so tags that fit one picture teach the "
            "other; rename one and give it its own caption.",
            images,
            key="pair.stem-collision",
            details=details,
        )
    ]


def kohya_misread(v: View) -> list[Finding]:
    """``kohya.image-format``: images sd-scripts never reads (a ``.gif``, a ``.heic``) or
    reads wrong (16-bit grayscale, which its ``convert("RGB")`` clips to nearly white);
    then ``kohya.orientation`` and ``kohya.transparency`` (:mod:`.kohya_pixels`)."""
    ds = v.ctx.dataset
    out: list[Finding] = []
    skipped = [rel for rel in ds.items if not kohya_globs(rel)]
    if skipped:
        exts = Counter(os.path.splitext(r)[1] for r in skipped)
        shown = ", ".join(f"{e} ×{n}" for e, n in sorted(exts.items()))
        mixed = sorted(e for e in exts if e.lower() in KOHYA_IMAGE_EXTS)
        if mixed:  # '.Jpg': a format kohya reads, spelled in a case its glob does not list
            shown += (
                f"; sd-scripts looks for each extension in lower or upper case only: rename "
                f"{', '.join(mixed)} to {', '.join(e.lower() for e in mixed)}"
            )
        out.append(
            Finding(
                "kohya.image-format",
                "warning",
                f"{plural(len(skipped), 'image')} in a format kohya does not read ({shown}): "
                "sd-scripts trains .png, .jpg, .jpeg, .webp and .bmp files only, so "
                f"{'it' if len(skipped) == 1 else 'they'} would not train. Save "
                f"{'it' if len(skipped) == 1 else 'them'} as PNG (an animated GIF: the "
                "frame to keep), or set it aside.",
                sorted(skipped, key=lambda r: v.order.get(r, 0)),
                key="kohya.image-format:ext",
            )
        )
    out += _unread_format(v)
    facts = v.ctx.facts or {}
    clipped = [
        rel
        for rel in ds.items
        if (f := facts.get(rel)) is not None and getattr(f, "mode", "") in CLIPPED_MODES
    ]
    if clipped:
        mode = getattr(facts[clipped[0]], "mode", "")
        out.append(
            Finding(
                "kohya.image-format",
                "warning",
                f"{plural(len(clipped), 'image')} {verb(len(clipped), 'is', 'are')} 16- or "
                f"32-bit grayscale (mode {mode}): kohya's convert('RGB') clips such pixels to "
                "nearly white, so the picture it trains on is blank. Save "
                f"{'it' if len(clipped) == 1 else 'them'} as 8-bit (grayscale 'L' or RGB).",
                sorted(clipped, key=lambda r: v.order.get(r, 0)),
                key="kohya.image-format:mode",
            )
        )
    return out + pictures(v)


def _unread_format(v: View) -> list[Finding]:
    """Images in a format neither lorapan nor kohya reads (a phone's ``.heic``), named with
    the captions that wait for them: convert, never delete (they are no orphans)."""
    ds = v.ctx.dataset
    unread = unread_images(ds)
    if not unread:
        return []
    n = len(unread)
    exts = Counter(os.path.splitext(r)[1] for r in unread)
    shown = ", ".join(f"{e} ×{k}" for e, k in sorted(exts.items()))
    stems = {posixpath.splitext(r)[0] for r in unread}
    waiting = [c for c in ds.orphan_captions if posixpath.splitext(c)[0] in stems]
    them = "it" if n == 1 else "them"
    first = unread[0]
    png = posixpath.basename(posixpath.splitext(first)[0]) + ".png"
    msg = (
        f"{plural(n, 'image')} {verb(n, 'is', 'are')} in a format kohya does not read "
        f"({shown}: {', '.join(unread[:3])}{' and more' if n > 3 else ''}): sd-scripts "
        "trains .png, .jpg, .jpeg, .webp and .bmp files only, so "
        f"{'it does' if n == 1 else 'they do'} not train, and lorapan does not list "
        f"{them}. Convert {them} to PNG or JPEG under the same name ({png}) with your "
        "photo app or an image converter"
    )
    if waiting:
        msg += (
            f", and {'its caption pairs' if n == 1 else 'their captions pair'} with "
            f"{them} ({plural(len(waiting), 'caption file')}, e.g. {waiting[0]}: keep "
            f"{'it' if len(waiting) == 1 else 'them'}, they are not orphans)"
        )
    if any(e.lower() in (".avif", ".jxl") for e in exts):
        msg += " (.avif and .jxl train only where sd-scripts has their optional Pillow plugins)"
    return [
        Finding("kohya.image-format", "warning", msg + ".", unread, key="kohya.image-format:unread")
    ]


def _ext(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _keys_of(path: os.PathLike[str] | str) -> tuple[str, ...] | None:
    """The tag keys of another caption file beside an image (None: unreadable)."""
    from lorapan.core.captions import CaptionDecodeError, parse_caption

    try:
        with open(path, "rb") as fh:
            return tuple(tag_key(t) for t in parse_caption(fh.read()).tags)
    except (OSError, CaptionDecodeError):
        return None


def caption_files(v: View) -> list[Finding]:
    """``pair.caption-files``: images with two caption files that disagree, images whose
    only caption has another extension than the one kohya will be told to read, and
    images whose caption's extension differs from it in case only (``a.TXT``)."""
    ds = v.ctx.dataset
    settings = ds.settings
    chosen = settings.caption_extension.lower()
    stated = settings.is_set("caption_extension")
    disagree: list[str] = []
    per_ext: Counter[str] = Counter()
    example = ""
    other_only: list[str] = []
    case_only: list[str] = []
    for rel, item in ds.items.items():
        if not item.caption_file:
            continue
        per_ext[_ext(item.caption_file)] += 1
        for extra in item.extra_captions:
            per_ext[_ext(extra)] += 1
            theirs = _keys_of(os.path.join(os.path.dirname(item.image_path), extra))
            if theirs is not None and theirs != tuple(tag_key(t) for t in item.tags):
                disagree.append(rel)
                example = example or f"{item.caption_file} ≠ {extra}"
                break
        if _ext(item.caption_file) != chosen:
            other_only.append(rel)
        elif not item.caption_file.endswith(settings.caption_extension):
            case_only.append(rel)
    out = _case_finding(v, case_only)
    exts = ", ".join(f"{e} ×{n}" for e, n in sorted(per_ext.items()))
    if disagree:
        sev = "warning" if stated else "error"
        msg = (
            f"{plural(len(disagree), 'image')} {'has' if len(disagree) == 1 else 'have'} two "
            f"caption files that disagree (e.g. {example}; caption files: {exts}): kohya "
            f"reads one extension only, here '{chosen}', and the others are never trained."
        )
        fix = None
        if not stated:
            msg += (
                f" Choose which: confirm '{chosen}' with "
                f"`{v.ctx.command('fix', '--rule', 'pair.caption-files')}`, or set "
                '[dataset] caption_extension = "..." in lorapan.toml (it goes into the '
                "kohya dataset TOML)."
            )
            fix = Fix(
                f"set caption_extension = '{chosen}' in lorapan.toml (undo reverts it)",
                lambda _ds: [],
                "pair.caption-files",
                settings={"caption_extension": settings.caption_extension},
            )
        out.append(Finding("pair.caption-files", sev, msg, disagree, fix, key="pair.caption-files"))
    if other_only:
        only = Counter(_ext(ds.items[r].caption_file or "") for r in other_only)
        msg = (
            f"{plural(len(other_only), 'image')} {'has' if len(other_only) == 1 else 'have'} "
            f"captions only in {', '.join(sorted(only))}, while kohya will be told to read "
            f"'{chosen}': those images would train without a caption."
        )
        fix = None
        if len(only) == 1 and len(other_only) == sum(
            1 for i in ds.items.values() if i.caption_file
        ):
            ext = next(iter(only))
            fix = Fix(
                f"set caption_extension = '{ext}' in lorapan.toml (undo reverts it)",
                lambda _ds: [],
                "pair.caption-files",
                settings={"caption_extension": ext},
            )
        else:
            fix = rename_fix(ds, other_only, settings.caption_extension)
            msg += (
                f" Rename their caption files to '{chosen}' "
                f"(`{v.ctx.command('fix', '--rule', 'pair.caption-files')}`, undoable)."
            )
        out.append(
            Finding(
                "pair.caption-files", "error", msg, other_only, fix, key="pair.caption-files:other"
            )
        )
    return out


def _case_finding(v: View, images: list[str]) -> list[Finding]:
    """Captions kohya looks for under another name: ``IMG_0001.TXT`` beside
    ``IMG_0001.JPG`` is read by lorapan, but sd-scripts opens ``IMG_0001`` +
    caption_extension (``os.path.isfile``), which on Linux is another file."""
    if not images:
        return []
    ds = v.ctx.dataset
    ext = ds.settings.caption_extension
    n = len(images)
    first = ds.items[images[0]]
    cap = first.caption_file or ""
    wanted = posixpath.splitext(cap)[0] + ext
    msg = (
        f"{plural(n, 'image')} {verb(n, 'has', 'have')} {'its' if n == 1 else 'their'} caption "
        f"in '{posixpath.splitext(cap)[1]}', not '{ext}' (e.g. {first.caption_rel}): kohya "
        f"opens the image's name with caption_extension '{ext}' as written ({wanted}), and on "
        "Linux, where file names are case-sensitive (a rented GPU too), finds no caption "
        f"there, so it trains {'that image' if n == 1 else 'those images'} uncaptioned (the "
        "class token only) while lorapan reads the other file. Rename them to "
        f"'{ext}' (`{v.ctx.command('fix', '--rule', 'pair.caption-files')}`, undoable)."
    )
    fix = rename_fix(ds, images, ext)
    return [Finding("pair.caption-files", "error", msg, images, fix, key="pair.caption-files:case")]


def rename_fix(ds: Any, images: list[str], ext: str) -> Fix:
    """Rename the images' caption files to ``ext``, the extension kohya is told to read
    (spelled as kohya joins it: ``a.TXT`` becomes ``a.txt``)."""
    frozen = tuple(images)

    def planner(now: Any) -> list[RenameStep]:
        steps, seen = [], set()
        for rel in frozen:
            item = now.items.get(rel)
            if item is None or not item.caption_rel or (item.caption_file or "").endswith(ext):
                continue
            if item.write_block or item.caption_rel in seen:  # a.png + a.jpg: one file
                continue  # (a link leading outside, a read-only file: left alone)
            seen.add(item.caption_rel)
            stem = posixpath.splitext(item.caption_rel)[0]
            if _same_file(now.root, item.caption_rel, stem + ext):
                continue  # a disk that ignores case: no rename the journal can make
            steps.append(RenameStep(rel, item.caption_rel, stem + ext))
        return steps

    label = f"rename their caption files to '{ext}' (undo renames them back)"
    return Fix(label, planner, "pair.caption-files", renames=True)


def _same_file(root: Any, a: str, b: str) -> bool:
    try:
        return os.path.samefile(os.path.join(str(root), a), os.path.join(str(root), b))
    except OSError:
        return False
