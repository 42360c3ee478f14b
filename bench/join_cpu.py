"""Where the 3-way join's (or a lookup's) time goes: CPU per request of kzgov and of Oxigraph server.

Usage: .venv/bin/python bench/join_cpu.py --project BUILT_PROJECT [--rounds R]
                                          [--seconds S] [--clients C] [--workers W]
                                          [--baseline-source DIR] [--engine-runs N]
                                          [--query join|lookup] [--cache]

On the build of PROJECT (a project bench/generate.py wrote, built; its Oxigraph store is
written as `kzgov serve` does if missing), loads each target with bench/http_peers.py's
3-way join for S seconds (default 5) from C keep-alive clients (default 8), each its own
fair-admission client, as `bench/http_peers.py` does, and reads the CPU time of the
target's whole process tree from /proc before and after the load:

- oxigraph-server: `oxigraph serve-read-only` on the build's store (one process);
- kzgov-oxigraph: `kzgov serve --store oxigraph --no-cache --workers W` (default one per
  core; with --cache, the result cache is on, as `kzgov serve` has it by default), its CPU split by role: the main process (dispatcher, pool, memory sampling),
  the query workers (with the zygote that forks them), and the HTTP processes;
- with --baseline-source DIR, kzgov-baseline: the same command run on the kzgov package
  of another checkout (DIR/server first on PYTHONPATH), for an A/B of a change.

The targets run one at a time, R rounds (default 3), in a rotated order each round so
that neither side always runs first on a shared machine. Each line gives the requests
per second, the CPU milliseconds per request (all the target's processes; and by role),
and how busy the machine's cores were in all (from /proc/stat, every process included,
so another user's load shows there). Then the engine alone: the same query run N times
(default 40) in this process with pyoxigraph on the same store, evaluated and written as
SPARQL JSON by Oxigraph's serializer, its CPU milliseconds per query. Writes the
measurements as JSON to bench/results/join-cpu.json.

With --query lookup the load is bench/http_peers.py's lookup instead (`SELECT ?p ?o
WHERE { <post> ?p ?o }`, rotating over the same four posts), which kzgov answers in its
HTTP processes (kzgov.web.direct_answers); the engine figures are then per lookup.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench_report import write_report
from http_latency import SERVER_START_SECONDS
from http_peers import (
    DEFAULT_CLIENTS,
    DEFAULT_SECONDS,
    JOIN_QUERY,
    LOOKUP_QUERY,
    POSTS_QUERY,
    KeepAlive,
    Target,
    Workload,
    ensure_oxigraph_server,
    ensure_oxigraph_store,
    load,
    post,
    start_kzgov,
    start_oxigraph_server,
)
from kzgov.core.layout import Layout
from kzgov.core.namespaces import UNION_GRAPH
from process_cpu import cpu_ms_per_request, machine_ticks

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "join-cpu.json"
DEFAULT_ROUNDS = 3
DEFAULT_ENGINE_RUNS = 40
# The longest a process measuring pyoxigraph alone may take to report its figure.
ENGINE_SECONDS = 300.0
ENGINE_POLL_SECONDS = 1.0
WARM_UP_REQUESTS = 4


@dataclass
class Run:
    """One target under load in one round."""

    target: str
    round: int
    requests: int = 0
    seconds: float = 0.0
    requests_per_second: float = 0.0
    cpu_ms_per_request: float = 0.0
    cpu_ms_per_request_by_role: dict[str, float] = field(default_factory=dict)
    machine_busy_share: float = 0.0
    answer_bytes: int = 0
    error: str | None = None


def lookup_texts(target: Target) -> tuple[str, ...]:
    """The lookups of bench/http_peers.py, of the four posts it asks the target for."""
    workload = Workload("posts", "SELECT", (POSTS_QUERY,), 0)
    answer = json.loads(post(target.endpoint, target.request(workload, POSTS_QUERY))[1])
    posts = [row["post"]["value"] for row in answer["results"]["bindings"]]
    return tuple(LOOKUP_QUERY.format(post=p) for p in posts)


def load_once(target: Target, seconds: float, clients: int, run: Run, query: str) -> None:
    """Warm up, then load a target with the join or the lookups, filling in the run's figures."""
    texts = (JOIN_QUERY,) if query == "join" else lookup_texts(target)
    workload = Workload(query, "SELECT", texts, seconds)
    requests = [target.request(workload, text) for text in texts]
    for _ in range(WARM_UP_REQUESTS if query == "join" else WARM_UP_REQUESTS * 50):
        for request in requests:
            run.answer_bytes = len(post(target.endpoint, request)[1])
    before = target.cpu_ticks()
    busy_before, total_before = machine_ticks()
    keep_alive = KeepAlive()
    started = time.perf_counter()
    try:
        latencies = load(
            lambda i: post(target.endpoint, requests[i % len(requests)], keep_alive=keep_alive)[0],
            clients,
            seconds,
        )
        run.seconds = time.perf_counter() - started
        after = target.cpu_ticks()
        busy_after, total_after = machine_ticks()
    finally:
        keep_alive.close()
    run.requests = len(latencies)
    run.requests_per_second = run.requests / run.seconds
    run.cpu_ms_per_request_by_role = cpu_ms_per_request(before, after, run.requests)
    run.cpu_ms_per_request = round(sum(run.cpu_ms_per_request_by_role.values()), 3)
    run.machine_busy_share = round(
        (busy_after - busy_before) / max(total_after - total_before, 1), 3
    )


