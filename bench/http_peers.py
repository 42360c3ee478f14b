"""Compare kzgov over HTTP with its peers, Oxigraph server and rdflib-endpoint, on the same data.

Usage: .venv/bin/python bench/http_peers.py [--sizes seed,100000] [--clients C]
                                            [--seconds S] [--named-seconds N] [--workers W]
                                            [--rounds R] [--project BUILT_PROJECT]

For each graph of --sizes (`seed`: the project's own data; a number: a synthetic project
of about that many triples from bench/generate.py), builds it (`kzgov build --reasoner
fast`) into a temporary folder (or, with --project, takes the build already in
PROJECT/build), then, in the same run and on that build, serves it from
every target at once, each on a free port of 127.0.0.1, and loads them one at a time:

- kzgov-memory: `kzgov serve --store memory --no-cache`;
- kzgov-cached: `kzgov serve --store oxigraph` (the result cache on): `kzgov serve` as
  it runs by default;
- kzgov-memory-cached: `kzgov serve --store memory` (the result cache on);
- kzgov-oxigraph: `kzgov serve --store oxigraph --no-cache` (which writes the build's
  Oxigraph store, build/current/oxigraph/, on first use);
- kzgov-sparql: `kzgov serve --store sparql:URL --no-cache`, forwarding every query to
  an `oxigraph serve-read-only` of that same store started for it;
- oxigraph-server: `oxigraph serve-read-only` on that same store, every query given the
  union graph <https://w3id.org/kzgov/graph/union> as `default-graph-uri` (and, for the
  named queries, the build's graphs as `named-graph-uri`), so that it answers as kzgov;
- rdflib-endpoint: `rdflib-endpoint serve` of the build's kzgov.nq (a Dataset whose
  default graph is the union of its graphs);
- waitress-replay: bench/waitress_replay.py, a bare WSGI app on waitress (kzgov's
  thread count) that asks an Oxigraph server each new request once and replays its
  answer after: not a store, but the ceiling of a Python front end on waitress, and so
  of kzgov's result cache.

The peers are installed into this interpreter with pip when missing (rdflib-endpoint,
and the `oxigraph` binary of the project's test extras); if that fails their columns
are left empty and the reason printed.

Each target is sent two synthetic queries, a single-pattern lookup (rotating over four
posts) and a 3-way join (posts, their appointment rule, its appointer's label), and,
for the seed graph only, every named query of queries/. Each query is sent once to
warm up (the answer's rows are compared with kzgov-memory's), then by C concurrent
clients (default 8) for a fixed S seconds (default 5; named queries N seconds, default
1), each request a SPARQL 1.1 Protocol POST on the client's own persistent
connection (HTTP/1.1 keep-alive, as wrk and oha load). The two synthetic queries are
measured in R rounds (default 3), every target once a round, in an order rotated each
round, and each target's figures are those of its median round by throughput: this
machine's speed drifts by several per cent within a minute, and a ratio of two targets
measured once each, a minute apart, carried that drift (the named queries, a survey of
the seed graph rather than a target, are measured once). Prints one table of
p50 and p99 latency (nearest rank) and throughput per target, and the throughput ratios
kzgov-oxigraph / oxigraph-server, kzgov-sparql / oxigraph-server, kzgov-memory /
rdflib-endpoint, kzgov-cached / oxigraph-server, kzgov-memory-cached / oxigraph-server
and waitress-replay / oxigraph-server;
writes everything as JSON to
bench/results/http-peers.json.

bench/suite.py (`make bench`) reuses `bench_layout` on the builds it has timed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph

from bench_report import write_report
from http_latency import (
    FORM_TO_ACCEPT,
    REQUEST_TIMEOUT_SECONDS,
    SERVER_START_SECONDS,
    nearest_rank,
    stop_server,
)
from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout
from kzgov.core.namespaces import ASSERTED_GRAPH, UNION_GRAPH
from kzgov.core.queries import list_named_queries
from kzgov.store.oxigraph import (
    OXIGRAPH_DIR,
    holds_build,
    read_metadata,
    write_in_fresh_process,
)
from process_cpu import cpu_ms_per_request, cpu_ticks_by_role

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_PATH = BENCH_DIR / "results" / "http-peers.json"
DEFAULT_SIZES = "seed,100000"
DEFAULT_CLIENTS = 8
DEFAULT_SECONDS = 5.0
# Rounds of the synthetic queries; each target's figure is its median round's.
DEFAULT_ROUNDS = 3
# Twenty named queries, six targets: a second each keeps the seed graph near three minutes.
DEFAULT_NAMED_SECONDS = 1.0
GENERATOR_SEED = 1
READY_POLL_SECONDS = 0.2
# A server loading a large graph (rdflib-endpoint, kzgov's memory store) is given
# SERVER_START_SECONDS, or one second per this many quads if that is longer.
QUADS_PER_START_SECOND = 2000
LOG_TAIL_LINES = 8
TARGETS = (
    "kzgov-memory",
    "kzgov-cached",
    "kzgov-memory-cached",
    "kzgov-oxigraph",
    "kzgov-sparql",
    "oxigraph-server",
    "rdflib-endpoint",
    "waitress-replay",
)
KZGOV_TARGETS = tuple(name for name in TARGETS if name.startswith("kzgov-"))
# (label, numerator, denominator) of each throughput ratio in the table.
RATIOS = (
    ("kzgov-ox/ox-server", "kzgov-oxigraph", "oxigraph-server"),
    ("kzgov-sparql/ox-server", "kzgov-sparql", "oxigraph-server"),
    ("kzgov-mem/rdflib-ep", "kzgov-memory", "rdflib-endpoint"),
    ("kzgov-cached/ox-server", "kzgov-cached", "oxigraph-server"),
    ("kzgov-mem-cached/ox-server", "kzgov-memory-cached", "oxigraph-server"),
    ("replay/ox-server", "waitress-replay", "oxigraph-server"),
)
RDFLIB_ENDPOINT_REQUIREMENT = "rdflib-endpoint[cli]==0.6.3"
# The `oxigraph` binary (Oxigraph server), as pinned in the project's test extras.
OXIGRAPH_REQUIREMENT = "oxigraph==0.5.13"

PREFIXES = (
    "PREFIX kz: <https://w3id.org/kzgov/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
POSTS_QUERY = (
    PREFIXES + "SELECT DISTINCT ?post WHERE { ?post kz:appointmentRule ?rule ."
    " ?rule kz:appointer ?appointer . ?appointer rdfs:label ?label } ORDER BY ?post LIMIT 4"
)
LOOKUP_QUERY = "SELECT ?p ?o WHERE {{ <{post}> ?p ?o }}"
JOIN_QUERY = (
    PREFIXES + "SELECT ?post ?rule ?appointer ?label WHERE {\n"
    "  ?post kz:appointmentRule ?rule .\n"
    "  ?rule kz:appointer ?appointer .\n"
    "  ?appointer rdfs:label ?label .\n"
    "}"
)


@dataclass(frozen=True)
class Request:
    """One query as sent: its text, the Accept header and the protocol's graph parameters."""

    text: str
    accept: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Workload:
    """A query of the table: its name, its form, and the texts it rotates over."""

    name: str
    form: str
    texts: tuple[str, ...]
    seconds: float
    uses_named_graphs: bool = False
    rounds: int = 1


