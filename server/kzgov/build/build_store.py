"""The build's working dataset: every named graph in an in-memory Oxigraph store.

Oxigraph holds a triple in a few dozen bytes and loads, counts, queries and writes in
Rust; rdflib's in-memory store takes about a kilobyte a triple and does all of that in
Python. So the build keeps its dataset here, and hands rdflib terms only to the code
that needs them: pySHACL (the data union, while validating) and owlrl (the asserted
triples, while materializing); the fast reasoner reads and writes Oxigraph terms.

The parse stage's entries are N-Triples whose blank nodes have random, unique labels,
so loading several files' entries into one store never merges two files' blank nodes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF
from rdflib.term import Node

from kzgov.core.namespaces import (
    CLOSURE_GRAPHS,
    INFERRED_GRAPH,
    KZ,
    MANIFEST_GRAPH,
    ONTOLOGY_GRAPH,
    TEMPORAL_GRAPH,
)
from kzgov.core.oxigraph_terms import OxTerm, TermConverter
from kzgov.core.text_stream import LineStream
from kzgov.reasoning.infer import Triple
from kzgov.reasoning.temporal import derive_temporal

RDF_TYPE = ox.NamedNode(str(RDF.type))

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
# A triple stated in two graphs is one distinct triple and two quads.
DISTINCT_TRIPLES = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)
CLASS_SIZES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
WHERE {{ GRAPH ?g {{ ?s a ?class }} FILTER (isIRI(?class) && STRSTARTS(STR(?class), "{KZ}")) }}
GROUP BY ?class
"""
SOURCE_FILES = f"""
SELECT ?graph ?file ?source
WHERE {{
  GRAPH <{MANIFEST_GRAPH}> {{ ?graph <{KZ.fileName}> ?file }}
  OPTIONAL {{ GRAPH ?any {{ ?graph <{PROV.wasDerivedFrom}> ?source }} }}
}}
"""


def ox_node(iri: URIRef) -> ox.NamedNode:
    """An rdflib IRI as an Oxigraph named node."""
    return ox.NamedNode(str(iri))


