"""Measure how the memory of `kzgov serve` grows with its query workers: total PSS by worker count.

Usage: .venv/bin/python bench/serve_memory.py [--size seed|N | --build-dir DIR [--root DIR]]
           [--workers 1 2 4] [--stores oxigraph memory] [--warmup-rounds 3]
           [--warmup-clients C]
           [--output bench/results/serve-memory.json]

On one build (by default a synthetic project of 100000 triples from bench/generate.py,
built with `kzgov build --reasoner fast` into a temporary folder; --build-dir serves an
existing build instead), for each store of --stores and each worker count of --workers,
starts `kzgov serve --store STORE --no-cache --workers W` on a free port of 127.0.0.1
(the limits raised, `--timeout 600 --max-result-rows 1000000`, so that the warm-up's
3-way join answers on a large graph instead of being cut short, which would replace the
worker that ran it by a fresh, cold one), then warms it up: the lookup and the 3-way
join of bench/http_peers.py, every round C joins and the four lookups sent by C
concurrent clients, C being --warmup-clients or by default the most workers measured
(so that with that many workers every worker answers some joins), --warmup-rounds
times. Every worker count gets the same load: with fewer workers the joins wait their
turn, and the HTTP processes and the main process relay as many answers at once
whatever the worker count, so that the ratio to one worker is what the extra workers
cost, not a heavier load (with W clients for W workers, the one-worker server used to
relay one join at a time, the four-worker server four; --warmup-clients 0 measures that
way again). The lookups are answered in the HTTP processes (kzgov.web.direct_answers),
not by the workers. Last, the C clients at once each send a light query (a count over
one pattern) twice: at 1M every join makes its worker retire, and a fresh worker has
not opened the store yet (its first query costs it some 25 MB), so without it the
workers measured would all be fresh forks. Then it reads, from /proc/PID/smaps_rollup,
the proportional set size (PSS) and the resident set size (RSS) of the server process
and of all its descendants (the HTTP processes, the zygote and the query workers it
forks), and sums them.

PSS is the measure: the query workers are forked from a zygote holding the loaded
store and share its pages copy-on-write (and the Oxigraph store's page cache), and PSS
splits each shared page among the processes that map it, so that the sum is the
memory the whole server takes; the sum of RSS counts every shared page once per
process. Prints one table of total PSS (and RSS) per store and worker count, with the
ratio to one worker, checks the target "2 or more workers whose total memory is under
1.5 times that of one", and writes everything as JSON.

bench/suite.py (`make bench`) runs `measure_memory` on its largest build.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench_report import write_report
from build_scale import graph_name
from http_latency import FORM_TO_ACCEPT, SERVER_START_SECONDS, stop_server
from http_peers import (
    JOIN_QUERY,
    LOOKUP_QUERY,
    POSTS_QUERY,
    PREFIXES,
    PROJECT_ROOT,
    QUADS_PER_START_SECOND,
    Request,
    build_graph,
    count_quads,
    ensure_oxigraph_store,
    log_tail,
    post,
    start_kzgov,
    to_stderr,
)
from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "serve-memory.json"
DEFAULT_SIZE = "100000"
DEFAULT_WORKERS = (1, 2, 4)
DEFAULT_STORES = ("oxigraph", "memory")
DEFAULT_WARMUP_ROUNDS = 3
# The target: 2 or more workers take under this many times one worker's memory.
TARGET_RATIO = 1.5
# Raised limits while warming up, so that the join answers on a large graph.
WARMUP_TIMEOUT_SECONDS = 600
WARMUP_MAX_RESULT_ROWS = 1_000_000
# Let the workers finish writing their answers before the pages are counted.
SETTLE_SECONDS = 0.5
# The warm-up's last query, light but answered by a worker from the store: a worker
# that answered it holds the store open, as a serving worker does (a join at 1M makes
# its worker retire, and a fresh one has not opened the store yet).
LIGHT_QUERY = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?post kz:appointmentRule ?rule }"
LIGHT_QUERIES_PER_CLIENT = 2
KIB_PER_MB = 1024


@dataclass
class ProcessMemory:
    """The memory of one process, from /proc/PID/smaps_rollup, in kB.

    Attributes:
        pid: the process id.
        name: its command name (/proc/PID/comm).
        pss_kb: proportional set size: private pages, plus shared pages divided among
            the processes that map them.
        pss_anon_kb: the part of the PSS that is anonymous memory (heap, not files).
        rss_kb: resident set size: every page it maps, shared or not.
        uss_kb: unique set size: the pages only it maps (private clean and dirty).
    """

    pid: int
    name: str
    pss_kb: int
    pss_anon_kb: int
    rss_kb: int
    uss_kb: int


@dataclass
class ServeMemory:
    """The memory of one `kzgov serve` with some workers, its processes summed.

    Attributes:
        target: kzgov-oxigraph or kzgov-memory.
        store: the --store option.
        workers: the --workers option.
        processes: the server and its descendants counted.
        pss_mb: their total PSS after the warm-up.
        pss_anon_mb: the anonymous part of it.
        rss_mb: their total RSS after the warm-up (shared pages counted in each).
        idle_pss_mb: their total PSS once listening, before any query.
        start_seconds: from starting the command until it listened.
        warmup_seconds: the warm-up's wall-clock time.
        warmup_clients: the concurrent clients of the warm-up (the same for every count).
        ratio_to_one_worker: pss_mb over the same store's with one worker (with the
            fewest workers measured, if not one).
        error: why it could not be measured, with the tail of the server's log.
        per_process: each process's figures.
    """

    target: str
    store: str
    workers: int
    processes: int = 0
    pss_mb: float | None = None
    pss_anon_mb: float | None = None
    rss_mb: float | None = None
    idle_pss_mb: float | None = None
    start_seconds: float | None = None
    warmup_seconds: float | None = None
    warmup_clients: int = 0
    ratio_to_one_worker: float | None = None
    error: str | None = None
    per_process: list[ProcessMemory] = field(default_factory=list)


def parent_of(pid: int) -> int | None:
    """A process's parent id, from /proc/PID/stat; None if it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: the fields follow its last `)`.
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1])


