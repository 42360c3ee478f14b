"""The memory of `kzgov serve` at startup and after each SIGHUP reload: total PSS.

Usage: .venv/bin/python bench/reload_memory.py [--stores memory oxigraph] [--reloads 2]
           [--workers 2] [--baseline-source DIR] [--rounds 1]

Copies this project (its sources, not its build) into a temporary folder and builds it;
for each store, starts `kzgov serve --store STORE --workers W --http-processes 1` on a
free port of 127.0.0.1, and reads, from /proc/PID/smaps_rollup, the proportional set
size (PSS) of the main process and of the whole process tree (the HTTP process, the
zygote and its workers): at startup, then after each of --reloads reloads (a new build,
SIGHUP, /healthz naming the new release, and the old release's zygote gone). With
--baseline-source DIR, the same runs on the kzgov package of another checkout (DIR/server
first on PYTHONPATH), alternating with this one, --rounds times, for an A/B of a change.
Prints one line per measure and writes them as JSON to bench/results/reload-memory.json.

A reload's zygote is started as a new program (kzgov.web.reloaded_zygote) whose
interpreter and imports are not shared with the main process; before, it was forked from
the main process, which had loaded the new release itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench_report import write_report

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results" / "reload-memory.json"
WAIT_SECONDS = 120.0


def tree_of(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text()
            except OSError:
                continue
            stack.extend(int(child) for child in children.split())
    return found


def pss_mb(pid: int) -> float:
    """A process's proportional set size in MB (0 if it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def zygotes_and_workers(pid: int) -> list[int]:
    """The server's processes that are not HTTP processes (multiprocessing's spawn)."""
    kept = []
    for process in tree_of(pid)[1:]:
        try:
            command = Path(f"/proc/{process}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing" not in command:
            kept.append(process)
    return kept


def environment(source: Path | None) -> dict[str, str]:
    """The environment running kzgov from a checkout (None: this one)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KZGOV_")}
    if source is not None:
        environ["PYTHONPATH"] = str(source / "server")
    return environ


def build(project: Path, environ: dict[str, str]) -> None:
    """Run `kzgov build` on the project."""
    command = [sys.executable, "-m", "kzgov", "--root", str(project), "build", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    if done.returncode != 0:
        raise SystemExit(f"kzgov build failed:\n{done.stderr}")


def served_release(port: int) -> str:
    """The release /healthz names."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
        return str(json.loads(response.read())["release"])


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait until a callable is true, or stop the bench."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def measure(
    label: str, store: str, source: Path | None, reloads: int, workers: int, folder: Path
) -> list[dict[str, object]]:
    """Start a server, reload it `reloads` times, and read its memory each time."""
    project = folder / f"project-{label}-{store}"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(
        ROOT, project, ignore=shutil.ignore_patterns("build", ".venv", ".git", "node_modules")
    )
    environ = environment(source)
    build(project, environ)
    command = [sys.executable, "-m", "kzgov", "--root", str(project), "serve", "--port", "0",
               "--store", store, "--workers", str(workers), "--http-processes", "1"]  # fmt: skip
    log = (folder / f"server-{label}-{store}.log").open("w")
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=environ)
    figures: list[dict[str, object]] = []
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        for step in range(reloads + 1):
            if step:
                build(project, environ)
                newer = (project / "build" / "current").resolve().name
                server.send_signal(signal.SIGHUP)
                wait_until(lambda: served_release(port) == newer, "the reload")  # noqa: B023
                # One zygote and its workers again: the old release is retired.
                wait_until(
                    lambda: len(zygotes_and_workers(server.pid)) <= workers + 1,
                    "the old release's retirement",
                )
            time.sleep(2)
            processes = tree_of(server.pid)
            figure = {
                "kzgov": label,
                "store": store,
                "reloads": step,
                "main_pss_mb": round(pss_mb(server.pid), 1),
                "total_pss_mb": round(sum(pss_mb(pid) for pid in processes), 1),
                "processes": len(processes),
            }
            print(
                f"{label:>8} {store:>8} after {step} reload(s): main {figure['main_pss_mb']} MB,"
                f" total {figure['total_pss_mb']} MB PSS ({len(processes)} processes)",
                flush=True,
            )
            figures.append(figure)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        log.close()
    return figures


def main() -> None:
    """Measure and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", nargs="+", default=["memory", "oxigraph"])
    parser.add_argument("--reloads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline-source", type=Path, help="another kzgov checkout (A/B)")
    options = parser.parse_args()
    targets: list[tuple[str, Path | None]] = [("kzgov", None)]
    if options.baseline_source is not None:
        targets.append(("baseline", options.baseline_source.resolve()))
    figures: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="kzgov-reload-memory-") as folder:
        for round_number in range(options.rounds):
            order = targets if round_number % 2 == 0 else targets[::-1]
            for store in options.stores:
                for label, source in order:
                    figures += measure(
                        label, store, source, options.reloads, options.workers, Path(folder)
                    )
    write_report(RESULTS_PATH, "reload-memory", {"measures": figures})


if __name__ == "__main__":
    main()
