"""Pausing Python's cyclic garbage collector while the build allocates millions of objects.

A graph in memory is millions of small objects (terms, tuples, index entries) and almost
none of them is in a reference cycle, but each allocation counts towards the next
collection, and each full collection walks every live object: with the collector on, a
build grows worse than linearly with the graph (a 1M-triple build spent more time in the
collector than in some stages). Reference counting still frees everything that is not in
a cycle; the few cycles left wait for the collector to be back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
