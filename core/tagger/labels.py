"""The tag list of a WD14 tagger (``selected_tags.csv``): names and categories by output index.

Output index i of the model maps to data row i of the CSV. Categories are indexed by row,
never by assuming all general rows come before all character rows (kohya's assumption).
The reader is tolerant of what hand-edited or re-exported files contain: float-formatted
ids, counts and categories (``4.0``), CRLF line ends, a BOM, blank rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GENERAL = 0
CHARACTER = 4
RATING = 9
CATEGORY_NAMES = {GENERAL: "general", CHARACTER: "character", RATING: "rating"}


class TagListError(ValueError):
    """The CSV cannot be used; the message says which file and row."""


@dataclass(frozen=True)
class TagList:
    names: tuple[str, ...]
    categories: np.ndarray  # int16, one per row

    def __len__(self) -> int:
        return len(self.names)

    def indices(self, category: int) -> np.ndarray:
        return np.flatnonzero(self.categories == category)

    def category_name(self, index: int) -> str:
        return CATEGORY_NAMES.get(int(self.categories[index]), "other")


def _number(text: str, field: str, path: Path, line: int) -> int:
    try:
        return int(float(text.strip()))
    except ValueError as exc:
        raise TagListError(f"{path}: line {line}: {field} {text!r} is not a number") from exc


def read_tag_csv(path: Path) -> TagList:
    """Read ``selected_tags.csv``; raise TagListError with the file and line on bad input."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise TagListError(f"{path}: not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TagListError(f"{path}: cannot be read ({exc})") from exc
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    names: list[str] = []
    cats: list[int] = []
    for line, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [c.strip().lower() for c in row]
            if "name" not in header or "category" not in header:
                raise TagListError(
                    f"{path}: the header must name the columns 'name' and 'category' "
                    f"(a WD14 list starts 'tag_id,name,category,count'), found {','.join(row)!r}"
                )
            name_col, cat_col = header.index("name"), header.index("category")
            continue
        if len(row) <= max(name_col, cat_col):
            raise TagListError(
                f"{path}: line {line}: expected {len(header)} columns, found {len(row)}"
            )
        name = row[name_col].strip()
        if not name:
            raise TagListError(f"{path}: line {line}: empty tag name")
        names.append(name)
        cats.append(_number(row[cat_col], "category", path, line))
    if header is None or not names:
        raise TagListError(f"{path}: no tags in the file")
    return TagList(tuple(names), np.asarray(cats, dtype=np.int16))