def process_tree(root: int) -> list[int]:
    """A process and all its descendants, the root first (walks /proc/*/stat for parents)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    tree = [root]
    for pid in tree:  # grows as it goes: breadth first
        tree.extend(sorted(children.get(pid, ())))
    return tree


def read_memory(pid: int) -> ProcessMemory | None:
    """One process's PSS, RSS and USS from /proc/PID/smaps_rollup; None if it has gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="utf-8")
        name = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    kb: dict[str, int] = {}
    for line in rollup.splitlines()[1:]:
        key, _, value = line.partition(":")
        parts = value.split()
        if parts and parts[0].isdigit():
            kb[key.strip()] = int(parts[0])
    return ProcessMemory(
        pid=pid,
        name=name,
        pss_kb=kb.get("Pss", 0),
        pss_anon_kb=kb.get("Pss_Anon", 0),
        rss_kb=kb.get("Rss", 0),
        uss_kb=kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0),
    )


def tree_memory(root: int) -> list[ProcessMemory]:
    """The memory of a process and of each of its descendants still running."""
    found = (read_memory(pid) for pid in process_tree(root))
    return [memory for memory in found if memory is not None]


def megabytes(kilobytes: int) -> float:
    """kB as MB (MiB), to one decimal."""
    return round(kilobytes / KIB_PER_MB, 1)


