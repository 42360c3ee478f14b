"""The benchmarks' CPU accounting: where a server's time went, as `make bench` prints it.

`make bench` says why a speed target is met or missed from the CPU each server spent per
request in the same run (bench/process_cpu.py, read from /proc), and from pyoxigraph's
own CPU per join without HTTP. These tests check that accounting on real processes and
a real server, and the notes built from it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LiveServer

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
try:
    import http_peers
    import process_cpu
    import suite
finally:
    sys.path.remove(str(BENCH))

# The root burns this much CPU itself, then starts a child that burns CHILD_CPU_SECONDS
# and stays (so that its time is read from its own /proc entry).
ROOT_CPU_SECONDS = 0.3
CHILD_CPU_SECONDS = 0.5
BURN = "import time\nwhile time.process_time() < {seconds}: pass\n"
TREE_PROGRAM = (
    BURN.format(seconds=ROOT_CPU_SECONDS)
    + "import subprocess, sys\n"
    + "child = subprocess.Popen([sys.executable, '-c', {child!r}])\n"
    + "print('started', flush=True)\n"
    + "child.wait()\n"
).format(child=BURN.format(seconds=CHILD_CPU_SECONDS) + "import time\ntime.sleep(60)\n")
SETTLE_SECONDS = 30.0


@pytest.fixture()
def burning_tree() -> Iterator[subprocess.Popen[str]]:
    """A process that burnt CPU, with a child that burns more and then sleeps."""
    process = subprocess.Popen(
        [sys.executable, "-c", TREE_PROGRAM], stdout=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        for pid in process_cpu.descendants(process.pid):
            if pid != process.pid:
                subprocess.run(["kill", "-9", str(pid)], check=False)
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_a_process_trees_cpu_is_read_by_role_and_per_request(
    burning_tree: subprocess.Popen[str],
) -> None:
    before = {"main": 0, "other": 0}
    assert burning_tree.stdout is not None
    assert burning_tree.stdout.readline() == "started\n"
    # Wait until the child has burnt its CPU (its time is CPU time, not wall time).
    deadline = time.monotonic() + SETTLE_SECONDS
    ticks = process_cpu.cpu_ticks_by_role(burning_tree.pid)
    while ticks.get("other", 0) < CHILD_CPU_SECONDS * process_cpu.CLOCK_TICKS * 0.9:
        assert time.monotonic() < deadline, ticks
        time.sleep(0.1)
        ticks = process_cpu.cpu_ticks_by_role(burning_tree.pid)
    seconds = {role: count / process_cpu.CLOCK_TICKS for role, count in ticks.items()}
    # The root is `main`; its child (another command line) is `other`.
    assert set(seconds) == {"main", "other"}
    assert ROOT_CPU_SECONDS * 0.9 <= seconds["main"] < ROOT_CPU_SECONDS + 1.0
    assert CHILD_CPU_SECONDS * 0.9 <= seconds["other"] < CHILD_CPU_SECONDS + 1.0
    per_request = process_cpu.cpu_ms_per_request(before, ticks, requests=4)
    assert per_request == {
        role: round(count * 1000 / process_cpu.CLOCK_TICKS / 4, 3) for role, count in ticks.items()
    }


def test_a_process_that_is_gone_reads_as_no_ticks() -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert process_cpu.cpu_ticks_by_role(finished.pid) == {}


def test_a_measurement_of_a_live_server_says_where_its_cpu_went(
    live_server: LiveServer,
) -> None:
    target = http_peers.Target("kzgov-oxigraph", live_server.process, live_server.endpoint, "")
    lookup = http_peers.LOOKUP_QUERY.format(post="https://example.org/no-such-post")
    workload = http_peers.Workload("lookup", "SELECT", (lookup,), seconds=1.0)
    measured = http_peers.measure(target, workload, clients=2)
    assert measured.error is None
    assert measured.runs > 0
    # Every request passes through an HTTP process; the main process and the workers
    # (with their zygote) are read too, each under its role.
    assert set(measured.cpu_ms_by_role) >= {"main", "http", "workers"}
    assert measured.cpu_ms_by_role["http"] > 0
    assert measured.cpu_ms_per_request == round(sum(measured.cpu_ms_by_role.values()), 3)
    # A peer's processes count as one: `server`.
    peer = http_peers.Target("oxigraph-server", live_server.process, live_server.endpoint, "")
    assert set(peer.cpu_ticks()) == {"server"}


def row(target: str, per_second: float, cpu: float, parts: dict[str, float]) -> suite.SuiteRow:
    """A 3-way join row at 100k of the suite's table."""
    return suite.SuiteRow(
        suite.size_label(suite.HTTP_TARGET_SIZE),
        "http",
        "3-way join",
        target,
        requests_per_second=per_second,
        ratio_to_oxigraph_server=round(per_second / 73.6, 3),
        cpu_ms_per_request=cpu,
        cpu_ms_by_part=parts,
    )


def test_a_missed_join_target_says_why_from_the_cpu_of_the_same_run() -> None:
    graph = suite.size_label(suite.HTTP_TARGET_SIZE)
    rows = [
        row(
            "kzgov-oxigraph", 56.9, 34.1, {"http": 1.5, "main": 0.7, "other": 0.0, "workers": 31.9}
        ),
        row("oxigraph-server", 73.6, 25.0, {"server": 25.0}),
        suite.SuiteRow(
            graph,
            "engine",
            suite.ENGINE_ITEM,
            suite.ENGINE_TARGET,
            cpu_ms_per_request=26.3,
            cpu_ms_by_part={"one process": 27.6, "two processes at once": 26.3},
        ),
    ]
    (note,) = [n for n in suite.http_target_notes(rows) if "kzgov-oxigraph" in n]
    assert note.startswith(
        f"target 3-way join at {graph}, kzgov-oxigraph at least 0.9x oxigraph-server:"
        " missed (0.77x); CPU per request: kzgov-oxigraph 34.10 ms (http 1.50, main 0.70,"
        " workers 31.90), oxigraph-server 25.00 ms; pyoxigraph alone, without HTTP, 26.30 ms"
        " per join in two processes at once: a front end on it that cost nothing would"
        " reach about 0.95x"
    ), note
    # Without CPU figures (a peer that could not be read), the verdict stands alone.
    rows[1].cpu_ms_per_request = None
    (bare,) = [n for n in suite.http_target_notes(rows) if "kzgov-oxigraph" in n]
    assert bare.endswith(
        "missed (0.77x); CPU per request: kzgov-oxigraph 34.10 ms (http"
        " 1.50, main 0.70, workers 31.90), oxigraph-server not measured"
    )
