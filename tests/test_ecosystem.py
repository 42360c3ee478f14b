"""Prefixes, entity data with provenance, errors, compression, linksets: the real server over HTTP."""

from __future__ import annotations

import gzip
import html as html_module
import json
import socket
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SH, SKOS, VOID

from conftest import LiveServer, run_kzgov, running_server, send
from kzgov.core.layout import Layout
from kzgov.core.namespaces import (
    INFERRED_GRAPH,
    JSONLD_CONTEXT,
    KZ,
    KZID,
    LINKS_GRAPH,
    QUERY_PREFIXES,
)

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PRESIDENT = URIRef(KZID["post/president"])
OBLAST_AKIM = URIRef(KZID["post/oblast-akim"])
WIKIDATA = "http://www.wikidata.org/entity/"


def get(server: LiveServer, path: str, headers: dict[str, str] | None = None) -> bytes:
    """The body of a 200 answer to a GET."""
    response = send("GET", server.base_url + path, headers=headers or {})
    assert response.status == 200, response.body[:500]
    return response.body


def sparql_json(server: LiveServer, query: str) -> list[dict[str, dict[str, str]]]:
    """The rows of a SELECT sent to /sparql."""
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    body = get(server, path, {"Accept": "application/sparql-results+json"})
    rows: list[dict[str, dict[str, str]]] = json.loads(body)["results"]["bindings"]
    return rows


