"""The heap is handed back to the system after a stage or a large answer (kzgov.core.collector)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A child process frees 100 MB of small C-heap blocks under one block still in use (so
# that the heap cannot simply shrink from its top), then reports its anonymous resident
# memory before and after kzgov.core.collector.return_free_heap.
HEAP_PROGRAM = textwrap.dedent(
    """
    import ctypes
    from kzgov.core.collector import return_free_heap

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]

    def anonymous_kb():
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
        raise RuntimeError("no RssAnon in /proc/self/status")

    blocks = [libc.malloc(1024) for _ in range(100_000)]
    for address in blocks:
        ctypes.memset(address, 1, 1024)
    pinned = libc.malloc(1024)
    for address in blocks:
        libc.free(address)
    before = anonymous_kb()
    return_free_heap()
    print(before, anonymous_kb())
    libc.free(pinned)
    """
)


def test_return_free_heap_hands_freed_pages_back() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HEAP_PROGRAM], capture_output=True, text=True, check=True
    )
    before_kb, after_kb = (int(value) for value in done.stdout.split())
    # 100 MB were freed; at least 80 MB of them must leave the process.
    assert before_kb - after_kb > 80 * 1024, done.stdout
