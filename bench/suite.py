"""Run kzgov's benchmarks in one go, on the same builds, and print one table: `make bench`.

Usage: .venv/bin/python bench/suite.py [--sizes 10000 100000 1000000] [--http-sizes 10000 100000]
           [--memory-size N|seed|none] [--seconds 5] [--named-seconds 1] [--clients 8]
           [--workers W] [--output bench/results/bench.json]   (--help for every option)

1. Build: the project's own data (`seed`) and a synthetic project of each of --sizes
   triples (bench/generate.py, generated once into a scratch folder) are each built
   twice by `kzgov build` in a child process, as bench/build_scale.py does: a cold build
   (empty stage cache), then a build with no input change (every stage reused). Rows:
   each stage's seconds and the process's peak memory after it, and each build's
   wall-clock seconds and peak resident memory. The build folders are kept for 2 and 3.
2. HTTP: on the seed build and on those of --http-sizes, every target of
   bench/http_peers.py is started at once on the same build (kzgov on the memory store,
   with and without its result cache, on the Oxigraph store, and on the sparql: store
   forwarding to an Oxigraph server; `oxigraph serve-read-only`; rdflib-endpoint; and
   waitress-replay, a bare WSGI app on waitress replaying Oxigraph's answers) and
   loaded with a lookup and a 3-way join, plus, on the seed graph, every named query:
   C concurrent clients on loopback for S seconds per query, the lookup and the join in
   R rounds (--rounds, default 3) over every target in rotated order, each target's
   figure its median round's. Rows: p50 and p99 latency
   and throughput, and each kzgov target's (and waitress-replay's) throughput over
   Oxigraph server's and over rdflib-endpoint's. The peers are installed with pip when missing.
   On the 100k build, also explanation lookups: `kzgov serve --no-cache` asked /explain
   about 300 distinct inferred triples as bench/http_latency.py --explain does (row
   `explain lookup`, p50 and p99, target: p99 under 50 ms).
   Every http row also gives the CPU milliseconds the target's processes spent per
   request answered (bench/process_cpu.py, read from /proc before and after the load; for
   kzgov by role: main process, HTTP processes, query workers with their zygote, and the
   Oxigraph server behind kzgov-sparql), and on the 100k build the engine row gives
   pyoxigraph's own CPU per 3-way join on the same store, without HTTP (bench/join_cpu.py:
   one process, two processes and two threads at once): each note of a speed target
   says why it is met or missed from those figures of the same run.
   And, on the 100k build, the attack row (bench/attack_latency.py): a trivial query's
   p50 and p99 while one client keeps 4 heavy queries running and 200 sockets trickle
   request heads, on the memory and the Oxigraph store (--attack-seconds each).
3. Serve memory: on the build of --memory-size (default: the largest), `kzgov serve
   --no-cache` on the Oxigraph and the memory store with 1, 2 and 4 query workers, warmed
   up, then the total proportional set size (PSS) of the server and all its processes,
   as bench/serve_memory.py does. Rows: total PSS and its ratio to one worker's.

Prints progress on standard error while it runs (a line per step, and a reminder of the
step in progress every --progress-every seconds), then one table on standard output,
long format, a row per measurement, with notes under it (answers that differ between
targets, errors, targets not measured and why, the targets of the issue met or missed);
writes the rows, the machine and the settings as JSON to --output. With the default
sizes it takes about half an hour on two cores, most of it the 1M-triple graph (its
build, and loading it into kzgov's memory store for the serve-memory step); 1M is not
measured over HTTP by default, because rdflib-endpoint and kzgov's memory store each
take minutes to load its two million quads (add it with --http-sizes).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import attack_latency
import build_scale
import http_latency
import http_peers
import join_cpu
import serve_memory
from bench_report import write_report
from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_PATH = BENCH_DIR / "results" / "bench.json"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_HTTP_SIZES = (10_000, 100_000)
DEFAULT_PROGRESS_SECONDS = 30.0
SEED = "seed"
NO_MEMORY = "none"
OXIGRAPH_SERVER = "oxigraph-server"
RDFLIB_ENDPOINT = "rdflib-endpoint"
WAITRESS_REPLAY = "waitress-replay"
# The targets of the issue (Speed and scale) the notes say are met or missed.
SEED_BUILD_TARGET_SECONDS = 2.0
LARGE_BUILD_TARGET_SECONDS = 180.0
LARGE_BUILD_TARGET_MB = 4000
HTTP_TARGET_SIZE = 100_000
UNCACHED = ("kzgov-oxigraph", "kzgov-memory", "kzgov-sparql")
CACHED = ("kzgov-cached", "kzgov-memory-cached")  # kzgov-cached: `kzgov serve` as by default
# (query, peer, least throughput ratio, the kzgov targets it applies to)
HTTP_TARGETS = (
    ("3-way join", OXIGRAPH_SERVER, 0.9, UNCACHED),
    ("lookup", OXIGRAPH_SERVER, 0.6, UNCACHED),
    ("lookup", RDFLIB_ENDPOINT, 3.0, UNCACHED),
    ("3-way join", OXIGRAPH_SERVER, 1.0, CACHED),
    ("lookup", OXIGRAPH_SERVER, 1.0, CACHED),
)
ATTACK_STORES = ("memory", "oxigraph")
ERROR_TAIL_CHARS = 1500
# Explanation lookups timed at HTTP_TARGET_SIZE (the p99 is the third slowest), the
# target they are timed on, and their p99 target.
EXPLAIN_LOOKUPS = 300
EXPLAIN_TARGET = "kzgov-oxigraph"
EXPLAIN_P99_TARGET_MS = 50.0
EXPLAIN_ITEM = "explain lookup"
# The engine row at HTTP_TARGET_SIZE: pyoxigraph alone on the 3-way join (bench/join_cpu.py).
ENGINE_ITEM = "3-way join"
ENGINE_TARGET = "pyoxigraph alone"
ENGINE_RUNS = 40


class Progress:
    """Progress lines on standard error: one per step, and a reminder while a step lasts.

    Call it with a line to start a step. Every `every` seconds without a new line, it
    prints which step is still running and for how long, so that a long build (the 1M
    graph) shows the run is alive.
    """

    def __init__(
        self, every: float = DEFAULT_PROGRESS_SECONDS, stream: TextIO = sys.stderr
    ) -> None:
        """Start the clock, and the reminder thread if `every` is positive."""
        self.every = every
        self.stream = stream
        self.started = time.monotonic()
        self.step = ""
        self.step_started = self.started
        self.last_line = self.started
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.remind, name="progress", daemon=True)
        if every > 0:
            self.thread.start()

    def __call__(self, line: str) -> None:
        """Print a line, prefixed with the seconds since the start; it is the step now."""
        with self.lock:
            now = time.monotonic()
            self.step, self.step_started, self.last_line = line, now, now
            print(f"[{now - self.started:6.0f} s] {line}", file=self.stream, flush=True)

    def remind(self) -> None:
        """Say which step is still running, every `every` seconds without a line."""
        while not self.done.wait(self.every / 4):
            with self.lock:
                now = time.monotonic()
                if self.step and now - self.last_line >= self.every:
                    self.last_line = now
                    print(
                        f"[{now - self.started:6.0f} s] ... still: {self.step}"
                        f" ({now - self.step_started:.0f} s so far)",
                        file=self.stream,
                        flush=True,
                    )

    def __enter__(self) -> Progress:
        """The progress printer itself."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Stop the reminders."""
        self.done.set()