class BuildStore:
    """The asserted graphs, the manifest and the inferred graph of one build.

    Attributes:
        store: the Oxigraph store; each graph is a named graph, the default graph is empty.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.store = ox.Store()

    def __len__(self) -> int:
        """The number of quads."""
        return len(self.store)

    def load_ntriples(self, path: Path, graph: URIRef) -> None:
        """Load an N-Triples file (a parse entry) into a named graph."""
        self.store.load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=ox_node(graph))

    def add_triples(self, graph: URIRef, triples: Iterable[ox.Triple]) -> None:
        """Add Oxigraph triples to a named graph."""
        name = ox_node(graph)
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)

    def add_manifest(self, source_files: Iterable[tuple[URIRef, str]]) -> None:
        """Type each source file's graph as a kz:SourceGraph, with its file name.

        Args:
            source_files: each source graph with its file, as the user sees it.
        """
        manifest = ox_node(MANIFEST_GRAPH)
        kind, file_name = ox_node(KZ.SourceGraph), ox_node(KZ.fileName)
        for graph, shown in source_files:
            self.store.add(ox.Quad(ox_node(graph), RDF_TYPE, kind, manifest))
            self.store.add(ox.Quad(ox_node(graph), file_name, ox.Literal(shown), manifest))

    def graph_names(self) -> list[URIRef]:
        """The named graphs that hold triples, in name order."""
        return sorted(
            URIRef(g.value) for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)
        )

    def rdflib_triples(
        self, graphs: Iterable[URIRef], converter: TermConverter | None = None
    ) -> Iterator[Triple]:
        """The triples of some graphs in rdflib terms (a triple in two graphs comes twice).

        Args:
            graphs: the graphs.
            converter: converts the terms; give the same one to map blank nodes back.

        Yields:
            Triples of rdflib terms.
        """
        converter = converter or TermConverter()
        for graph in graphs:
            yield from converter.rdflib_triples(
                self.store.quads_for_pattern(None, None, None, ox_node(graph))
            )

    def quads(self, graphs: Iterable[URIRef]) -> Iterator[ox.Quad]:
        """The quads of some graphs, as Oxigraph holds them (no rdflib terms made)."""
        for graph in graphs:
            yield from self.store.quads_for_pattern(None, None, None, ox_node(graph))

    def rdflib_graph(self, graphs: Iterable[URIRef], converter: TermConverter) -> Graph:
        """The union of some graphs as one rdflib graph (for pySHACL)."""
        union = Graph()
        union.addN((s, p, o, union) for s, p, o in self.rdflib_triples(graphs, converter))
        return union

    def asserted_graphs(self) -> list[URIRef]:
        """Every graph but the inferred one: the ontology, the data and the manifest."""
        return [g for g in self.graph_names() if g not in CLOSURE_GRAPHS]

    def data_graphs(self) -> list[URIRef]:
        """The graphs SHACL validates: the data and the manifest, not ontology nor inferences."""
        return [g for g in self.graph_names() if g != ONTOLOGY_GRAPH and g not in CLOSURE_GRAPHS]

    def graphs_describing(self, node: Node, converter: TermConverter) -> set[URIRef]:
        """The graphs where a node is the subject of a triple."""
        subject = converter.oxigraph_term(node)
        if isinstance(subject, ox.Literal):
            return set()
        return {
            URIRef(q.graph_name.value)
            for q in self.store.quads_for_pattern(subject, None, None)
            if isinstance(q.graph_name, ox.NamedNode)
        }

    def add_inferred(self, inferred: Iterable[Triple]) -> int:
        """Put inferred rdflib triples into the inferred graph; the graph's size."""
        converter = TermConverter()
        self.store.extend(converter.oxigraph_quads(inferred, ox_node(INFERRED_GRAPH)))
        return self.graph_size(INFERRED_GRAPH)

    def add_inferred_terms(self, inferred: Iterable[tuple[OxTerm, ox.NamedNode, OxTerm]]) -> int:
        """Put inferred triples of Oxigraph terms into the inferred graph; the graph's size.

        A triple with a literal subject (not RDF; the reasoners clean them out) is skipped.
        """
        graph = ox_node(INFERRED_GRAPH)
        self.store.extend(
            ox.Quad(s, p, o, graph) for s, p, o in inferred if not isinstance(s, ox.Literal)
        )
        return self.graph_size(INFERRED_GRAPH)

    def add_temporal(self) -> int:
        """Derive the temporal closure of the asserted data into graph kzg:temporal.

        Returns:
            The number of triples in kzg:temporal.
        """
        sources = frozenset(ox_node(g) for g in self.data_graphs())
        closure = derive_temporal(self.quads(self.asserted_graphs()), sources)
        # Oxigraph parses the closure's N-Triples as Python writes them, with no Triple
        # and Quad objects made for each of its millions of triples; the few derivations
        # from blank nodes go as objects (a loaded text's blank nodes are new ones).
        self.store.load(
            io.BufferedReader(LineStream(closure.ntriples()), buffer_size=1 << 20),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox_node(TEMPORAL_GRAPH),
        )
        self.add_triples(TEMPORAL_GRAPH, closure.triples(blank_only=True))
        return self.graph_size(TEMPORAL_GRAPH)

    def temporal_triples(self) -> Iterator[ox.Triple]:
        """The triples of the temporal closure (graph kzg:temporal)."""
        for quad in self.store.quads_for_pattern(None, None, None, ox_node(TEMPORAL_GRAPH)):
            yield ox.Triple(quad.subject, quad.predicate, quad.object)

    def inferred_triples(self) -> Iterator[ox.Triple]:
        """The inferred graph's triples, as Oxigraph triples."""
        for quad in self.store.quads_for_pattern(None, None, None, ox_node(INFERRED_GRAPH)):
            yield ox.Triple(quad.subject, quad.predicate, quad.object)

    def write_graph(self, graph: URIRef, path: Path) -> None:
        """Write one graph's triples to a file as N-Triples, from the store (no Python terms)."""
        self.store.dump(path, format=ox.RdfFormat.N_TRIPLES, from_graph=ox_node(graph))

    def graph_size(self, graph: URIRef) -> int:
        """The number of triples in one graph."""
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        return sum(int(row["n"]) for row in self.plain_rows(query))

    def select(self, query: str) -> tuple[list[str], list[dict[str, str]]]:
        """Run a SELECT query on the union of the graphs.

        Args:
            query: the query.

        Returns:
            The variable names, and each solution's bound variables in N-Triples syntax.

        Raises:
            ValueError: the query is not a SELECT query.
        """
        answer = self.store.query(query, use_default_graph_as_union=True)
        if not isinstance(answer, ox.QuerySolutions):
            raise ValueError("not a SELECT query")
        names = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            rows.append({n: str(solution[n]) for n in names if solution[n] is not None})
        return names, rows

    def counts(self, count_distinct: bool = True) -> dict[str, object]:
        """Counts per graph, per kz: class and per source: the summary's view of the graph.

        Args:
            count_distinct: count the distinct triples (a DISTINCT over every quad); without
                it, the count is None, for the caller to fill in with what `write_dumps`
                returns (the same number, counted while the union is written).
        """
        per_graph = {
            row["g"]: int(row["n"]) for row in self.plain_rows(GRAPH_SIZES) if int(row["n"]) > 0
        }
        classes = {row["class"]: int(row["n"]) for row in self.plain_rows(CLASS_SIZES)}
        sources: dict[str, dict[str, object]] = {}
        for row in self.plain_rows(SOURCE_FILES):
            entry = sources.setdefault(
                row["graph"], {"file": row["file"], "triples": per_graph.get(row["graph"], 0)}
            )
            if "source" in row:
                entry["source"] = row["source"]
        return {
            "triples": {
                "distinct": (
                    int(next(self.plain_rows(DISTINCT_TRIPLES))["n"]) if count_distinct else None
                ),
                "total": sum(per_graph.values()),
                "inferred": per_graph.get(str(INFERRED_GRAPH), 0),
            },
            "graphs": dict(sorted(per_graph.items())),
            "classes": dict(sorted(classes.items())),
            "sources": dict(sorted(sources.items())),
        }

    def plain_rows(self, query: str) -> Iterator[dict[str, str]]:
        """A query's solutions, each term as its IRI or lexical form."""
        answer = self.store.query(query)
        if not isinstance(answer, ox.QuerySolutions):
            raise ValueError(f"not a SELECT query: {query}")
        names = [v.value for v in answer.variables]
        for solution in answer:
            row = {}
            for name in names:
                term = solution[name]
                if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
                    row[name] = term.value
            yield row

    def write_dumps(self, trig: Path, nquads: Path, turtle: Path, prefixes: dict[str, str]) -> int:
        """Write the dataset as TriG and N-Quads, and the union of its graphs as Turtle.

        Oxigraph writes them from the store, graph by graph and subject by subject; the
        union (each triple once, however many graphs hold it) comes from a CONSTRUCT
        query over the union of the graphs, which Oxigraph answers without duplicates.
        The TriG and N-Quads dumps are written in threads while the union is: each file
        has its own writer, so the bytes are those of writing them one after the other.

        Returns:
            The number of triples in the union: the dataset's distinct triples.
        """
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dump") as pool:
            # Oxigraph dumps without holding the GIL: these two run beside the union.
            dumps = [
                pool.submit(self.store.dump, trig, format=ox.RdfFormat.TRIG, prefixes=prefixes),
                pool.submit(self.store.dump, nquads, format=ox.RdfFormat.N_QUADS),
            ]
            written = self.write_union(turtle, prefixes)
            for dump in dumps:
                dump.result()
        return written

    def write_union(self, turtle: Path, prefixes: dict[str, str]) -> int:
        """Write the union of the graphs as Turtle; the number of triples written."""
        union = self.store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        if not isinstance(union, ox.QueryTriples):
            raise TypeError("a CONSTRUCT query gives triples")
        written = 0

        def counted(triples: ox.QueryTriples) -> Iterator[ox.Triple]:
            nonlocal written
            for triple in triples:
                written += 1
                yield triple

        ox.serialize(counted(union), turtle, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return written