def warm_up(endpoint: str, clients: int, rounds: int) -> float:
    """Send the lookups and joins of bench/http_peers.py so every worker answers some.

    Each round sends `clients` joins and the four lookups from `clients` concurrent
    clients (each its own client to fair admission); then each client sends
    LIGHT_QUERY twice, all starting at once. Returns the seconds it took.

    Raises:
        RuntimeError: a query failed (the server's message is in it).
    """
    select = FORM_TO_ACCEPT["SELECT"]
    started = time.perf_counter()
    answer = post(endpoint, Request(POSTS_QUERY, select), WARMUP_TIMEOUT_SECONDS + 60)[1]
    posts = [b["post"]["value"] for b in json.loads(answer)["results"]["bindings"]]
    if not posts:
        raise RuntimeError("the graph has no post with an appointment rule to look up")
    one_round = [JOIN_QUERY] * clients + [LOOKUP_QUERY.format(post=p) for p in posts]
    texts = one_round * rounds

    def send(text: str) -> None:
        """Send one warm-up query."""
        post(endpoint, Request(text, select), WARMUP_TIMEOUT_SECONDS + 60)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, texts))
    # Last, the clients at once send a light query each, twice, so that every worker
    # answers one (the joins' workers have retired, kzgov.web.worker_upkeep).
    together = threading.Barrier(clients)

    def send_light(_client: int) -> None:
        """Send the light query, starting with the other clients."""
        together.wait()
        for _ in range(LIGHT_QUERIES_PER_CLIENT):
            send(LIGHT_QUERY)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send_light, range(clients)))
    return time.perf_counter() - started


def measure_serving(
    layout: Layout,
    store: str,
    workers: int,
    scratch: Path,
    rounds: int,
    start_seconds: float = SERVER_START_SECONDS,
    clients: int = 0,
) -> ServeMemory:
    """Start `kzgov serve` with some workers, warm it up, sum its processes' memory.

    The warm-up has `clients` concurrent clients (0: as many as workers).

    A failure (the server does not start, a warm-up query fails) is in the result's
    `error`, with the tail of the server's log, rather than raised.
    """
    target = f"kzgov-{store}"
    result = ServeMemory(
        target=target, store=store, workers=workers, warmup_clients=clients or workers
    )
    log_path = scratch / f"serve-memory-{store}-{workers}.log"
    options = [
        "--store", store, "--no-cache", "--workers", str(workers),
        "--timeout", str(WARMUP_TIMEOUT_SECONDS),
        "--max-result-rows", str(WARMUP_MAX_RESULT_ROWS),
    ]  # fmt: skip
    started = time.perf_counter()
    try:
        server = start_kzgov(target, layout, log_path, options, start_seconds)
    except (RuntimeError, OSError) as error:
        result.error = str(error)
        return result
    try:
        result.start_seconds = round(time.perf_counter() - started, 1)
        result.idle_pss_mb = megabytes(sum(p.pss_kb for p in tree_memory(server.process.pid)))
        result.warmup_seconds = round(warm_up(server.endpoint, result.warmup_clients, rounds), 1)
        time.sleep(SETTLE_SECONDS)
        processes = tree_memory(server.process.pid)
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.process.poll()}")
    except (RuntimeError, OSError, ValueError, KeyError) as error:
        result.error = f"{error}; last lines of {log_path.name}:\n{log_tail(log_path)}"
        return result
    finally:
        stop_server(server.process)
    result.per_process = processes
    result.processes = len(processes)
    result.pss_mb = megabytes(sum(p.pss_kb for p in processes))
    result.pss_anon_mb = megabytes(sum(p.pss_anon_kb for p in processes))
    result.rss_mb = megabytes(sum(p.rss_kb for p in processes))
    return result


