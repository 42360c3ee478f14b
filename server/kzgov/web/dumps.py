"""The downloadable dumps of the served build: which files, their media types and sizes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kzgov.core.errors import KzgovError
from kzgov.core.release import DATASET_NQUADS, DATASET_TRIG, UNION_TURTLE

DUMP_TO_MEDIA_TYPE = {
    DATASET_TRIG: "application/trig",
    DATASET_NQUADS: "application/n-quads",
    UNION_TURTLE: "text/turtle",
}

DUMP_TO_DESCRIPTION = {
    DATASET_TRIG: "Every named graph (sources, registry, catalogue, links, ontology, manifest,"
    " inferred) in TriG.",
    DATASET_NQUADS: "Every named graph in N-Quads, one statement per line.",
    UNION_TURTLE: "The union of all graphs as one Turtle graph, without graph names.",
}


class UnknownDump(KzgovError):
    """A dump file that the build does not have."""


@dataclass(frozen=True)
class Dump:
    """One dump file of a build.

    Attributes:
        name: the file name, as in the URL /dumps/<name>.
        media_type: its media type.
        description: what it holds.
        path: where it is on disk.
        size_bytes: its size.
    """

    name: str
    media_type: str
    description: str
    path: Path
    size_bytes: int


def list_dumps(release: Path) -> list[Dump]:
    """The dumps a release holds, in a fixed order (TriG, N-Quads, Turtle).

    Args:
        release: the release folder.

    Returns:
        The dump files that exist.
    """
    dumps = []
    for name, media_type in DUMP_TO_MEDIA_TYPE.items():
        path = release / name
        if path.is_file():
            dumps.append(
                Dump(name, media_type, DUMP_TO_DESCRIPTION[name], path, path.stat().st_size)
            )
    return dumps


def unknown_dump(name: str) -> UnknownDump:
    """The error for a dump name that is not one of the build's files."""
    names = ", ".join(DUMP_TO_MEDIA_TYPE)
    return UnknownDump(f"there is no dump {name!r}; the dumps are: {names}")


def find_dump(release: Path, name: str) -> Dump:
    """One dump of a release by file name.

    Args:
        release: the release folder.
        name: the file name (only the names in DUMP_TO_MEDIA_TYPE are served).

    Returns:
        The dump.

    Raises:
        UnknownDump: the name is not a dump, or the file is missing.
    """
    for dump in list_dumps(release):
        if dump.name == name:
            return dump
    raise unknown_dump(name)
