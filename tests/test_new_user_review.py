"""A new user's review of the command line, the build and the endpoint's messages, fixed."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from conftest import LiveServer, run_kzgov, send
from kzgov.build.known_terms import CHECK_FILE, check_query
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import KZ, QUERY_PREFIXES


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
    finished = run_kzgov(real_layout, "query", CONSTRUCT_WHERE, "--format", "nt")
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
    finished = run_kzgov(real_layout, "query", f"mine/{case}.rq", cwd=tmp_path)
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
    finished = run_kzgov(real_layout, "query", LABEL_SERVICE_QUERY)
    assert finished.returncode == 1
    assert "Wikidata Query Service's label service" in finished.stderr
    assert 'FILTER(lang(?postLabel) = "en")' in finished.stderr
    assert finished.stdout == ""


# -- 4, 5. The SHACL report: violations first, warnings by shape, project prefixes ------

FOCUS_NODE = re.compile(r"^  focus node: (\S+)$", re.M)


def expand(shown: str) -> URIRef:
    """A focus node as a message shows it, back to its IRI with the predeclared prefixes."""
    if shown.startswith("<"):
        return URIRef(shown[1:-1])
    prefix, _, local = shown.partition(":")
    assert prefix in QUERY_PREFIXES, f"{shown}: a prefix kzgov does not declare"
    return URIRef(str(QUERY_PREFIXES[prefix]) + local)


def test_a_violation_comes_first_and_warnings_are_counted_per_shape(
    scratch_project: Layout,
) -> None:
    broken = scratch_project.data_dir / "aplus-analytics-2022.ttl"
    broken.write_text(
        broken.read_text(encoding="utf-8")
        + "\n<https://w3id.org/kzgov/id/post/unlabelled-test-post> a kz:Post .\n",
        encoding="utf-8",
    )
    finished = run_kzgov(scratch_project, "build", "--quiet")
    assert finished.returncode == 2
    report = finished.stderr
    counts = re.search(r"(\d+) violation\(s\), (\d+) warning\(s\)", report)
    assert counts and int(counts[1]) >= 1 and int(counts[2]) > 10, report
    assert report.index("Violation: ") < report.index("Warnings by shape")
    assert "focus node: post:unlabelled-test-post" in report
    assert "warning(s) from kzsh:FigureShape" in report
    assert "Warning: " not in report  # summed up, not listed
    assert len(report.splitlines()) < 30
    verbose = run_kzgov(scratch_project, "validate", "--verbose")
    assert verbose.returncode == 2
    listed = verbose.stdout
    assert listed.count("Warning: ") == int(counts[2])
    assert listed.index("Violation: ") < listed.index("Warning: ")
    short = run_kzgov(scratch_project, "validate")
    assert "Warning: " not in short.stdout and "Violation: " in short.stdout


def test_focus_nodes_are_named_with_the_project_prefixes_or_in_full(
    real_build: BuildResult, built_dataset: Dataset
) -> None:
    report = (real_build.release_dir / "validation-report.txt").read_text(encoding="utf-8")
    shown = FOCUS_NODE.findall(report)
    assert shown
    subjects = set(built_dataset.subjects())
    for name in shown:
        assert expand(name) in subjects, f"{name} names no node of the build"
    assert not any(name.startswith(("figure1:", "figure2:")) for name in shown)


# -- 6, 7. The build's own output: short, each count named ------------------------------


def test_the_build_prints_a_short_summary_and_the_json_on_request(
    scratch_project: Layout,
) -> None:
    finished = run_kzgov(scratch_project, "build", "--quiet", cwd=scratch_project.root)
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert len(out.splitlines()) <= 15, out
    assert "{" not in out
    summary = json.loads(
        (scratch_project.build_dir / "current" / "summary.json").read_text(encoding="utf-8")
    )
    triples, graphs = summary["triples"], summary["graphs"]
    assert triples["total"] == sum(graphs.values())
    assert triples["distinct"] < triples["total"]
    assert f"{triples['distinct']:,} distinct triples" in out
    assert f"{triples['total']:,} quads over {len(graphs)} graphs" in out
    for stage in ("parse", "validate", "materialize", "check", "write"):
        assert re.search(rf"\b{stage} \d+\.\d\d s", out), out
    assert "report:  build/current/validation-report.txt" in out
    assert str(scratch_project.root) not in out
    as_json = run_kzgov(scratch_project, "build", "--quiet", "--json")
    assert as_json.returncode == 0
    printed = json.loads(as_json.stdout)
    assert printed["triples"] == triples and printed["graphs"] == graphs


def test_the_readme_names_both_counts_as_the_build_prints_them() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "distinct triples" in readme and "quads over" in readme
    assert '"graphs": {' not in readme


# -- 4. Misspelt terms of the outside vocabularies -------------------------------------


def test_a_misspelt_outside_term_is_refused_with_file_and_line(scratch_project: Layout) -> None:
    data = scratch_project.data_dir / "aplus-analytics-2022.ttl"
    text = data.read_text(encoding="utf-8")
    added = (
        '\npost:president <http://www.w3.org/2000/01/rdf-schema#lable> "President"@en .\n'
        'post:president <http://www.w3.org/2004/02/skos/core#prefLable> "President"@en .\n'
        "post:president <http://www.w3.org/ns/org#headof> post:president .\n"
    )
    data.write_text(text + added, encoding="utf-8")
    first = text.count("\n") + 2
    finished = run_kzgov(scratch_project, "build", "--quiet")
    assert finished.returncode == 2
    for line, term in [
        (first, "rdfs:lable"),
        (first + 1, "skos:prefLable"),
        (first + 2, "org:headof"),
    ]:
        assert f"data/aplus-analytics-2022.ttl:{line}: {term} is not a term of its vocabulary" in (
            finished.stderr
        ), finished.stderr
    assert "rdfs:label is not" not in finished.stderr


def test_the_known_terms_are_rdflibs_lists_as_written_by_the_tool() -> None:
    written = (Path(__file__).parent.parent / "queries" / "data-checks" / CHECK_FILE).read_text(
        encoding="utf-8"
    )
    assert written == check_query(), "rerun tools/write_known_terms.py"
    assert "<http://www.w3.org/2000/01/rdf-schema#label>" in written
    assert "<http://www.w3.org/2004/02/skos/core#prefLabel>" in written


# -- 9. A parameter that names nothing -------------------------------------------------


def test_a_slug_that_names_no_entity_is_an_error_on_the_command_line(
    real_build: BuildResult, real_layout: Layout
) -> None:
    finished = run_kzgov(real_layout, "query", "who-appoints-post", "--param", "post=oblst-akim")
    assert finished.returncode == 1
    assert finished.stdout == ""
    message = finished.stderr
    assert "parameter 'post' of query 'who-appoints-post': 'oblst-akim' names no post" in message
    assert "did you mean oblast-akim" in message
    for given in ("oblast-akim", "post:oblast-akim"):
        found = run_kzgov(real_layout, "query", "who-appoints-post", "--param", f"post={given}")
        assert found.returncode == 0, found.stderr
        assert "post/president" in found.stdout


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_a_slug_that_names_no_entity_is_a_400_on_the_server(live_server: LiveServer) -> None:
    for accept in ("text/html", "application/sparql-results+json"):
        url = f"{live_server.base_url}/queries/who-appoints-post?post=oblst-akim"
        response = send("GET", url, headers={"Accept": accept})
        assert response.status == 400
        assert "&#39;oblst-akim&#39; names no post" in response.text or (
            "'oblst-akim' names no post" in response.text
        )
        assert "oblast-akim" in response.text
    good = send(
        "GET",
        f"{live_server.base_url}/queries/who-appoints-post?post=oblast-akim",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert good.status == 200
    assert json.loads(good.body)["results"]["bindings"]


# -- 10. An explicit format= wins over a browser's Accept --------------------------------

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_format_wins_over_a_browsers_accept(live_server: LiveServer) -> None:
    browser = {"Accept": BROWSER_ACCEPT}
    for fmt, media_type in [
        ("turtle", "text/turtle"),
        ("json-ld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ]:
        response = send("GET", f"{live_server.endpoint}?format={fmt}", headers=browser)
        assert response.status == 200
        assert response.media_type == media_type, fmt
    bad = send("GET", f"{live_server.endpoint}?format=png", headers=browser)
    assert bad.status == 406
    home = send("GET", f"{live_server.base_url}/", headers=browser).text
    for link in re.findall(r"<nav.*?</nav>", home, re.S)[0].split('href="')[1:]:
        target = link.split('"')[0].replace("&amp;", "&")
        if "format=" in target:
            response = send("GET", live_server.base_url + target, headers=browser)
            wanted = target.split("format=")[1].split("&")[0]
            assert response.media_type == {"turtle": "text/turtle"}.get(wanted, wanted), target
    void = send("GET", f"{live_server.base_url}/.well-known/void", headers=browser)
    assert void.media_type == "text/turtle"  # not RDF/XML, which the browser's */* also takes
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    for fmt, media_type in [("json", "application/sparql-results+json"), ("csv", "text/csv")]:
        url = live_server.endpoint + "?" + urllib.parse.urlencode({"query": query, "format": fmt})
        assert send("GET", url, headers=browser).media_type == media_type


# -- 12. One derivation per triple, whichever way it is asked -------------------------

BNODE_LABEL = re.compile(r'"(?:_:)?N?[0-9a-f]{32}"|_:N?[0-9a-f]{32}')
INFERRED_TRIPLES = [
    ("body:corps-a", "rdf:type", "foaf:Agent"),
    ("body:district-maslikhat", "rdf:type", "prov:Agent"),
    ("body:akimat", "kz:subordinateTo", "body:government"),
    ("post:appointed-senator", "kz:appointedBy", "post:president"),
]


def without_blank_node_labels(document: object) -> str:
    """A proof's JSON with blank node labels (new on every load of the data) blanked."""
    return BNODE_LABEL.sub('"_:"', json.dumps(document, sort_keys=True))