@dataclass
class SuiteRow:
    """One row of the table: one measurement of one target on one graph.

    Attributes:
        graph: `seed`, `synthetic 10k`, ...
        kind: build, http or serve-memory.
        item: the build stage (or `cold total`, `cached total`), the query, or the
            worker count.
        target: what was measured: `kzgov/owlrl` (the build and its reasoner), a
            target of bench/http_peers.py, kzgov-oxigraph or kzgov-memory.
        seconds: build rows: the stage's (or the build's) seconds.
        p50_ms: http rows: the median latency.
        p99_ms: http rows: the 99th-percentile latency (nearest rank).
        requests_per_second: http rows: the throughput.
        memory_mb: build rows: the peak resident memory after the stage (or of the
            build); serve-memory rows: the total PSS of the server's processes.
        ratio_to_oxigraph_server: http rows of kzgov targets: throughput over
            oxigraph-server's on the same query.
        ratio_to_rdflib_endpoint: http rows of kzgov targets: throughput over
            rdflib-endpoint's on the same query.
        ratio_to_one_worker: serve-memory rows: total PSS over one worker's.
        runs: http rows: the timed requests.
        cpu_ms_per_request: http rows: the milliseconds of CPU the target's processes
            spent per request answered (bench/process_cpu.py); engine rows: pyoxigraph's
            per join, evaluated and written in two processes at once, as kzgov's two
            query workers run it.
        cpu_ms_by_part: http rows: the same by part (kzgov's roles, bench/process_cpu.py;
            `server`: a peer's processes; `upstream`: the Oxigraph server behind
            kzgov-sparql and waitress-replay); engine rows: one process, two processes
            and two threads at once.
        client_cpu_ms_per_request: http rows: the load generator's CPU per request (it
            runs on the same cores).
        result_rows: http rows: the rows of the answer (of all the texts it rotates over).
        error: why it has no figures.
    """

    graph: str
    kind: str
    item: str
    target: str
    seconds: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests_per_second: float | None = None
    memory_mb: float | None = None
    ratio_to_oxigraph_server: float | None = None
    ratio_to_rdflib_endpoint: float | None = None
    ratio_to_one_worker: float | None = None
    runs: int | None = None
    result_rows: int | None = None
    error: str | None = None
    cpu_ms_per_request: float | None = None
    cpu_ms_by_part: dict[str, float] = field(default_factory=dict)
    client_cpu_ms_per_request: float | None = None


@dataclass
class BuiltGraph:
    """A graph the suite has built: where, and what the builds measured."""

    name: str
    size: int  # 0 for the seed graph
    layout: Layout
    generate_seconds: float | None = None
    row: build_scale.Row | None = None
    error: str | None = None


