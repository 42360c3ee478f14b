"""One synthetic build with the SHACL step answering "no result": every other stage's cost.

Usage: .venv/bin/python bench/build_without_shacl.py [--triples 1000000] [--seed 1]

Generates a synthetic project (bench/generate.py) in a temporary folder and builds it
in this process with the fast validator replaced by one that finds nothing (nor
copies the data), so that the parse, materialize (the OWL
2 RL and the temporal closure), check and write stages are measured apart from the
SHACL-SPARQL checks. Prints the wall-clock seconds, this process's CPU seconds and
peak resident memory, each stage's seconds and the size of each closure. For the real
figures of a whole build, use bench/build_scale.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import kzgov.build.pipeline as pipeline
from kzgov.core.layout import Layout

GENERATOR = Path(__file__).resolve().parent / "generate.py"


def no_results(*args: Any) -> list[Any]:
    """A validator that finds nothing."""
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("kzgov_bench_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator
    spec.loader.exec_module(generator)
    setattr(pipeline, "validate_quads", no_results)  # noqa: B010 (a stub for this bench)
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch:
        root = Path(scratch) / "project"
        generator.generate(root, triples=args.triples, seed=args.seed)
        started = time.time()
        before = resource.getrusage(resource.RUSAGE_SELF)
        layout = Layout(root=root, build_dir=Path(scratch) / "build")
        result = pipeline.build(layout, alongside=False)  # every stage in this process
        after = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.time() - started
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{args.triples:,} triples (seed {args.seed}), SHACL step stubbed out")
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s, peak resident {after.ru_maxrss // 1024:,} MB")
    print(f"stages (s): {result.summary.get('timings_seconds')}")
    graphs = result.summary.get("graphs")
    if isinstance(graphs, dict):
        for name in ("inferred", "temporal"):
            size = graphs.get(f"https://w3id.org/kzgov/graph/{name}")
            print(f"graph/{name}: {size:,} triples" if isinstance(size, int) else name)


if __name__ == "__main__":
    main()
