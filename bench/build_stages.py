"""Time each stage of `kzgov build` (parse, validate, materialize, check, write) on the real data.

Usage: .venv/bin/python bench/build_stages.py [--runs N]

Builds into a temporary folder (never the user's build/) N times and prints, per stage,
the median and the fastest run in seconds, and the triple counts.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from kzgov.build import build
from kzgov.layout import PROJECT_ROOT, Layout

STAGES = ("parse", "validate", "materialize", "check", "write")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds to time (default 3)")
    args = parser.parse_args()
    per_stage: dict[str, list[float]] = {stage: [] for stage in STAGES}
    summary: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch:
        layout = Layout(root=PROJECT_ROOT, build_dir=Path(scratch) / "build")
        for _ in range(args.runs):
            result = build(layout)
            summary = result.summary
            timings = summary["timings_seconds"]
            assert isinstance(timings, dict)
            for stage in STAGES:
                per_stage[stage].append(float(timings[stage]))
    triples = summary["triples"]
    assert isinstance(triples, dict)
    print(f"kzgov build on the real data: {triples['total']} triples "
          f"({triples['inferred']} inferred), {args.runs} runs")
    print(f"{'stage':<12} {'median s':>9} {'fastest s':>10}")
    for stage in STAGES:
        times = per_stage[stage]
        print(f"{stage:<12} {statistics.median(times):>9.2f} {min(times):>10.2f}")
    total = [sum(per_stage[s][i] for s in STAGES) for i in range(args.runs)]
    print(f"{'total':<12} {statistics.median(total):>9.2f} {min(total):>10.2f}")


if __name__ == "__main__":
    main()