@dataclass(frozen=True)
class LoadSettings:
    """How each target is loaded and served.

    Attributes:
        clients: concurrent clients of the load generator.
        seconds: load per synthetic query and target.
        named_seconds: load per named query and target.
        workers: kzgov's query worker processes.
        rounds: how many times each synthetic query is measured on each target.
    """

    clients: int = DEFAULT_CLIENTS
    seconds: float = DEFAULT_SECONDS
    named_seconds: float = DEFAULT_NAMED_SECONDS
    workers: int = os.cpu_count() or 2
    rounds: int = DEFAULT_ROUNDS

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LoadSettings:
        """The settings of parsed command-line options of the same names."""
        return cls(
            clients=args.clients,
            seconds=args.seconds,
            named_seconds=args.named_seconds,
            workers=args.workers,
            rounds=args.rounds,
        )


@dataclass
class Measurement:
    """One query on one target (its median round, when measured in rounds).

    Attributes:
        round_throughputs: the requests per second of every round, in order.
        cpu_ms_per_request: the milliseconds of CPU the target's processes spent per
            request answered under the load (bench/process_cpu.py; None where /proc
            cannot be read).
        cpu_ms_by_role: the same by part: for kzgov, its roles (`process_cpu.role_of`);
            `server` for a peer's processes; and `upstream` for the Oxigraph server a
            target needs (behind kzgov-sparql and waitress-replay).
        client_cpu_ms_per_request: the milliseconds of CPU this process (the load
            generator, on the same cores) spent per request.
    """

    target: str
    query: str
    rows: int | None = None
    runs: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    throughput_per_second: float | None = None
    error: str | None = None
    round_throughputs: list[float] = field(default_factory=list)
    cpu_ms_per_request: float | None = None
    cpu_ms_by_role: dict[str, float] = field(default_factory=dict)
    client_cpu_ms_per_request: float | None = None


