"""The shipped data files (``core/data/*.toml``), parsed once.

Its own module so that the modules the vocabularies use (:mod:`.names`) can read the
lists without importing :mod:`.vocab` itself.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@cache
def data_file(name: str) -> dict[str, Any]:
    """A shipped data file, parsed (cached; callers must not mutate it)."""
    text = resources.files("lorapan.core").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)
