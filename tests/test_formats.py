"""Every result format round-trips: the declared media type, parsed back, says what rdflib says.

Each answer from the server is parsed with rdflib's parsers (for SPARQL results, or
for RDF graphs) and compared with the same query evaluated in this process on the same
build: rows as multisets, graphs by isomorphism.
"""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from conftest import HttpResponse, LiveServer, query_url, send
from kzgov.core.namespaces import REGISTRY_GRAPH
from kzgov.core.sparql import evaluate, parse_query

SELECT_QUERY = (
    "SELECT ?thing ?label WHERE {"
    f" GRAPH <{REGISTRY_GRAPH}> {{ ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    " } ORDER BY ?thing ?label LIMIT 40"
)
CONSTRUCT_QUERY = (
    "CONSTRUCT { ?thing ?p ?o } WHERE { { SELECT ?thing ?p ?o WHERE {"
    f" GRAPH <{REGISTRY_GRAPH}> {{ ?thing ?p ?o }}"
    " } ORDER BY ?thing ?p ?o LIMIT 60 } }"
)

# Media type -> rdflib's parser for it.
SELECT_FORMATS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
FORMAT_PARAMETER_TO_MEDIA_TYPE = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "trig": "application/trig",
    "nquads": "application/n-quads",
}


def ask_server(
    server: LiveServer, query: str, accept: str | None = None, **parameters: str
) -> HttpResponse:
    """GET a query, with an Accept header and parameters if given."""
    headers = {"Accept": accept} if accept else {}
    return send("GET", query_url(server.endpoint, query=query, **parameters), headers=headers)


def rows_of(result: Result) -> Counter[tuple[str, ...]]:
    """The rows of a SELECT result as a multiset, each value as its lexical form."""
    variables = list(result.vars or [])
    return Counter(
        tuple("" if row.get(v) is None else str(row.get(v)) for v in variables)
        for row in result.bindings
    )


def terms_of(result: Result) -> Counter[tuple[object, ...]]:
    """The rows of a SELECT result as a multiset of RDF terms."""
    variables = list(result.vars or [])
    return Counter(tuple(row.get(v) for v in variables) for row in result.bindings)


def graph_of(body: bytes, parser: str) -> Graph:
    """The triples of an RDF document (for a dataset format, of all its graphs)."""
    if parser in ("trig", "nquads"):
        dataset = Dataset()
        dataset.parse(data=body, format=parser)
        union = Graph()
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return Graph().parse(data=body, format=parser)


@pytest.fixture(scope="module")
def expected_select(built_dataset: Dataset) -> Result:
    """The SELECT's answer, evaluated by rdflib in this process."""
    return evaluate(built_dataset, parse_query(SELECT_QUERY))


@pytest.fixture(scope="module")
def expected_construct(built_dataset: Dataset) -> Graph:
    """The CONSTRUCT's answer, evaluated by rdflib in this process."""
    graph = evaluate(built_dataset, parse_query(CONSTRUCT_QUERY)).graph
    assert graph is not None
    assert len(graph) > 0
    return graph


# -- Round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", sorted(SELECT_FORMATS))
def test_select_result_round_trips_in_each_results_format(
    live_server: LiveServer, expected_select: Result, media_type: str
) -> None:
    response = ask_server(live_server, SELECT_QUERY, accept=media_type)
    assert response.status == 200, response.text
    assert response.media_type == media_type
    parsed = Result.parse(io.BytesIO(response.body), format=SELECT_FORMATS[media_type])
    assert len(parsed.bindings) == len(expected_select.bindings) > 0
    if media_type == "text/csv":  # CSV keeps only lexical forms
        assert rows_of(parsed) == rows_of(expected_select)
    else:
        assert terms_of(parsed) == terms_of(expected_select)


@pytest.mark.parametrize("media_type", sorted(GRAPH_FORMATS))
def test_construct_result_round_trips_in_each_rdf_format(
    live_server: LiveServer, expected_construct: Graph, media_type: str
) -> None:
    response = ask_server(live_server, CONSTRUCT_QUERY, accept=media_type)
    assert response.status == 200, response.text
    assert response.media_type == media_type
    assert isomorphic(graph_of(response.body, GRAPH_FORMATS[media_type]), expected_construct)


@pytest.mark.parametrize(
    "media_type", ["application/sparql-results+json", "application/sparql-results+xml"]
)
def test_ask_round_trips_in_each_boolean_format(live_server: LiveServer, media_type: str) -> None:
    for query, answer in (("ASK { ?s ?p ?o }", True), ("ASK { <urn:x:nothing> ?p ?o }", False)):
        response = ask_server(live_server, query, accept=media_type)
        assert response.media_type == media_type
        parsed = Result.parse(io.BytesIO(response.body), format=SELECT_FORMATS[media_type])
        assert parsed.askAnswer is answer


