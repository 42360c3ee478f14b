"""Time the steps of the build's materialize and write stages, one after the other.

Usage: .venv/bin/python bench/closure_steps.py --project P

Parses the project (ontology and data) into the build's store as `kzgov validate` does,
then runs what materialize and write do, step by step, in this process: the fast OWL 2
RL reasoner (loading its store, saturating, handing the inferred triples back), the
temporal closure (deriving it, putting it into the store), the two closures' cache files,
the summary's counts, the conflicts query, and the TriG, N-Quads and union Turtle dumps
(here one after the other; the build writes the first two beside the union). Prints each
step's wall-clock and CPU seconds and the process's peak resident set after it. The
files go to a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import io
import resource
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kzgov.build.build_store import BuildStore, ox_node
from kzgov.build.load_fast import parse_turtle_fast
from kzgov.build.pipeline import input_files, list_conflicts
from kzgov.build.stage_cache import code_fingerprint
from kzgov.core.collector import garbage_collection_paused, release_memory
from kzgov.core.layout import Layout
from kzgov.core.namespaces import INFERRED_GRAPH, PREFIXES, TEMPORAL_GRAPH
from kzgov.core.text_stream import LineStream
from kzgov.reasoning.infer_fast import FastReasoner
from kzgov.reasoning.temporal import derive_temporal


class Steps:
    """Prints each step's seconds since the last one."""

    def __init__(self) -> None:
        """Start the clocks."""
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def done(self, step: str) -> None:
        """Print a step's wall and CPU seconds and the peak memory so far."""
        wall, cpu = time.perf_counter(), time.process_time()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"{step:<34} wall {wall - self.wall:7.1f} s  cpu {cpu - self.cpu:7.1f} s"
            f"  peak {peak:5d} MB",
            flush=True,
        )
        self.wall, self.cpu = wall, cpu


def main() -> None:
    """Parse, then time each step of materialize and write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True, help="the project")
    args = parser.parse_args()
    layout = Layout(root=args.project, build_dir=args.project / "build")
    steps = Steps()
    with garbage_collection_paused(), tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        store = BuildStore()
        files = input_files(layout, code_fingerprint())
        for file in files:
            store.add_triples(file.graph, parse_turtle_fast(file.path, layout.root))
        store.add_manifest((f.graph, f.shown) for f in files if f.is_source)
        steps.done(f"parse ({len(store):,} quads)")
        reasoner = FastReasoner()
        reasoner.load(store.quads(store.asserted_graphs()))
        steps.done("OWL 2 RL: load the reasoner")
        reasoner.saturate()
        steps.done("OWL 2 RL: saturate")
        inferred = store.add_inferred_terms(reasoner.inferred())
        del reasoner
        release_memory()
        steps.done(f"OWL 2 RL: into the store ({inferred:,})")
        sources = frozenset(ox_node(g) for g in store.data_graphs())
        closure = derive_temporal(store.quads(store.asserted_graphs()), sources)
        steps.done(f"temporal: derive ({len(closure.facts):,} derivations)")
        store.store.load(
            io.BufferedReader(LineStream(closure.ntriples()), buffer_size=1 << 20),  # as the build
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox_node(TEMPORAL_GRAPH),
        )
        store.add_triples(TEMPORAL_GRAPH, closure.triples(blank_only=True))
        del closure
        release_memory()
        steps.done(f"temporal: into the store ({store.graph_size(TEMPORAL_GRAPH):,})")
        store.write_graph(INFERRED_GRAPH, out / "inferred.nt")
        store.write_graph(TEMPORAL_GRAPH, out / "temporal.nt")
        steps.done("closures' cache files")
        store.counts(count_distinct=False)
        steps.done("write: counts")
        conflicts = list_conflicts(layout, store)
        steps.done(f"write: conflicts ({len(conflicts):,})")
        prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        store.store.dump(out / "kzgov.trig", format=ox.RdfFormat.TRIG, prefixes=prefixes)
        steps.done("write: TriG")
        store.store.dump(out / "kzgov.nq", format=ox.RdfFormat.N_QUADS)
        steps.done("write: N-Quads")
        distinct = store.write_union(out / "kzgov.ttl", prefixes)
        steps.done(f"write: union Turtle ({distinct:,})")


if __name__ == "__main__":
    main()
