"""The SPARQL 1.1 Service Description of the endpoint: what it speaks, serves and limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, XSD

from kzgov.core.namespaces import ASSERTED_GRAPH, FORMATS, PREFIXES, QUERY_PREFIXES, SD, VOID
from kzgov.core.serialize import (
    CSV,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    SPARQL_RESULTS_JSON,
    SPARQL_RESULTS_XML,
    TRIG,
    TSV,
    TURTLE,
)

# https://www.w3.org/ns/formats/
MEDIA_TYPE_TO_FORMAT = {
    SPARQL_RESULTS_JSON: FORMATS.SPARQL_Results_JSON,
    SPARQL_RESULTS_XML: FORMATS.SPARQL_Results_XML,
    CSV: FORMATS.SPARQL_Results_CSV,
    TSV: FORMATS.SPARQL_Results_TSV,
    TURTLE: FORMATS.Turtle,
    N_TRIPLES: FORMATS["N-Triples"],
    JSON_LD: FORMATS["JSON-LD"],
    RDF_XML: FORMATS.RDF_XML,
    TRIG: FORMATS.TriG,
    N_QUADS: FORMATS["N-Quads"],
}

# The media types the description itself is served in, in order of preference.
DESCRIPTION_MEDIA_TYPES = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)


@dataclass(frozen=True)
class ServiceLimits:
    """The limits the endpoint enforces, as told to its users.

    Attributes:
        query_timeout_seconds: the deadline of one query.
        max_query_bytes: the longest query accepted.
        max_result_rows: the most rows or triples in a result.
        max_result_bytes: the largest serialized result.
    """

    query_timeout_seconds: float
    max_query_bytes: int
    max_result_rows: int
    max_result_bytes: int


def describe_named_graph(graph: Graph, name: URIRef, triples: int | None) -> BNode:
    """An sd:NamedGraph node for one graph, with its size when known."""
    node = BNode()
    graph.add((node, RDF.type, SD.NamedGraph))
    graph.add((node, SD.name, name))
    if triples is not None:
        content = BNode()
        graph.add((node, SD.graph, content))
        graph.add((content, RDF.type, SD.Graph))
        graph.add((content, VOID.triples, Literal(triples)))
    return node


def add_prefix_declarations(graph: Graph, service: BNode) -> None:
    """List the prefixes every query may use undeclared, as SHACL prefix declarations.

    https://www.w3.org/TR/shacl/#sparql-prefixes: `sh:declare [ sh:prefix "post" ;
    sh:namespace "https://w3id.org/kzgov/id/post/"^^xsd:anyURI ]`.
    """
    graph.bind("sh", SH)
    for prefix, namespace in QUERY_PREFIXES.items():
        declaration = BNode()
        graph.add((service, SH.declare, declaration))
        graph.add((declaration, SH.prefix, Literal(prefix)))
        graph.add((declaration, SH.namespace, Literal(str(namespace), datatype=XSD.anyURI)))


def describe_service(
    endpoint: str,
    graph_sizes: Mapping[URIRef, int],
    triple_count: int,
    limits: ServiceLimits,
) -> Graph:
    """The Service Description of the endpoint.

    Args:
        endpoint: the endpoint's absolute URL.
        graph_sizes: the triple count of each named graph of the build.
        triple_count: the distinct triples of the default graph (the union).
        limits: the limits the endpoint enforces.

    Returns:
        The description, with kzgov's prefixes bound.
    """
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    graph.bind("dcterms", DCTERMS)
    service = BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for format_iri in MEDIA_TYPE_TO_FORMAT.values():
        graph.add((service, SD.resultFormat, format_iri))
    graph.add((service, DCTERMS.title, Literal("kzgov SPARQL endpoint", lang="en")))
    graph.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only SPARQL 1.1 Query over the knowledge graph of Kazakhstan's public"
                " administration. The default graph is the union of every graph, asserted and"
                f" inferred; name <{ASSERTED_GRAPH}> as default-graph-uri or in FROM to query"
                " asserted triples only. SPARQL Update and SERVICE are refused; FROM and FROM"
                " NAMED may name only the graphs listed here. Each query must finish within"
                f" {limits.query_timeout_seconds:g} s; queries are at most"
                f" {limits.max_query_bytes} bytes; results at most {limits.max_result_rows}"
                f" rows (or triples) and {limits.max_result_bytes} bytes.",
                lang="en",
            ),
        )
    )

    add_prefix_declarations(graph, service)

    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(triple_count)))
    for name, size in graph_sizes.items():
        graph.add((dataset, SD.namedGraph, describe_named_graph(graph, name, size)))

    available = BNode()
    graph.add((service, SD.availableGraphs, available))
    graph.add((available, RDF.type, SD.GraphCollection))
    for name, size in graph_sizes.items():
        graph.add((available, SD.namedGraph, describe_named_graph(graph, name, size)))
    asserted = describe_named_graph(graph, ASSERTED_GRAPH, None)
    graph.add(
        (
            asserted,
            DCTERMS.description,
            Literal("The union of every graph except the inferred one (not stored).", lang="en"),
        )
    )
    graph.add((available, SD.namedGraph, asserted))
    return graph
