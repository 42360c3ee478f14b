"""The release the build writes and the stores serve: where it is, its files' names, its pins.

The build (`kzgov.build.pipeline`) writes each release to its own folder and points
`build/current` at the last good one; the stores and the pages read it from there.

A server pins the release it serves: it holds a shared `flock` on the release's
PIN_FILE for as long as it (or any of its worker processes) runs, and the build's
pruning skips a release whose pin file it cannot lock exclusively. The kernel drops
the lock when the last process holding it exits, however it exits, so a crashed
server never leaves a release pinned. Only the process that pinned holds the pin: its
forked children (the query workers) close their copy, so a server that reloads a newer
release lets the old one go even while workers forked earlier still run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CURRENT_LINK = "current"
DATASET_TRIG = "kzgov.trig"
DATASET_NQUADS = "kzgov.nq"
UNION_TURTLE = "kzgov.ttl"
SUMMARY_JSON = "summary.json"
PIN_FILE = ".pin"
# The shapes and named queries a release was built with, copied into it, so that a
# server shows those and not whatever the working tree holds since.
RELEASE_SHAPES = "shapes"
RELEASE_QUERIES = "queries"
# A build may swap and prune releases while a server pins one: retry this often.
PIN_ATTEMPTS = 5


def current_release(build_dir: Path) -> Path | None:
    """The folder of the last good build, or None if there is none."""
    link = build_dir / CURRENT_LINK
    if not link.exists():
        return None
    return link.resolve()


def built_with(release: Path | None, folder: str, working_tree: Path) -> Path:
    """The folder of shapes or named queries a release was built with.

    Args:
        release: the release served (None: no pinned release).
        folder: RELEASE_SHAPES or RELEASE_QUERIES.
        working_tree: the project's folder, for a release written before releases kept them.
    """
    if release is not None and (release / folder).is_dir():
        return release / folder
    return working_tree


def release_files_missing(release: Path) -> list[str]:
    """The files a served release needs that are not there (none: it is whole)."""
    return [name for name in (DATASET_NQUADS, SUMMARY_JSON) if not (release / name).is_file()]


@dataclass(eq=False)
class ReleasePin:
    """A release held by this process: no build prunes it while the pin is open.

    Attributes:
        path: the release folder.
        descriptor: the open pin file, locked shared.
    """

    path: Path
    descriptor: int

    def close(self) -> None:
        """Let the release go (a build may then prune it)."""
        if self.descriptor >= 0:
            with contextlib.suppress(OSError):
                os.close(self.descriptor)
            self.descriptor = -1
        OPEN_PINS.discard(self)


OPEN_PINS: set[ReleasePin] = set()


def drop_pins_in_child() -> None:
    """In a forked child, close the copies of the parent's pins (the parent keeps them)."""
    for pin in list(OPEN_PINS):
        with contextlib.suppress(OSError):
            os.close(pin.descriptor)
        pin.descriptor = -1
    OPEN_PINS.clear()


os.register_at_fork(after_in_child=drop_pins_in_child)


def open_pin_file(release: Path) -> int:
    """Open a release's pin file, creating it if the release has none yet.

    Raises:
        OSError: the release folder is gone or cannot be written.
    """
    path = release / PIN_FILE
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        if not release.is_dir():
            raise
        return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)


def pin_current_release(build_dir: Path) -> ReleasePin | None:
    """Pin the current release, so that no build prunes it while this process serves it.

    Args:
        build_dir: the build folder.

    Returns:
        The pin, or None if there is no build.
    """
    for _ in range(PIN_ATTEMPTS):
        release = current_release(build_dir)
        if release is None:
            return None
        try:
            descriptor = open_pin_file(release)
        except OSError:
            continue  # pruned between reading the link and opening the pin: look again
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        if not release_files_missing(release):
            pin = ReleasePin(path=release, descriptor=descriptor)
            OPEN_PINS.add(pin)
            return pin
        os.close(descriptor)
    return None


@contextlib.contextmanager
def unpinned(release: Path) -> Iterator[bool]:
    """Whether no server pins a release; while the block runs, none can pin it.

    Yields:
        True if the release may be removed inside the block.
    """
    path = release / PIN_FILE
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        yield True  # never served, or written before pins existed
        return
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)
