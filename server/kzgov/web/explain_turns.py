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
from collections import deque
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")


class Turns:
    """Runs calls one at a time, first come first served, each in its caller's thread.

    A caller whose turn it is not yet waits on a lock of its own, taken for it when it
    came, and the caller before it hands it the turn by releasing that lock: no caller
    is passed over, as one can be by a lock they all share, and no call moves to another
    thread and back. (A bare lock, not an Event: releasing it is one call, where setting
    an Event takes its condition's lock and notifies.)

    Attributes:
        lock: guards `busy` and `waiting`.
        busy: whether a call is running.
        waiting: the locks of the callers waiting (each held until its turn), in order.
    """

    def __init__(self) -> None:
        """Start with no call running."""
        self.lock = threading.Lock()
        self.busy = False
        self.waiting: deque[threading.Lock] = deque()

    def run(self, call: Callable[[], Result]) -> Result:
        """Wait for the calls asked before this one, then run it; its result or its error."""
        with self.lock:
            turn = None
            if self.busy:
                turn = threading.Lock()
                turn.acquire()
                self.waiting.append(turn)
            else:
                self.busy = True
        if turn is not None:
            turn.acquire()  # the caller before hands the turn over: `busy` stays set
        try:
            return call()
        finally:
            with self.lock:
                if self.waiting:
                    self.waiting.popleft().release()
                else:
                    self.busy = False