def measure_memory(
    layout: Layout,
    stores: Sequence[str],
    worker_counts: Sequence[int],
    scratch: Path,
    rounds: int,
    progress: Callable[[str], None] = to_stderr,
    graph: str = "",
    clients: int | None = None,
) -> list[ServeMemory]:
    """Measure each store with each worker count on one build; ratios to the fewest workers.

    The warm-up has `clients` concurrent clients for every worker count (None: as many
    as the most workers measured; 0: as many as each count's workers).

    The Oxigraph store is written first (as `kzgov serve --store oxigraph` would on its
    first start), so that no server start includes writing it.
    """
    current = (layout.build_dir / "current").resolve()
    quads = count_quads(current / "kzgov.nq")
    start_seconds = max(SERVER_START_SECONDS, quads / QUADS_PER_START_SECOND)
    label = f"{graph}: " if graph else ""
    results: list[ServeMemory] = []
    warmup_clients = max(worker_counts) if clients is None else clients
    for store in stores:
        if store == "oxigraph":
            progress(f"{label}writing the Oxigraph store, if not written yet")
            try:
                ensure_oxigraph_store(current)
            except KzgovError as error:
                why = f"the Oxigraph store could not be written: {error}"
                results += [
                    ServeMemory(f"kzgov-{store}", store, w, error=why) for w in worker_counts
                ]
                continue
        measured = []
        for workers in worker_counts:
            progress(f"{label}serve memory: kzgov-{store} with {workers} worker(s)")
            done = measure_serving(
                layout, store, workers, scratch, rounds, start_seconds, warmup_clients
            )
            if done.error:
                progress(f"{label}kzgov-{store} with {workers} worker(s) failed: {done.error}")
            else:
                progress(
                    f"{label}kzgov-{store} with {workers} worker(s): {done.pss_mb} MB PSS"
                    f" in {done.processes} processes (started in {done.start_seconds} s)"
                )
            measured.append(done)
        baseline = min((m for m in measured if m.pss_mb), key=lambda m: m.workers, default=None)
        for m in measured:
            if baseline is not None and baseline.pss_mb and m.pss_mb is not None:
                m.ratio_to_one_worker = round(m.pss_mb / baseline.pss_mb, 2)
        results += measured
    return results


def target_notes(results: Sequence[ServeMemory], graph: str = "") -> list[str]:
    """Whether each store meets the target: 2+ workers under 1.5 times one worker's memory.

    The issue states the target for the 1M-triple graph; on a smaller one the
    processes' own overhead (Python and the libraries, some 25 MB each) weighs more.
    """
    notes = []
    on = f" on {graph}" if graph else ""
    for store in dict.fromkeys(r.store for r in results):
        rows = [r for r in results if r.store == store]
        one = next((r for r in rows if r.workers == 1 and r.pss_mb), None)
        more = [r for r in rows if r.workers >= 2 and r.ratio_to_one_worker is not None]
        if one is None or not more:
            notes.append(
                f"kzgov-{store}{on}: memory target not checked (needs 1 and 2+ workers measured)"
            )
            continue
        verdicts = ", ".join(
            f"{'met' if (r.ratio_to_one_worker or 0) < TARGET_RATIO else 'missed'} with"
            f" {r.workers} workers ({r.ratio_to_one_worker:.2f}x)"
            for r in more
        )
        notes.append(
            f"kzgov-{store}{on}: target (2 or more workers under {TARGET_RATIO:g}x one worker's"
            f" total PSS, stated for 1M triples): {verdicts}"
        )
    for r in results:
        if r.error:
            notes.append(f"{r.target} with {r.workers} worker(s) not measured: {r.error}")
    return notes


def print_table(results: Sequence[ServeMemory], header: str, notes: Sequence[str]) -> None:
    """Print one row per store and worker count, then the notes."""
    print(header)
    print(
        f"{'target':<15} {'workers':>7} {'processes':>9} {'PSS MB':>9} {'anon MB':>9}"
        f" {'RSS MB':>9} {'idle PSS':>9} {'x 1 worker':>10}"
    )
    for r in results:
        if r.error:
            print(f"{r.target:<15} {r.workers:>7} {'error':>9}")
            continue
        ratio = "-" if r.ratio_to_one_worker is None else f"{r.ratio_to_one_worker:.2f}"
        print(
            f"{r.target:<15} {r.workers:>7} {r.processes:>9} {r.pss_mb:>9.1f}"
            f" {r.pss_anon_mb:>9.1f} {r.rss_mb:>9.1f} {r.idle_pss_mb:>9.1f} {ratio:>10}"
        )
    for note in notes:
        print("note: " + note.replace("\n", "\n      "))


def positive_counts(values: Sequence[int], parser: argparse.ArgumentParser) -> list[int]:
    """Worker counts, sorted and without repeats; a parser error if one is below 1."""
    if not values or min(values) < 1:
        parser.error("--workers takes one or more counts, each at least 1")
    return sorted(set(values))