@contextmanager
def python_path_first(source: Path | None) -> Iterator[None]:
    """Put another checkout's package first on PYTHONPATH for the processes started inside."""
    if source is None:
        yield
        return
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source / "server"), saved]))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


def start(name: str, layout: Layout, args: argparse.Namespace, log_dir: Path) -> Target:
    """Start one target on the build."""
    log_path = log_dir / f"join-cpu-{name}.log"
    if name == "oxigraph-server":
        store = ensure_oxigraph_store((layout.build_dir / "current").resolve())
        return start_oxigraph_server(name, store, log_path, SERVER_START_SECONDS)
    options = ["--store", "oxigraph", "--workers", str(args.workers)]
    if not args.cache:
        options.append("--no-cache")
    source = args.baseline_source if name == "kzgov-baseline" else None
    with python_path_first(source):
        return start_kzgov(name, layout, log_path, options, SERVER_START_SECONDS)


def engine_cpu_ms(store_path: str, runs: int, write: bool, start: Any) -> float:
    """CPU milliseconds per join in this process: pyoxigraph alone, evaluated (and written).

    Waits at `start` (a barrier shared with the other processes measured at once).
    """
    store = ox.Store.read_only(store_path)
    graphs = [ox.NamedNode(str(UNION_GRAPH))]

    def once() -> None:
        result = store.query(JOIN_QUERY, default_graph=graphs)
        assert isinstance(result, ox.QuerySolutions)
        if write:
            result.serialize(format=ox.QueryResultsFormat.JSON)
        else:
            for _solution in result:
                pass

    once()  # warm the page cache and the store's own caches
    start.wait()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before = usage.ru_utime + usage.ru_stime
    for _ in range(runs):
        once()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round((usage.ru_utime + usage.ru_stime - before) / runs * 1000, 2)


def engine_child(store: str, runs: int, write: bool, start: Any, results: Any) -> None:
    """A forked process's part of `engine_alone`: its figure, put on a queue."""
    results.put(engine_cpu_ms(store, runs, write, start))


def threads_child(store_path: str, runs: int, results: Any) -> None:
    """Two threads of one process each evaluate and write the join `runs` times at once.

    Puts on the queue the process's CPU milliseconds per join and the wall milliseconds
    per join: about half the CPU figure when pyoxigraph lets go of the interpreter lock
    while it evaluates and writes, about the CPU figure when it holds it.
    """
    store = ox.Store.read_only(store_path)
    graphs = [ox.NamedNode(str(UNION_GRAPH))]

    def joins(count: int) -> None:
        for _ in range(count):
            result = store.query(JOIN_QUERY, default_graph=graphs)
            assert isinstance(result, ox.QuerySolutions)
            result.serialize(format=ox.QueryResultsFormat.JSON)

    joins(1)  # warm the page cache and the store's own caches
    threads = [threading.Thread(target=joins, args=(runs,)) for _ in range(2)]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before, started = usage.ru_utime + usage.ru_stime, time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before
    results.put((round(cpu / (2 * runs) * 1000, 2), round(wall / (2 * runs) * 1000, 2)))


def engine_alone(layout: Layout, runs: int) -> dict[str, float]:
    """The CPU milliseconds per join of pyoxigraph, alone and in two processes at once.

    Each measure runs in processes forked for it, each opening the store itself as a
    query worker does: one process alone (evaluated and written as SPARQL JSON, then
    evaluated and iterated only), then two at once (each evaluated and written), as
    kzgov's two query workers run on two cores; then two threads of one process at once
    (CPU and wall milliseconds per join), as one process of threads would run them.

    Raises:
        RuntimeError: a measuring process did not report within ENGINE_SECONDS (it
            failed, or the store could not be opened); the processes are stopped.
    """
    store = str(ensure_oxigraph_store((layout.build_dir / "current").resolve()))
    context = multiprocessing.get_context("fork")
    found: dict[str, float] = {}
    for name, processes, write in (
        ("evaluate_and_serialize_ms", 1, True),
        ("evaluate_only_ms", 1, False),
        ("two_processes_at_once_ms", 2, True),
    ):
        start = context.Barrier(processes, timeout=ENGINE_SECONDS)
        results: Any = context.Queue()
        children = [
            context.Process(target=engine_child, args=(store, runs, write, start, results))
            for _ in range(processes)
        ]
        figures = reported(children, results, name)
        found[name] = round(statistics.mean(figures), 2)
    results = context.Queue()
    child = context.Process(target=threads_child, args=(store, runs, results))
    ((found["two_threads_at_once_ms"], found["two_threads_wall_ms"]),) = reported(
        [child], results, "two threads at once"
    )
    return found


