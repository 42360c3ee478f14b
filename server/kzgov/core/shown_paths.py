"""Paths in what kzgov prints: relative to the working directory, as a user would type them."""

from __future__ import annotations

import os
from pathlib import Path


def shown_path(path: Path | str) -> str:
    """A path relative to the working directory (with `..` where it is outside it).

    The path's links are kept (build/current stays build/current). On another drive,
    where no relative path exists, the path is returned as it is.
    """
    absolute = Path(path).absolute()
    try:
        return os.path.relpath(absolute, Path.cwd())
    except ValueError:
        return str(path)
