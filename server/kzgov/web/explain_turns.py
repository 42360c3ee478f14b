"""/explain's proof searches one at a time in each HTTP process, in the order they arrive.

A proof search is CPU-bound Python on the served store (`kzgov.reasoning.explain`): a
few milliseconds for most triples, several times that for a type of a grouping class or
a long transitive chain. An HTTP process runs each request in a thread of its own, and
the threads share one interpreter lock: with eight clients on two processes, each of
the four or so searches at once in a process gets a quarter of a core, and a long
search, sharing the core with the short ones that come and go beside it, takes several
times its own time. Taking turns, first come first served, a long search takes its own
time plus that of the few ahead of it, and the searches queued behind it wait for it
once (`bench/explain_ab.py` compares the two). Everything else a request does (reading
it, negotiating, rendering the proof) still runs in its own thread, and the pages'
batches of explanations do not queue here, nor do searches that ask the query workers by
SPARQL (on the memory and remote stores; they mostly wait, and may wait side by side).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")


class Turns:
    """Runs calls one at a time, first come first served, in a thread of its own.

    Attributes:
        pool: the one thread, made on first use (an HTTP process starts without threads).
        lock: guards making it.
    """

    def __init__(self) -> None:
        """Start with no thread."""
        self.pool: ThreadPoolExecutor | None = None
        self.lock = threading.Lock()

    def submit(self, call: Callable[[], Result]) -> Future[Result]:
        """Queue a call behind those asked before it; its future."""
        with self.lock:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(1, thread_name_prefix="kzgov-explain")
            return self.pool.submit(call)

    def run(self, call: Callable[[], Result]) -> Result:
        """Wait for the calls asked before this one, then run it; its result or its error."""
        return self.submit(call).result()
