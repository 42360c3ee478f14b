"""What counting the VoID figures adds to a build: CPU seconds, beside the write stage's own.

Usage:
    .venv/bin/python bench/void_cost.py --release P/build/current [--rounds 5]

Loads a release's N-Quads dump into the build's store (`kzgov.build.build_store`), as the
write stage holds it, and then in each round measures, one after the other, the CPU
seconds of `kzgov.build.void_figures.gather_void_figures` (the three queries of
`kzgov.core.void_statistics`) and of the rest of the write stage's work on the same
store (`BuildStore.counts` and `BuildStore.write_dumps` into a scratch folder). CPU
seconds are this process's (its threads included), which a shared machine disturbs
much less than wall-clock seconds. The last line gives the medians and their ratio.
For the whole build, A/B against a git revision, see bench/build_ab.py.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kzgov.build.build_store import BuildStore
from kzgov.build.void_figures import gather_void_figures
from kzgov.core.namespaces import PREFIXES
from kzgov.core.release import DATASET_NQUADS


def cpu_seconds(work: Callable[[], object]) -> float:
    """The CPU seconds this process spends on some work."""
    start = time.process_time()
    work()
    return time.process_time() - start


def load(release: Path) -> BuildStore:
    """A build store holding a release's quads, every graph in its own."""
    store = BuildStore()
    store.store.load(path=release / DATASET_NQUADS, format=ox.RdfFormat.N_QUADS)
    return store


def write_stage_work(store: BuildStore, folder: Path) -> None:
    """The write stage's work but the VoID figures: the counts and the three dumps."""
    store.counts(count_distinct=False)
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    store.write_dumps(folder / "d.trig", folder / "d.nq", folder / "d.ttl", prefixes)


def main() -> None:
    """Measure both, round by round, and print each round and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, required=True, help="a release folder")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    args = parser.parse_args()
    if not (args.release / DATASET_NQUADS).is_file():
        parser.error(f"{args.release} has no {DATASET_NQUADS}: give a release folder")
    store = load(args.release)
    print(f"{len(store):,} quads")
    figures, rest = [], []
    with tempfile.TemporaryDirectory(prefix="void-cost-") as scratch:
        for round_number in range(1, args.rounds + 1):
            figures.append(cpu_seconds(lambda: gather_void_figures(store)))
            rest.append(cpu_seconds(lambda: write_stage_work(store, Path(scratch))))
            print(
                f"round {round_number}: VoID figures {figures[-1]:.2f} s cpu,"
                f" rest of the write stage {rest[-1]:.2f} s cpu"
            )
    median_figures, median_rest = statistics.median(figures), statistics.median(rest)
    print(
        f"median: VoID figures {median_figures:.2f} s cpu, rest of the write stage"
        f" {median_rest:.2f} s cpu; ratio {median_figures / median_rest:.2f}"
    )


if __name__ == "__main__":
    main()