def size_label(size: int) -> str:
    """The graph name of a size: `seed` for 0, else `synthetic 10k`, `synthetic 1M`."""
    return SEED if size == 0 else build_scale.graph_name(size)


def build_rows(built: BuiltGraph) -> list[SuiteRow]:
    """The table's rows of one graph's builds: each stage, then the cold and cached totals."""
    if built.row is None:
        return [SuiteRow(built.name, "build", "cold total", "kzgov", error=built.error)]
    row = built.row
    target = f"kzgov/{row.reasoner}"
    rows = [
        SuiteRow(
            built.name,
            "build",
            stage,
            target,
            seconds=row.cold.stage_seconds[stage],
            memory_mb=row.cold.stage_peak_memory_mb[stage],
        )
        for stage in build_scale.STAGES
    ]
    for item, run in (("cold total", row.cold), ("cached total", row.cached)):
        rows.append(
            SuiteRow(
                built.name,
                "build",
                item,
                target,
                seconds=run.wall_seconds,
                memory_mb=run.peak_memory_mb,
            )
        )
    return rows


def rounded(value: float | None, digits: int) -> float | None:
    """A figure rounded for the JSON, or None."""
    return None if value is None else round(value, digits)


def http_rows(report: http_peers.GraphReport) -> list[SuiteRow]:
    """The table's rows of one graph over HTTP: each query on each target, with ratios."""
    rows = []
    for query in dict.fromkeys(m.query for m in report.measurements):
        by_target = {m.target: m for m in report.measurements if m.query == query}
        for name in http_peers.TARGETS:
            m = by_target.get(name)
            if m is None:
                continue
            row = SuiteRow(
                report.graph,
                "http",
                query,
                name,
                p50_ms=rounded(m.p50_ms, 2),
                p99_ms=rounded(m.p99_ms, 2),
                requests_per_second=rounded(m.throughput_per_second, 1),
                runs=m.runs,
                result_rows=m.rows,
                error=m.error,
                cpu_ms_per_request=m.cpu_ms_per_request,
                cpu_ms_by_part=dict(m.cpu_ms_by_role),
                client_cpu_ms_per_request=m.client_cpu_ms_per_request,
            )
            if name in (*http_peers.KZGOV_TARGETS, WAITRESS_REPLAY):
                row.ratio_to_oxigraph_server = rounded(
                    http_peers.ratio(report, query, name, OXIGRAPH_SERVER), 3
                )
                row.ratio_to_rdflib_endpoint = rounded(
                    http_peers.ratio(report, query, name, RDFLIB_ENDPOINT), 3
                )
            rows.append(row)
    return rows


def memory_rows(graph: str, results: Sequence[serve_memory.ServeMemory]) -> list[SuiteRow]:
    """The table's rows of serving memory: total PSS per store and worker count."""
    return [
        SuiteRow(
            graph,
            "serve-memory",
            f"{r.workers} worker{'s' if r.workers != 1 else ''}",
            r.target,
            memory_mb=r.pss_mb,
            ratio_to_one_worker=r.ratio_to_one_worker,
            error=r.error,
        )
        for r in results
    ]


def number(value: float | None, digits: int) -> str:
    """A figure with some decimals, or `-`."""
    return "-" if value is None else f"{value:.{digits}f}"


COLUMNS = (
    # heading, alignment (< left, > right)
    ("graph", "<"),
    ("kind", "<"),
    ("item", "<"),
    ("target", "<"),
    ("s | p50 ms", ">"),
    ("p99 ms", ">"),
    ("req/s", ">"),
    ("peak|PSS MB", ">"),
    ("/ox-server", ">"),
    ("/rdflib-ep", ">"),
    ("/1 worker", ">"),
    ("CPU ms/req", ">"),
)


def cells(row: SuiteRow) -> list[str]:
    """The printed cells of a row, in the order of COLUMNS."""
    if row.error:
        return [row.graph, row.kind, row.item, row.target, "error", *["-"] * 7]
    time_cell = number(row.seconds, 2) if row.kind == "build" else number(row.p50_ms, 1)
    return [
        row.graph,
        row.kind,
        row.item,
        row.target,
        time_cell,
        number(row.p99_ms, 1),
        number(row.requests_per_second, 0),
        number(row.memory_mb, 0),
        number(row.ratio_to_oxigraph_server, 2),
        number(row.ratio_to_rdflib_endpoint, 2),
        number(row.ratio_to_one_worker, 2),
        number(row.cpu_ms_per_request, 2),
    ]


def print_table(header: str, rows: Sequence[SuiteRow], notes: Sequence[str]) -> None:
    """Print the header line, the table (widths fitted to the cells) and the notes."""
    table = [cells(row) for row in rows]
    widths = [
        max([len(heading)] + [len(line[i]) for line in table])
        for i, (heading, _) in enumerate(COLUMNS)
    ]

    def join(values: Sequence[str]) -> str:
        """One line of the table."""
        return "  ".join(
            f"{value:{align}{width}}"
            for value, width, (_, align) in zip(values, widths, COLUMNS, strict=True)
        ).rstrip()

    print(header)
    print(join([heading for heading, _ in COLUMNS]))
    print(join(["-" * width for width in widths]))
    previous = None
    for row, line in zip(rows, table, strict=True):
        if previous is not None and (row.graph, row.kind) != previous:
            print()
        previous = (row.graph, row.kind)
        print(join(line))
    print()
    for note in notes:
        print("note: " + note.replace("\n", "\n      "))


