"""The /sparql endpoint follows the SPARQL 1.1 Protocol's query operation, and is read-only.

The first tests reproduce the query half of the W3C SPARQL 1.1 Protocol test suite
(w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), adapted to this dataset: the
suite's data1/data2/data3 graphs become kzg:registry, kzg:catalog and kzg:ontology,
and each ASK names a triple that is in that graph and in no other (`graph_witnesses`),
so an answer shows which graphs the request's dataset held. The suite's data0.rdf,
named as the default graph in query_get and query_post_form but never loaded, becomes
kzg:registry: this service answers a graph it does not hold with 400 rather than an
empty graph (`test_graph_outside_the_build_is_400_naming_it`). The suite's update cases
get 403: this service is read-only. Each test names its W3C case in its docstring.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, RDFXML, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from conftest import HttpResponse, LiveServer, query_url, send
from kzgov.core.config import ServerConfig
from kzgov.core.layout import Layout
from kzgov.core.namespaces import (
    ASSERTED_GRAPH,
    CATALOG_GRAPH,
    KZG,
    ONTOLOGY_GRAPH,
    REGISTRY_GRAPH,
    SD,
)
from kzgov.web.app import create_app
from kzgov.web.protocol import SPARQL_HTML_VIEW

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update"}
BOOLEAN_MEDIA_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_MEDIA_TYPES = BOOLEAN_MEDIA_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_MEDIA_TYPES = {
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
}


def boolean_of(response: HttpResponse) -> bool:
    """The answer of an ASK given as SPARQL JSON, after checking the response is one."""
    assert response.status == 200, response.text
    assert response.media_type == "application/sparql-results+json"
    answer = json.loads(response.body)["boolean"]
    assert isinstance(answer, bool)
    return answer


def form_body(**parameters: str | list[str]) -> str:
    """An application/x-www-form-urlencoded body (a list repeats the parameter)."""
    return query_url("", **parameters).lstrip("?")


@pytest.fixture(scope="module")
def registry(graph_witnesses: dict[URIRef, str]) -> str:
    """A triple found only in kzg:registry (the suite's data1)."""
    return graph_witnesses[REGISTRY_GRAPH]


@pytest.fixture(scope="module")
def catalog(graph_witnesses: dict[URIRef, str]) -> str:
    """A triple found only in kzg:catalog (the suite's data2)."""
    return graph_witnesses[CATALOG_GRAPH]


@pytest.fixture(scope="module")
def ontology(graph_witnesses: dict[URIRef, str]) -> str:
    """A triple found only in kzg:ontology (the suite's data3)."""
    return graph_witnesses[ONTOLOGY_GRAPH]


# -- W3C protocol tests: queries --------------------------------------------------------


def test_query_get_answers_ask(live_server: LiveServer) -> None:
    """query_get."""
    url = query_url(live_server.endpoint, query="ASK {}", default_graph_uri=str(REGISTRY_GRAPH))
    assert boolean_of(send("GET", url)) is True


def test_query_post_form_answers_ask_with_dataset_in_url(live_server: LiveServer) -> None:
    """query_post_form."""
    url = query_url(live_server.endpoint, default_graph_uri=str(REGISTRY_GRAPH))
    assert boolean_of(send("POST", url, form_body(query="ASK {}"), FORM)) is True


def test_query_post_direct_answers_ask(live_server: LiveServer) -> None:
    """query_post_direct."""
    assert boolean_of(send("POST", live_server.endpoint, "ASK {}", DIRECT)) is True


def test_two_protocol_default_graphs_are_merged_by_get(
    live_server: LiveServer, registry: str, catalog: str
) -> None:
    """query_dataset_default_graphs_get."""
    url = query_url(
        live_server.endpoint,
        query=f"ASK {{ {registry} . {catalog} }}",
        default_graph_uri=[str(REGISTRY_GRAPH), str(CATALOG_GRAPH)],
    )
    assert boolean_of(send("GET", url)) is True


def test_two_protocol_default_graphs_are_merged_by_post(
    live_server: LiveServer, registry: str, catalog: str
) -> None:
    """query_dataset_default_graphs_post."""
    url = query_url(
        live_server.endpoint, default_graph_uri=[str(REGISTRY_GRAPH), str(CATALOG_GRAPH)]
    )
    assert boolean_of(send("POST", url, f"ASK {{ {registry} . {catalog} }}", DIRECT)) is True


def test_one_protocol_default_graph_leaves_the_others_out(
    live_server: LiveServer, registry: str, catalog: str
) -> None:
    """query_dataset_default_graph: one protocol default graph, by POST."""
    url = query_url(live_server.endpoint, default_graph_uri=str(REGISTRY_GRAPH))
    assert boolean_of(send("POST", url, f"ASK {{ {registry} }}", DIRECT)) is True
    assert boolean_of(send("POST", url, f"ASK {{ {catalog} }}", DIRECT)) is False


def test_protocol_named_graphs_are_reachable_by_graph_with_post(
    live_server: LiveServer, registry: str, catalog: str
) -> None:
    """query_dataset_named_graphs_post."""
    url = query_url(live_server.endpoint, named_graph_uri=[str(REGISTRY_GRAPH), str(CATALOG_GRAPH)])
    query = f"ASK {{ GRAPH ?g1 {{ {registry} }} GRAPH ?g2 {{ {catalog} }} }}"
    assert boolean_of(send("POST", url, query, DIRECT)) is True


def test_protocol_named_graphs_are_reachable_by_graph_with_get(
    live_server: LiveServer, registry: str, catalog: str
) -> None:
    """query_dataset_named_graphs_get."""
    url = query_url(
        live_server.endpoint,
        query=f"ASK {{ GRAPH ?g1 {{ {registry} }} GRAPH ?g2 {{ {catalog} }} }}",
        named_graph_uri=[str(REGISTRY_GRAPH), str(CATALOG_GRAPH)],
    )
    assert boolean_of(send("GET", url)) is True


def test_only_protocol_named_graphs_leave_the_default_graph_empty(
    live_server: LiveServer, registry: str
) -> None:
    url = query_url(live_server.endpoint, named_graph_uri=str(REGISTRY_GRAPH))
    assert boolean_of(send("POST", url, f"ASK {{ {registry} }}", DIRECT)) is False


def test_protocol_dataset_with_default_and_named_graphs(
    live_server: LiveServer, registry: str, catalog: str, ontology: str
) -> None:
    """query_dataset_full."""
    url = query_url(
        live_server.endpoint,
        default_graph_uri=str(ONTOLOGY_GRAPH),
        named_graph_uri=[str(REGISTRY_GRAPH), str(CATALOG_GRAPH)],
    )
    query = f"ASK {{ {ontology} GRAPH ?g1 {{ {registry} }} GRAPH ?g2 {{ {catalog} }} }}"
    assert boolean_of(send("POST", url, query, DIRECT)) is True


def test_protocol_dataset_replaces_the_query_dataset(
    live_server: LiveServer, registry: str, catalog: str
) -> None:
    """query_multiple_dataset: the protocol's named graphs win over the query's FROM."""
    query = (
        f"ASK FROM <{ONTOLOGY_GRAPH}> {{ GRAPH ?g1 {{ {registry} }} GRAPH ?g2 {{ {catalog} }} }}"
    )
    url = query_url(live_server.endpoint, named_graph_uri=[str(REGISTRY_GRAPH), str(CATALOG_GRAPH)])
    assert boolean_of(send("POST", url, query, DIRECT)) is True
    assert boolean_of(send("POST", live_server.endpoint, query, DIRECT)) is False


def test_select_is_answered_in_a_tabular_media_type(live_server: LiveServer) -> None:
    """query_content_type_select."""
    response = send("POST", live_server.endpoint, "SELECT (1 AS ?value) {}", DIRECT)
    assert response.status == 200
    assert response.media_type in TABULAR_MEDIA_TYPES


def test_ask_is_answered_in_a_boolean_media_type(live_server: LiveServer) -> None:
    """query_content_type_ask."""
    response = send("POST", live_server.endpoint, "ASK {}", DIRECT)
    assert response.status == 200
    assert response.media_type in BOOLEAN_MEDIA_TYPES


def test_describe_is_answered_in_an_rdf_media_type(live_server: LiveServer) -> None:
    """query_content_type_describe."""
    response = send("POST", live_server.endpoint, "DESCRIBE <http://example.org/>", DIRECT)
    assert response.status == 200
    assert response.media_type in RDF_MEDIA_TYPES


def test_construct_is_answered_in_an_rdf_media_type(live_server: LiveServer) -> None:
    """query_content_type_construct."""
    query = "CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}"
    response = send("POST", live_server.endpoint, query, DIRECT)
    assert response.status == 200
    assert response.media_type in RDF_MEDIA_TYPES
    graph = Graph().parse(data=response.text, format=response.media_type)
    assert len(graph) == 1


def test_put_is_405_with_allow(live_server: LiveServer) -> None:
    """bad_query_method."""
    url = query_url(live_server.endpoint, query="ASK {}", default_graph_uri=str(REGISTRY_GRAPH))
    response = send("PUT", url, b"", FORM)
    assert response.status == 405
    allowed = {m.strip() for m in (response.header("Allow") or "").split(",")}
    assert {"GET", "POST"} <= allowed
    assert "PUT" not in allowed


def test_delete_is_405(live_server: LiveServer) -> None:
    assert send("DELETE", query_url(live_server.endpoint, query="ASK {}")).status == 405


def test_two_queries_in_the_url_are_400(live_server: LiveServer) -> None:
    """bad_multiple_queries."""
    url = query_url(live_server.endpoint, query=["ASK {}", "SELECT * {}"])
    response = send("GET", url)
    assert response.status == 400
    assert "2 queries" in response.text


def test_post_form_with_two_query_params_is_400(live_server: LiveServer) -> None:
    body = form_body(query=["ASK {}", "ASK {}"])
    assert send("POST", live_server.endpoint, body, FORM).status == 400


def test_direct_post_with_a_query_in_the_url_too_is_400(live_server: LiveServer) -> None:
    url = query_url(live_server.endpoint, query="ASK {}")
    assert send("POST", url, "ASK {}", DIRECT).status == 400


def test_post_of_plain_text_is_415(live_server: LiveServer) -> None:
    """bad_query_wrong_media_type."""
    response = send("POST", live_server.endpoint, "ASK {}", {"Content-Type": "text/plain"})
    assert response.status == 415
    assert "application/sparql-query" in response.text


def test_form_body_without_content_type_is_415(live_server: LiveServer) -> None:
    """bad_query_missing_form_type."""
    assert send("POST", live_server.endpoint, "query=ASK%20%7B%7D").status == 415


def test_query_body_without_content_type_is_415(live_server: LiveServer) -> None:
    """bad_query_missing_direct_type."""
    assert send("POST", live_server.endpoint, "ASK {}").status == 415


def test_query_body_declared_utf16_is_415(live_server: LiveServer) -> None:
    """bad_query_non_utf8."""
    headers = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    response = send("POST", live_server.endpoint, "ASK {}".encode("utf-16"), headers)
    assert response.status == 415
    assert "UTF-8" in response.text


def test_query_body_that_is_not_utf8_is_400(live_server: LiveServer) -> None:
    response = send("POST", live_server.endpoint, "ASK {}".encode("utf-16"), DIRECT)
    assert response.status == 400
    assert "UTF-8" in response.text


def test_malformed_query_is_400_with_line_and_column(live_server: LiveServer) -> None:
    """bad_query_syntax."""
    response = send("GET", query_url(live_server.endpoint, query="ASK {"))
    assert response.status == 400
    assert "line 1, column" in response.text


def test_malformed_query_on_a_later_line_names_that_line(live_server: LiveServer) -> None:
    query = "SELECT ?s\nWHERE {\n  ?s ?p ?o ..\n}"
    response = send("POST", live_server.endpoint, query, DIRECT)
    assert response.status == 400
    assert "line 3" in response.text


def test_graph_outside_the_build_is_400_naming_it(live_server: LiveServer) -> None:
    """The suite's data0.rdf: a graph this service does not have."""
    missing = "http://kasei.us/2009/09/sparql/data/data0.rdf"
    url = query_url(live_server.endpoint, query="ASK {}", default_graph_uri=missing)
    response = send("GET", url)
    assert response.status == 400
    assert missing in response.text


# -- W3C protocol tests: updates, refused -----------------------------------------------

UPDATE_REQUESTS = {
    "update_dataset_default_graph": (
        "POST",
        "?using-graph-uri=" + urllib.parse.quote(str(REGISTRY_GRAPH), safe=""),
        UPDATE,
        "CLEAR ALL ; INSERT DATA { GRAPH <http://example.org/g> { <http://a> a <http://b> } }",
    ),
    "update_dataset_named_graphs": (
        "POST",
        "?using-named-graph-uri=" + urllib.parse.quote(str(REGISTRY_GRAPH), safe=""),
        UPDATE,
        "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    ),
    "update_dataset_default_graphs": (
        "POST",
        "?"
        + urllib.parse.urlencode(
            [("using-graph-uri", str(REGISTRY_GRAPH)), ("using-graph-uri", str(CATALOG_GRAPH))]
        ),
        UPDATE,
        "INSERT { GRAPH <http://example.org/g> { ?s a <http://b> } } WHERE { ?s a ?type }",
    ),
    "update_dataset_full": (
        "POST",
        "?"
        + urllib.parse.urlencode(
            [
                ("using-graph-uri", str(ONTOLOGY_GRAPH)),
                ("using-named-graph-uri", str(REGISTRY_GRAPH)),
            ]
        ),
        UPDATE,
        "INSERT { GRAPH <http://example.org/g> { ?s a <http://b> } } WHERE { ?s a ?type }",
    ),
    "bad_update_dataset_conflict": (
        "POST",
        "?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
        UPDATE,
        "WITH <http://example/addresses> DELETE { ?p <http://n> 'Bill' }"
        " INSERT { ?p <http://n> 'William' } WHERE { ?p <http://n> 'Bill' }",
    ),
    "update_post_form": ("POST", "", FORM, "update=CLEAR+ALL"),
    "update_post_direct": ("POST", "", UPDATE, "CLEAR ALL"),
    "update_base_uri": (
        "POST",
        "",
        UPDATE,
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <p> <test> } }",
    ),
    "bad_update_get": ("GET", "?update=CLEAR%20ALL", {}, None),
    "bad_multiple_updates": ("POST", "", FORM, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"),
    "bad_update_non_utf8": (
        "POST",
        "",
        {"Content-Type": "application/sparql-update; charset=UTF-16"},
        "CLEAR NAMED",
    ),
    "bad_update_syntax": ("POST", "", FORM, "update=CLEAR%20XYZ"),
    "update_keywords_sent_as_a_query": ("POST", "", DIRECT, "DROP ALL"),
    "load_sent_as_a_query_parameter": (
        "GET",
        "?query=LOAD%20%3Cfile%3A%2F%2F%2Fetc%2Fpasswd%3E",
        {},
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(UPDATE_REQUESTS))
def test_update_is_refused_as_read_only_and_changes_nothing(
    live_server: LiveServer, registry: str, case: str
) -> None:
    """The suite's update_* and bad_update_* cases (named by the keys of UPDATE_REQUESTS)."""
    method, query_string, headers, body = UPDATE_REQUESTS[case]
    response = send(method, live_server.endpoint + query_string, body, headers)
    assert response.status == 403
    assert "read-only" in response.text
    after = send("POST", live_server.endpoint, f"ASK {{ {registry} }}", DIRECT)
    assert boolean_of(after) is True


UNTYPED_UPDATES = {
    "bad_update_wrong_media_type": ({"Content-Type": "text/plain"}, "CLEAR NAMED"),
    "bad_update_missing_form_type": ({}, "update=CLEAR%20NAMED"),
}


@pytest.mark.parametrize("case", sorted(UNTYPED_UPDATES))
def test_update_without_an_update_media_type_is_415_and_changes_nothing(
    live_server: LiveServer, registry: str, case: str
) -> None:
    """bad_update_wrong_media_type, bad_update_missing_form_type: 4xx, as the suite asks."""
    headers, body = UNTYPED_UPDATES[case]
    assert send("POST", live_server.endpoint, body, headers).status == 415
    after = send("POST", live_server.endpoint, f"ASK {{ {registry} }}", DIRECT)
    assert boolean_of(after) is True


def test_query_and_update_together_are_400(live_server: LiveServer) -> None:
    body = form_body(query="ASK {}", update="CLEAR ALL")
    response = send("POST", live_server.endpoint, body, FORM)
    assert response.status == 400
    assert "both" in response.text


def test_post_without_a_query_is_400(live_server: LiveServer) -> None:
    assert send("POST", live_server.endpoint, "", FORM).status == 400
    assert send("POST", live_server.endpoint, form_body(format="json"), FORM).status == 400


# -- The dataset: union by default, asserted on request ----------------------------------


def test_default_graph_is_the_union_of_asserted_and_inferred_graphs(
    live_server: LiveServer, graph_witnesses: dict[URIRef, str], registry: str
) -> None:
    inferred = graph_witnesses[KZG["inferred"]]
    query = f"ASK {{ {inferred} . {registry} }}"
    assert boolean_of(send("POST", live_server.endpoint, query, DIRECT)) is True


def test_asserted_graph_name_as_default_graph_leaves_out_inferred_triples(
    live_server: LiveServer, graph_witnesses: dict[URIRef, str], registry: str
) -> None:
    inferred = graph_witnesses[KZG["inferred"]]
    url = query_url(live_server.endpoint, default_graph_uri=str(ASSERTED_GRAPH))
    assert boolean_of(send("POST", url, f"ASK {{ {inferred} }}", DIRECT)) is False
    assert boolean_of(send("POST", url, f"ASK {{ {registry} }}", DIRECT)) is True


def test_asserted_graph_name_in_from_leaves_out_inferred_triples(
    live_server: LiveServer, graph_witnesses: dict[URIRef, str]
) -> None:
    inferred = graph_witnesses[KZG["inferred"]]
    query = f"ASK FROM <{ASSERTED_GRAPH}> {{ {inferred} }}"
    assert boolean_of(send("POST", live_server.endpoint, query, DIRECT)) is False


def test_from_named_limits_the_graphs_graph_can_reach(live_server: LiveServer) -> None:
    query = f"SELECT DISTINCT ?g FROM NAMED <{REGISTRY_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    url = query_url(live_server.endpoint, query=query)
    response = send("GET", url, headers={"Accept": "application/sparql-results+json"})
    assert response.status == 200
    rows = json.loads(response.body)["results"]["bindings"]
    assert [row["g"]["value"] for row in rows] == [str(REGISTRY_GRAPH)]


def test_graph_variable_ranges_over_every_graph_of_the_build(
    live_server: LiveServer, graph_witnesses: dict[URIRef, str]
) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = send("POST", live_server.endpoint, query, DIRECT)
    rows = json.loads(response.body)["results"]["bindings"]
    assert {URIRef(row["g"]["value"]) for row in rows} >= set(graph_witnesses)


# -- Size limit ---------------------------------------------------------------------------


def long_query(size_bytes: int) -> str:
    """A valid query padded with a comment to a given length."""
    query = "ASK {}\n#"
    return query + "x" * (size_bytes - len(query))


def test_query_over_the_size_limit_is_413_by_get_form_and_direct_post(
    live_server: LiveServer,
) -> None:
    query = long_query(100 * 1024 + 1)
    by_get = send("GET", query_url(live_server.endpoint, query=query))
    by_form = send("POST", live_server.endpoint, form_body(query=query), FORM)
    by_body = send("POST", live_server.endpoint, query, DIRECT)
    # A URL over 64 KB is refused by the HTTP front end itself (414 URI Too Long).
    assert (by_get.status, by_form.status, by_body.status) == (414, 413, 413)
    assert "102400" in by_body.text


def test_query_at_the_size_limit_is_answered(live_server: LiveServer) -> None:
    response = send("POST", live_server.endpoint, long_query(100 * 1024), DIRECT)
    assert boolean_of(response) is True


# -- Service description ------------------------------------------------------------------


def test_get_without_query_describes_the_service_in_turtle(
    live_server: LiveServer, graph_witnesses: dict[URIRef, str]
) -> None:
    response = send("GET", live_server.endpoint, headers={"Accept": "text/turtle"})
    assert response.status == 200
    assert response.media_type == "text/turtle"
    description = Graph().parse(data=response.text, format="turtle")
    service = description.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert description.value(service, SD.endpoint) == URIRef(live_server.endpoint)
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    names = set(description.objects(None, SD.name))
    assert set(graph_witnesses) | {ASSERTED_GRAPH} <= names


def test_service_description_comes_as_json_ld_when_asked(live_server: LiveServer) -> None:
    response = send("GET", live_server.endpoint, headers={"Accept": "application/ld+json"})
    assert response.media_type == "application/ld+json"
    description = Graph().parse(data=response.text, format="json-ld")
    assert description.value(predicate=RDF.type, object=SD.Service) is not None


def test_service_description_is_turtle_without_accept(live_server: LiveServer) -> None:
    assert send("GET", live_server.endpoint).media_type == "text/turtle"


@pytest.fixture(scope="module")
def in_process_app(served_layout: Layout) -> FlaskClient:
    """The application in this process, evaluating in-process (no worker processes)."""
    app = create_app(ServerConfig(layout=served_layout, workers=0))
    return app.test_client()


@pytest.fixture()
def app_without_pages_view(in_process_app: FlaskClient) -> Iterator[FlaskClient]:
    """The in-process app with no HTML view registered for /sparql."""
    extensions = in_process_app.application.extensions
    view = extensions.pop(SPARQL_HTML_VIEW, None)
    yield in_process_app
    if view is not None:
        extensions[SPARQL_HTML_VIEW] = view


def test_browser_opening_the_endpoint_is_sent_to_the_query_form(
    app_without_pages_view: FlaskClient,
) -> None:
    headers = {"Accept": "text/html,*/*;q=0.8"}
    response = app_without_pages_view.get("/sparql", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/#query")


def test_browser_opening_the_endpoint_gets_the_pages_view_when_there_is_one(
    app_without_pages_view: FlaskClient,
) -> None:
    extensions = app_without_pages_view.application.extensions
    extensions[SPARQL_HTML_VIEW] = lambda: "<p>query form</p>"
    try:
        response = app_without_pages_view.get("/sparql", headers={"Accept": "text/html"})
    finally:
        del extensions[SPARQL_HTML_VIEW]
    assert response.status_code == 200
    assert response.text == "<p>query form</p>"


# -- CORS, trailing slash, access log --------------------------------------------------------


def test_query_response_allows_any_origin(live_server: LiveServer) -> None:
    response = send("GET", query_url(live_server.endpoint, query="ASK {}"))
    assert response.header("Access-Control-Allow-Origin") == "*"


def test_cors_preflight_allows_post_with_content_type(live_server: LiveServer) -> None:
    headers = {
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    response = send("OPTIONS", live_server.endpoint, headers=headers)
    assert response.status == 204
    assert response.header("Access-Control-Allow-Origin") == "*"
    assert "POST" in (response.header("Access-Control-Allow-Methods") or "")
    assert "content-type" in (response.header("Access-Control-Allow-Headers") or "").lower()


def test_endpoint_answers_with_a_trailing_slash(live_server: LiveServer) -> None:
    """The W3C suite addresses the service as /sparql/."""
    assert boolean_of(send("POST", live_server.endpoint + "/", "ASK {}", DIRECT)) is True


def test_each_query_leaves_one_access_log_line_with_its_hash(live_server: LiveServer) -> None:
    query = "ASK { ?s ?p ?o } # access-log test"
    send("POST", live_server.endpoint, query, DIRECT)
    fingerprint = hashlib.sha256(query.encode()).hexdigest()[:12]
    lines = [line for line in live_server.log().splitlines() if f"query={fingerprint}" in line]
    assert len(lines) == 1
    assert "kzgov.access" in lines[0]
    assert "POST /sparql 200 " in lines[0]
    assert "ms " in lines[0]


# -- A SPARQL client library ------------------------------------------------------------------


def test_sparqlwrapper_select_by_get(
    sparql_client: Callable[[], SPARQLWrapper], graph_witnesses: dict[URIRef, str]
) -> None:
    client = sparql_client()
    client.setQuery("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert {URIRef(row["g"]["value"]) for row in rows} >= set(graph_witnesses)


def test_sparqlwrapper_ask_by_form_post_with_default_graph(
    sparql_client: Callable[[], SPARQLWrapper], registry: str, catalog: str
) -> None:
    client = sparql_client()
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.addDefaultGraph(str(REGISTRY_GRAPH))
    client.setQuery(f"ASK {{ {registry} }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True  # type: ignore[index, call-overload]
    other = sparql_client()
    other.addDefaultGraph(str(REGISTRY_GRAPH))
    other.setQuery(f"ASK {{ {catalog} }}")
    other.setReturnFormat(JSON)
    assert other.query().convert()["boolean"] is False  # type: ignore[index, call-overload]


def test_sparqlwrapper_construct_by_direct_post_in_rdf_xml(
    sparql_client: Callable[[], SPARQLWrapper], registry: str
) -> None:
    client = sparql_client()
    client.setMethod(POST)
    client.setRequestMethod(POSTDIRECTLY)
    client.setQuery(f"CONSTRUCT {{ {registry} }} WHERE {{ {registry} }}")
    client.setReturnFormat(RDFXML)
    result = client.query()
    assert result.info()["content-type"].startswith("application/rdf+xml")
    graph = Graph().parse(data=result.response.read(), format="xml")
    assert len(graph) == 1


def test_sparqlwrapper_reports_a_malformed_query(
    sparql_client: Callable[[], SPARQLWrapper],
) -> None:
    client = sparql_client()
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed, match="line 1"):
        client.query()