def main() -> None:
    """Parse the options, build or find the graph, measure, print the table, write JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="PSS and RSS are read from /proc (Linux only).",
    )
    parser.add_argument(
        "--size",
        default=DEFAULT_SIZE,
        help=f"the graph to build: `seed` or a synthetic triple count (default {DEFAULT_SIZE})",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        help="serve this existing build folder instead of building one (--size is ignored)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=PROJECT_ROOT,
        help="the project of --build-dir (default: this project)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=list(DEFAULT_WORKERS),
        help="worker counts to measure (default 1 2 4; the ratios are to the fewest)",
    )
    parser.add_argument(
        "--stores",
        nargs="+",
        choices=DEFAULT_STORES,
        default=list(DEFAULT_STORES),
        help="kzgov stores to measure (default: oxigraph memory)",
    )
    parser.add_argument(
        "--warmup-rounds",
        type=int,
        default=DEFAULT_WARMUP_ROUNDS,
        help=f"rounds of warm-up queries before reading memory (default {DEFAULT_WARMUP_ROUNDS})",
    )
    parser.add_argument(
        "--warmup-clients",
        type=int,
        help="concurrent clients of the warm-up, the same for every worker count (default:"
        " the most workers measured; 0: as many as each count's workers, the old measure)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON to write")
    args = parser.parse_args()
    worker_counts = positive_counts(args.workers, parser)
    if args.warmup_rounds < 1:
        parser.error("--warmup-rounds must be at least 1")
    if args.warmup_clients is not None and args.warmup_clients < 0:
        parser.error("--warmup-clients must be 0 or more")
    if args.build_dir is None and args.size != "seed" and not args.size.isdigit():
        parser.error("--size takes `seed` or a triple count")
    if not Path("/proc/self/smaps_rollup").exists():
        sys.exit("serve_memory.py reads /proc/PID/smaps_rollup: Linux 4.14 or later only")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kzgov-serve-memory-") as scratch_name:
        scratch = Path(scratch_name)
        if args.build_dir is not None:
            layout = Layout(root=args.root.resolve(), build_dir=args.build_dir.resolve())
            graph = str(args.build_dir)
            if not (layout.build_dir / "current" / "kzgov.nq").exists():
                sys.exit(f"{layout.build_dir} holds no build (no current/kzgov.nq)")
        else:
            graph = args.size if args.size == "seed" else graph_name(int(args.size))
            to_stderr(f"{graph}: generating and building")
            try:
                layout, build_seconds = build_graph(args.size, scratch)
            except (subprocess.CalledProcessError, OSError) as error:
                sys.exit(f"could not build {graph}: {error}")
            to_stderr(f"{graph}: built in {build_seconds:.1f} s")
        quads = count_quads((layout.build_dir / "current").resolve() / "kzgov.nq")
        results = measure_memory(
            layout,
            args.stores,
            worker_counts,
            scratch,
            args.warmup_rounds,
            graph=graph,
            clients=args.warmup_clients,
        )
    notes = target_notes(results, graph)
    elapsed = time.perf_counter() - started
    clients = (
        f"{max(worker_counts)} concurrent clients"
        if args.warmup_clients is None
        else f"{args.warmup_clients} concurrent clients"
        if args.warmup_clients
        else "as many concurrent clients as workers"
    )
    header = (
        f"kzgov serve memory on {graph} ({quads} quads): total PSS and RSS (MB) of the server,"
        f" its zygote and its query workers after {args.warmup_rounds} warm-up rounds of"
        f" {clients};"
        f" {os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()})"
    )
    print_table(results, header, notes)
    print(f"{elapsed:.0f} s in all")
    report = {
        "graph": graph,
        "quads": quads,
        "warmup_rounds": args.warmup_rounds,
        "warmup_clients": args.warmup_clients,
        "elapsed_seconds": round(elapsed, 1),
        "results": [asdict(r) for r in results],
        "notes": notes,
    }
    write_report(args.output, "serve-memory", report)


if __name__ == "__main__":
    main()
