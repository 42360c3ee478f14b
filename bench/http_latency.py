"""Measure the latency and throughput of each named query over HTTP, on the real server.

Usage: .venv/bin/python bench/http_latency.py [--runs N] [--clients C] [--workers W]
                                              [--seconds-per-query S] [--explain N]

Starts `kzgov serve` (waitress and its query workers, as in production) on a free port
of 127.0.0.1, on the last good build (`kzgov serve` builds first if there is none).
Each named query in queries/ is sent once to warm up, then N times (default 100) by C
concurrent clients (default 4), each request on a new connection, as a SPARQL 1.1
Protocol POST of the query (application/sparql-query; results as SPARQL JSON, graphs
as Turtle); no new request of a query starts after S seconds (default 5), so a slow
query gets fewer runs and the whole run stays under two minutes. Prints, per query,
the runs, the median and 99th-percentile latency (nearest rank: with fewer than 100
runs, the slowest run) and the throughput (requests per second of wall time while that
query ran), and writes them as JSON to bench/results/http-latency.json.

With --explain N, times explanation lookups instead: N distinct triples drawn (with a
fixed seed) from the build's inferred graph, each asked once of `/explain?s=&p=&o=` as
JSON by C concurrent clients, after one warm-up lookup that reads the schema; the server
runs without its result cache, so every lookup queries the store (`time_explanations`).
For reference, the same server is then asked the plain SPARQL lookup of each triple's
subject (`SELECT ?p ?o WHERE { <s> ?p ?o }`) the same way: the row
`sparql lookup (same subjects)`, which shows what the machine's load does to any request.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import platform
import random
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from bench_report import write_report
from kzgov.core.layout import Layout
from kzgov.core.namespaces import INFERRED_GRAPH
from kzgov.core.queries import NamedQuery, list_named_queries
from kzgov.core.release import DATASET_NQUADS, current_release

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "http-latency.json"
DEFAULT_RUNS = 100
DEFAULT_CLIENTS = 4
# Keeps the whole run under two minutes on a slow machine: a slow query gets fewer runs.
DEFAULT_SECONDS_PER_QUERY = 5.0
SERVER_START_SECONDS = 300.0
# Rounds of warm-up requests from every client before a timing (`time_each`).
WARM_UP_ROUNDS = 4
SERVER_STOP_SECONDS = 30.0
REQUEST_TIMEOUT_SECONDS = 60.0
FORM_TO_ACCEPT = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "text/turtle",
    "DESCRIBE": "text/turtle",
}


@dataclass(frozen=True)
class QueryTiming:
    """The measurements of one named query.

    Attributes:
        name: the named query.
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        runs: the timed requests.
        response_bytes: the size of one answer.
        median_ms: the median latency.
        p99_ms: the 99th-percentile latency (nearest rank).
        max_ms: the slowest request.
        throughput_per_second: requests answered per second of wall time.
    """

    name: str
    form: str
    runs: int
    response_bytes: int
    median_ms: float
    p99_ms: float
    max_ms: float
    throughput_per_second: float


@dataclass
class Server:
    """A running `kzgov serve` process and where it listens."""

    process: subprocess.Popen[str]
    endpoint: str
    announcement: str


def start_server(layout: Layout, workers: int, log_path: Path, cache: bool = True) -> Server:
    """Start `kzgov serve` on 127.0.0.1 and a free port; return once it listens.

    Raises:
        SystemExit: the server did not start; its log is printed.
    """
    command = [
        sys.executable, "-m", "kzgov", "--root", str(layout.root),
        "--build-dir", str(layout.build_dir), "serve",
        "--host", "127.0.0.1", "--port", "0", "--workers", str(workers),
        *(() if cache else ("--no-cache",)),
    ]  # fmt: skip
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if not ready:
            continue
        line = process.stdout.readline()
        if " on http://" in line:
            endpoint = line.rsplit(" on ", 1)[1].split()[0]
            return Server(process, endpoint, line.strip())
    stop_server(process)
    sys.exit(f"kzgov serve did not start:\n{log_path.read_text(encoding='utf-8')}")


def stop_server(process: subprocess.Popen[str]) -> None:
    """Stop the server (and with it its query workers)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def post_query(endpoint: str, query: NamedQuery) -> tuple[float, int]:
    """Send one query on a new connection; its latency in seconds and answer size.

    Raises:
        RuntimeError: the server did not answer 200.
    """
    parts = urllib.parse.urlsplit(endpoint)
    headers = {"Content-Type": "application/sparql-query", "Accept": FORM_TO_ACCEPT[query.form]}
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("POST", parts.path, body=query.text.encode("utf-8"), headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"{query.name}: HTTP {response.status}: {body[:300]!r}")
    return elapsed, len(body)


