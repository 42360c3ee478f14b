"""A trivial query's latency while kzgov is under attack: 4 heavy queries and 200 slow sockets.

Usage: .venv/bin/python bench/attack_latency.py [--size seed|N] [--seconds S] [--store memory]

Starts `kzgov serve --no-cache` (default settings otherwise) on a build, then, for S
seconds (default 20), all at once on 127.0.0.1:

- an attacker (one address, no API key) keeps 4 heavy queries running, each sent
  again as soon as it is answered: two 24 KB chains of `||` that rdflib takes seconds to
  parse (review F1) and two cartesian products that run into the deadline;
- 200 slow sockets send a request head one header line a second (review F2), each
  reopened when the server closes it;
- a prober (its own X-API-Key) sends an uncached `ASK { FILTER(n = n) }`, a new n each
  time, one after another, 0.1 s apart.

Reports the prober's p50 and p99 latency (nearest rank), its statuses, and the
attackers'; the issue's target is a p99 under 1 s. bench/suite.py (`make bench`) runs it
on the 100k build. Figures from a machine shared with other work are not final.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from http_latency import nearest_rank, stop_server
from http_peers import build_graph, start_kzgov, to_stderr
from kzgov.core.layout import Layout

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "attack-latency.json"
DEFAULT_SECONDS = 20.0
HEAVY_QUERIES = 4
SLOW_SOCKETS = 200
PROBE_PAUSE_SECONDS = 0.1
TRICKLE_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 60.0
TARGET_P99_MS = 1000.0
OR_CHAIN = (
    "SELECT * WHERE {{ ?s ?p ?o FILTER("
    + " || ".join(f"?o = {i}" for i in range(1900))
    + ") }} # {n}"
)
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} # {n}"


@dataclass
class AttackResult:
    """What the prober saw during the attack."""

    store: str
    seconds: float
    probes: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    probe_statuses: dict[str, int] = field(default_factory=dict)
    attacker_statuses: dict[str, int] = field(default_factory=dict)
    slow_sockets_reopened: int = 0
    server: str = ""
    error: str | None = None

    @property
    def met(self) -> bool:
        """Whether the target (p99 under 1 s, every probe answered 200) is met."""
        return (
            self.p99_ms is not None
            and self.p99_ms < TARGET_P99_MS
            and set(self.probe_statuses) == {"200"}
        )


def post(endpoint: str, text: str, headers: dict[str, str]) -> tuple[int, float]:
    """POST a query on a new connection; its status and seconds."""
    host_port = endpoint.split("//", 1)[1].split("/", 1)[0]
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host_port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("POST", "/sparql", body=text.encode("utf-8"), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started
    finally:
        connection.close()


def keep_attacking(endpoint: str, kind: str, stop: threading.Event, seen: Counter[str]) -> None:
    """Send one kind of heavy query again and again until told to stop."""
    template = OR_CHAIN if kind == "parse" else CARTESIAN
    headers = {"Content-Type": "application/sparql-query"}
    n = 0
    while not stop.is_set():
        n += 1
        status, _seconds = post(endpoint, template.format(n=f"{kind}{n}{time.time_ns()}"), headers)
        seen[str(status)] += 1


def hold_slow_sockets(port: int, stop: threading.Event, reopened: list[int]) -> None:
    """Keep SLOW_SOCKETS sockets sending a request head a line at a time."""
    sockets: list[socket.socket | None] = [None] * SLOW_SOCKETS
    while not stop.is_set():
        for index, connection in enumerate(sockets):
            try:
                if connection is None:
                    connection = socket.create_connection(("127.0.0.1", port), timeout=2)
                    connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                    sockets[index] = connection
                else:
                    connection.sendall(b"X-Slow: 1\r\n")
            except OSError:
                if connection is not None:
                    connection.close()
                    reopened[0] += 1
                sockets[index] = None
        stop.wait(TRICKLE_SECONDS)
    for connection in sockets:
        if connection is not None:
            connection.close()


def measure_under_attack(
    layout: Layout,
    store: str,
    seconds: float,
    log_path: Path,
    progress: Callable[[str], None] = to_stderr,
) -> AttackResult:
    """Serve a build, attack it, and measure a trivial query meanwhile."""
    result = AttackResult(store=store, seconds=seconds)
    try:
        target = start_kzgov(
            f"kzgov-{store}", layout, log_path, ["--store", store, "--no-cache"], 600.0
        )
    except (RuntimeError, OSError) as error:
        result.error = str(error)[:1500]
        return result
    result.server = target.announcement
    port = int(target.endpoint.rsplit(":", 1)[1].split("/", 1)[0])
    stop = threading.Event()
    attackers: Counter[str] = Counter()
    reopened = [0]
    threads = [
        threading.Thread(
            target=keep_attacking, args=(target.endpoint, kind, stop, attackers), daemon=True
        )
        for kind in ("parse", "parse", "cartesian", "cartesian")[:HEAVY_QUERIES]
    ]
    threads.append(
        threading.Thread(target=hold_slow_sockets, args=(port, stop, reopened), daemon=True)
    )
    try:
        progress(f"attack on kzgov --store {store}: {seconds:g} s")
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # let the heavy queries reach the workers and the sockets open
        latencies: list[float] = []
        statuses: Counter[str] = Counter()
        headers = {"Content-Type": "application/sparql-query", "X-API-Key": "bench-prober"}
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            n += 1
            status, took = post(target.endpoint, f"ASK {{ FILTER({n} = {n}) }}", headers)
            statuses[str(status)] += 1
            latencies.append(took * 1000)
            time.sleep(PROBE_PAUSE_SECONDS)
        latencies.sort()
        result.probes = len(latencies)
        result.p50_ms = round(nearest_rank(latencies, 50), 1)
        result.p99_ms = round(nearest_rank(latencies, 99), 1)
        result.probe_statuses = dict(statuses)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT_SECONDS)
        stop_server(target.process)
    result.attacker_statuses = dict(attackers)
    result.slow_sockets_reopened = reopened[0]
    return result


def verdict_note(result: AttackResult, graph: str) -> str:
    """The target met or missed, by how much and why."""
    if result.error or result.p99_ms is None:
        return f"target trivial query p99 under attack at {graph}, kzgov-{result.store}: not measured ({result.error})"
    how = "met" if result.met else "MISSED"
    why = ""
    if not result.met:
        why = f"; probe statuses {result.probe_statuses}"
    return (
        f"target trivial query p99 under attack (4 heavy queries, 200 slow sockets) at"
        f" {graph}, kzgov-{result.store}, under {TARGET_P99_MS:g} ms: {how}"
        f" ({result.p99_ms:g} ms, {result.p99_ms / TARGET_P99_MS:.2f}x the bound){why}"
    )


def main() -> None:
    """Build a graph, attack kzgov on it, print and write the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="seed", help="seed, or a triple count")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--store", default="memory")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kzgov-attack-") as scratch:
        layout, _seconds = build_graph(args.size, Path(scratch))
        result = measure_under_attack(layout, args.store, args.seconds, Path(scratch) / "serve.log")
    print(json.dumps(asdict(result), indent=2))
    print(verdict_note(result, args.size))
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    sys.exit(0)


if __name__ == "__main__":
    main()
