"""Time (and optionally profile) the validate stage alone on a project.

Usage: .venv/bin/python bench/validate_profile.py --project P [--validator fast|pyshacl]
                                                  [--profile] [--top 40]

Parses the project's files into a build store as the build does (no cache), then runs
the build's validation of it (`kzgov.build.pipeline.validate_store`) and prints the
seconds of each, validation's CPU seconds, the number of results and this process's
peak resident memory after each. With --profile, validation runs under cProfile and
the functions with the most cumulative time are printed: where validation's time goes
(the copy of the data, pySHACL, the SPARQL constraints, the core constraints).
Make P with `bench/generate.py --triples 1000000 --out P`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time
from pathlib import Path

from kzgov.build import pipeline
from kzgov.build.build_store import BuildStore
from kzgov.build.load_fast import parse_turtle_fast
from kzgov.core.layout import Layout


def peak_mb() -> int:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    """Parse, then validate (profiled if asked), and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="the project folder")
    parser.add_argument("--validator", choices=pipeline.VALIDATORS, default="fast")
    parser.add_argument("--profile", action="store_true", help="run validation under cProfile")
    parser.add_argument("--top", type=int, default=40, help="functions to list (default 40)")
    args = parser.parse_args()
    layout = Layout(root=args.project, build_dir=args.project / "build")
    start = time.perf_counter()
    store = BuildStore()
    files = pipeline.input_files(layout, pipeline.code_fingerprint())
    for file in files:
        store.add_triples(file.graph, parse_turtle_fast(file.path, layout.root))
    store.add_manifest((f.graph, f.shown) for f in files if f.is_source)
    print(
        f"parse: {time.perf_counter() - start:.1f} s, {len(store):,} quads, peak {peak_mb():,} MB"
    )
    profile = cProfile.Profile() if args.profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    results = pipeline.validate_store(store, layout, args.validator)
    if profile is not None:
        profile.disable()
    print(
        f"validate ({args.validator}): {time.perf_counter() - start:.1f} s, "
        f"CPU {time.process_time() - cpu:.1f} s, {len(results)} results, peak {peak_mb():,} MB"
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