@contextmanager
def scratch_folder(keep: bool, progress: Progress) -> Iterator[Path]:
    """A scratch folder for the projects, builds and logs; removed at the end unless kept."""
    folder = Path(tempfile.mkdtemp(prefix="kzgov-suite-"))
    try:
        yield folder
    finally:
        if keep:
            progress(f"kept the scratch folder {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def build_all(args: argparse.Namespace, scratch: Path, progress: Progress) -> dict[int, BuiltGraph]:
    """Generate each synthetic project once, and time a cold and a cached build of each."""
    generator = build_scale.load_generator()
    built: dict[int, BuiltGraph] = {}
    for size in [0, *args.sizes]:
        name = size_label(size)
        root = PROJECT_ROOT
        generate_seconds = None
        if size:
            root = scratch / f"synthetic-{size}"
            progress(f"{name}: generating the project ({size} triples)")
            started = time.perf_counter()
            generator.generate(root, triples=size, seed=args.seed)
            generate_seconds = round(time.perf_counter() - started, 2)
        layout = Layout(root=root, build_dir=build_scale.build_dir_for(name, scratch))
        graph = BuiltGraph(name, size, layout, generate_seconds)
        reasoner = build_scale.choose_reasoner(size, args.owlrl_max_triples, args.reasoner)
        progress(f"{name}: cold build, then cached build (reasoner {reasoner})")
        try:
            graph.row = build_scale.measure(name, root, scratch, reasoner, args.validator)
        except build_scale.BuildFailed as error:
            graph.error = str(error)[-ERROR_TAIL_CHARS:]
            progress(f"{name}: build failed: {graph.error}")
        else:
            progress(
                f"{name}: built in {graph.row.cold.wall_seconds} s cold"
                f" (peak {graph.row.cold.peak_memory_mb} MB),"
                f" {graph.row.cached.wall_seconds} s cached"
            )
        built[size] = graph
    return built


def graph_notes(built: Sequence[BuiltGraph]) -> list[str]:
    """A note per graph: its triples, reasoner and validator, or why its build failed."""
    notes = []
    for graph in built:
        if graph.row is None:
            notes.append(f"{graph.name}: not measured, its build failed: {graph.error}")
            continue
        row = graph.row
        generated = ""
        if graph.generate_seconds is not None:
            generated = f", generated in {graph.generate_seconds:.2f} s"
        notes.append(
            f"{graph.name}: {row.asserted_triples} asserted + {row.inferred_triples} inferred"
            f" triples, reasoner {row.reasoner}, validator {row.validator}{generated}"
        )
    return notes


def verdict(met: bool) -> str:
    """`met` or `missed`."""
    return "met" if met else "missed"


def find_row(rows: Sequence[SuiteRow], graph: str, item: str, target: str) -> SuiteRow | None:
    """The row of a graph, item and target, if measured without error."""
    for row in rows:
        if (row.graph, row.item, row.target) == (graph, item, target) and row.error is None:
            return row
    return None


def build_target_notes(rows: Sequence[SuiteRow]) -> list[str]:
    """The issue's build targets, met or missed, from the cold totals."""
    notes = []
    seed = next((r for r in rows if (r.graph, r.item) == (SEED, "cold total")), None)
    if seed is not None and seed.seconds is not None:
        notes.append(
            f"target seed build under {SEED_BUILD_TARGET_SECONDS:g} s:"
            f" {verdict(seed.seconds < SEED_BUILD_TARGET_SECONDS)} ({seed.seconds:.2f} s)"
        )
    large = size_label(1_000_000)
    big = next((r for r in rows if (r.graph, r.item) == (large, "cold total")), None)
    if big is not None and big.seconds is not None and big.memory_mb is not None:
        fast = big.seconds < LARGE_BUILD_TARGET_SECONDS
        small = big.memory_mb < LARGE_BUILD_TARGET_MB
        notes.append(
            f"target {large} build under {LARGE_BUILD_TARGET_SECONDS:g} s and"
            f" {LARGE_BUILD_TARGET_MB} MB: {verdict(fast and small)}"
            f" ({big.seconds:.1f} s, peak {big.memory_mb:.0f} MB)"
        )
    return notes


# The parts of a server's CPU in the notes, in the order a request passes them.
PART_ORDER = ("server", "http", "main", "workers", "upstream", "other", "exited")


def cpu_figures(row: SuiteRow) -> str:
    """A row's CPU per request, with its parts for kzgov (`12.30 ms (http 1.50, ...)`);
    a part under 0.005 ms is left out."""
    if row.cpu_ms_per_request is None:
        return "not measured"
    ordered = sorted(
        row.cpu_ms_by_part.items(),
        key=lambda item: PART_ORDER.index(item[0]) if item[0] in PART_ORDER else len(PART_ORDER),
    )
    parts = ", ".join(
        f"{part} {ms:.2f}" for part, ms in ordered if part != "server" and f"{ms:.2f}" != "0.00"
    )
    return f"{row.cpu_ms_per_request:.2f} ms" + (f" ({parts})" if parts else "")


def why_of(rows: Sequence[SuiteRow], row: SuiteRow, peer: str) -> str:
    """Where the CPU of a target's requests went, against its peer's, in the same run.

    With every core busy, two servers' throughputs go about as the inverse of the CPU
    per request of each with the load generator's (which shares the cores); that holds
    for the join (both servers near two cores), less well for the lookups, where the
    load generator takes a larger share. For the 3-way join of kzgov on the Oxigraph
    store, also pyoxigraph's own CPU per join without any HTTP (the engine row), and
    the ratio that model gives a front end on pyoxigraph that cost nothing.
    """
    peer_row = find_row(rows, row.graph, row.item, peer)
    if peer_row is None or row.cpu_ms_per_request is None:
        return ""
    client = row.client_cpu_ms_per_request
    why = f"; CPU per request: {row.target} {cpu_figures(row)}, {peer} {cpu_figures(peer_row)}"
    if client is not None:
        why += f", the load generator {client:.2f} ms"
    engine = find_row(rows, row.graph, ENGINE_ITEM, ENGINE_TARGET)
    if (
        (row.item, row.target) == (ENGINE_ITEM, "kzgov-oxigraph")
        and engine is not None
        and engine.cpu_ms_per_request
        and peer_row.cpu_ms_per_request is not None
    ):
        load = client or 0.0
        bound = (peer_row.cpu_ms_per_request + load) / (engine.cpu_ms_per_request + load)
        why += (
            f"; {ENGINE_TARGET}, without HTTP, {engine.cpu_ms_per_request:.2f} ms per join"
            f" with two processes running it at once (as kzgov's two query workers do): a"
            f" front end on pyoxigraph that cost nothing would reach about {bound:.2f}x,"
            f" if throughput follows CPU per request"
        )
    return why


def http_target_notes(rows: Sequence[SuiteRow]) -> list[str]:
    """The issue's serving targets at 100k triples, met or missed, per kzgov target, each
    with the CPU per request of the target and of its peer (and the engine's, for the join
    on the Oxigraph store): why it is met or missed, measured in the same run."""
    graph = size_label(HTTP_TARGET_SIZE)
    notes = []
    for query, peer, floor, targets in HTTP_TARGETS:
        for target in targets:
            row = find_row(rows, graph, query, target)
            if row is None:
                continue
            ratio = (
                row.ratio_to_oxigraph_server if peer == OXIGRAPH_SERVER
                else row.ratio_to_rdflib_endpoint
            )  # fmt: skip
            if ratio is None:
                continue
            notes.append(
                f"target {query} at {graph}, {target} at least {floor:g}x {peer}:"
                f" {verdict(ratio >= floor)} ({ratio:.2f}x){why_of(rows, row, peer)}"
            )
    return notes


def explain_row(graph: BuiltGraph, logs: Path, args: argparse.Namespace) -> SuiteRow:
    """Time /explain on a build's inferred triples (bench/http_latency.py --explain)."""
    try:
        triples = http_latency.inferred_sample(graph.layout, EXPLAIN_LOOKUPS + 1)
        server = http_latency.start_server(
            graph.layout, args.workers, logs / f"explain-{graph.size}.log", cache=False
        )
        try:
            timing = http_latency.time_explanations(server.endpoint, triples, args.clients)
        finally:
            http_latency.stop_server(server.process)
    except (RuntimeError, OSError, SystemExit) as error:
        message = str(error)[-ERROR_TAIL_CHARS:]
        return SuiteRow(graph.name, "http", EXPLAIN_ITEM, EXPLAIN_TARGET, error=message)
    return SuiteRow(
        graph.name,
        "http",
        EXPLAIN_ITEM,
        EXPLAIN_TARGET,
        p50_ms=rounded(timing.median_ms, 2),
        p99_ms=rounded(timing.p99_ms, 2),
        requests_per_second=rounded(timing.throughput_per_second, 1),
        runs=timing.runs,
    )


def engine_row(graph: BuiltGraph) -> SuiteRow:
    """pyoxigraph's CPU per 3-way join on a build's store, without HTTP (bench/join_cpu.py).

    Run after the HTTP step, which has written the build's Oxigraph store.
    """
    try:
        found = join_cpu.engine_alone(graph.layout, ENGINE_RUNS)
    except (KzgovError, RuntimeError, OSError, ValueError) as error:
        message = str(error)[-ERROR_TAIL_CHARS:]
        return SuiteRow(graph.name, "engine", ENGINE_ITEM, ENGINE_TARGET, error=message)
    return SuiteRow(
        graph.name,
        "engine",
        ENGINE_ITEM,
        ENGINE_TARGET,
        runs=ENGINE_RUNS,
        cpu_ms_per_request=found.get("two_processes_at_once_ms"),
        cpu_ms_by_part={
            part: found[key]
            for part, key in (
                ("one process", "evaluate_and_serialize_ms"),
                ("two processes at once", "two_processes_at_once_ms"),
                ("two threads at once", "two_threads_at_once_ms"),
            )
            if key in found
        },
    )


def explain_target_notes(rows: Sequence[SuiteRow]) -> list[str]:
    """The explanation-lookup target at 100k triples, met or missed."""
    row = find_row(rows, size_label(HTTP_TARGET_SIZE), EXPLAIN_ITEM, EXPLAIN_TARGET)
    if row is None or row.p99_ms is None:
        return []
    return [
        f"target explain lookup at {row.graph}, p99 under {EXPLAIN_P99_TARGET_MS:g} ms:"
        f" {verdict(row.p99_ms < EXPLAIN_P99_TARGET_MS)} ({row.p99_ms:.1f} ms)"
    ]


def parse_size(value: str) -> int:
    """A --memory-size: `seed` (0), `none` (-1) or a triple count."""
    if value == SEED:
        return 0
    if value == NO_MEMORY:
        return -1
    try:
        size = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: give `seed`, `none` or a triple count"
        ) from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: a triple count is at least 1")
    return size


