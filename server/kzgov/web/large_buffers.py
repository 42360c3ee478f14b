"""Large answers kept out of the C heap of the processes that pass them on.

An answer goes from a query worker to the main process (kzgov.web.dispatcher) and from
there to an HTTP process (kzgov.web.front), each copying it a few times on the way
(pickled, unpickled, written to the socket). glibc's malloc serves a block of more than
its mmap threshold with a mapping of its own, unmapped when freed; but the threshold
rises to the largest such block freed (up to 32 MB), so after the first large answer
every later one comes from the heap, and a heap keeps what is freed. Each thread that
relays an answer uses a heap (an arena) of its own, so a server whose threads relay
several answers at once keeps several largest answers in each of these processes: at
1M triples, 4 workers answering the 3-way join (6 MB each) left the main process
about 130 MB of arenas and each HTTP process about 60 MB, for answers long sent, which
made the server's memory with 4 workers 1.5 times its memory with one.

`map_large_buffers` fixes the threshold at LARGE_BUFFER_BYTES, so every block past it
is mapped and unmapped on its own and goes back to the system when freed, whatever
thread used it. Below it (lookups, most answers), nothing changes. It is a glibc
setting (`mallopt`); on another C library it does nothing.

A query worker inherits that setting from the zygote, and with it glibc's default trim
threshold (128 kB), which a fixed mmap threshold no longer lets grow: each answer of a
few hundred kB written at the top of the worker's heap was handed back when freed and
faulted in again, a page at a time, by the next (about 200 page faults per answer of
800 kB). `keep_heap_top` raises a worker's trim threshold; the worker still hands its
free heap back on its own after a heavy job (kzgov.web.worker_upkeep).
"""

from __future__ import annotations

from collections.abc import Callable

from kzgov.core.collector import c_library_function

# glibc's malloc.h: mallopt's parameters for the trim and the mmap thresholds.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks of at least this many bytes are mapped on their own, and unmapped when freed.
# An answer this large is rare enough that the mapping costs little beside its copy.
LARGE_BUFFER_BYTES = 1 << 20
# Free memory a query worker keeps at the top of its heap between answers (it hands the
# rest back itself after a heavy job, kzgov.web.worker_upkeep).
WORKER_HEAP_TOP_BYTES = 64 << 20


def c_library_mallopt() -> Callable[[int, int], int] | None:
    """The C library's mallopt (glibc's), or None where it has none (musl, macOS)."""
    return c_library_function("mallopt")


def set_malloc_option(parameter: int, value: int) -> bool:
    """Set one of glibc's malloc parameters for this process and those it forks later.

    Returns:
        Whether the C library took the setting (False where it has no mallopt).
    """
    mallopt = c_library_mallopt()
    return mallopt is not None and mallopt(parameter, value) == 1


def map_large_buffers(threshold_bytes: int = LARGE_BUFFER_BYTES) -> bool:
    """Have every block of at least `threshold_bytes` mapped on its own from now on.

    Applies to the whole process and to the processes it forks afterwards.

    Returns:
        Whether the C library took the setting (False where it has no mallopt).
    """
    return set_malloc_option(M_MMAP_THRESHOLD, threshold_bytes)


def keep_heap_top(threshold_bytes: int = WORKER_HEAP_TOP_BYTES) -> bool:
    """Have free memory at the top of the heap kept up to `threshold_bytes`, not returned.

    Returns:
        Whether the C library took the setting (False where it has no mallopt).
    """
    return set_malloc_option(M_TRIM_THRESHOLD, threshold_bytes)
