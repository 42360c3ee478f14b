"""What the main process spends to pass a query's answer on, by the way it is passed.

Usage: .venv/bin/python bench/answer_hops.py [--bytes N] [--answers A] [--rounds R]

Under `kzgov serve` a query's answer goes from the query worker to the main process
(kzgov.web.executor: a pickled reply over a Unix socket) and from there to the HTTP
process (kzgov.web.dispatcher: pickled again). This bench runs three processes joined
by Unix sockets as those are (a worker, a middle standing for the main process, an
HTTP end) and passes A answers of N bytes (default the 3-way join's 628,643 bytes of
bench/join_cpu.py), one at a time, reading the middle process's CPU time from
getrusage, for three ways:

- pickled: the reply tuple pickled on each hop, the middle unpickling and pickling
  it again (how the server passes an answer);
- raw: a small pickled head, then the body as raw bytes (`send_bytes`) on each hop,
  the middle forwarding the bytes it read;
- around: only the small head passes the middle; the body goes from the worker to the
  HTTP end on a socket of their own (what passing that socket's descriptor to the
  worker with `socket.send_fds` would give).

The ways run in turn, R rounds (default 3); it prints the middle's CPU milliseconds
per answer for each (the median of the rounds) and the whole chain's, and writes them
as JSON to bench/results/answer-hops.json.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
from multiprocessing import Process
from multiprocessing.connection import Connection, Pipe
from pathlib import Path

from bench_report import write_report

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "answer-hops.json"

JOIN_ANSWER_BYTES = 628_643
DEFAULT_ANSWERS = 300
DEFAULT_ROUNDS = 3
WAYS = ("pickled", "raw", "around")


def cpu_seconds() -> float:
    """This process's user and system CPU time so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker(way: str, to_middle: Connection, to_http: Connection, size: int, answers: int) -> None:
    """Send `answers` answers of `size` bytes, each after the middle asks."""
    body = os.urandom(size)
    for _ in range(answers):
        to_middle.recv()  # the job
        if way == "pickled":
            to_middle.send((False, ("answer", "SELECT", "application/json", body)))
        elif way == "raw":
            to_middle.send((False, ("answer-bytes", "SELECT", "application/json")))
            to_middle.send_bytes(body)
        else:
            to_middle.send((False, ("answer-sent", "SELECT", "application/json", size)))
            to_http.send_bytes(body)


def middle(
    way: str, to_worker: Connection, to_http: Connection, answers: int, out: Connection
) -> None:
    """Pass each request on to the worker and its answer back; report own CPU time."""
    started = cpu_seconds()
    for _ in range(answers):
        request = to_http.recv()
        to_worker.send(request)
        _retiring, reply = to_worker.recv()
        if way == "pickled":
            to_http.send(reply)
        elif way == "raw":
            body = to_worker.recv_bytes()
            to_http.send(reply)
            to_http.send_bytes(body)
        else:
            to_http.send(reply)
    out.send(cpu_seconds() - started)


def http_end(way: str, to_middle: Connection, from_worker: Connection, answers: int) -> int:
    """Ask for each answer and read it whole; the bytes read."""
    read = 0
    for _ in range(answers):
        to_middle.send(("client", "SELECT ...", "application/json", (), (), "release", False))
        reply = to_middle.recv()
        if way == "pickled":
            read += len(reply[3])
        elif way == "raw":
            read += len(to_middle.recv_bytes())
        else:
            read += len(from_worker.recv_bytes())
    return read


def stream_pair() -> tuple[Connection, Connection]:
    """Two ends of a Unix stream socket, as the dispatcher's and the workers' are."""
    one, two = socket.socketpair()
    return Connection(one.detach()), Connection(two.detach())


def run_way(way: str, size: int, answers: int) -> tuple[float, float]:
    """The middle's and the whole chain's CPU milliseconds per answer, for one way."""
    worker_side, middle_worker = stream_pair()
    middle_http, http_side = stream_pair()
    around_worker, around_http = stream_pair()
    report_in, report_out = Pipe(duplex=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    processes = [
        Process(target=worker, args=(way, worker_side, around_worker, size, answers)),
        Process(target=middle, args=(way, middle_worker, middle_http, answers, report_out)),
    ]
    for process in processes:
        process.start()
    chain_started = cpu_seconds()
    read = http_end(way, http_side, around_http, answers)
    own = cpu_seconds() - chain_started
    middle_seconds = float(report_in.recv())
    for process in processes:
        process.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert read == size * answers
    return middle_seconds * 1000 / answers, (children + own) * 1000 / answers


def main() -> None:
    """Run each way in turn, several rounds, and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=JOIN_ANSWER_BYTES)
    parser.add_argument("--answers", type=int, default=DEFAULT_ANSWERS)
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="the JSON to write")
    options = parser.parse_args()
    found: dict[str, list[tuple[float, float]]] = {way: [] for way in WAYS}
    for round_number in range(1, options.rounds + 1):
        for way in WAYS:
            middle_ms, chain_ms = run_way(way, options.bytes, options.answers)
            found[way].append((middle_ms, chain_ms))
            print(
                f"round {round_number}  {way:8}  middle {middle_ms:.3f} ms  chain {chain_ms:.3f} ms"
            )
    medians = {}
    for way in WAYS:
        middle_ms = statistics.median(m for m, _c in found[way])
        chain_ms = statistics.median(c for _m, c in found[way])
        medians[way] = {"middle_ms": middle_ms, "chain_ms": chain_ms}
        print(f"median  {way:8}  middle {middle_ms:.3f} ms/answer  chain {chain_ms:.3f} ms/answer")
    figures = {
        "answer_bytes": options.bytes,
        "answers": options.answers,
        "rounds": [
            {way: {"middle_ms": found[way][i][0], "chain_ms": found[way][i][1]} for way in WAYS}
            for i in range(options.rounds)
        ],
        "medians": medians,
    }
    write_report(options.output, "answer-hops", figures)


if __name__ == "__main__":
    main()