def nearest_rank(sorted_values: list[float], percentile: float) -> float:
    """The nearest-rank percentile of values sorted in increasing order."""
    rank = max(1, math.ceil(percentile / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def time_query(
    endpoint: str, query: NamedQuery, runs: int, clients: int, budget_seconds: float
) -> QueryTiming:
    """Warm up, then send a query `runs` times from `clients` concurrent clients.

    No request starts after `budget_seconds` (a slow query gets fewer runs).
    """
    _, size = post_query(endpoint, query)
    tickets = iter(range(runs))
    lock = threading.Lock()
    started = time.perf_counter()
    stop_at = started + budget_seconds

    def client() -> list[float]:
        """One client: send the query until the runs or the seconds are used up."""
        latencies: list[float] = []
        while time.perf_counter() < stop_at:
            with lock:
                if next(tickets, None) is None:
                    break
            latencies.append(post_query(endpoint, query)[0])
        return latencies

    with ThreadPoolExecutor(max_workers=clients) as pool:
        per_client = list(pool.map(lambda _: client(), range(clients)))
    wall = time.perf_counter() - started
    latencies = sorted(seconds * 1000 for done in per_client for seconds in done)
    return QueryTiming(
        name=query.name,
        form=query.form,
        runs=len(latencies),
        response_bytes=size,
        median_ms=statistics.median(latencies),
        p99_ms=nearest_rank(latencies, 99),
        max_ms=latencies[-1],
        throughput_per_second=len(latencies) / wall,
    )


def inferred_sample(layout: Layout, count: int, seed: int = 12) -> list[tuple[str, str, str]]:
    """Up to `count` distinct inferred triples of a build, as /explain's s, p and o."""
    release = current_release(layout.build_dir)
    if release is None:
        sys.exit(f"no build in {layout.build_dir}")
    store = ox.Store()
    store.bulk_load(path=release / DATASET_NQUADS, format=ox.RdfFormat.N_QUADS)
    triples = []
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(str(INFERRED_GRAPH))):
        o = quad.object
        written = o.value if isinstance(o, ox.NamedNode) else str(o)
        triples.append((quad.subject.value, quad.predicate.value, written))  # type: ignore[union-attr]
    triples.sort()
    return random.Random(seed).sample(triples, min(count, len(triples)))


def get_explanation(endpoint: str, triple: tuple[str, str, str]) -> float:
    """Ask /explain about one triple as JSON on a new connection; the latency in seconds.

    Raises:
        RuntimeError: the server did not answer 200.
    """
    parts = urllib.parse.urlsplit(endpoint)
    query = urllib.parse.urlencode(dict(zip(("s", "p", "o"), triple, strict=True)))
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", f"/explain?{query}", headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"/explain {triple}: HTTP {response.status}: {body[:300]!r}")
    return time.perf_counter() - started


def time_explanations(
    endpoint: str, triples: list[tuple[str, str, str]], clients: int
) -> QueryTiming:
    """One warm-up lookup, then each triple explained once by `clients` concurrent clients."""
    return time_each(
        "explain lookup", lambda triple: get_explanation(endpoint, triple), triples, clients
    )


def post_lookup(endpoint: str, subject: str) -> float:
    """Ask /sparql for a subject's triples on a new connection; the latency in seconds.

    Raises:
        RuntimeError: the server did not answer 200.
    """
    parts = urllib.parse.urlsplit(endpoint)
    text = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"
    headers = {"Content-Type": "application/sparql-query", "Accept": FORM_TO_ACCEPT["SELECT"]}
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("POST", parts.path, body=text.encode("utf-8"), headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"lookup of {subject}: HTTP {response.status}: {body[:300]!r}")
    return time.perf_counter() - started


def time_lookups(endpoint: str, triples: list[tuple[str, str, str]], clients: int) -> QueryTiming:
    """The subject of each triple looked up once on /sparql, as `time_explanations` asks."""
    return time_each(
        "sparql lookup (same subjects)",
        lambda triple: post_lookup(endpoint, triple[0]),
        triples,
        clients,
    )


def time_each(
    name: str,
    ask: Callable[[tuple[str, str, str]], float],
    triples: list[tuple[str, str, str]],
    clients: int,
) -> QueryTiming:
    """Warm-up requests, then one request per other triple from `clients` clients.

    The first triple is asked WARM_UP_ROUNDS times by every client at once, so that
    each HTTP process of the server has answered before the timing starts (a request
    goes to whichever process accepts its connection): a process's first answers open
    its store and build what it keeps, which is no part of the figure.
    """
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(lambda _: ask(triples[0]), range(clients * WARM_UP_ROUNDS)))
    pending = iter(triples[1:])
    lock = threading.Lock()
    started = time.perf_counter()

    def client() -> list[float]:
        """One client: ask about the next triple until none is left."""
        latencies: list[float] = []
        while True:
            with lock:
                triple = next(pending, None)
            if triple is None:
                return latencies
            latencies.append(ask(triple))

    with ThreadPoolExecutor(max_workers=clients) as pool:
        per_client = list(pool.map(lambda _: client(), range(clients)))
    wall = time.perf_counter() - started
    latencies = sorted(seconds * 1000 for done in per_client for seconds in done)
    return QueryTiming(
        name=name,
        form="GET" if name == "explain lookup" else "SELECT",
        runs=len(latencies),
        response_bytes=0,
        median_ms=statistics.median(latencies),
        p99_ms=nearest_rank(latencies, 99),
        max_ms=latencies[-1],
        throughput_per_second=len(latencies) / wall,
    )


