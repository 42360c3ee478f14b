"""The memory limit of a query worker: its own pages, sampled while a query runs.

A worker is forked from the zygote that holds the loaded store, so most of its
resident pages are shared with the zygote; its address space also counts what the
store reserves and never touches. Neither says what a query costs. What does is the
worker's private memory: the pages only it holds (Private_Clean + Private_Dirty in
/proc/PID/smaps_rollup, Linux 4.14+). The pool samples it while it waits for the
worker's answer and kills the worker past the limit; the client gets a 503 that says
so, and the zygote forks a fresh worker.
"""

from __future__ import annotations

import os

from kzgov.core.collector import private_kb_of
from kzgov.core.errors import QueryTimedOut

# How often the pool looks at a running worker's memory: a fast-growing query (the
# doubling CONCAT of the reliability review grows about 400 MB/s) overshoots the limit
# by at most what it allocates in this time.
MEMORY_SAMPLE_SECONDS = 0.05
# Without a --worker-memory-limit, the workers together may take this share of the
# machine's memory, and each at least MIN_DEFAULT_LIMIT_MB.
MACHINE_SHARE_FOR_WORKERS = 0.5
MIN_DEFAULT_LIMIT_MB = 512
FALLBACK_MACHINE_MB = 4096


class QueryOutgrewMemory(QueryTimedOut):
    """A query whose worker passed the memory limit; the worker was replaced (503)."""


def query_outgrew_memory(limit_mb: int) -> QueryOutgrewMemory:
    """The error for a query that needed more memory than a worker may take."""
    return QueryOutgrewMemory(
        f"the query needed more than {limit_mb} MB of memory and was stopped;"
        " narrow it (fewer unbound patterns, shorter strings, a LIMIT) and try again"
    )


def machine_memory_mb() -> int:
    """The machine's physical memory in MB (a fallback where the system does not say)."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return FALLBACK_MACHINE_MB
    if pages <= 0 or page_size <= 0:
        return FALLBACK_MACHINE_MB
    return int(pages * page_size // (1024 * 1024))


def default_limit_mb(workers: int) -> int:
    """The default memory limit of one worker: half the machine shared by the workers."""
    share = int(machine_memory_mb() * MACHINE_SHARE_FOR_WORKERS) // max(workers, 1)
    return max(MIN_DEFAULT_LIMIT_MB, share)


def resident_kb_of(pid: int) -> int | None:
    """A process's resident memory in KB (shared pages included), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident_pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def over_limit(pid: int, limit_kb: int) -> bool:
    """Whether a process's private memory is above a limit (0: no limit).

    The resident size, cheap to read and never below the private size, is looked at
    first; the private size only when the resident size is over the limit.
    """
    if limit_kb <= 0:
        return False
    resident = resident_kb_of(pid)
    if resident is None or resident <= limit_kb:
        return False
    private = private_kb_of(pid)
    return private is not None and private > limit_kb
