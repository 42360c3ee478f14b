"""Time /explain with this checkout's code against a git revision's, on one build, in turns.

Usage: .venv/bin/python bench/explain_ab.py [--baseline main] [--rounds 3] [--clients 8]
                                            [--explain 300] [--build-dir DIR] [--workers W]

The `server/` folder of the baseline revision is taken with `git archive` into a scratch
folder (as bench/compare_builds.py does); then, each round, `kzgov serve --no-cache` is
started on the same build with each code in turn (put first on PYTHONPATH; the order
alternates from one round to the next, so that a change in the machine's load hits both
alike) and asked about the same N distinct inferred triples as
bench/http_latency.py --explain asks (one warm-up lookup, then each triple once, as JSON,
by C concurrent clients, each request on a new connection). Per round and code it prints
the median and 99th-percentile latency (nearest rank) and the CPU seconds the server and
all its processes spent per explanation (user + system, read from /proc before and after:
on a shared machine, wall time says as much about the neighbours as about the code), and
the load average; then, per code, the median of the rounds. Writes it all as JSON to
bench/results/explain-ab.json. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import http_latency
from bench_report import write_report
from compare_builds import ROOT, archived_server
from kzgov.core.layout import Layout

RESULTS_PATH = ROOT / "bench" / "results" / "explain-ab.json"
DEFAULT_CLIENTS = 8  # as bench/suite.py's explain row
DEFAULT_TRIPLES = 300
DEFAULT_ROUNDS = 3
# Seconds a fresh server is left alone before timing: its HTTP processes read the schema.
SETTLE_SECONDS = 3.0


@dataclass(frozen=True)
class Run:
    """One code's timing in one round.

    Attributes:
        code: "baseline" or "checkout".
        round: the round, from 0.
        median_ms: the median latency.
        p99_ms: the 99th-percentile latency.
        max_ms: the slowest.
        cpu_ms_per_explanation: the server's CPU time (all its processes) per request.
        load_average: the machine's one-minute load average after the run.
    """

    code: str
    round: int
    median_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms_per_explanation: float
    load_average: float


def tree_cpu_seconds(pid: int) -> float:
    """The user and system CPU seconds of a process and all its descendants, from /proc."""
    ticks: dict[int, int] = {}
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue  # it ended meanwhile
        fields = text.rsplit(")", 1)[1].split()
        parent[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])
    children: dict[int, list[int]] = {}
    for child, ppid in parent.items():
        children.setdefault(ppid, []).append(child)
    total, pending = 0, [pid]
    while pending:
        process = pending.pop()
        total += ticks.get(process, 0)
        pending.extend(children.get(process, ()))
    return total / os.sysconf("SC_CLK_TCK")


def time_code(
    code: str,
    server_path: Path,
    layout: Layout,
    triples: list[tuple[str, str, str]],
    args: argparse.Namespace,
    round_number: int,
    scratch: Path,
) -> Run:
    """Start the server with one code, time the explanations, stop it."""
    os.environ["PYTHONPATH"] = str(server_path)  # the server's child processes inherit it
    log = scratch / f"server-{code}-{round_number}.log"
    server = http_latency.start_server(layout, args.workers, log, cache=False)
    try:
        time.sleep(SETTLE_SECONDS)
        before = tree_cpu_seconds(server.process.pid)
        timing = http_latency.time_explanations(server.endpoint, triples, args.clients)
        cpu = tree_cpu_seconds(server.process.pid) - before
    finally:
        http_latency.stop_server(server.process)
    return Run(
        code=code,
        round=round_number,
        median_ms=round(timing.median_ms, 2),
        p99_ms=round(timing.p99_ms, 2),
        max_ms=round(timing.max_ms, 2),
        cpu_ms_per_explanation=round(cpu * 1000 / len(triples), 2),
        load_average=round(os.getloadavg()[0], 2),
    )


def main() -> None:
    """Parse the options, run the rounds, print and write the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds (3)")
    parser.add_argument("--clients", type=int, default=DEFAULT_CLIENTS, help="clients (8)")
    parser.add_argument("--explain", type=int, default=DEFAULT_TRIPLES, help="triples (300)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="query workers")
    parser.add_argument("--build-dir", help="the build to serve (default: the project's build/)")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON to write")
    args = parser.parse_args()
    if min(args.rounds, args.clients, args.explain, args.workers) < 1:
        parser.error("--rounds, --clients, --explain and --workers must be at least 1")
    layout = Layout.default()
    if args.build_dir:
        layout = Layout(root=layout.root, build_dir=Path(args.build_dir))
    # The warm-up lookup takes the first; each of the others is timed once.
    triples = http_latency.inferred_sample(layout, args.explain + 1)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="kzgov-explain-ab-") as folder:
        scratch = Path(folder)
        codes = {
            "baseline": archived_server(args.baseline, scratch / "baseline"),
            "checkout": ROOT / "server",
        }
        for number in range(args.rounds):
            order = list(codes) if number % 2 == 0 else list(reversed(codes))
            for code in order:
                run = time_code(code, codes[code], layout, triples, args, number, scratch)
                runs.append(run)
                print(
                    f"round {number} {code:<8}  p50 {run.median_ms:6.1f} ms  p99 {run.p99_ms:6.1f}"
                    f" ms  max {run.max_ms:6.1f} ms  CPU {run.cpu_ms_per_explanation:5.2f} ms"
                    f" per explanation  load {run.load_average:.1f}",
                    flush=True,
                )
    summary = {}
    for code in ("baseline", "checkout"):
        mine = [run for run in runs if run.code == code]
        summary[code] = {
            "median_ms": statistics.median(run.median_ms for run in mine),
            "p99_ms": statistics.median(run.p99_ms for run in mine),
            "cpu_ms_per_explanation": statistics.median(run.cpu_ms_per_explanation for run in mine),
        }
        print(
            f"{code} ({args.baseline if code == 'baseline' else 'this checkout'}), median of"
            f" {len(mine)} rounds: p50 {summary[code]['median_ms']:.1f} ms,"
            f" p99 {summary[code]['p99_ms']:.1f} ms,"
            f" CPU {summary[code]['cpu_ms_per_explanation']:.2f} ms per explanation"
        )
    report = {
        "baseline": args.baseline,
        "clients": args.clients,
        "triples": len(triples) - 1,
        "runs": [asdict(run) for run in runs],
        "summary": summary,
    }
    write_report(args.output, "explain-ab", report)


if __name__ == "__main__":
    main()
