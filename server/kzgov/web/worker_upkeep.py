"""A query worker's upkeep between jobs: hand freed heap back, retire when it outgrew its memory.

After a job that may have left memory behind, a worker returns the C heap's free pages
to the system (so that idle workers do not each keep their largest answer) and, if its
own memory (private pages, `/proc/self/smaps_rollup`) has grown by more than
`--worker-memory-growth` since it started, retires after its answer.

Both cost something on every job they run after: the trim hands pages back that the next
job faults in again, and reading smaps_rollup walks the whole address space (about a
millisecond). A 3-way join at 100k triples, evaluated in 40 ms, lost about a tenth of its
worker's time to them. So the worker first looks at two counters that cost a system call
each and bound what its private memory can have gained since it last measured it: its
resident size (/proc/self/statm; a page it newly holds is resident) and its page faults
(getrusage: a page it shared with the zygote becomes its own only by a copy-on-write
fault, one 4 KB page each, transparent huge pages being off for such memory unless
asked for). Only when the answer is large, or those counters say the job may have grown
the worker by UPKEEP_AFTER_KB or more, does it trim; and it reads smaps_rollup only when
the bound could pass the growth allowed, so a worker past it is still replaced after
its answer, as before. Unlike before, light jobs count towards it too: their growth adds
up until it is measured.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass

from kzgov.core.collector import private_memory_kb, return_free_heap
from kzgov.web.memory_cap import resident_kb_of

# An answer this large leaves its buffers in the heap: hand them back after it.
RETURN_HEAP_AFTER_BYTES = 1 << 20
# Trim after the jobs since the last trim may have taken this much more memory.
UPKEEP_AFTER_KB = 4096
PAGE_KB = max(1, os.sysconf("SC_PAGE_SIZE") // 1024)


def memory_counters() -> tuple[int, int]:
    """This process's resident size (kB) and page faults so far; both cheap to read."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return resident_kb_of(os.getpid()) or 0, usage.ru_minflt + usage.ru_majflt


@dataclass
class Upkeep:
    """What a worker knows of its memory between jobs.

    Attributes:
        growth_kb: the growth past which it retires (0: never).
        start_kb: its private memory when it started (None where Linux cannot tell).
        known_kb: its private memory when last measured.
        resident_kb, faults: the counters when it was last measured or trimmed.
    """

    growth_kb: int
    start_kb: int | None = None
    known_kb: int | None = None
    resident_kb: int = 0
    faults: int = 0

    @classmethod
    def starting(cls, growth_kb: int) -> Upkeep:
        """The upkeep of a worker that starts now (measures its private memory once)."""
        upkeep = cls(growth_kb=growth_kb)
        upkeep.start_kb = upkeep.known_kb = private_memory_kb()
        upkeep.resident_kb, upkeep.faults = memory_counters()
        return upkeep

    def gained_at_most_kb(self) -> int:
        """An upper bound of what the private memory gained since the counters were taken.

        A new page adds to the resident size; a page shared with the zygote becomes
        private through a copy-on-write fault; a fault maps at least one page.
        """
        resident_kb, faults = memory_counters()
        return max(0, resident_kb - self.resident_kb) + (faults - self.faults) * PAGE_KB

    def after_job(self, answer_bytes: int) -> tuple[bool, bool]:
        """Trim and measure as the job calls for (before its answer is sent).

        Args:
            answer_bytes: the size of the answer the job wrote (0 for an error).

        Returns:
            Whether the job was heavy (the caller trims again once the answer is sent
            and dropped) and whether the worker is retiring.
        """
        gained_kb = self.gained_at_most_kb()
        heavy = answer_bytes >= RETURN_HEAP_AFTER_BYTES or gained_kb >= UPKEEP_AFTER_KB
        if heavy:
            return_free_heap()
        bound_kb = None if self.known_kb is None else self.known_kb + gained_kb
        retiring = measured = False
        start_kb = self.start_kb
        if (
            self.growth_kb > 0
            and start_kb is not None
            and (bound_kb is None or bound_kb - start_kb > self.growth_kb)
        ):
            bound_kb, measured = private_memory_kb(), True
            retiring = bound_kb is not None and bound_kb - start_kb > self.growth_kb
        if heavy or measured:
            # Count from here: the bound (or the measure) holds what was gained so far,
            # and trimming only lowers private memory.
            self.known_kb = bound_kb
            self.resident_kb, self.faults = memory_counters()
        return heavy, retiring