def reported(children: list[Any], results: Any, measure: str) -> list[Any]:
    """Start measuring processes and take one figure from each (or stop them all).

    Raises:
        RuntimeError: one failed (it exited without its figure), or they did not all
            report within ENGINE_SECONDS.
    """
    for child in children:
        child.start()
    deadline = time.monotonic() + ENGINE_SECONDS
    figures: list[Any] = []
    try:
        while len(figures) < len(children):
            try:
                figures.append(results.get(timeout=ENGINE_POLL_SECONDS))
            except queue.Empty:
                codes = [child.exitcode for child in children]
                if any(code not in (None, 0) for code in codes) or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"pyoxigraph alone ({measure}) did not report its figure: the"
                        f" measuring processes' exit codes {codes} (None: still running"
                        f" after {ENGINE_SECONDS:g} s, then stopped)"
                    ) from None
        return figures
    finally:
        for child in children:
            if len(figures) < len(children):
                child.kill()  # a failed measure: stop the others at once
            child.join()


def summary(runs: list[Run]) -> dict[str, dict[str, float]]:
    """Per target, the medians over the rounds."""
    found: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r.target for r in runs):
        done = [r for r in runs if r.target == name and r.error is None]
        if not done:
            continue
        found[name] = {
            "requests_per_second": round(statistics.median(r.requests_per_second for r in done), 1),
            "cpu_ms_per_request": round(statistics.median(r.cpu_ms_per_request for r in done), 3),
            "machine_busy_share": round(statistics.median(r.machine_busy_share for r in done), 3),
        }
    return found


def main() -> None:
    """Parse the options, load each target in rotated rounds, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="a built project")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--engine-runs", type=int, default=DEFAULT_ENGINE_RUNS)
    parser.add_argument(
        "--baseline-source",
        type=Path,
        help="another kzgov checkout to measure as kzgov-baseline (A/B)",
    )
    parser.add_argument(
        "--query",
        choices=("join", "lookup"),
        default="join",
        help="the 3-way join (default) or the lookups (then no engine-alone figures)",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="run kzgov with its result cache on, as `kzgov serve` does by default (a lookup"
        " asked again is then replayed)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON to write")
    args = parser.parse_args()
    if args.rounds < 1 or args.seconds <= 0 or args.clients < 1 or args.workers < 1:
        parser.error("--rounds, --seconds, --clients and --workers must be positive")
    missing = ensure_oxigraph_server()
    if missing:
        parser.error(missing)
    root = args.project.resolve()
    layout = Layout(root=root, build_dir=root / "build")
    names = ["oxigraph-server", "kzgov-oxigraph"]
    if args.baseline_source is not None:
        names.append("kzgov-baseline")
    log_dir = Path(tempfile.gettempdir())
    digits = 1 if args.query == "join" else 3  # a lookup costs a fraction of a millisecond
    runs: list[Run] = []
    for round_number in range(args.rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            run = Run(target=name, round=round_number + 1)
            target = start(name, layout, args, log_dir)
            try:
                load_once(target, args.seconds, args.clients, run, args.query)
            except (RuntimeError, OSError) as error:
                run.error = str(error)[:300]
            finally:
                target.stop()
            runs.append(run)
            roles = "  ".join(
                f"{k} {v:.{digits}f}" for k, v in run.cpu_ms_per_request_by_role.items()
            )
            print(
                f"round {run.round}  {name:<16} {run.requests_per_second:6.1f} req/s"
                f"  CPU {run.cpu_ms_per_request:6.{digits}f} ms/request ({roles})"
                f"  cores busy {run.machine_busy_share:.0%}"
                + (f"  error: {run.error}" if run.error else ""),
                flush=True,
            )
    engine = engine_alone(layout, args.engine_runs) if args.query == "join" else {}
    if engine:
        print(
            f"engine alone (pyoxigraph {ox.__version__} in one process, {args.engine_runs} runs):"
            f" {engine['evaluate_and_serialize_ms']:.1f} ms CPU per join evaluated and written"
            f" as SPARQL JSON, {engine['evaluate_only_ms']:.1f} ms evaluated and iterated;"
            f" two processes at once: {engine['two_processes_at_once_ms']:.1f} ms each per join"
            f" evaluated and written; two threads of one process at once:"
            f" {engine['two_threads_at_once_ms']:.1f} ms CPU and"
            f" {engine['two_threads_wall_ms']:.1f} ms wall per join;"
            f" answer {runs[0].answer_bytes} bytes"
        )
    medians = summary(runs)
    for name, figures in medians.items():
        print(
            f"median  {name:<16} {figures['requests_per_second']:6.1f} req/s"
            f"  CPU {figures['cpu_ms_per_request']:6.{digits}f} ms/request"
        )
    result = {"runs": [asdict(r) for r in runs], "medians": medians, "engine_alone": engine}
    write_report(args.output, "join-cpu", result)


if __name__ == "__main__":
    main()