def make_parser() -> argparse.ArgumentParser:
    """The command line's options."""
    first, _usage, *rest = __doc__.split("\n\n")
    parser = argparse.ArgumentParser(
        description="\n\n".join([first, *rest]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="A short run, for a try:\n  .venv/bin/python bench/suite.py --sizes 10000"
        " --http-sizes 10000 --memory-size 10000 \\\n      --seconds 1 --named-seconds 0.3"
        " --output /tmp/bench.json",
    )
    sizes = parser.add_argument_group("what to measure")
    sizes.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=list(DEFAULT_SIZES),
        metavar="N",
        help="synthetic graphs to build, in triples; the seed graph is always built"
        " (default: 10000 100000 1000000; none: the seed graph only)",
    )
    sizes.add_argument(
        "--http-sizes",
        type=int,
        nargs="*",
        metavar="N",
        help="synthetic graphs, among --sizes, to measure over HTTP besides the seed graph"
        " (default: those of 10000 100000 in --sizes; none: the seed graph only)",
    )
    sizes.add_argument(
        "--memory-size",
        type=parse_size,
        metavar="N|seed|none",
        help="the graph whose serving memory is measured: one of --sizes, `seed`, or"
        " `none` to skip that step (default: the largest of --sizes)",
    )
    load = parser.add_argument_group("HTTP load")
    load.add_argument(
        "--seconds",
        type=float,
        default=http_peers.DEFAULT_SECONDS,
        help="load per synthetic query (lookup, join) and target, seconds"
        f" (default {http_peers.DEFAULT_SECONDS:g})",
    )
    load.add_argument(
        "--named-seconds",
        type=float,
        default=http_peers.DEFAULT_NAMED_SECONDS,
        help="load per named query and target on the seed graph, seconds"
        f" (default {http_peers.DEFAULT_NAMED_SECONDS:g})",
    )
    load.add_argument(
        "--rounds",
        type=int,
        default=http_peers.DEFAULT_ROUNDS,
        help="rounds of the synthetic queries on every target, in rotated order; each"
        f" target's figure is its median round's (default {http_peers.DEFAULT_ROUNDS})",
    )
    load.add_argument(
        "--clients",
        type=int,
        default=http_peers.DEFAULT_CLIENTS,
        help=f"concurrent clients of the load generator (default {http_peers.DEFAULT_CLIENTS})",
    )
    load.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help=f"kzgov's query workers for the HTTP step (default: one per core, here"
        f" {os.cpu_count() or 2})",
    )
    memory = parser.add_argument_group("serve memory")
    memory.add_argument(
        "--memory-workers",
        type=int,
        nargs="+",
        default=list(serve_memory.DEFAULT_WORKERS),
        metavar="W",
        help="worker counts whose total PSS is measured (default 1 2 4; ratios to the fewest)",
    )
    memory.add_argument(
        "--memory-stores",
        nargs="+",
        choices=serve_memory.DEFAULT_STORES,
        default=list(serve_memory.DEFAULT_STORES),
        help="kzgov stores measured (default: oxigraph memory)",
    )
    parser.add_argument(
        "--attack-seconds",
        type=float,
        default=attack_latency.DEFAULT_SECONDS,
        help="seconds of the attack row (bench/attack_latency.py) on the 100k build, per"
        f" store; 0 skips it (default {attack_latency.DEFAULT_SECONDS:g})",
    )
    memory.add_argument(
        "--warmup-rounds",
        type=int,
        default=serve_memory.DEFAULT_WARMUP_ROUNDS,
        help="rounds of lookups and joins before memory is read"
        f" (default {serve_memory.DEFAULT_WARMUP_ROUNDS})",
    )
    build = parser.add_argument_group("build")
    build.add_argument(
        "--seed",
        type=int,
        default=http_peers.GENERATOR_SEED,
        help=f"the synthetic generator's seed (default {http_peers.GENERATOR_SEED})",
    )
    build.add_argument(
        "--owlrl-max-triples",
        type=int,
        default=0,
        help="build with owlrl, the reference, up to this many synthetic triples; every"
        " other graph, the seed graph too, with the build's default, the fast reasoner"
        " (default 0)",
    )
    build.add_argument("--reasoner", choices=("owlrl", "fast"), help="one reasoner for every build")
    build.add_argument(
        "--validator",
        choices=("fast", "pyshacl"),
        default="fast",
        help="the validator of every build (default fast)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output",
        type=Path,
        default=RESULTS_PATH,
        help=f"the JSON to write (default {RESULTS_PATH.relative_to(PROJECT_ROOT)})",
    )
    output.add_argument(
        "--progress-every",
        type=float,
        default=DEFAULT_PROGRESS_SECONDS,
        metavar="SECONDS",
        help="remind on standard error of the step still running this often; 0: never"
        f" (default {DEFAULT_PROGRESS_SECONDS:g})",
    )
    output.add_argument(
        "--keep-scratch",
        action="store_true",
        help="keep the scratch folder (projects, builds, server logs) and say where",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options, checked, with the defaults that depend on others filled in."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.sizes):
        parser.error("--sizes takes triple counts of at least 1")
    args.sizes = list(dict.fromkeys(args.sizes))
    if args.http_sizes is None:
        args.http_sizes = [size for size in DEFAULT_HTTP_SIZES if size in args.sizes]
    missing = [size for size in args.http_sizes if size not in args.sizes]
    if missing:
        parser.error(f"--http-sizes {missing} must be among --sizes (they are built there)")
    args.http_sizes = list(dict.fromkeys(args.http_sizes))
    if args.memory_size is None:
        args.memory_size = max(args.sizes, default=0)
    elif args.memory_size > 0 and args.memory_size not in args.sizes:
        parser.error(f"--memory-size {args.memory_size} must be `seed`, `none` or among --sizes")
    http_peers.refuse_bad_load(args, parser)
    args.memory_workers = serve_memory.positive_counts(args.memory_workers, parser)
    if args.warmup_rounds < 1:
        parser.error("--warmup-rounds must be at least 1")
    if args.memory_size >= 0 and not Path("/proc/self/smaps_rollup").exists():
        parser.error(
            "the serve-memory step reads /proc/PID/smaps_rollup (Linux only):"
            " skip it with --memory-size none"
        )
    return args


def run(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Run every step; the report written as JSON (rows, notes, settings, details)."""
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    phases: list[dict[str, Any]] = []

    def phase(name: str, since: float, at: datetime) -> None:
        """Record a step's start and duration."""
        phases.append(
            {
                "phase": name,
                "started_at": at.isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - since, 1),
            }
        )

    progress("installing the peers if missing (rdflib-endpoint, oxigraph)")
    skipped = http_peers.ensure_peers()
    for name, why in skipped.items():
        progress(f"{name} will not be measured: {why}")
    settings = http_peers.LoadSettings(
        clients=args.clients,
        seconds=args.seconds,
        named_seconds=args.named_seconds,
        workers=args.workers,
        rounds=args.rounds,
    )
    reports: list[http_peers.GraphReport] = []
    memory: list[serve_memory.ServeMemory] = []
    memory_graph = ""
    with scratch_folder(args.keep_scratch, progress) as scratch:
        at, since = datetime.now(UTC), time.perf_counter()
        built = build_all(args, scratch, progress)
        phase("build", since, at)

        logs = scratch / "logs"
        logs.mkdir()
        at, since = datetime.now(UTC), time.perf_counter()
        for size in [0, *args.http_sizes]:
            graph = built[size]
            if graph.row is None:
                continue
            progress(
                f"{graph.name}: HTTP, {len(http_peers.TARGETS)} targets at once, loaded in turn"
            )
            reports.append(
                http_peers.bench_layout(
                    graph.name,
                    graph.layout,
                    graph.row.cold.wall_seconds,
                    logs,
                    settings,
                    skipped,
                    named_queries=size == 0,
                    progress=progress,
                )
            )
        explain_rows = [
            explain_row(built[size], logs, args)
            for size in args.http_sizes
            if size == HTTP_TARGET_SIZE and built[size].row is not None
        ]
        engine_rows = [
            engine_row(built[size])
            for size in args.http_sizes
            if size == HTTP_TARGET_SIZE and built[size].row is not None
        ]
        phase("http", since, at)

        attacks: list[attack_latency.AttackResult] = []
        attack_graph = size_label(HTTP_TARGET_SIZE)
        target_build = built.get(HTTP_TARGET_SIZE)
        if args.attack_seconds > 0 and target_build is not None and target_build.row is not None:
            at, since = datetime.now(UTC), time.perf_counter()
            for store in ATTACK_STORES:
                attacks.append(
                    attack_latency.measure_under_attack(
                        target_build.layout,
                        store,
                        args.attack_seconds,
                        logs / f"attack-{store}.log",
                        progress=progress,
                    )
                )
            phase("attack", since, at)

        if args.memory_size >= 0 and built[args.memory_size].row is not None:
            graph = built[args.memory_size]
            memory_graph = graph.name
            at, since = datetime.now(UTC), time.perf_counter()
            memory = serve_memory.measure_memory(
                graph.layout,
                args.memory_stores,
                args.memory_workers,
                logs,
                args.warmup_rounds,
                progress=progress,
                graph=graph.name,
            )
            phase("serve-memory", since, at)

    graphs = [built[size] for size in [0, *args.sizes]]
    rows = [row for graph in graphs for row in build_rows(graph)]
    rows += [row for report in reports for row in http_rows(report)]
    rows += explain_rows + engine_rows
    rows += memory_rows(memory_graph, memory)
    rows += [
        SuiteRow(
            attack_graph,
            "http-attack",
            "trivial ASK under 4 heavy + 200 slow",
            f"kzgov-{a.store}",
            p50_ms=a.p50_ms,
            p99_ms=a.p99_ms,
            runs=a.probes,
            error=a.error,
        )
        for a in attacks
    ]
    notes = graph_notes(graphs)
    notes.append(
        "build rows: a stage's seconds in a cold build (empty stage cache) and the build"
        " process's peak resident MB after it; `cold total`, `cached total`: the whole"
        " child process (Python's start-up included), the cached one with no input change"
    )
    if reports:
        notes.append(
            "http rows: ratios are of throughput (req/s), each kzgov target over"
            " oxigraph-server (/ox-server) and over rdflib-endpoint (/rdflib-ep) on the same"
            " query and build; above 1, kzgov answers more requests per second"
        )
        notes.append(
            "CPU ms/req: the milliseconds of CPU the target's processes spent per request"
            " answered under the load, read from /proc (kzgov: its main process, HTTP"
            " processes and query workers; kzgov-sparql and waitress-replay with the"
            " Oxigraph server behind them); engine row: pyoxigraph alone on the 3-way join,"
            " evaluated and written as SPARQL JSON with no HTTP, two processes at once"
            " (bench/join_cpu.py)"
        )
        notes.append(
            "waitress-replay: not a store but a bare WSGI app on waitress (kzgov's thread"
            " count) replaying Oxigraph server's answers from a dict: what waitress allows"
            " any Python front end, kzgov's result cache included"
        )
        notes += http_peers.report_notes(reports)
    if memory:
        notes.append(
            f"serve-memory rows: total PSS (MB) of `kzgov serve --no-cache`, its zygote and"
            f" its query workers after {args.warmup_rounds} warm-up rounds, served with"
            f" --timeout {serve_memory.WARMUP_TIMEOUT_SECONDS} --max-result-rows"
            f" {serve_memory.WARMUP_MAX_RESULT_ROWS} so that the joins answer; /1 worker:"
            " over the same store's total with the fewest workers"
        )
        notes += serve_memory.target_notes(memory, memory_graph)
    elif args.memory_size >= 0:
        notes.append(
            f"serve memory not measured: the build of {size_label(args.memory_size)} failed"
        )
    notes += build_target_notes(rows) + http_target_notes(rows) + explain_target_notes(rows)
    if attacks:
        notes.append(
            "http-attack rows: an uncached trivial ASK (its own X-API-Key), one after another,"
            " while one address keeps 4 heavy queries running (2 parse bombs, 2 cartesian"
            " products) and 200 sockets trickle request heads (bench/attack_latency.py);"
            f" statuses: {[(a.store, a.probe_statuses, a.attacker_statuses) for a in attacks]}"
        )
        notes += [attack_latency.verdict_note(a, attack_graph) for a in attacks]
    finished_at = datetime.now(UTC)
    return {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "elapsed_seconds": round(time.perf_counter() - started, 1),
        "settings": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in vars(args).items()
        },
        "phases": phases,
        "graphs": [
            {
                "graph": g.name,
                "size": g.size or SEED,
                "generate_seconds": g.generate_seconds,
                "asserted_triples": g.row.asserted_triples if g.row else None,
                "inferred_triples": g.row.inferred_triples if g.row else None,
                "reasoner": g.row.reasoner if g.row else None,
                "quads_served": next((r.triples for r in reports if r.graph == g.name), None),
                "error": g.error,
            }
            for g in graphs
        ],
        "rows": [asdict(row) for row in rows],
        "notes": notes,
        "details": {
            "builds": [asdict(g.row) for g in graphs if g.row is not None],
            "http": [asdict(report) for report in reports],
            "serve_memory": [asdict(result) for result in memory],
            "attack": [asdict(result) for result in attacks],
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, print the table, write the JSON; 1 if a build failed, else 0."""
    args = parse_args(argv)
    with Progress(args.progress_every) as progress:
        report = run(args, progress)
    memory = ""
    if args.memory_size >= 0:
        workers = " ".join(str(w) for w in args.memory_workers)
        memory = f" serve memory: {workers} workers, {args.warmup_rounds} warm-up rounds;"
    header = (
        f"kzgov bench: HTTP {args.clients} concurrent clients for {args.seconds:g} s per"
        f" synthetic query (the median of {args.rounds} rounds) and {args.named_seconds:g} s"
        f" per named query, kzgov with"
        f" {args.workers} query workers;{memory} {os.cpu_count()} cores"
        f" ({platform.machine()}), Python {platform.python_version()};"
        f" {report['elapsed_seconds']:.0f} s in all"
    )
    rows = [SuiteRow(**row) for row in report["rows"]]
    print_table(header, rows, report["notes"])
    write_report(args.output, "suite", report)
    return 1 if any(g["error"] for g in report["graphs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
