"""The VoID statistics and linksets of a build, counted in its store at build time.

The queries of `kzgov.core.void_statistics` define the figures; here Oxigraph runs them
on the build's in-memory store, in Rust, before the dumps are written (about 0.1 s of
CPU per 100,000 quads for the three). The links query runs on the asserted graphs only:
its filter leaves out the closures anyway, and the closures are most of the quads.
"""

from __future__ import annotations

import pyoxigraph as ox

from kzgov.build.build_store import BuildStore, ox_node
from kzgov.core.void_statistics import (
    STATISTICS_QUERY,
    VOCABULARY_TERMS_QUERY,
    VoidFigures,
    count_links,
    links_query,
    statistics_of,
)


def solutions(store: BuildStore, query: str, **dataset: object) -> ox.QuerySolutions:
    """A SELECT query's solutions on the build's store."""
    answer = store.store.query(query, **dataset)  # type: ignore[arg-type]
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query}")
    return answer


def gather_void_figures(store: BuildStore) -> VoidFigures:
    """Count what the VoID description says of the build.

    Args:
        store: the build's store, with every graph: asserted, manifest and closures.

    Returns:
        The statistics over the union of the graphs (the served default graph), and the
        linksets of the asserted graphs.
    """
    counts: dict[str, int] = {}
    for row in solutions(store, STATISTICS_QUERY, use_default_graph_as_union=True):
        for name in ("subjects", "properties", "objects"):
            term = row[name]
            if isinstance(term, ox.Literal):
                counts[name] = int(term.value)
    terms = [
        row["term"].value
        for row in solutions(store, VOCABULARY_TERMS_QUERY, use_default_graph_as_union=True)
        if isinstance(row["term"], ox.NamedNode)
    ]
    asserted = [ox_node(graph) for graph in store.asserted_graphs()]
    links = [
        (row["p"].value, row["o"].value, isinstance(row["o"], ox.NamedNode))
        for row in solutions(store, links_query(), default_graph=[], named_graphs=asserted)
        if isinstance(row["p"], ox.NamedNode) and row["o"] is not None
    ]
    return VoidFigures(statistics_of(counts, terms), count_links(links))
