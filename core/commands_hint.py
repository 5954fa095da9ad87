"""Commands that messages offer to copy, quoted for a POSIX shell.

A hint such as ``lorapan undo /data/my data $(x)`` pasted into a shell would run
``$(x)`` and undo the wrong folder. Every ``lorapan …`` a message shows is built
here, each part passed through :func:`shlex.quote`, so what is copied runs the
command that is meant, on the folder that is meant.
"""

from __future__ import annotations

import shlex
from os import PathLike


def hint(command: str, *args: str | PathLike[str] | int) -> str:
    """``lorapan COMMAND ARGS…`` ready to paste: ``hint("undo", root)``.

    Options are passed as parts too (``hint("recover", root, "--finish")``).
    """
    return shlex.join(["lorapan", command, *(str(a) for a in args)])
