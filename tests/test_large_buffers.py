"""Large answers go back to the system once passed on, in whichever thread passed them.

The main process and the HTTP processes relay every answer of the query workers
(kzgov.web.large_buffers): with glibc's default, several large answers relayed at once
by several threads stay in the threads' heaps long after they are sent, and the more
workers answer at once, the more of them stay.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LiveServer, running_server, send
from kzgov.core.collector import private_kb_of
from kzgov.core.layout import Layout

# Every quad of the build: over a megabyte of SPARQL JSON, a large answer to relay.
EVERY_QUAD = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
WORKERS = 4
ROUNDS = 3

# Threads that each take a large block at the same time, then free it, a few times, as
# the threads that relay answers do; the growth of the private memory is printed in kB.
RELAY_SCRIPT = """
import sys, threading
from kzgov.core.collector import private_memory_kb
from kzgov.web.large_buffers import map_large_buffers
if sys.argv[1] == "mapped" and not map_large_buffers():
    sys.exit("mallopt refused the setting")
BLOCK = 3 << 20
THREADS = 8
barrier = threading.Barrier(THREADS)
def relay():
    for turn in range(4):
        block = bytearray(b"x") * (BLOCK - turn * 65536)
        barrier.wait()
        del block
        barrier.wait()
before = private_memory_kb()
threads = [threading.Thread(target=relay) for _ in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(private_memory_kb() - before)
"""
BLOCK_KB = 3 << 10


def relay_growth_kb(mode: str) -> int:
    """The private memory kept by RELAY_SCRIPT's threads, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", RELAY_SCRIPT, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip())


def test_large_blocks_freed_by_several_threads_go_back_to_the_system() -> None:
    # glibc's default keeps them in the threads' heaps (8 threads, a 3 MB block each):
    # the setting is what hands them back.
    assert relay_growth_kb("default") >= 2 * BLOCK_KB
    assert relay_growth_kb("mapped") < BLOCK_KB


@pytest.fixture()
def relaying_server(served_layout: Layout, tmp_path: Path) -> Iterator[LiveServer]:
    """4 workers behind one HTTP process, with room for every quad and no result cache."""
    options = (
        *("--store", "oxigraph", "--workers", str(WORKERS), "--http-processes", "1"),
        *("--max-result-rows", "1000000", "--no-cache"),
    )
    with running_server(served_layout, tmp_path / "server.log", *options) as server:
        yield server


def every_quad(server: LiveServer, client: str) -> int:
    """Ask for every quad as a client of its own; the answer's size in bytes."""
    headers = {
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json",
        "X-API-Key": client,
    }
    response = send("POST", server.endpoint, EVERY_QUAD, headers)
    assert response.status == 200, response.text
    assert json.loads(response.body)["results"]["bindings"]
    return len(response.body)


def private_kb(pid: int) -> int:
    """A process's private memory in kB (it must be running)."""
    kb = private_kb_of(pid)
    assert kb is not None
    return kb


def test_the_main_process_keeps_no_answer_it_relayed(relaying_server: LiveServer) -> None:
    server = relaying_server
    every_quad(server, "first")  # the dispatcher's threads and connections exist
    before = private_kb(server.process.pid)
    sizes: list[int] = []

    def client(name: str) -> None:
        sizes.extend(every_quad(server, name) for _ in range(ROUNDS))

    clients = [threading.Thread(target=client, args=(f"c{n}",)) for n in range(WORKERS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    assert len(sizes) == WORKERS * ROUNDS
    answer_kb = min(sizes) // 1024
    assert answer_kb >= 1024  # a large answer: over a megabyte
    # Before, each dispatcher thread held its last answer and its heap kept the copies:
    # several answers' worth after 4 clients at once.
    assert private_kb(server.process.pid) - before < answer_kb


# A join whose answer is a few hundred kB: under the size after which a worker trims its
# heap (kzgov.web.worker_upkeep), and answered by a worker (two patterns).
MID_SIZE_JOIN = "SELECT ?s ?type ?p ?o WHERE { ?s a ?type . ?s ?p ?o } LIMIT 2500"
REPEATS = 10
PAGE_BYTES = 4096


@pytest.fixture()
def one_worker_server(served_layout: Layout, tmp_path: Path) -> Iterator[LiveServer]:
    """One query worker on the Oxigraph store, no result cache: every query reaches it."""
    options = ("--store", "oxigraph", "--workers", "1", "--no-cache")
    with running_server(served_layout, tmp_path / "server.log", *options) as server:
        yield server


def page_faults(pids: set[int]) -> int:
    """The minor page faults of some processes so far (/proc/PID/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[7])  # minflt
    return total


def test_a_worker_keeps_its_heap_between_answers(one_worker_server: LiveServer) -> None:
    server = one_worker_server
    headers = {
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json",
    }

    def ask() -> int:
        response = send("POST", server.endpoint, MID_SIZE_JOIN, headers)
        assert response.status == 200, response.text
        return len(response.body)

    sizes = [ask() for _ in range(3)]  # the worker has opened the store and answered
    assert min(sizes) >= 256 * 1024
    assert max(sizes) < 1 << 20
    workers = server.worker_pids()
    before = page_faults(workers)
    for _ in range(REPEATS):
        ask()
    assert server.worker_pids() == workers  # nobody retired or was replaced
    per_answer = (page_faults(workers) - before) / REPEATS
    # glibc hands the heap's free top back past 128 kB by default, and the next answer
    # faults it in again, a page per 4 kB: about the answer's size in pages, every time.
    assert per_answer < min(sizes) / PAGE_BYTES / 4, per_answer
