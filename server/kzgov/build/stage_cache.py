"""The build's stage cache: each stage's result stored under build/cache/<stage>/<key>/.

A key is a hash of everything a stage's result depends on: the bytes of the files it
reads, the keys of the stages it follows, its options, and the code that computes it
(`code_fingerprint`: every module of the kzgov package and the versions of the libraries
the build uses). Equal keys mean equal results, so a stage whose key has an entry is not
run again.

An entry is a folder of files and an `entry.json` listing each file's size and SHA-256.
It is written into a temporary folder and renamed into place, so an entry is complete or
absent; on the way out, each file is checked against the list, and an entry that fails
(a file missing, truncated or changed) is deleted and reported as absent, so the stage
runs again instead of trusting it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

import kzgov

ENTRY_MANIFEST = "entry.json"
HASH_CHUNK_BYTES = 1 << 20
# The libraries whose behaviour the build's results depend on.
BUILD_LIBRARIES = ("rdflib", "pyshacl", "owlrl", "pyoxigraph")
# Entries not used by the latest build that each stage keeps, most recently used first.
UNUSED_ENTRIES_KEPT = 8


def cache_key(*parts: str) -> str:
    """A key from the strings a result depends on (order matters; no two lists collide).

    Args:
        parts: the stage name, digests, option values and keys of earlier stages.

    Returns:
        32 hex digits.
    """
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()[:32]


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """A digest of the build's code: the kzgov package's modules and the libraries' versions.

    Any change to kzgov's Python code, or an upgrade of a library the build relies on,
    changes every key, so no result computed by other code is reused.

    Returns:
        32 hex digits.
    """
    package = Path(kzgov.__file__).resolve().parent
    parts = [f"kzgov {kzgov.__version__}"]
    for module in sorted(package.rglob("*.py")):
        parts.append(f"{module.relative_to(package).as_posix()} {file_digest(module)}")
    for library in BUILD_LIBRARIES:
        try:
            parts.append(f"{library} {metadata.version(library)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{library} absent")
    return cache_key(*parts)


class StageCache:
    """The cache entries of every stage, in one folder.

    Attributes:
        root: the cache folder (build/cache).
        used: the (stage, key) entries this build has read or written.
    """

    def __init__(self, root: Path) -> None:
        """Use a cache folder, which need not exist yet.

        Args:
            root: the cache folder.
        """
        self.root = root
        self.used: set[tuple[str, str]] = set()

    def entry_dir(self, stage: str, key: str) -> Path:
        """Where a stage's entry for a key lives."""
        return self.root / stage / key

    def lookup(self, stage: str, key: str) -> Path | None:
        """The folder of a complete, intact entry, or None.

        An entry whose files do not match its manifest is deleted.

        Args:
            stage: the stage name.
            key: the stage's key.

        Returns:
            The entry folder, or None when there is no sound entry.
        """
        folder = self.entry_dir(stage, key)
        if not folder.is_dir():
            return None
        if not is_intact(folder):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        os.utime(folder)  # most recently used: kept longest by prune()
        self.used.add((stage, key))
        return folder

    def store(self, stage: str, key: str, write: Callable[[Path], None]) -> Path:
        """Write a stage's result as an entry, atomically.

        Args:
            stage: the stage name.
            key: the stage's key.
            write: writes the result's files into the folder it is given.

        Returns:
            The entry folder.
        """
        stage_dir = self.root / stage
        stage_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=stage_dir))
        try:
            write(staging)
            write_manifest(staging)
            final = self.entry_dir(stage, key)
            if final.exists():
                if is_intact(final):  # another build wrote the same result meanwhile
                    shutil.rmtree(staging, ignore_errors=True)
                    self.used.add((stage, key))
                    return final
                shutil.rmtree(final, ignore_errors=True)
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.used.add((stage, key))
        return final

    def prune(self, keep_unused: int = UNUSED_ENTRIES_KEPT) -> None:
        """Delete old entries: each stage keeps what this build used and a few more.

        Args:
            keep_unused: entries per stage kept beyond those this build used, the most
                recently used first.
        """
        if not self.root.is_dir():
            return
        for stage_dir in self.root.iterdir():
            if not stage_dir.is_dir():
                continue
            entries = [p for p in stage_dir.iterdir() if p.is_dir()]
            leftovers = [p for p in entries if p.name.startswith(".")]
            unused = [
                p
                for p in entries
                if not p.name.startswith(".") and (stage_dir.name, p.name) not in self.used
            ]
            unused.sort(key=lambda p: p.stat().st_mtime, reverse=True)
            for old in unused[keep_unused:] + leftovers:
                shutil.rmtree(old, ignore_errors=True)


def write_manifest(folder: Path) -> None:
    """List each file of an entry folder with its size and SHA-256, in entry.json."""
    files = {
        path.name: {"bytes": path.stat().st_size, "sha256": file_digest(path)}
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != ENTRY_MANIFEST
    }
    (folder / ENTRY_MANIFEST).write_text(json.dumps({"files": files}, indent=2) + "\n")


def is_intact(folder: Path) -> bool:
    """Whether an entry holds exactly the files its manifest lists, each of its size and SHA-256."""
    try:
        listed = json.loads((folder / ENTRY_MANIFEST).read_text())["files"]
        present = {p.name for p in folder.iterdir() if p.name != ENTRY_MANIFEST}
        if present != set(listed):
            return False
        for name, expected in listed.items():
            path = folder / name
            if path.stat().st_size != expected["bytes"] or file_digest(path) != expected["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def link_or_copy(sources: Iterable[Path], into: Path) -> None:
    """Put files into a folder as hard links (no bytes copied), or copies across devices.

    Args:
        sources: the files.
        into: the folder.
    """
    for source in sources:
        target = into / source.name
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