def quiet_parse(dataset: Dataset | Graph, data: bytes | str, fmt: str) -> None:
    """Parse with rdflib, silencing the deprecation warnings of its own parsers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=data, format=fmt)


# -- Prefixes ---------------------------------------------------------------------------


def test_instance_prefixes_need_no_declaration_on_any_store(live_server: LiveServer) -> None:
    rows = sparql_json(
        live_server,
        'SELECT ?label WHERE { post:president rdfs:label ?label FILTER(LANG(?label) = "en") }',
    )
    assert {"President of Kazakhstan"} <= {row["label"]["value"] for row in rows}


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_service_description_declares_every_predeclared_prefix(live_server: LiveServer) -> None:
    body = get(live_server, "/sparql", {"Accept": "text/turtle"})
    graph = Graph()
    quiet_parse(graph, body, "turtle")
    declared = {
        str(graph.value(node, SH.prefix)): str(graph.value(node, SH.namespace))
        for node in graph.objects(None, SH.declare)
    }
    assert declared == {prefix: str(namespace) for prefix, namespace in QUERY_PREFIXES.items()}
    assert declared["post"] == str(KZID) + "post/"


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_home_page_lists_the_predeclared_prefixes(live_server: LiveServer) -> None:
    html = get(live_server, "/", BROWSER).decode("utf-8")
    for prefix in ("post", "body", "act", "person", "territory", "rdfs", "skos"):
        assert (
            f'<code>{prefix}:</code> <code class="namespace">{QUERY_PREFIXES[prefix]}</code>'
            in html
        )


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.parametrize("value", ["oblast-akim", "post:oblast-akim"])
def test_named_query_parameter_takes_a_slug_or_a_prefixed_name(
    live_server: LiveServer, value: str
) -> None:
    def answer(given: str) -> list[object]:
        path = "/queries/who-appoints-post?" + urllib.parse.urlencode(
            {"post": given, "format": "json"}
        )
        bindings: list[object] = json.loads(get(live_server, path))["results"]["bindings"]
        return bindings

    full = answer(f"<{OBLAST_AKIM}>")
    assert full, "the oblast akim has an appointer"
    assert answer(value) == full


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_a_string_parameter_takes_its_value_unquoted(live_server: LiveServer) -> None:
    def answer(given: str) -> list[object]:
        path = "/queries/who-appointed-holder?" + urllib.parse.urlencode(
            {"post": "president", "date": given, "format": "json"}
        )
        bindings: list[object] = json.loads(get(live_server, path))["results"]["bindings"]
        return bindings

    quoted = answer('"2022-04-13"')
    assert quoted, "the sources show a President on 2022-04-13"
    assert answer("2022-04-13") == quoted
    # A bare year is the string "2022" too, not the number 2022.
    assert answer("2022") == answer('"2022"')


# -- Syntax errors ----------------------------------------------------------------------

SYNTAX_CASES = {
    "unclosed-parenthesis": (
        "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o > 3\n}",
        "line 3, column 9",
        "the '(' opened at line 3, column 9 is not closed",
    ),
    "unknown-prefix": (
        "SELECT * WHERE { ?s foo:bar ?o }",
        "line 1, column 21",
        "unknown prefix 'foo:'",
    ),
    "misspelt-form": ("SELEC * { ?s ?p ?o }", "line 1, column 1", "found 'SELEC'"),
    "missing-object": ("SELECT ?x WHERE { ?x ?y }", "line 1, column 25", "unexpected '}'"),
    "missing-dot": (
        "SELECT ?x WHERE {\n  ?x a kz:Post\n  ?x rdfs:label ?l }",
        "line 3, column 3",
        "is a '.' missing at the end of line 2?",
    ),
}


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.parametrize("case", sorted(SYNTAX_CASES))
def test_syntax_error_says_where_and_what_was_expected(live_server: LiveServer, case: str) -> None:
    query, where, what = SYNTAX_CASES[case]
    response = send("GET", live_server.endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert response.status == 400
    assert f"SPARQL syntax error at {where}: " in response.text
    assert what in response.text
    assert "Expected SelectQuery" not in response.text


# -- Entity data with provenance --------------------------------------------------------


def quads_of(dataset: Dataset, entity: URIRef) -> set[tuple[object, ...]]:
    """The entity's own statements with IRI or literal objects, each with its graph's name."""
    return {
        (s, p, o, getattr(g, "identifier", g))
        for s, p, o, g in dataset.quads((entity, None, None, None))
        if isinstance(o, URIRef | Literal)
    }


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.parametrize(
    ("media_type", "fmt"), [("application/trig", "trig"), ("application/n-quads", "nquads")]
)
def test_entity_quads_keep_each_statement_in_its_source_graphs(
    live_server: LiveServer, built_dataset: Dataset, media_type: str, fmt: str
) -> None:
    response = send(
        "GET", live_server.base_url + "/id/post/oblast-akim", headers={"Accept": media_type}
    )
    assert response.status == 200
    assert response.media_type == media_type
    served = Dataset()
    quiet_parse(served, response.body, fmt)
    got = quads_of(served, OBLAST_AKIM)
    wanted = quads_of(built_dataset, OBLAST_AKIM)
    assert wanted, "the build states something about the oblast akim"
    assert wanted <= got, sorted(wanted - got)[:5]
    graphs = {g for *_rest, g in got}
    assert URIRef(str(KZID).replace("id/", "graph/") + "reforms-article-2022") in graphs
    assert INFERRED_GRAPH in graphs


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_entity_page_offers_trig_and_n_quads(live_server: LiveServer) -> None:
    html = get(live_server, "/id/post/president", BROWSER).decode("utf-8")
    assert "format=trig" in html and "format=nquads" in html
    assert (
        '<link rel="alternate" type="application/trig" href="/id/post/president?format=trig">'
        in html
    )
    trig = send("GET", live_server.base_url + "/id/post/president?format=trig")
    assert trig.status == 200 and trig.media_type == "application/trig"


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_entity_json_ld_is_compacted_with_the_published_context(live_server: LiveServer) -> None:
    body = get(live_server, "/id/post/oblast-akim", {"Accept": "application/ld+json"})
    document = json.loads(body)
    assert document["@context"] == str(JSONLD_CONTEXT)
    text = body.decode("utf-8")
    assert '"post:oblast-akim"' in text and '"appointmentRule"' in text
    context = json.loads(get(live_server, "/context.jsonld"))
    assert context["@context"]["post"] == str(KZID) + "post/"
    assert context["@context"]["appointedBy"] == {"@id": str(KZ.appointedBy), "@type": "@id"}
    document["@context"] = context["@context"]
    expanded = Graph()
    quiet_parse(expanded, json.dumps(document), "json-ld")
    turtle = Graph()
    quiet_parse(
        turtle, get(live_server, "/id/post/oblast-akim", {"Accept": "text/turtle"}), "turtle"
    )
    assert set(expanded) == set(turtle)


# -- Compression ------------------------------------------------------------------------

SELECT_MANY = "SELECT * WHERE { ?s ?p ?o } LIMIT 300"


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_answers_are_compressed_with_their_own_etag(live_server: LiveServer) -> None:
    url = live_server.endpoint + "?" + urllib.parse.urlencode({"query": SELECT_MANY})
    plain = send("GET", url, headers={"Accept": "application/sparql-results+json"})
    assert plain.header("Content-Encoding") is None
    for encoding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        for _twice in range(2):  # the second answer is replayed before Flask
            packed = send(
                "GET",
                url,
                headers={"Accept": "application/sparql-results+json", "Accept-Encoding": encoding},
            )
            assert packed.header("Content-Encoding") == encoding
            assert "Accept-Encoding" in (packed.header("Vary") or "")
            assert decompress(packed.body) == plain.body
            assert len(packed.body) * 4 < len(plain.body)
            assert packed.header("ETag") not in (None, plain.header("ETag"))
        again = send(
            "GET",
            url,
            headers={
                "Accept": "application/sparql-results+json",
                "Accept-Encoding": encoding,
                "If-None-Match": packed.header("ETag") or "",
            },
        )
        assert again.status == 304
        assert again.header("ETag") == packed.header("ETag")
    after = send("GET", url, headers={"Accept": "application/sparql-results+json"})
    assert after.header("Content-Encoding") is None and after.body == plain.body


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.parametrize(
    ("path", "accept"),
    [("/id/post/president", BROWSER["Accept"]), ("/id/post/president", "text/turtle"),
     ("/export/popolo.json", "application/json")],
)  # fmt: skip
def test_pages_and_data_are_compressed(live_server: LiveServer, path: str, accept: str) -> None:
    plain = send("GET", live_server.base_url + path, headers={"Accept": accept})
    packed = send(
        "GET", live_server.base_url + path, headers={"Accept": accept, "Accept-Encoding": "gzip"}
    )
    assert packed.header("Content-Encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body


# -- Linksets ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_void_has_a_linkset_per_target_dataset(
    live_server: LiveServer, built_dataset: Dataset
) -> None:
    void = Graph()
    quiet_parse(void, get(live_server, "/.well-known/void", {"Accept": "text/turtle"}), "turtle")
    linksets = {}
    for node in void.subjects(VOID.linkPredicate, None):
        target = void.value(node, VOID.objectsTarget)
        title = str(
            void.value(target, RDFS.label)
            or void.value(target, URIRef("http://purl.org/dc/terms/title"))
        )
        linksets[(title, void.value(node, VOID.linkPredicate))] = int(
            void.value(node, VOID.triples)
        )
    links = built_dataset.graph(LINKS_GRAPH)
    exact = sum(1 for o in links.objects(None, SKOS.exactMatch) if str(o).startswith(WIKIDATA))
    close = sum(1 for o in links.objects(None, SKOS.closeMatch) if str(o).startswith(WIKIDATA))
    assert linksets[("Wikidata", SKOS.exactMatch)] == exact
    assert linksets[("Wikidata", SKOS.closeMatch)] == close
    assert ("GeoNames", SKOS.exactMatch) in linksets
    assert (
        "ISO 3166-2 subdivision codes",
        URIRef("http://www.wikidata.org/prop/direct/P300"),
    ) in linksets


# -- Errors of the command line ---------------------------------------------------------


def test_query_of_a_missing_file_says_the_file_is_missing(served_layout: Layout) -> None:
    done = run_kzgov(served_layout, "query", "missing.rq")
    assert done.returncode == 1
    assert done.stderr.strip() == "kzgov: missing.rq: no such query file"


def test_query_the_engine_cannot_evaluate_is_a_message(served_layout: Layout) -> None:
    query = "SELECT (lang(?l) AS ?lang) (COUNT(*) AS ?n) { ?x rdfs:label ?l } GROUP BY (lang(?l))"
    done = run_kzgov(served_layout, "query", query)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    # One line saying what is wrong (the wording depends on the engine that refuses it).
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kzgov: ")
    assert "evaluated" in lines[0] or "syntax error" in lines[0]


def test_query_breaking_a_rule_rdflib_does_not_enforce_is_refused(
    served_layout: Layout, tmp_path: Path
) -> None:
    done = run_kzgov(served_layout, "query", "SELECT * { ?s ?p ?o BIND(1 AS ?s) }")
    assert done.returncode == 1
    assert done.stderr.startswith("kzgov: SPARQL syntax error: BIND(... AS ?s): ?s is already")
    assert done.stdout == ""
    query = tmp_path / "ungrouped.rq"
    query.write_text("SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o }\n", encoding="utf-8")
    done = run_kzgov(served_layout, "query", str(query))
    assert done.returncode == 1
    assert done.stderr.startswith(f"kzgov: {query}: SPARQL syntax error: SELECT: ?s is neither")


@pytest.fixture()
def busy_port() -> Iterator[int]:
    """A port of 127.0.0.1 something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_serve_on_a_busy_port_says_so_in_one_line(served_layout: Layout, busy_port: int) -> None:
    done = run_kzgov(served_layout, "serve", "--host", "127.0.0.1", "--port", str(busy_port))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"kzgov: port {busy_port} on 127.0.0.1 is already in use: stop what listens there,"
        " or choose another port with --port (0 picks a free one)"
    ]


# -- The row cap in the editor ----------------------------------------------------------


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_editor_shows_the_first_rows_of_an_answer_over_the_cap(
    served_layout: Layout, backend: str, tmp_path: Path
) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    with running_server(
        served_layout,
        tmp_path / "server.log",
        "--max-result-rows",
        "50",
        "--workers",
        "1",
        "--store",
        backend,
    ) as server:
        refused = send("GET", server.endpoint + "?" + urllib.parse.urlencode({"query": query}))
        assert refused.status == 400 and "more than 50" in refused.text
        page = send(
            "GET",
            server.base_url + "/?" + urllib.parse.urlencode({"query": query}),
            headers=BROWSER,
        )
        assert page.status == 200
        html = page.text
        assert "The answer has more than 50 rows, the most this server returns" in html
        assert html.count('<td class="n">') == 50
        csv_links = [
            html_module.unescape(link.split('"')[0])
            for link in html.split('href="')[1:]
            if link.startswith("/sparql?") and "format=csv" in link.split('"')[0]
        ]
        assert csv_links, "the page offers a CSV download"
        download = send("GET", server.base_url + csv_links[0])
        assert download.status == 200
        assert len(download.text.strip().splitlines()) == 1 + 50
