"""The release the build writes and the stores serve: where it is and its files' names.

The build (`kzgov.build.pipeline`) writes each release to its own folder and points
`build/current` at the last good one; the stores and the pages read it from there.
"""

from __future__ import annotations

from pathlib import Path

CURRENT_LINK = "current"
DATASET_TRIG = "kzgov.trig"
DATASET_NQUADS = "kzgov.nq"
UNION_TURTLE = "kzgov.ttl"
SUMMARY_JSON = "summary.json"


def current_release(build_dir: Path) -> Path | None:
    """The folder of the last good build, or None if there is none."""
    link = build_dir / CURRENT_LINK
    if not link.exists():
        return None
    return link.resolve()
