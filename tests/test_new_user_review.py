"""A new user's review of the command line, the build and the endpoint's messages, fixed."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from conftest import LiveServer, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import KZ


def kzgov(
    layout: Layout, *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real kzgov command on the test build."""
    return subprocess.run(
        [sys.executable, "-m", "kzgov", "--root", str(layout.root), "--build-dir",
         str(layout.build_dir), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip


def sparql_get(
    server: LiveServer, query: str, accept: str = "text/turtle", **more: str
) -> tuple[int, str, str]:
    """GET /sparql?query=...: status, media type, body."""
    url = server.endpoint + "?" + urllib.parse.urlencode({"query": query, **more})
    response = send("GET", url, headers={"Accept": accept})
    return response.status, response.media_type, response.text


# -- 1. CONSTRUCT WHERE with LIMIT on the memory store ---------------------------------

CONSTRUCT_WHERE = "CONSTRUCT WHERE { ?s a kz:Post ; rdfs:label ?l } ORDER BY ?s ?l LIMIT 3"


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_construct_where_with_limit_answers_on_the_memory_store(live_server: LiveServer) -> None:
    status, media_type, body = sparql_get(live_server, CONSTRUCT_WHERE)
    assert status == 200, body
    assert media_type == "text/turtle"
    graph = Graph().parse(data=body, format="turtle")
    posts = set(graph.subjects(RDF.type, KZ.Post))
    assert posts and len(graph) >= 3  # three solutions, each a type and a label
    assert all((post, RDF.type, KZ.Post) in graph for post in posts)


def test_construct_where_with_limit_answers_on_the_command_line(
    real_build: BuildResult, real_layout: Layout
) -> None:
    finished = kzgov(real_layout, "query", CONSTRUCT_WHERE, "--format", "nt")
    assert finished.returncode == 0, finished.stderr
    graph = Graph().parse(data=finished.stdout, format="nt")
    assert len(set(graph.subjects(RDF.type, KZ.Post))) >= 1
    assert len(graph) >= 3


# -- 2. Syntax errors: the right line, the right advice, the file's name ---------------

BROKEN_QUERIES = {
    "dangling-operator": (
        'SELECT ?s WHERE {\n  ?s a kz:Post .\n  ?s rdfs:label ?l .\n  FILTER(?l = "x" &&)\n}\n',
        (4, 21),
        "unexpected ')'",
    ),
    "order-by-inside-the-braces": (
        "SELECT ?s WHERE {\n  ?s a kz:Post .\n  OPTIONAL { ?s rdfs:label ?l }\n  ORDER BY ?l\n}\n",
        (4, 3),
        "unexpected 'ORDER'",
    ),
    "group-without-by": (
        "SELECT ?s\nWHERE {\n  ?s a kz:Post .\n}\nGROUP ?s\n",
        (5, 7),
        "unexpected '?s'",
    ),
    "bind-without-variable": (
        "SELECT ?s WHERE {\n  ?s a kz:Post ;\n     rdfs:label ?l .\n  BIND(STR(?l) AS )\n}\n",
        (4, 19),
        "unexpected ')'",
    ),
    "aggregate-without-as": (
        "SELECT ?s\n  (COUNT(?x) ?n)\nWHERE {\n  ?s a kz:Post .\n}\n",
        (2, 14),
        "unexpected '?n'",
    ),
    "four-terms": (
        "SELECT ?s WHERE {\n  ?s a kz:Post .\n  ?s kz:foo ?o ?x .\n}\n",
        (3, 16),
        "unexpected '?x'",
    ),
    "missing-dot": (
        "SELECT ?s WHERE {\n  ?s a kz:Post\n  ?s rdfs:label ?l .\n}\n",
        (3, 3),
        "unexpected '?s'; is a '.' missing at the end of line 2?",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_QUERIES))
def test_a_broken_query_file_is_named_with_the_line_and_column_of_its_mistake(
    real_build: BuildResult, real_layout: Layout, tmp_path: Path, case: str
) -> None:
    text, (line, column), what = BROKEN_QUERIES[case]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / f"{case}.rq").write_text(text, encoding="utf-8")
    finished = kzgov(real_layout, "query", f"mine/{case}.rq", cwd=tmp_path)
    assert finished.returncode == 1
    first = finished.stderr.splitlines()[0]
    assert first.startswith(f"kzgov: mine/{case}.rq:{line}:{column}: SPARQL syntax error: "), first
    assert what in first
    if "'.' missing" not in what:
        assert "'.' missing" not in finished.stderr
    assert str(tmp_path) not in finished.stderr


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_the_endpoint_places_a_multi_line_mistake_on_its_line(live_server: LiveServer) -> None:
    for text, (line, column), what in BROKEN_QUERIES.values():
        status, _, body = sparql_get(live_server, text, accept="application/sparql-results+json")
        assert status == 400
        assert f"line {line}, column {column}: {what}" in body, body


# -- 3. WDQS's label service -----------------------------------------------------------

LABEL_SERVICE_QUERY = (
    "SELECT ?post ?postLabel WHERE {\n  ?post a kz:Post .\n"
    '  SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }\n}'
)


@pytest.mark.parametrize("backend", ["memory", "oxigraph"], indirect=True)
def test_wdqs_label_service_is_named_with_its_rewrite(live_server: LiveServer) -> None:
    status, _, body = sparql_get(
        live_server, LABEL_SERVICE_QUERY, accept="application/sparql-results+json"
    )
    assert status == 400
    assert "Wikidata Query Service's label service" in body
    assert 'OPTIONAL { ?post rdfs:label ?postLabel FILTER(lang(?postLabel) = "en") }' in body
    assert "federated queries are disabled" not in body
    other = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    status, _, body = sparql_get(live_server, other, accept="application/sparql-results+json")
    assert status == 400
    assert "federated queries are disabled" in body


def test_wdqs_label_service_is_named_on_the_command_line(
    real_build: BuildResult, real_layout: Layout
) -> None:
    finished = kzgov(real_layout, "query", LABEL_SERVICE_QUERY)
    assert finished.returncode == 1
    assert "Wikidata Query Service's label service" in finished.stderr
    assert 'FILTER(lang(?postLabel) = "en")' in finished.stderr
    assert finished.stdout == ""
