"""Time each stage of `kzgov build`, and its peak memory, on the seed graph and synthetic scales.

Usage: .venv/bin/python bench/build_scale.py [--sizes 10000 100000 [1000000]] [--seed 1]
           [--owlrl-max-triples 0] [--reasoner owlrl|fast] [--validator fast|pyshacl]
           [--out bench/results/build-scale.json]

For the real project (the seed graph) and for a synthetic project of each size
(bench/generate.py, seeded, written to a temporary folder), runs `kzgov build` twice in a
child process, each time into a fresh build folder: a cold build, then a second build
with no input change, which reuses every stage from the cache. Per build it reads the
stages' seconds and the memory peak after each stage from summary.json, and the child's
wall-clock seconds and peak memory. The build forks a process for the closure stages
(they run beside validation), so the peak is that of the process tree: the PSS of the
build and its descendants summed (pages they share counted once), sampled every
TREE_SAMPLE_SECONDS, or the build's own peak resident set from os.wait4 if that is
larger (a sample can miss a short peak; ru_maxrss cannot, for one process). Every graph is built with
the build's default reasoner (the fast one), or with owlrl, the reference, for synthetic
graphs up to --owlrl-max-triples (owlrl needs minutes from 100k triples on); --reasoner
forces one for every graph.

Prints one table and writes the figures, with the machine's description, as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from bench_report import write_report
from kzgov.build.pipeline import DEFAULT_REASONER

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT_ROOT / "bench" / "results" / "build-scale.json"
STAGES = ("parse", "validate", "materialize", "check", "write")
DEFAULT_SIZES = (10_000, 100_000)
TREE_SAMPLE_SECONDS = 0.2


class BuildFailed(SystemExit):
    """`kzgov build` failed; the message says on which project, and its standard error."""


@dataclass
class BuildRun:
    """One `kzgov build` in a child process.

    Attributes:
        wall_seconds: the child's wall-clock time, Python's start-up included.
        peak_memory_mb: the peak memory of the build's processes together: the largest
            sum of their PSS sampled, or the build process's own peak resident set if larger.
        stage_seconds: each stage's seconds, from summary.json.
        stage_peak_memory_mb: the peak resident set after each stage (summary.json: for a
            stage run in the forked process, its peak plus the build process's).
        reused: whether each stage was reused from the cache.
        cpu_seconds: user and system CPU of the build and the processes it waited for.
    """

    wall_seconds: float
    peak_memory_mb: int
    cpu_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_peak_memory_mb: dict[str, int] = field(default_factory=dict)
    reused: dict[str, bool] = field(default_factory=dict)


@dataclass
class Row:
    """The builds of one graph."""

    graph: str
    asserted_triples: int
    total_triples: int
    inferred_triples: int
    reasoner: str
    validator: str
    cold: BuildRun
    cached: BuildRun


def load_generator() -> ModuleType:
    """bench/generate.py as a module (it is a script, not part of the package)."""
    path = Path(__file__).resolve().parent / "generate.py"
    spec = importlib.util.spec_from_file_location("kzgov_bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def descendants(pid: int) -> list[int]:
    """A process's children, their children and so on (/proc/PID/task/*/children)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text(encoding="ascii").split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            found.extend(descendants(child))
    return found


def pss_kb(pid: int) -> int:
    """A process's proportional set size in kB (/proc/PID/smaps_rollup), 0 if it has gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


class TreeMemory:
    """The peak of a process tree's summed PSS, sampled from a thread until stopped."""

    def __init__(self, pid: int) -> None:
        """Start sampling the tree rooted at a process."""
        self.pid = pid
        self.peak_kb = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        """Sum the tree's PSS every TREE_SAMPLE_SECONDS; keep the largest sum."""
        while not self.done.wait(TREE_SAMPLE_SECONDS):
            tree = [self.pid, *descendants(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(pss_kb(pid) for pid in tree))

    def stop(self) -> int:
        """Stop sampling; the peak in kB."""
        self.done.set()
        self.thread.join()
        return self.peak_kb


def run_build(
    root: Path, build_dir: Path, reasoner: str, validator: str, options: Sequence[str] = ()
) -> tuple[BuildRun, dict[str, Any]]:
    """Run `kzgov build --quiet` (and any more options) in a child process; its time,
    memory and summary.

    Raises:
        BuildFailed: the build failed (exits the program if not caught).
    """
    command = [
        sys.executable, "-m", "kzgov", "--root", str(root), "--build-dir", str(build_dir),
        "build", "--quiet", "--reasoner", reasoner, "--validator", validator, *options,
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment
    )
    sampler = TreeMemory(child.pid)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    tree_peak_kb = sampler.stop()
    assert child.stderr is not None
    errors = child.stderr.read().decode("utf-8", errors="replace")
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise BuildFailed(f"kzgov build failed on {root} (exit {child.returncode}):\n{errors}")
    summary = json.loads((build_dir / "current" / "summary.json").read_text(encoding="utf-8"))
    stages = summary["stages"]
    return BuildRun(
        wall_seconds=round(wall, 2),
        peak_memory_mb=max(usage.ru_maxrss, tree_peak_kb) // 1024,
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 1),
        stage_seconds={s: summary["timings_seconds"][s] for s in STAGES},
        stage_peak_memory_mb={s: stages[s]["peak_memory_mb"] for s in STAGES},
        reused={s: stages[s]["reused"] for s in STAGES},
    ), summary


def graph_name(size: int) -> str:
    """The table's name of a synthetic graph: `synthetic 10k`, `synthetic 1M`, `synthetic 2500`."""
    if size % 10**6 == 0:
        return f"synthetic {size // 10**6}M"
    if size % 1000 == 0:
        return f"synthetic {size // 1000}k"
    return f"synthetic {size}"


def choose_reasoner(size: int, owlrl_max_triples: int, forced: str | None = None) -> str:
    """The reasoner for a graph of some size (0: the seed graph): the build's default, or
    owlrl for a synthetic graph of at most owlrl_max_triples."""
    if forced:
        return forced
    return "owlrl" if 0 < size <= owlrl_max_triples else DEFAULT_REASONER


def build_dir_for(name: str, scratch: Path) -> Path:
    """The build folder `measure` builds a graph into (the last build is left there)."""
    return scratch / f"build-{name.replace(' ', '-')}"


def measure(name: str, root: Path, scratch: Path, reasoner: str, validator: str) -> Row:
    """A cold build and a cached rebuild of one project, into `build_dir_for(name, scratch)`."""
    build_dir = build_dir_for(name, scratch)
    cold, summary = run_build(root, build_dir, reasoner, validator)
    cached, _ = run_build(root, build_dir, reasoner, validator)
    triples = summary["triples"]
    return Row(
        graph=name,
        asserted_triples=triples["total"] - triples["inferred"],
        total_triples=triples["total"],
        inferred_triples=triples["inferred"],
        reasoner=reasoner,
        validator=validator,
        cold=cold,
        cached=cached,
    )


def print_table(rows: list[Row]) -> None:
    """Print the cold builds' stage seconds and totals, then each stage's peak memory."""
    head = (
        f"{'graph':<13} {'asserted':>9} {'inferred':>9} {'reasoner':>8} "
        + " ".join(f"{stage:>11}" for stage in STAGES)
        + f" {'total s':>8} {'peak MB':>8} {'cached s':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        stage_cells = " ".join(f"{r.cold.stage_seconds[stage]:>11.2f}" for stage in STAGES)
        print(
            f"{r.graph:<13} {r.asserted_triples:>9} {r.inferred_triples:>9} {r.reasoner:>8} "
            f"{stage_cells} {r.cold.wall_seconds:>8.1f} {r.cold.peak_memory_mb:>8} "
            f"{r.cached.wall_seconds:>8.1f}"
        )
    print()
    print("stage columns: seconds of each stage of a cold build (empty cache);")
    print("total s: wall-clock seconds of the cold build's process, Python start-up included;")
    print(
        "peak MB: the peak memory of its process tree; cached s: a second build with no input change,"
    )
    print("which reuses every stage. CPU seconds (user and system) of each cold build:")
    print("  " + ", ".join(f"{r.graph} {r.cold.cpu_seconds}" for r in rows))
    print("Peak memory (MB) after each stage of the cold build:")
    for r in rows:
        peaks = ", ".join(f"{s} {r.cold.stage_peak_memory_mb[s]}" for s in STAGES)
        print(f"  {r.graph:<13} {peaks}")


def main() -> None:
    """Parse the options, build the seed graph and each synthetic size, print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=list(DEFAULT_SIZES),
        help="synthetic sizes in triples (default 10000 100000; add 1000000 for 1M)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--owlrl-max-triples",
        type=int,
        default=0,
        help="use owlrl, the reference, up to this many synthetic triples (default 0: never)",
    )
    parser.add_argument("--reasoner", choices=("owlrl", "fast"), help="one reasoner for all")
    parser.add_argument("--validator", choices=("fast", "pyshacl"), default="fast")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})")
    args = parser.parse_args()

    def reasoner_for(size: int) -> str:
        """The reasoner for a graph of this size, as the options ask."""
        return choose_reasoner(size, args.owlrl_max_triples, args.reasoner)

    generator = load_generator()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch_name:
        scratch = Path(scratch_name)
        rows.append(measure("seed", PROJECT_ROOT, scratch, reasoner_for(0), args.validator))
        print(f"measured the seed graph in {rows[-1].cold.wall_seconds} s", file=sys.stderr)
        for size in args.sizes:
            root = scratch / f"synthetic-{size}"
            generator.generate(root, triples=size, seed=args.seed)
            name = graph_name(size)
            rows.append(measure(name, root, scratch, reasoner_for(size), args.validator))
            print(f"measured {name} in {rows[-1].cold.wall_seconds} s", file=sys.stderr)
    print_table(rows)
    print()
    write_report(args.out, "build-scale", {"seed": args.seed, "rows": [asdict(r) for r in rows]})


if __name__ == "__main__":
    main()
