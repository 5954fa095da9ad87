"""Shared helpers for CLI commands: exit codes, JSON output, error messages.

Lives in core (no textual) so every command module can use it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1  # done, but with conflicts, unreadable files or error findings
EXIT_USAGE = 2


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def fail(message: str, hint: str | None = None, code: int = EXIT_USAGE) -> int:
    """Print an error and what to do next; return the exit code."""
    print(f"lorapan: error: {message}", file=sys.stderr)
    if hint:
        print(f"  next: {hint}", file=sys.stderr)
    return code