def median_round(rounds: Sequence[Measurement]) -> Measurement:
    """The round whose throughput is the median (the lower of the middle two), all rounds'
    throughputs recorded on it; a failed round, if any, instead (so that it shows)."""
    failed = [m for m in rounds if m.error or not m.throughput_per_second]
    if failed:
        return failed[0]
    ordered = sorted(rounds, key=lambda m: m.throughput_per_second or 0.0)
    chosen = ordered[(len(ordered) - 1) // 2]
    chosen.round_throughputs = [round(m.throughput_per_second or 0.0, 1) for m in rounds]
    return chosen


@dataclass
class Target:
    """A running server: its process, its endpoint and how it is asked.

    Attributes:
        companions: processes the server needs and that stop with it (the
            Oxigraph server behind kzgov-sparql).
        split_by_role: its CPU is read by kzgov's roles (a kzgov server), not as one
            `server` figure.
        log_path: where its output goes.
    """

    name: str
    process: subprocess.Popen[str]
    endpoint: str
    announcement: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    companions: tuple[subprocess.Popen[str], ...] = ()
    log_path: Path | None = None
    split_by_role: bool = False

    def request(self, workload: Workload, text: str) -> Request:
        """The request that asks this target the query as kzgov answers it."""
        params = [("default-graph-uri", g) for g in self.default_graphs]
        if workload.uses_named_graphs:
            params += [("named-graph-uri", g) for g in self.named_graphs]
        return Request(text, FORM_TO_ACCEPT[workload.form], tuple(params))

    def cpu_ticks(self) -> dict[str, int]:
        """The CPU clock ticks of the server's processes so far, by part (`Measurement`);
        empty where its processes cannot be read."""
        ticks = cpu_ticks_by_role(self.process.pid)
        if not ticks:
            return {}
        if not self.split_by_role:
            ticks = {"server": sum(ticks.values())}
        for companion in self.companions:
            upstream = sum(cpu_ticks_by_role(companion.pid).values())
            ticks["upstream"] = ticks.get("upstream", 0) + upstream
        return ticks

    def stop(self) -> None:
        """Stop the server, then the processes it needs."""
        stop_server(self.process)
        for process in self.companions:
            stop_server(process)


@dataclass
class GraphReport:
    """The measurements of one graph."""

    graph: str
    triples: int
    build_seconds: float
    servers: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)


def to_stderr(line: str) -> None:
    """Print a progress line on standard error."""
    print(line, file=sys.stderr, flush=True)


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file, or why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(no log: {error})"
    tail = text.strip().splitlines()[-lines:]
    return "\n".join(tail) if tail else "(the log is empty)"


def did_not_start(name: str, process: subprocess.Popen[str], log_path: Path) -> RuntimeError:
    """The error for a server that did not start: its exit code and the tail of its log."""
    code = process.poll()
    state = "timed out starting" if code is None else f"exited with code {code}"
    return RuntimeError(
        f"{name} did not start ({state}); last lines of {log_path.name}:\n{log_tail(log_path)}"
    )


class KeepAlive:
    """Each load-generator thread's own persistent HTTP/1.1 connection, as wrk and oha keep."""

    def __init__(self) -> None:
        """No connection yet: each thread opens its own on its first request."""
        self.local = threading.local()
        self.opened: list[http.client.HTTPConnection] = []
        self.lock = threading.Lock()

    def connection(self, netloc: str, timeout: float) -> http.client.HTTPConnection:
        """This thread's connection to a server, opened if need be."""
        connection: http.client.HTTPConnection | None = getattr(self.local, "connection", None)
        if connection is None or connection.host + f":{connection.port}" != netloc:
            connection = http.client.HTTPConnection(netloc, timeout=timeout)
            self.local.connection = connection
            with self.lock:
                self.opened.append(connection)
        return connection

    def drop(self) -> None:
        """Close this thread's connection (the server closed it, or said it would)."""
        connection: http.client.HTTPConnection | None = getattr(self.local, "connection", None)
        if connection is not None:
            connection.close()
        self.local.connection = None

    def close(self) -> None:
        """Close every thread's connection (once the load is over)."""
        with self.lock:
            opened, self.opened = self.opened, []
        for connection in opened:
            connection.close()


