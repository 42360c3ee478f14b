"""A query worker's upkeep between jobs (kzgov.web.worker_upkeep), on this process's real memory.

The worker trims its heap and reads its private memory (smaps_rollup) only after a job
that may have left memory behind, and still retires once its own memory has grown past
the bound: these tests grow and free real memory in the test process and count the
expensive calls.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import kzgov.web.worker_upkeep as upkeep_module
from kzgov.web.worker_upkeep import RETURN_HEAP_AFTER_BYTES, UPKEEP_AFTER_KB, Upkeep

KB = 1024
MB = 1024 * KB


class Calls:
    """How often the upkeep trimmed the heap and read the private memory."""

    def __init__(self) -> None:
        self.trims = 0
        self.measures = 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    """Count the upkeep's trims and measures (both still run for real).

    The heap is trimmed first, so that what a test allocates is new pages, not pages an
    earlier test freed and the heap kept.
    """
    counted = Calls()
    trim = upkeep_module.return_free_heap
    measure = upkeep_module.private_memory_kb
    trim()

    def counted_trim() -> None:
        counted.trims += 1
        trim()

    def counted_measure() -> int | None:
        counted.measures += 1
        return measure()

    monkeypatch.setattr(upkeep_module, "return_free_heap", counted_trim)
    monkeypatch.setattr(upkeep_module, "private_memory_kb", counted_measure)
    yield counted


def touched(size: int) -> bytearray:
    """A buffer of `size` bytes, every page of it written (so resident and private)."""
    buffer = bytearray(size)
    for offset in range(0, size, 4096):
        buffer[offset] = 1
    return buffer


def test_a_job_that_left_nothing_behind_costs_no_trim_and_no_measure(calls: Calls) -> None:
    upkeep = Upkeep.starting(growth_kb=64 * KB)
    calls.measures = 0
    heavy, retiring = upkeep.after_job(answer_bytes=600 * KB)
    assert (heavy, retiring) == (False, False)
    assert (calls.trims, calls.measures) == (0, 0)


def test_a_large_answer_is_followed_by_a_trim(calls: Calls) -> None:
    upkeep = Upkeep.starting(growth_kb=64 * KB)
    heavy, retiring = upkeep.after_job(answer_bytes=RETURN_HEAP_AFTER_BYTES)
    assert (heavy, retiring) == (True, False)
    assert calls.trims == 1


def test_memory_a_job_took_and_freed_is_trimmed_without_retiring(calls: Calls) -> None:
    upkeep = Upkeep.starting(growth_kb=64 * MB // KB)
    buffer = touched(4 * UPKEEP_AFTER_KB * KB)
    del buffer
    heavy, retiring = upkeep.after_job(answer_bytes=0)
    assert (heavy, retiring) == (True, False)
    assert calls.trims == 1


def test_a_worker_that_kept_more_than_its_growth_retires(calls: Calls) -> None:
    upkeep = Upkeep.starting(growth_kb=2 * MB // KB)
    kept = touched(8 * MB)
    heavy, retiring = upkeep.after_job(answer_bytes=0)
    assert (heavy, retiring) == (True, True)
    assert calls.measures >= 2  # at start, and after the job
    assert len(kept) == 8 * MB


def test_growth_in_light_jobs_adds_up_until_the_worker_retires(calls: Calls) -> None:
    upkeep = Upkeep.starting(growth_kb=3 * MB // KB)
    kept: list[bytearray] = []
    outcomes = []
    for _ in range(12):
        kept.append(touched(UPKEEP_AFTER_KB * KB // 4))  # each job keeps a quarter of it
        outcomes.append(upkeep.after_job(answer_bytes=0))
        if outcomes[-1][1]:
            break
    assert outcomes[-1][1], f"never retired: {outcomes}"
    # It did not retire before its memory could have passed the bound (3 MB, 1 MB a job).
    assert len(outcomes) >= 3
    assert not any(retiring for _, retiring in outcomes[:-1])


def test_growth_0_never_measures_nor_retires(calls: Calls) -> None:
    upkeep = Upkeep.starting(growth_kb=0)
    kept = touched(8 * MB)
    heavy, retiring = upkeep.after_job(answer_bytes=0)
    assert (heavy, retiring) == (True, False)
    assert calls.trims == 1
    assert calls.measures == 1  # only the one at start
    assert len(kept) == 8 * MB