@pytest.mark.parametrize("backend", ["memory", "oxigraph"], indirect=True)
def test_the_command_line_and_the_server_give_the_same_derivation(
    live_server: LiveServer, real_layout: Layout
) -> None:
    for entity in ("body/corps-a", "body/district-maslikhat", "body/akimat"):
        page = send("GET", f"{live_server.base_url}/id/{entity}", headers={"Accept": "text/html"})
        assert page.status == 200  # its rows' proofs, searched together, are now cached
    for s, p, o in INFERRED_TRIPLES:
        done = run_kzgov(real_layout, "explain", s, p, o, "--format", "json")
        assert done.returncode == 0, done.stderr
        url = f"{live_server.base_url}/explain?" + urllib.parse.urlencode(
            {"s": s, "p": p, "o": o, "format": "json"}
        )
        served = send("GET", url)
        assert served.status == 200, served.text
        assert without_blank_node_labels(json.loads(served.body)) == without_blank_node_labels(
            json.loads(done.stdout)
        ), (s, p, o)


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_the_home_page_names_both_counts(live_server: LiveServer, real_build: BuildResult) -> None:
    triples = real_build.summary["triples"]
    graphs = real_build.summary["graphs"]
    assert isinstance(triples, dict) and isinstance(graphs, dict)
    home = send("GET", f"{live_server.base_url}/", headers={"Accept": "text/html"}).text
    text = re.sub(r"<[^>]+>", "", home)
    assert re.search(
        rf"{triples['distinct']:,}\s+distinct triples".replace(",", "[ ,\u202f]"), text
    )
    assert re.search(
        rf"{triples['total']:,}\s+quads over {len(graphs)} graphs".replace(",", "[ ,\u202f]"), text
    )