def post(
    endpoint: str,
    request: Request,
    timeout: float = REQUEST_TIMEOUT_SECONDS,
    keep_alive: KeepAlive | None = None,
) -> tuple[float, bytes]:
    """Send one query; its latency in seconds and the answer.

    Without `keep_alive` the query goes on a new connection, closed after it; with it,
    on the calling thread's persistent connection (reopened once if the server had
    closed it).

    Raises:
        RuntimeError: the server did not answer 200.
    """
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path or "/"
    if request.params:
        path += "?" + urllib.parse.urlencode(request.params)
    # Each client thread is its own client to kzgov's fair admission (its own API key),
    # as 8 users would be; otherwise the 8 threads, sharing 127.0.0.1, count as one.
    headers = {
        "Content-Type": "application/sparql-query",
        "Accept": request.accept,
        "X-API-Key": "bench-" + threading.current_thread().name,
    }
    body_sent = request.text.encode("utf-8")
    started = time.perf_counter()
    for attempt in (1, 2):
        if keep_alive is None:
            connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
        else:
            connection = keep_alive.connection(parts.netloc, timeout)
        try:
            connection.request("POST", path, body=body_sent, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if keep_alive is None or attempt == 2:
                raise
            keep_alive.drop()
            continue
        finally:
            if keep_alive is None:
                connection.close()
        if keep_alive is not None and response.will_close:
            keep_alive.drop()
        break
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
    return elapsed, body


def count_rows(form: str, body: bytes) -> int:
    """The rows of a SELECT, 0 or 1 for an ASK, the triples of a graph."""
    if form in ("SELECT", "ASK"):
        answer = json.loads(body)
        if "boolean" in answer:
            return int(bool(answer["boolean"]))
        return len(answer["results"]["bindings"])
    return len(Graph().parse(data=body.decode("utf-8"), format="turtle"))


def load(send: Callable[[int], float], clients: int, seconds: float) -> list[float]:
    """Send requests from `clients` threads until `seconds` have passed; the latencies.

    `send(i)` sends the i-th request and returns its latency in seconds; no request
    starts after the deadline, those in flight finish.
    """
    counter = iter(range(sys.maxsize))
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> list[float]:
        """One client: send requests one after another until the deadline."""
        latencies: list[float] = []
        while time.perf_counter() < stop_at:
            with lock:
                index = next(counter)
            latencies.append(send(index))
        return latencies

    with ThreadPoolExecutor(max_workers=clients) as pool:
        per_client = list(pool.map(lambda _: client(), range(clients)))
    return [latency for done in per_client for latency in done]


def measure(target: Target, workload: Workload, clients: int) -> Measurement:
    """Warm up, then load one target with one query for the workload's seconds."""
    result = Measurement(target=target.name, query=workload.name)
    requests = [target.request(workload, text) for text in workload.texts]
    try:
        rows = 0
        for request in requests:
            rows += count_rows(workload.form, post(target.endpoint, request)[1])
        result.rows = rows
        keep_alive = KeepAlive()

        def send(i: int) -> float:
            return post(target.endpoint, requests[i % len(requests)], keep_alive=keep_alive)[0]

        before, client_before = target.cpu_ticks(), time.process_time()
        started = time.perf_counter()
        try:
            latencies = load(send, clients, workload.seconds)
            wall = time.perf_counter() - started
            after, client_after = target.cpu_ticks(), time.process_time()
        finally:
            keep_alive.close()
    except (RuntimeError, OSError, ValueError, KeyError) as error:
        result.error = str(error)[:300]
        return result
    millis = sorted(seconds * 1000 for seconds in latencies)
    result.runs = len(millis)
    result.p50_ms = statistics.median(millis)
    result.p99_ms = nearest_rank(millis, 99)
    result.throughput_per_second = len(millis) / wall
    result.cpu_ms_by_role = cpu_ms_per_request(before, after, len(millis))
    if result.cpu_ms_by_role:
        result.cpu_ms_per_request = round(sum(result.cpu_ms_by_role.values()), 3)
    result.client_cpu_ms_per_request = round(
        (client_after - client_before) * 1000 / max(len(millis), 1), 3
    )
    return result


def free_port() -> int:
    """A port of 127.0.0.1 free now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_kzgov(
    name: str,
    layout: Layout,
    log_path: Path,
    options: Sequence[str],
    start_seconds: float = SERVER_START_SECONDS,
) -> Target:
    """Start `kzgov serve` with options on a free port; return once it listens.

    Raises:
        RuntimeError: it did not start; the tail of its log is in the message.
    """
    command = [
        sys.executable, "-m", "kzgov", "--root", str(layout.root),
        "--build-dir", str(layout.build_dir), "serve",
        "--host", "127.0.0.1", "--port", "0", *options,
    ]  # fmt: skip
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + start_seconds
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            line = process.stdout.readline()
            if " on http://" in line:
                endpoint = line.rsplit(" on ", 1)[1].split()[0]
                return Target(
                    name, process, endpoint, line.strip(), log_path=log_path, split_by_role=True
                )
    error = did_not_start(name, process, log_path)
    stop_server(process)
    raise error


def start_peer(
    name: str,
    command: Sequence[str],
    endpoint: str,
    log_path: Path,
    start_seconds: float = SERVER_START_SECONDS,
    default_graphs: tuple[str, ...] = (),
    named_graphs: tuple[str, ...] = (),
) -> Target:
    """Start a peer server; return once it answers an ASK at its endpoint.

    Every request to it will carry `default_graphs` as `default-graph-uri` and, for
    the named queries, `named_graphs` as `named-graph-uri`.

    Raises:
        RuntimeError: it did not start; the tail of its log is in the message.
    """
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
        )
    probe = Request("ASK { ?s ?p ?o }", "application/sparql-results+json")
    deadline = time.monotonic() + start_seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            post(endpoint, probe)
        except (OSError, RuntimeError):
            time.sleep(READY_POLL_SECONDS)
            continue
        return Target(
            name,
            process,
            endpoint,
            " ".join(command),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            log_path=log_path,
        )
    error = did_not_start(name, process, log_path)
    stop_server(process)
    raise error


def oxigraph_binary() -> Path:
    """The `oxigraph` command: this interpreter's environment's, else the one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    on_path = shutil.which("oxigraph")
    return Path(on_path) if on_path and not beside.exists() else beside


def pip_install(requirement: str) -> str | None:
    """Install a requirement into this interpreter with pip; None, or why it failed."""
    install = [sys.executable, "-m", "pip", "install", "--quiet", requirement]
    done = subprocess.run(install, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"`pip install {requirement}` failed: {done.stderr[-300:]}"
    return None


def ensure_rdflib_endpoint() -> str | None:
    """Install rdflib-endpoint into this interpreter if missing; None, or why it is not there."""
    try:
        import rdflib_endpoint  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return pip_install(RDFLIB_ENDPOINT_REQUIREMENT)
    return None


def ensure_oxigraph_server() -> str | None:
    """Install the `oxigraph` server binary if missing; None, or why it is not there."""
    if oxigraph_binary().exists():
        return None
    failed = pip_install(OXIGRAPH_REQUIREMENT)
    if failed is None and not oxigraph_binary().exists():
        return f"`pip install {OXIGRAPH_REQUIREMENT}` did not install an `oxigraph` command"
    return failed


def ensure_peers() -> dict[str, str]:
    """Install the peers that are missing; the targets that cannot run, and why."""
    skipped = {}
    rdflib_note = ensure_rdflib_endpoint()
    if rdflib_note:
        skipped["rdflib-endpoint"] = rdflib_note
    oxigraph_note = ensure_oxigraph_server()
    if oxigraph_note:
        skipped["oxigraph-server"] = oxigraph_note
        skipped["kzgov-sparql"] = f"it forwards to Oxigraph server: {oxigraph_note}"
    return skipped


def build_graph(size: str, scratch: Path) -> tuple[Layout, float]:
    """Generate (for a synthetic size) and build a graph; its layout and build seconds."""
    if size == "seed":
        layout = Layout(root=PROJECT_ROOT, build_dir=scratch / "seed-build")
    else:
        root = scratch / f"synthetic-{size}"
        generate = [
            sys.executable, str(BENCH_DIR / "generate.py"), "--triples", size,
            "--seed", str(GENERATOR_SEED), "--out", str(root),
        ]  # fmt: skip
        subprocess.run(generate, check=True, stdout=subprocess.DEVNULL)
        layout = Layout(root=root, build_dir=root / "build")
    build = [
        sys.executable, "-m", "kzgov", "--root", str(layout.root),
        "--build-dir", str(layout.build_dir), "build", "--reasoner", "fast", "--quiet",
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(build, check=True, stdout=subprocess.DEVNULL)
    return layout, time.perf_counter() - started


def workloads(
    layout: Layout, posts: Sequence[str], settings: LoadSettings, named_queries: bool
) -> list[Workload]:
    """The synthetic queries and, if asked (the seed graph), the named queries."""
    found = [
        Workload(
            "lookup",
            "SELECT",
            tuple(LOOKUP_QUERY.format(post=p) for p in posts),
            settings.seconds,
            rounds=settings.rounds,
        ),
        Workload("3-way join", "SELECT", (JOIN_QUERY,), settings.seconds, rounds=settings.rounds),
    ]
    if named_queries:
        found += [
            Workload(q.name, q.form, (q.text,), settings.named_seconds, uses_named_graphs=True)
            for q in list_named_queries(layout.queries_dir)
        ]
    return found


def store_graphs(store: Path) -> tuple[str, ...]:
    """The build's own named graphs in a kzgov Oxigraph store (not the derived ones)."""
    metadata = json.loads((store / "kzgov-store.json").read_text(encoding="utf-8"))
    derived = {str(UNION_GRAPH), str(ASSERTED_GRAPH)}
    return tuple(g for g in metadata["graphs"] if g not in derived and g != "")


def ensure_oxigraph_store(release: Path) -> Path:
    """The build's Oxigraph store, written as `kzgov serve --store oxigraph` does if missing.

    Raises:
        KzgovError: the store could not be written.
    """
    store = release / str(OXIGRAPH_DIR)
    if not holds_build(read_metadata(store), release):
        write_in_fresh_process(release, store)
    return store


def count_quads(nquads: Path) -> int:
    """The lines, one quad each, of an N-Quads dump."""
    with nquads.open("rb") as dump:
        return sum(1 for _ in dump)


def start_oxigraph_server(name: str, store: Path, log_path: Path, start_seconds: float) -> Target:
    """Start `oxigraph serve-read-only` on a kzgov store, asked as kzgov answers.

    Raises:
        RuntimeError: it did not start; the tail of its log is in the message.
    """
    port = free_port()
    command = [
        str(oxigraph_binary()), "serve-read-only",
        "--location", str(store), "--bind", f"127.0.0.1:{port}",
    ]  # fmt: skip
    return start_peer(
        name, command, f"http://127.0.0.1:{port}/query", log_path, start_seconds,
        default_graphs=(str(UNION_GRAPH),), named_graphs=store_graphs(store),
    )  # fmt: skip


def in_front_of_oxigraph(
    name: str,
    release: Path,
    log_path: Path,
    start_seconds: float,
    start_front: Callable[[Target], Target],
) -> Target:
    """Start an Oxigraph server on a release's store, then a target that asks it.

    The Oxigraph server logs beside the target's log and stops with the target (it is
    one of its companions), or at once if the target does not start.

    Raises:
        RuntimeError: either did not start; the tail of its log is in the message.
    """
    upstream = start_oxigraph_server(
        f"the Oxigraph server behind {name}",
        ensure_oxigraph_store(release),
        log_path.with_name(log_path.stem + "-oxigraph.log"),
        start_seconds,
    )
    try:
        target = start_front(upstream)
    except BaseException:
        upstream.stop()
        raise
    target.companions = (upstream.process,)
    return target


def start_target(
    name: str,
    layout: Layout,
    log_path: Path,
    settings: LoadSettings,
    start_seconds: float,
) -> Target:
    """Start one target of TARGETS on a build; return once it answers.

    Raises:
        RuntimeError: it did not start; the tail of its log is in the message.
        KzgovError: the Oxigraph store could not be written.
    """
    current = (layout.build_dir / "current").resolve()
    workers = ["--workers", str(settings.workers)]
    kzgov_options = {
        "kzgov-memory": ["--store", "memory", "--no-cache", *workers],
        "kzgov-cached": ["--store", "oxigraph", *workers],
        "kzgov-memory-cached": ["--store", "memory", *workers],
        "kzgov-oxigraph": ["--store", "oxigraph", "--no-cache", *workers],
    }
    if name in kzgov_options:
        return start_kzgov(name, layout, log_path, kzgov_options[name], start_seconds)
    if name == "oxigraph-server":
        return start_oxigraph_server(name, ensure_oxigraph_store(current), log_path, start_seconds)
    if name == "kzgov-sparql":

        def kzgov_forwarding(upstream: Target) -> Target:
            """kzgov on the sparql: store, forwarding to the upstream."""
            options = ["--store", f"sparql:{upstream.endpoint}", "--no-cache", *workers]
            return start_kzgov(name, layout, log_path, options, start_seconds)

        return in_front_of_oxigraph(name, current, log_path, start_seconds, kzgov_forwarding)
    if name == "waitress-replay":

        def replay(upstream: Target) -> Target:
            """bench/waitress_replay.py, asking the upstream each new request once."""
            port = free_port()
            threads = ServerConfig(layout=layout, workers=settings.workers).http_threads
            command = [
                sys.executable, str(BENCH_DIR / "waitress_replay.py"),
                "--upstream", upstream.endpoint, "--port", str(port), "--threads", str(threads),
            ]  # fmt: skip
            return start_peer(
                name, command, f"http://127.0.0.1:{port}/", log_path, start_seconds,
                default_graphs=upstream.default_graphs, named_graphs=upstream.named_graphs,
            )  # fmt: skip

        return in_front_of_oxigraph(name, current, log_path, start_seconds, replay)
    if name == "rdflib-endpoint":
        port = free_port()
        command = [
            sys.executable, "-m", "rdflib_endpoint", "serve", str(current / "kzgov.nq"),
            "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip
        return start_peer(name, command, f"http://127.0.0.1:{port}/", log_path, start_seconds)
    raise KeyError(f"no target named {name!r}")


def with_server_state(target: Target, measurement: Measurement) -> Measurement:
    """A failed measurement, told whether its server has exited, with the tail of its log."""
    code = target.process.poll()
    if measurement.error and code is not None:
        tail = log_tail(target.log_path) if target.log_path else "(no log)"
        measurement.error += f"; the server exited with code {code}; its log ends:\n{tail}"
    return measurement


def bench_layout(
    graph: str,
    layout: Layout,
    build_seconds: float,
    scratch: Path,
    settings: LoadSettings,
    skipped: Mapping[str, str],
    named_queries: bool,
    progress: Callable[[str], None] = to_stderr,
) -> GraphReport:
    """Measure every target on a graph already built.

    Args:
        graph: the graph's name in the table (`seed`, a size, `synthetic 10k`).
        layout: the project and the build folder holding its build.
        build_seconds: how long the build took (reported, not measured here).
        scratch: a folder for the servers' logs.
        settings: the load and the kzgov workers.
        skipped: targets not to run, and why (`ensure_peers`).
        named_queries: whether to measure the named queries too (the seed graph).
        progress: where progress lines go.

    Returns:
        The measurements; a target that did not start is in `skipped`, with why.
    """
    triples = count_quads((layout.build_dir / "current").resolve() / "kzgov.nq")
    report = GraphReport(graph=graph, triples=triples, build_seconds=round(build_seconds, 1))
    start_seconds = max(SERVER_START_SECONDS, triples / QUADS_PER_START_SECOND)
    slug = graph.replace(" ", "-")
    targets: dict[str, Target] = {}
    try:
        for name in TARGETS:
            if name in skipped:
                report.skipped[name] = skipped[name]
                continue
            progress(f"{graph}: starting {name}")
            try:
                target = start_target(
                    name, layout, scratch / f"{slug}-{name}.log", settings, start_seconds
                )
            except (RuntimeError, OSError, KeyError, KzgovError) as error:
                report.skipped[name] = str(error)[:1500]
                progress(f"{graph}: {name} skipped: {error}")
                continue
            report.servers[name] = target.announcement
            targets[name] = target
        plan = plan_on(graph, layout, targets, settings, named_queries, report, progress)
        rounds: dict[tuple[str, str], list[Measurement]] = {}
        names = [n for n in targets if n not in report.skipped]
        for number in range(max((w.rounds for w in plan), default=0)):
            due = [w for w in plan if w.rounds > number]
            shift = number % max(len(names), 1)
            for name in names[shift:] + names[:shift]:
                target, started = targets[name], time.perf_counter()
                progress(f"{graph}: round {number + 1}: loading {name} with {len(due)} queries")
                for workload in due:
                    done = with_server_state(target, measure(target, workload, settings.clients))
                    rounds.setdefault((name, workload.name), []).append(done)
                progress(f"{graph}: {name} measured in {time.perf_counter() - started:.0f} s")
        report.measurements += [median_round(measured) for measured in rounds.values()]
    finally:
        for target in targets.values():
            target.stop()
    return report


def plan_on(
    graph: str,
    layout: Layout,
    targets: Mapping[str, Target],
    settings: LoadSettings,
    named_queries: bool,
    report: GraphReport,
    progress: Callable[[str], None],
) -> list[Workload]:
    """The queries, with the posts to look up chosen by asking the first target that answers.

    A target that fails to answer is marked skipped in the report, with why.
    """
    for name, target in targets.items():
        try:
            posts = json.loads(
                post(target.endpoint, Request(POSTS_QUERY, FORM_TO_ACCEPT["SELECT"]))[1]
            )
        except (RuntimeError, OSError, ValueError, KeyError) as error:
            why = f"{name} failed choosing the posts to look up: {error}"
            report.skipped[name] = why
            progress(f"{graph}: {why}")
            continue
        chosen = [b["post"]["value"] for b in posts["results"]["bindings"]]
        return workloads(layout, chosen, settings, named_queries)
    return []


def bench_graph(
    size: str, scratch: Path, args: argparse.Namespace, skipped: Mapping[str, str]
) -> GraphReport:
    """Build one graph (or take the project of --project, built) and measure every target."""
    if args.project is not None:
        root = args.project.resolve()
        layout, build_seconds = Layout(root=root, build_dir=root / "build"), 0.0
        print(f"{size}: the build of {root}", file=sys.stderr)
    else:
        layout, build_seconds = build_graph(size, scratch)
        print(f"{size}: built in {build_seconds:.1f} s", file=sys.stderr)
    return bench_layout(
        size,
        layout,
        build_seconds,
        scratch,
        LoadSettings.from_args(args),
        skipped,
        named_queries=size == "seed",
    )


def ratio(report: GraphReport, query: str, numerator: str, denominator: str) -> float | None:
    """The throughput of one target over another's for a query, if both were measured."""
    by_target = {m.target: m for m in report.measurements if m.query == query}
    top = by_target.get(numerator)
    bottom = by_target.get(denominator)
    if (
        top is None
        or bottom is None
        or not top.throughput_per_second
        or not bottom.throughput_per_second
    ):
        return None
    return top.throughput_per_second / bottom.throughput_per_second


def cell(value: float | None, width: int, digits: int = 1) -> str:
    """A number right-aligned in a column, or `-`."""
    return f"{'-' if value is None else f'{value:.{digits}f}':>{width}}"


def report_notes(reports: Sequence[GraphReport]) -> list[str]:
    """The notes under the table: errors, answers that differ from kzgov-memory's, skips."""
    notes: list[str] = []
    for report in reports:
        for query in dict.fromkeys(m.query for m in report.measurements):
            by_target = {m.target: m for m in report.measurements if m.query == query}
            reference = by_target.get("kzgov-memory")
            for name in TARGETS:
                m = by_target.get(name)
                if m is None:
                    continue
                if m.error:
                    notes.append(f"{report.graph} {query} {name}: {m.error}")
                elif (
                    reference is not None
                    and reference.rows is not None
                    and m.rows != reference.rows
                ):
                    notes.append(
                        f"{report.graph} {query} {name}: {m.rows} rows, kzgov-memory {reference.rows}"
                    )
        for name, why in report.skipped.items():
            notes.append(f"{report.graph}: {name} not measured: {why}")
    return notes


def print_table(reports: list[GraphReport], header: str) -> list[str]:
    """Print the one table; return the notes under it."""
    queries = [(r, q) for r in reports for q in dict.fromkeys(m.query for m in r.measurements)]
    name_width = max([len("graph  query")] + [len(r.graph) + 2 + len(q) for r, q in queries])
    group = 20  # "  p50   p99  req/s" per target
    print(header)
    line = " " * name_width
    for name in TARGETS:
        line += f" |{name:^{group}}"
    line += " | " + "  ".join(label for label, _, _ in RATIOS)
    print(line)
    line = f"{'graph  query':<{name_width}}"
    for _ in TARGETS:
        line += f" |{'p50':>6}{'p99':>7}{'req/s':>7}"
    line += " | " + "  ".join(f"{'req/s ratio':>{len(label)}}" for label, _, _ in RATIOS)
    print(line)
    for report, query in queries:
        by_target = {m.target: m for m in report.measurements if m.query == query}
        line = f"{report.graph + '  ' + query:<{name_width}}"
        for name in TARGETS:
            m = by_target.get(name)
            if m is None:
                line += f" |{'n/a':>20}"
            elif m.error:
                line += f" |{'error':>20}"
            else:
                line += (
                    f" |{cell(m.p50_ms, 6)}{cell(m.p99_ms, 7)}{cell(m.throughput_per_second, 7, 0)}"
                )
        parts = []
        for label, a, b in RATIOS:
            parts.append(cell(ratio(report, query, a, b), len(label), 2))
        print(line + " | " + "  ".join(parts))
    notes = report_notes(reports)
    for note in notes:
        print("note: " + note.replace("\n", "\n      "))
    return notes


def refuse_bad_load(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Stop with a usage error unless the load options (as `main` names them) are positive."""
    if (
        args.clients < 1
        or args.workers < 1
        or args.rounds < 1
        or args.seconds <= 0
        or args.named_seconds <= 0
    ):
        parser.error(
            "--clients, --workers, --rounds, --seconds and --named-seconds must be positive"
        )


def main() -> None:
    """Parse the options, measure every graph and target, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"graphs: seed and/or triple counts ({DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=DEFAULT_CLIENTS,
        help=f"concurrent clients ({DEFAULT_CLIENTS})",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=DEFAULT_SECONDS,
        help=f"load per synthetic query and target, seconds ({DEFAULT_SECONDS:g})",
    )
    parser.add_argument(
        "--named-seconds",
        type=float,
        default=DEFAULT_NAMED_SECONDS,
        help=f"load per named query and target, seconds ({DEFAULT_NAMED_SECONDS:g})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="kzgov's query worker processes (default: one per core)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help="rounds of the synthetic queries on every target; each target's figure is its"
        f" median round's ({DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--project",
        type=Path,
        help="measure the build already in PROJECT/build (a project bench/generate.py"
        " wrote, built) instead of building --sizes; --sizes then names it (one size)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON to write")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.project is not None and len(sizes) != 1:
        parser.error("--project measures one build: give its size alone with --sizes")
    if not sizes or any(s != "seed" and not s.isdigit() for s in sizes):
        parser.error("--sizes takes `seed` and triple counts, comma-separated")
    refuse_bad_load(args, parser)

    skipped = ensure_peers()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kzgov-peers-") as scratch:
        reports = [bench_graph(size, Path(scratch), args, skipped) for size in sizes]
    elapsed = time.perf_counter() - started

    header = (
        f"kzgov and peers over HTTP: p50 and p99 latency (ms), throughput (req/s);"
        f" {args.clients} concurrent clients for {args.seconds:g} s per synthetic query"
        f" (the median of {args.rounds} rounds) and {args.named_seconds:g} s per named query;"
        f" kzgov with {args.workers} query workers; the ratios are of throughput (req/s);"
        f" {os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()})"
    )
    notes = print_table(reports, header)
    print(f"{elapsed:.0f} s in all")
    result = {
        "clients": args.clients,
        "seconds": args.seconds,
        "named_seconds": args.named_seconds,
        "rounds": args.rounds,
        "workers": args.workers,
        "elapsed_seconds": round(elapsed, 1),
        "graphs": [
            {
                **asdict(r),
                "ratios": {
                    q: {f"{a}/{b}": ratio(r, q, a, b) for _, a, b in RATIOS}
                    for q in dict.fromkeys(m.query for m in r.measurements)
                },
            }
            for r in reports
        ],
        "notes": notes,
    }
    write_report(args.output, "http-peers", result)


if __name__ == "__main__":
    main()
