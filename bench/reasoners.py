"""Time owlrl against the fast OWL 2 RL path, and kzgov's loading against a pyoxigraph store's.

Usage: .venv/bin/python bench/reasoners.py [--sizes 10000 100000] [--seed 1]
                                           [--owlrl-max-triples N]

For the real project and for synthetic graphs of each size (bench/generate.py, written to
a temporary folder), prints one row per graph: the triples parsed, the seconds kzgov takes
to load them into an rdflib dataset (kzgov.build.pipeline.load_dataset: Oxigraph's parser, then
rdflib's in-memory store) and a pyoxigraph store to load the same files, the seconds
owlrl (kzgov.reasoning.infer.materialize) and the fast path (kzgov.reasoning.infer_fast.materialize_fast) take
to materialize, the ratio fast/owlrl, and whether the two cleaned closures are equal.

Times are CPU seconds of this process (time.process_time), which a busy machine disturbs
less than wall-clock time; the wall-clock seconds follow in a second table.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from kzgov.build.pipeline import load_dataset
from kzgov.core.layout import PROJECT_ROOT, Layout, graph_for_data_file
from kzgov.reasoning.infer import materialize
from kzgov.reasoning.infer_fast import materialize_fast

T = TypeVar("T")


@dataclass
class Timing:
    cpu: float
    wall: float


@dataclass
class Row:
    graph: str
    triples: int
    inferred: int = 0
    parse: Timing | None = None
    oxigraph: Timing | None = None
    owlrl: Timing | None = None
    fast: Timing | None = None
    same: str = "-"


def timed(action: Callable[[], T]) -> tuple[T, Timing]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = action()
    return result, Timing(time.process_time() - cpu, time.perf_counter() - wall)


def load_oxigraph(layout: Layout) -> int:
    """Load the ontology and data files into a pyoxigraph store, each into its graph."""
    import pyoxigraph as ox

    store = ox.Store()
    ontology = ox.NamedNode("https://w3id.org/kzgov/graph/ontology")
    for path in layout.ontology_files():
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ontology)
    for path in layout.data_files():
        graph = ox.NamedNode(str(graph_for_data_file(path)))
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return len(store)


def has_oxigraph() -> bool:
    return importlib.util.find_spec("pyoxigraph") is not None


def measure(name: str, layout: Layout, owlrl_max_triples: int | None) -> Row:
    dataset, parse = timed(lambda: load_dataset(layout))
    asserted = {(s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None))}
    row = Row(graph=name, triples=len(asserted), parse=parse)
    if has_oxigraph():
        _count, row.oxigraph = timed(lambda: load_oxigraph(layout))
    fast, row.fast = timed(lambda: materialize_fast(asserted))
    row.inferred = len(fast)
    if owlrl_max_triples is None or len(asserted) <= owlrl_max_triples:
        slow, row.owlrl = timed(lambda: materialize(asserted))
        row.same = "yes" if set(fast) == set(slow) else "NO"
    return row


def seconds(timing: Timing | None, attribute: str) -> str:
    return "-" if timing is None else f"{getattr(timing, attribute):.2f}"


def ratio(part: Timing | None, whole: Timing | None, attribute: str) -> str:
    if part is None or whole is None or getattr(whole, attribute) == 0:
        return "-"
    return f"{getattr(part, attribute) / getattr(whole, attribute):.3f}"


def print_table(rows: list[Row], attribute: str, title: str) -> None:
    print(title)
    head = (
        f"{'graph':<14} {'triples':>8} {'inferred':>9} {'kzgov load':>12} "
        f"{'oxigraph load':>13} {'ox/kzgov':>9} {'owlrl':>8} {'fast':>7} "
        f"{'fast/owlrl':>10} {'same':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.graph:<14} {r.triples:>8} {r.inferred:>9} {seconds(r.parse, attribute):>12} "
            f"{seconds(r.oxigraph, attribute):>13} {ratio(r.oxigraph, r.parse, attribute):>9} "
            f"{seconds(r.owlrl, attribute):>8} {seconds(r.fast, attribute):>7} "
            f"{ratio(r.fast, r.owlrl, attribute):>10} {r.same:>5}"
        )
    print()


def load_generator() -> ModuleType:
    path = Path(__file__).resolve().parent / "generate.py"
    spec = importlib.util.spec_from_file_location("kzgov_bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[10_000, 100_000], help="synthetic sizes"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--owlrl-max-triples",
        type=int,
        default=None,
        help="skip owlrl on graphs larger than this (it is slow); default: run it on all",
    )
    args = parser.parse_args()
    generator = load_generator()
    rows = []
    real = Layout(root=PROJECT_ROOT, build_dir=PROJECT_ROOT / "build")
    rows.append(measure("real", real, args.owlrl_max_triples))
    print(f"measured the real project ({rows[-1].triples} triples)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="kzgov-bench-") as scratch:
        for size in args.sizes:
            root = Path(scratch) / f"synthetic-{size}"
            generator.generate(root, triples=size, seed=args.seed)
            layout = Layout(root=root, build_dir=root / "build")
            rows.append(measure(f"synthetic {size // 1000}k", layout, args.owlrl_max_triples))
            print(f"measured synthetic {size} ({rows[-1].triples} triples)", file=sys.stderr)
    if not has_oxigraph():
        print("(pyoxigraph is not installed: no oxigraph load times)\n")
    print_table(rows, "cpu", "CPU seconds (time.process_time)")
    print_table(rows, "wall", "Wall-clock seconds")
    print("triples: asserted, ontology included; inferred: the fast path's cleaned closure;")
    print("same: whether owlrl's cleaned closure is the same set of triples.")


if __name__ == "__main__":
    main()