@pytest.mark.parametrize("media_type", sorted(GRAPH_FORMATS))
def test_describe_round_trips_in_each_rdf_format(
    live_server: LiveServer, built_dataset: Dataset, media_type: str
) -> None:
    subject = next(built_dataset.graph(REGISTRY_GRAPH).subjects())
    query = f"DESCRIBE <{subject}>"
    response = ask_server(live_server, query, accept=media_type)
    assert response.status == 200, response.text
    assert response.media_type == media_type
    expected = evaluate(built_dataset, parse_query(query)).graph
    assert expected is not None
    assert len(expected) > 0
    assert isomorphic(graph_of(response.body, GRAPH_FORMATS[media_type]), expected)


@pytest.mark.parametrize("name", sorted(FORMAT_PARAMETER_TO_MEDIA_TYPE))
def test_format_parameter_names_each_format(live_server: LiveServer, name: str) -> None:
    media_type = FORMAT_PARAMETER_TO_MEDIA_TYPE[name]
    query = SELECT_QUERY if media_type in SELECT_FORMATS else CONSTRUCT_QUERY
    response = ask_server(live_server, query, accept="application/sparql-results+xml", format=name)
    assert response.status == 200, response.text
    assert response.media_type == media_type
    if media_type in SELECT_FORMATS:
        parsed = Result.parse(io.BytesIO(response.body), format=SELECT_FORMATS[media_type])
        assert len(parsed.bindings) > 0
    else:
        assert len(graph_of(response.body, GRAPH_FORMATS[media_type])) > 0


def test_text_formats_declare_utf8(live_server: LiveServer) -> None:
    response = ask_server(live_server, SELECT_QUERY, accept="text/csv")
    assert (response.header("Content-Type") or "").lower() == "text/csv; charset=utf-8"


def test_tsv_writes_terms_in_turtle_syntax(live_server: LiveServer) -> None:
    query = (
        "SELECT ?iri ?text ?number WHERE {"
        ' BIND(<urn:x:a> AS ?iri) BIND("tab\\there"@en AS ?text) BIND(42 AS ?number) }'
    )
    response = ask_server(live_server, query, accept="text/tab-separated-values")
    header, row = response.text.splitlines()
    assert header == "?iri\t?text\t?number"
    assert row.split("\t") == [
        "<urn:x:a>",
        '"tab\\there"@en',
        '"42"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ]


# -- Negotiation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
        ("text/*", "text/csv"),
        ("text/*, text/csv;q=0", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
        ),
    ],
)
def test_accept_with_q_values_picks_the_preferred_select_format(
    live_server: LiveServer, accept: str, media_type: str
) -> None:
    assert ask_server(live_server, SELECT_QUERY, accept=accept).media_type == media_type


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("*/*", "text/turtle"),
        ("application/rdf+xml;q=0.5, application/n-triples", "application/n-triples"),
        ("application/json", "application/ld+json"),
        ("application/*;q=0.2, text/turtle;q=0.1", "application/n-triples"),
    ],
)
def test_accept_with_q_values_picks_the_preferred_graph_format(
    live_server: LiveServer, accept: str, media_type: str
) -> None:
    assert ask_server(live_server, CONSTRUCT_QUERY, accept=accept).media_type == media_type


def test_unsatisfiable_accept_is_406_listing_what_can_be_given(live_server: LiveServer) -> None:
    response = ask_server(live_server, SELECT_QUERY, accept="image/png")
    assert response.status == 406
    for media_type in SELECT_FORMATS:
        assert media_type in response.text


def test_tabular_accept_for_a_graph_result_is_406(live_server: LiveServer) -> None:
    response = ask_server(live_server, CONSTRUCT_QUERY, accept="text/csv")
    assert response.status == 406
    assert "text/turtle" in response.text


def test_csv_for_an_ask_result_is_406(live_server: LiveServer) -> None:
    """SPARQL 1.1 CSV/TSV define no boolean result."""
    response = ask_server(live_server, "ASK {}", accept="text/csv")
    assert response.status == 406
    assert "application/sparql-results+json" in response.text


def test_graph_format_parameter_for_a_select_is_406_naming_the_formats(
    live_server: LiveServer,
) -> None:
    response = ask_server(live_server, SELECT_QUERY, format="turtle")
    assert response.status == 406
    assert "csv" in response.text
    assert "tsv" in response.text


def test_unknown_format_parameter_is_406(live_server: LiveServer) -> None:
    assert ask_server(live_server, SELECT_QUERY, format="yaml").status == 406


def test_format_parameter_wins_over_accept(live_server: LiveServer) -> None:
    response = ask_server(live_server, SELECT_QUERY, accept="text/csv", format="json")
    assert response.media_type == "application/sparql-results+json"
    assert "results" in json.loads(response.body)


# -- A SPARQL client library --------------------------------------------------------------------


@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_reads_each_results_format(
    live_server: LiveServer, expected_select: Result, return_format: str
) -> None:
    client = SPARQLWrapper(live_server.endpoint)
    client.setQuery(SELECT_QUERY)
    client.setReturnFormat(return_format)
    result = client.query()
    body = result.response.read()
    parser = {JSON: "json", XML: "xml", CSV: "csv", TSV: "tsv"}[return_format]
    parsed = Result.parse(io.BytesIO(body), format=parser)
    assert rows_of(parsed) == rows_of(expected_select)
