"""Cold builds of one project with this checkout's code and a git revision's, alternating.

Usage:
    .venv/bin/python bench/build_ab.py --project P --baseline 9d604ab [--rounds 2]
        [--option=--in-turn] [--baseline-option=--alongside]

P is a project to build (for instance `bench/generate.py --triples 1000000 --out P`). Each
round builds it cold (a fresh build folder) with the baseline's code (its `server/`
folder from `git archive`, first on PYTHONPATH) and then with this checkout's, in child
processes, one at a time, and prints per build: the wall-clock seconds, the CPU seconds
of the build and every process it waited for, each stage's seconds (summary.json), and
the peak memory of its process tree, sampled as `bench/build_scale.py` samples it (the
largest sum of the processes' PSS, or the build's own peak resident set if larger). On a
shared machine wall-clock seconds vary with the load; the CPU seconds and the memory
much less, so compare those, round by round. The last lines give each side's medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_scale import STAGES, BuildRun, run_build
from compare_builds import archived_server

ROOT = Path(__file__).resolve().parents[1]


def build_with(code: Path, project: Path, build_dir: Path, options: list[str]) -> BuildRun:
    """One cold build of the project with some code first on the path."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(code)
    try:
        run, _summary = run_build(project, build_dir, "fast", "fast", options)
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    return run


def line(name: str, run: BuildRun) -> str:
    """One build's figures on one line."""
    stages = " ".join(f"{stage} {run.stage_seconds[stage]:.1f}" for stage in STAGES)
    return (
        f"{name:<10} wall {run.wall_seconds:7.1f} s  cpu {run.cpu_seconds:6.1f} s"
        f"  peak {run.peak_memory_mb:5d} MB  ({stages})"
    )


def main() -> None:
    """Build in rounds, alternating the two codes, and print each build and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="the project to build")
    parser.add_argument("--baseline", required=True, help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=2, help="builds of each code (default 2)")
    parser.add_argument(
        "--option", action="append", default=[], help="a `kzgov build` option for this checkout"
    )
    parser.add_argument(
        "--baseline-option", action="append", default=[], help="a build option for the baseline"
    )
    args = parser.parse_args()
    runs: dict[str, list[BuildRun]] = {args.baseline: [], "this": []}
    with tempfile.TemporaryDirectory(prefix="kzgov-build-ab-") as scratch_name:
        scratch = Path(scratch_name)
        codes = {args.baseline: archived_server(args.baseline, scratch), "this": ROOT / "server"}
        options = {args.baseline: args.baseline_option, "this": args.option}
        for number in range(args.rounds):
            for name, code in codes.items():
                build_dir = scratch / f"build-{number}-{name}"
                run = build_with(code, args.project, build_dir, options[name])
                runs[name].append(run)
                shutil.rmtree(build_dir)  # a 1M build leaves gigabytes
                print(f"round {number + 1}: {line(name, run)}", flush=True)
    for name, done in runs.items():
        print(
            f"median {name:<10} wall {statistics.median(r.wall_seconds for r in done):.1f} s,"
            f" cpu {statistics.median(r.cpu_seconds for r in done):.1f} s,"
            f" peak {statistics.median(r.peak_memory_mb for r in done):.0f} MB"
        )


if __name__ == "__main__":
    main()
