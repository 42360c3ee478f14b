"""The build as the Oxigraph and remote SPARQL stores hold it, and a query's graphs in it.

SPARQL 1.1 Query (section 13.1) makes a default graph of several graphs their RDF
merge, a set: a triple stated in two graphs is one triple. The memory store merges so;
Oxigraph, and other stores asked for a default graph of several graphs, merge as a
multiset, so that a triple of two graphs would match twice and counts would differ.
These stores therefore hold, beside the build's named graphs, the two set unions the
server's documented datasets need, each triple once:

- `kzg:union`: every graph, asserted and inferred; the default graph of a query
  that names no graph;
- `kzg:asserted`: every graph but `kzg:inferred`; the graph the endpoint documents
  for asserted triples only.

A query's dataset (`kzgov.store.base.QueryDataset`) is then given to the store as explicit
lists of graphs, never left to the store's own default: the whole build is
`kzg:union` as the default graph and the build's graphs as the named graphs. A
default graph the request makes of several graphs (two FROM, or `default-graph-uri`
twice) is merged as a set by the Oxigraph store (`OxigraphStore.merged`); a SPARQL
store is left to merge it as it does (Oxigraph's server: as a multiset, so that a
triple stated in two of the graphs is seen twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from kzgov.core.namespaces import ASSERTED_GRAPH, CLOSURE_GRAPHS, UNION_GRAPH
from kzgov.core.release import DATASET_NQUADS
from kzgov.store.base import QueryDataset

# The graphs these stores add to the build's: derived, not part of the dumps.
DERIVED_GRAPHS = (UNION_GRAPH, ASSERTED_GRAPH)


@dataclass(frozen=True)
class StoredGraphs:
    """The graphs one query runs on, as names of the stored graphs.

    Attributes:
        default: the graphs merged into the default graph (empty: an empty graph).
        named: the graphs GRAPH can reach (empty: none).
    """

    default: tuple[URIRef, ...]
    named: tuple[URIRef, ...]


def stored_graphs(dataset: QueryDataset, build_graphs: Iterable[URIRef]) -> StoredGraphs:
    """The stored graphs a query's dataset stands for.

    Args:
        dataset: the dataset the guards chose for the query.
        build_graphs: the build's named graphs (not the derived ones).

    Returns:
        The default and named graphs to give the store explicitly.
    """
    default = (UNION_GRAPH,) if dataset.default_graphs is None else dataset.default_graphs
    named = tuple(build_graphs) if dataset.named_graphs is None else dataset.named_graphs
    return StoredGraphs(default=default, named=named)


def build_quads(release: Path) -> Iterator[ox.Quad]:
    """The quads of a build, read from its N-Quads dump.

    Args:
        release: the release folder (kzgov.store.base.release_or_fail).

    Returns:
        The quads, each in its named graph.
    """
    path = release / DATASET_NQUADS
    yield from ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)


def stored_quads(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads a store holds for a build: each quad, and its copies in the derived graphs.

    A store keeps a set of quads, so a triple copied into `kzg:union` from two graphs is
    stored there once.

    Args:
        quads: the build's quads.

    Returns:
        The quads to store.
    """
    union = ox.NamedNode(str(UNION_GRAPH))
    asserted = ox.NamedNode(str(ASSERTED_GRAPH))
    closures = {ox.NamedNode(str(g)) for g in CLOSURE_GRAPHS}
    for quad in quads:
        yield quad
        yield ox.Quad(quad.subject, quad.predicate, quad.object, union)
        if quad.graph_name not in closures:
            yield ox.Quad(quad.subject, quad.predicate, quad.object, asserted)


def load_stored_dataset(store: ox.Store, release: Path) -> None:
    """Put a build, with its derived graphs, into an empty Oxigraph store.

    Args:
        store: the store (on disk or in memory).
        release: the release folder.
    """
    store.bulk_extend(stored_quads(build_quads(release)))