def print_table(timings: list[QueryTiming], header: str) -> None:
    """Print the timings as a fixed-width table."""
    width = max(len(t.name) for t in timings)
    print(header)
    print(
        f"{'query':<{width}}  {'form':<9}  {'runs':>4}  {'median ms':>9}  {'p99 ms':>8}"
        f"  {'req/s':>7}"
    )
    for t in timings:
        print(
            f"{t.name:<{width}}  {t.form:<9}  {t.runs:>4}  {t.median_ms:>9.1f}  {t.p99_ms:>8.1f}"
            f"  {t.throughput_per_second:>7.1f}"
        )


def main() -> None:
    """Parse the options, time every named query on one server, print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"timed requests per query ({DEFAULT_RUNS})"
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=DEFAULT_CLIENTS,
        help=f"concurrent clients ({DEFAULT_CLIENTS})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="the server's query worker processes (default: one per core)",
    )
    parser.add_argument(
        "--seconds-per-query",
        type=float,
        default=DEFAULT_SECONDS_PER_QUERY,
        help=f"no new request for a query after this long ({DEFAULT_SECONDS_PER_QUERY:g})",
    )
    parser.add_argument("--build-dir", help="the build to serve (default: the project's build/)")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the server's result cache off, to time the queries themselves",
    )
    parser.add_argument(
        "--explain",
        type=int,
        metavar="N",
        help="time /explain on N inferred triples instead of the named queries",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON to write")
    args = parser.parse_args()
    if args.runs < 1 or args.clients < 1 or args.workers < 1:
        parser.error("--runs, --clients and --workers must be at least 1")

    layout = Layout.default()
    if args.build_dir:
        layout = Layout(root=layout.root, build_dir=Path(args.build_dir))
    if args.explain:
        explain_only(layout, args)
        return
    queries = list_named_queries(layout.queries_dir)
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch:
        server = start_server(
            layout, args.workers, Path(scratch) / "server.log", cache=not args.no_cache
        )
        try:
            started = time.perf_counter()
            timings = [
                time_query(server.endpoint, q, args.runs, args.clients, args.seconds_per_query)
                for q in queries
            ]
            elapsed = time.perf_counter() - started
        finally:
            stop_server(server.process)

    header = (
        f"kzgov HTTP latency: {len(queries)} named queries, up to {args.runs} runs"
        f" or {args.seconds_per_query:g} s each,"
        f" {args.clients} concurrent clients, {args.workers} query workers,"
        f" {os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()})"
    )
    print_table(timings, header)
    all_medians = [t.median_ms for t in timings]
    print(
        f"median of the medians {statistics.median(all_medians):.1f} ms;"
        f" slowest p99 {max(t.p99_ms for t in timings):.1f} ms; {elapsed:.0f} s in all"
    )
    report = {
        "server": server.announcement,
        "runs": args.runs,
        "seconds_per_query": args.seconds_per_query,
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(elapsed, 1),
        "queries": [asdict(t) for t in timings],
    }
    write_report(args.output, "http-latency", report)


def explain_only(layout: Layout, args: argparse.Namespace) -> None:
    """Time explanation lookups on one server (--explain), print them, write JSON."""
    triples = inferred_sample(layout, args.explain + 1)
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch:
        server = start_server(layout, args.workers, Path(scratch) / "server.log", cache=False)
        try:
            timing = time_explanations(server.endpoint, triples, args.clients)
            reference = time_lookups(server.endpoint, triples, args.clients)
        finally:
            stop_server(server.process)
    print_table(
        [timing, reference],
        f"kzgov /explain latency: {timing.runs} inferred triples, {args.clients} clients,"
        f" {args.workers} query workers, result cache off; {server.announcement}",
    )
    report = {
        "server": server.announcement,
        "clients": args.clients,
        "workers": args.workers,
        "explain": asdict(timing),
        "lookup_of_the_same_subjects": asdict(reference),
    }
    write_report(args.output, "explain-latency", report)


if __name__ == "__main__":
    main()
