"""Time each stage of `kzgov build` (parse, validate, materialize, check, write) on the real data.

Usage: .venv/bin/python bench/build_stages.py [--runs N] [--reasoner owlrl|fast]
                                              [--validator fast|pyshacl]

Builds into a fresh temporary folder (never the user's build/, and an empty stage cache)
N times and prints, per stage, the median and the fastest run in seconds, and the triple
counts; then one more build into the last folder, with no input change, which reuses
every stage from the cache.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from kzgov.build.pipeline import DEFAULT_REASONER, DEFAULT_VALIDATOR, STAGES, build
from kzgov.core.layout import PROJECT_ROOT, Layout


def main() -> None:
    """Parse the options, time the cold builds and a cached one, print the stages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold builds to time (default 3)")
    parser.add_argument("--reasoner", choices=("owlrl", "fast"), default=DEFAULT_REASONER)
    parser.add_argument("--validator", choices=("fast", "pyshacl"), default=DEFAULT_VALIDATOR)
    args = parser.parse_args()
    per_stage: dict[str, list[float]] = {stage: [] for stage in STAGES}
    summary: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch:
        for run in range(args.runs):
            layout = Layout(root=PROJECT_ROOT, build_dir=Path(scratch) / f"build-{run}")
            result = build(layout, reasoner=args.reasoner, validator=args.validator)
            summary = result.summary
            timings = summary["timings_seconds"]
            assert isinstance(timings, dict)
            for stage in STAGES:
                per_stage[stage].append(float(timings[stage]))
        start = time.perf_counter()
        build(layout, reasoner=args.reasoner, validator=args.validator)
        cached = time.perf_counter() - start
    triples = summary["triples"]
    assert isinstance(triples, dict)
    print(
        f"kzgov build on the real data: {triples['total']} quads "
        f"({triples['inferred']} inferred), {args.runs} cold runs, "
        f"reasoner {args.reasoner}, validator {args.validator}"
    )
    print(f"{'stage':<12} {'median s':>9} {'fastest s':>10}")
    for stage in STAGES:
        times = per_stage[stage]
        print(f"{stage:<12} {statistics.median(times):>9.2f} {min(times):>10.2f}")
    total = [sum(per_stage[s][i] for s in STAGES) for i in range(args.runs)]
    print(f"{'total':<12} {statistics.median(total):>9.2f} {min(total):>10.2f}")
    print(f"a second build with no input change (every stage reused): {cached:.2f} s")


if __name__ == "__main__":
    main()
