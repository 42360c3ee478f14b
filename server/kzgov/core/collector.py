"""Python's cyclic garbage collector during the build: paused while it allocates, run between stages.

A graph in memory is millions of small objects (terms, tuples, index entries) and almost
none of them is in a reference cycle, but each allocation counts towards the next
collection, and each full collection walks every live object: with the collector on, a
build grows worse than linearly with the graph (a 1M-triple build spent more time in the
collector than in some stages). Reference counting still frees everything that is not in
a cycle; the few cycles left wait for the collector to be back on.

A few cycles are big, though: an rdflib graph and its namespace manager point at each
other, so the million-triple graph that validation builds outlives it. `release_memory`,
called between stages, collects such cycles and hands the freed memory back to the
operating system, so that the build's peak is its largest stage, not the sum of them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the length of a block (nesting is fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def c_library_function(name: str) -> Callable[..., int] | None:
    """A function of the C library (glibc's), or None where it has none (musl, macOS)."""
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    function: Callable[..., int] | None = getattr(library, name, None)
    return function


def c_library_trim() -> Callable[[int], int] | None:
    """The C library's malloc_trim (glibc's), or None where it has none (musl, macOS)."""
    return c_library_function("malloc_trim")


def release_memory() -> int:
    """Collect cyclic garbage now, and return the C heap's free pages to the system.

    Freed memory otherwise stays in the process: glibc keeps freed chunks for reuse, and
    reports them as resident until malloc_trim returns them.

    Returns:
        The number of unreachable objects the collector found.
    """
    found = gc.collect()
    return_free_heap()
    return found


def private_memory_kb() -> int | None:
    """This process's own memory (private pages, in kB), or None where Linux cannot tell.

    Pages shared copy-on-write with the process it was forked from are not counted until
    written to: for a query worker, this is what it costs on top of the zygote.
    """
    return private_kb_of(os.getpid())


def private_kb_of(pid: int) -> int | None:
    """A process's private memory in kB (pages no other process holds), or None."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            lines = rollup.read().splitlines()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    try:
        return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty"))
    except (KeyError, ValueError, IndexError):
        return None


def return_free_heap() -> None:
    """Return the C heap's free pages to the system, without collecting garbage.

    Cheap next to a large answer (a query worker calls it after one), where a full
    collection of a million-triple graph in memory would not be.
    """
    trim = c_library_trim()
    if trim is not None:
        trim(0)
