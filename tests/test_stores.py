"""The Oxigraph and SPARQL store backends answer as the memory store does, and fail clearly.

The protocol, safety, page and format tests run on every backend through the live
servers (conftest.BACKENDS); these tests compare the backends' answers directly, on
the named queries and on every kind of dataset a request can choose, and provoke the
errors that only the non-memory backends have.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.query import Result

from conftest import free_port, oxigraph_server, query_url, running_server, send
from kzgov.build.pipeline import BuildResult, build
from kzgov.build.publish import publish_build
from kzgov.core.errors import KzgovError
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.limits import ResultLimits
from kzgov.core.namespaces import ASSERTED_GRAPH, CATALOG_GRAPH, INFERRED_GRAPH, REGISTRY_GRAPH
from kzgov.core.queries import NamedQuery, list_named_queries
from kzgov.store.backends import open_store
from kzgov.store.base import Store, release_or_fail
from kzgov.store.memory import MemoryStore
from kzgov.store.oxigraph import STORE_METADATA, OxigraphStore
from kzgov.store.remote import RemoteStore
from kzgov.web.executor import available_graphs
from kzgov.web.guards import admit_query

NAMED_QUERIES = list_named_queries(PROJECT_ROOT / "queries")
LIMITS = ResultLimits(max_rows=100_000, max_bytes=100 * 1024 * 1024)
SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
ANY_BLANK_NODE = "_:"
DIRECT = {"Content-Type": "application/sparql-query"}
PRIME_MINISTER = "https://w3id.org/kzgov/id/post/prime-minister"
# A source graph that states 101 triples the registry states too.
REFORMS = "https://w3id.org/kzgov/graph/reforms-article-2022"


@pytest.fixture(scope="module")
def memory_store(real_build: BuildResult, served_layout: Layout) -> MemoryStore:
    """The memory store on the real build, in this process."""
    store = MemoryStore(served_layout)
    store.load()
    return store


@pytest.fixture(scope="module")
def oxigraph_store(real_build: BuildResult, served_layout: Layout) -> OxigraphStore:
    """The Oxigraph store beside the real build, in this process."""
    store = OxigraphStore(served_layout)
    store.load()
    return store


@pytest.fixture(scope="module")
def remote_store(
    real_build: BuildResult, served_layout: Layout, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteStore]:
    """The real build published to a real Oxigraph server, as a `sparql:URL` store."""
    folder = tmp_path_factory.mktemp("remote-store")
    with oxigraph_server(folder / "oxigraph", folder / "oxigraph.log") as remote:
        publish_build(release_or_fail(served_layout), remote.store_url, lambda _line: None)
        store = RemoteStore(served_layout, remote.query_url)
        store.load()
        yield store


@pytest.fixture(params=["oxigraph", "sparql"])
def other_store(
    request: pytest.FixtureRequest, oxigraph_store: OxigraphStore, remote_store: RemoteStore
) -> Store:
    """Each store backend but memory."""
    return oxigraph_store if request.param == "oxigraph" else remote_store


def answer_of(
    store: Store,
    text: str,
    default_graph_uris: tuple[str, ...] = (),
    named_graph_uris: tuple[str, ...] = (),
) -> Result | Graph:
    """A store's answer to a query, parsed back: a Result, or a Graph for CONSTRUCT/DESCRIBE."""
    admitted = admit_query(text, default_graph_uris, named_graph_uris, available_graphs(store))
    graph_form = admitted.form in ("CONSTRUCT", "DESCRIBE")
    answer = store.answer(
        admitted.parsed, admitted.dataset, N_TRIPLES if graph_form else SPARQL_JSON, LIMITS
    )
    if graph_form:
        return Graph().parse(data=answer.body, format="nt")
    return Result.parse(BytesIO(answer.body), format="json")


def rows_of(result: Result) -> list[tuple[object, ...]]:
    """The rows of a SELECT in variable order, every blank node written the same."""
    variables = list(result.vars or [])
    return [
        tuple(ANY_BLANK_NODE if isinstance(v, BNode) else v for v in map(row.get, variables))
        for row in result.bindings
    ]


def assert_same_answer(expected: Result | Graph, actual: Result | Graph, ordered: bool) -> None:
    """Two answers mean the same: isomorphic graphs, equal booleans, or the same rows."""
    if isinstance(expected, Graph):
        assert isinstance(actual, Graph)
        assert isomorphic(expected, actual), f"{len(expected)} against {len(actual)} triples"
        return
    assert isinstance(actual, Result)
    if expected.type == "ASK":
        assert actual.askAnswer == expected.askAnswer
        return
    assert [str(v) for v in actual.vars or []] == [str(v) for v in expected.vars or []]
    if ordered:
        assert rows_of(actual) == rows_of(expected)
        return
    missing = Counter(rows_of(expected)) - Counter(rows_of(actual))
    extra = Counter(rows_of(actual)) - Counter(rows_of(expected))
    assert not missing and not extra, f"missing: {list(missing)[:5]}\nextra: {list(extra)[:5]}"


# -- Oxigraph and a SPARQL store answer as memory does --------------------------------------


def test_store_counts_the_graphs_and_triples_of_memory(
    memory_store: MemoryStore, other_store: Store
) -> None:
    assert other_store.graph_sizes() == memory_store.graph_sizes()
    assert other_store.triple_count() == memory_store.triple_count()


def test_oxigraph_store_is_written_beside_the_build_with_what_it_holds(
    oxigraph_store: OxigraphStore, served_layout: Layout
) -> None:
    release = release_or_fail(served_layout)
    assert oxigraph_store.location == release / "oxigraph"
    metadata = json.loads((oxigraph_store.location / STORE_METADATA).read_text("utf-8"))
    summary = json.loads((release / "summary.json").read_text("utf-8"))
    assert metadata["build_version"] == summary["build_version"]
    assert metadata["release"] == release.name


@pytest.mark.parametrize("query", NAMED_QUERIES, ids=[q.name for q in NAMED_QUERIES])
def test_named_query_answers_the_same_as_in_memory(
    query: NamedQuery, memory_store: MemoryStore, other_store: Store
) -> None:
    text = query.bind({})
    expected = answer_of(memory_store, text)
    actual = answer_of(other_store, text)
    assert_same_answer(expected, actual, ordered=False)


# Each dataset a request can choose, asked with queries that show its every triple and
# graph: the default graph's size, and each named graph's.
COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_NAMED = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
# rdflib answers a GROUP BY over no solutions with one empty row, Oxigraph with none
# (SPARQL 1.1 Query, section 11.2: no solutions, no groups); ask for no graphs so.
LIST_NAMED = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
DATASET_CASES = {
    "whole-build-default": (COUNT_DEFAULT, (), ()),
    "whole-build-named": (COUNT_NAMED, (), ()),
    "asserted-as-default-graph-uri": (COUNT_DEFAULT, (str(ASSERTED_GRAPH),), ()),
    "asserted-in-from": (f"SELECT (COUNT(*) AS ?n) FROM <{ASSERTED_GRAPH}> {{ ?s ?p ?o }}", (), ()),
    "asserted-as-named-graph-uri": (COUNT_NAMED, (), (str(ASSERTED_GRAPH),)),
    "one-default-graph": (COUNT_DEFAULT, (str(REGISTRY_GRAPH),), ()),
    "default-graph-only-has-no-named": (LIST_NAMED, (str(REGISTRY_GRAPH),), ()),
    "named-graphs-only-have-empty-default": (
        COUNT_DEFAULT,
        (),
        (str(REGISTRY_GRAPH), str(CATALOG_GRAPH)),
    ),
    "from-named-in-query": (
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{CATALOG_GRAPH}> FROM NAMED <{INFERRED_GRAPH}>"
        " WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        (),
        (),
    ),
    "protocol-replaces-from": (
        f"SELECT (COUNT(*) AS ?n) FROM <{INFERRED_GRAPH}> WHERE {{ ?s ?p ?o }}",
        (str(CATALOG_GRAPH),),
        (),
    ),
    "construct-one-graph": (
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?s ?p ?o }} }}",
        (),
        (),
    ),
    "describe": (f"DESCRIBE <{PRIME_MINISTER}>", (), ()),
    "ask-graph-outside-dataset": (
        f"ASK {{ GRAPH <{REGISTRY_GRAPH}> {{ ?s ?p ?o }} }}",
        (),
        (str(CATALOG_GRAPH),),
    ),
}


@pytest.mark.parametrize("case", sorted(DATASET_CASES))
def test_store_sees_the_dataset_memory_sees(
    case: str, memory_store: MemoryStore, other_store: Store
) -> None:
    text, default_graph_uris, named_graph_uris = DATASET_CASES[case]
    expected = answer_of(memory_store, text, default_graph_uris, named_graph_uris)
    actual = answer_of(other_store, text, default_graph_uris, named_graph_uris)
    assert_same_answer(expected, actual, ordered=False)


# A default graph of several graphs that state some triples alike: SPARQL merges it as a
# set (each triple once), as the memory store does.
SEVERAL_DEFAULT_GRAPHS = {
    "two-default-graphs-sharing-triples": (COUNT_DEFAULT, (str(REGISTRY_GRAPH), REFORMS), ()),
    "two-from-sharing-triples-and-named": (
        f"SELECT (COUNT(*) AS ?n) FROM <{REGISTRY_GRAPH}> FROM <{REFORMS}>"
        f" FROM NAMED <{CATALOG_GRAPH}> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
        (),
        (),
    ),
}


@pytest.mark.parametrize("case", sorted(SEVERAL_DEFAULT_GRAPHS))
def test_oxigraph_store_merges_several_default_graphs_as_a_set(
    case: str, memory_store: MemoryStore, oxigraph_store: OxigraphStore
) -> None:
    text, default_graph_uris, named_graph_uris = SEVERAL_DEFAULT_GRAPHS[case]
    expected = answer_of(memory_store, text, default_graph_uris, named_graph_uris)
    actual = answer_of(oxigraph_store, text, default_graph_uris, named_graph_uris)
    assert_same_answer(expected, actual, ordered=False)


def test_sparql_store_leaves_a_default_graph_of_several_graphs_to_the_store(
    memory_store: MemoryStore, remote_store: RemoteStore
) -> None:
    """A documented difference: Oxigraph's server merges such a graph as a multiset."""
    text, default_graph_uris, _named = SEVERAL_DEFAULT_GRAPHS["two-default-graphs-sharing-triples"]
    expected = answer_of(memory_store, text, default_graph_uris)
    actual = answer_of(remote_store, text, default_graph_uris)
    assert isinstance(expected, Result) and isinstance(actual, Result)
    shared_by_registry_and_reforms = 101
    merged_as_a_set = int(str(rows_of(expected)[0][0]))
    assert int(str(rows_of(actual)[0][0])) == merged_as_a_set + shared_by_registry_and_reforms


def test_oxigraph_path_holding_something_else_is_refused_naming_it(
    served_layout: Layout, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a store", encoding="utf-8")
    store = open_store(f"oxigraph:{tmp_path}", served_layout)
    with pytest.raises(KzgovError) as caught:
        store.load()
    assert str(tmp_path) in str(caught.value)
    assert "not an Oxigraph store written by kzgov" in str(caught.value)


def test_oxigraph_path_store_is_rewritten_for_a_new_build(
    scratch_project: Layout, tmp_path: Path
) -> None:
    path = tmp_path / "store"
    first = OxigraphStore(scratch_project, path)
    first.load()
    registry = scratch_project.data_dir / "registry.ttl"
    registry.write_text(
        registry.read_text(encoding="utf-8")
        + f'\n<{PRIME_MINISTER}> <http://www.w3.org/2004/02/skos/core#altLabel> "Store test"@en .\n',
        encoding="utf-8",
    )
    build(scratch_project)
    second = OxigraphStore(scratch_project, path)
    second.load()
    assert second.triple_count() == first.triple_count() + 1
    query = f'ASK {{ <{PRIME_MINISTER}> ?p "Store test"@en }}'
    answer = answer_of(second, query)
    assert isinstance(answer, Result) and answer.askAnswer is True


def test_unknown_store_is_refused_listing_the_backends(served_layout: Layout) -> None:
    with pytest.raises(KzgovError) as caught:
        open_store("postgres:localhost", served_layout)
    assert "memory, oxigraph, oxigraph:PATH or sparql:URL" in str(caught.value)


# -- The SPARQL store: down, empty, or holding another build ------------------------------


def serve_command(layout: Layout, store: str) -> list[str]:
    """`kzgov serve` on a store, on a free port."""
    return [
        sys.executable, "-m", "kzgov", "--root", str(layout.root), "--build-dir",
        str(layout.build_dir), "serve", "--port", "0", "--store", store,
    ]  # fmt: skip


def test_serving_from_a_sparql_store_that_is_down_fails_naming_its_url(
    served_layout: Layout,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    finished = subprocess.run(
        serve_command(served_layout, f"sparql:{url}"), capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 1
    assert f"the SPARQL store at {url} cannot be reached" in finished.stderr


def test_serving_from_a_sparql_store_without_the_build_says_to_publish(
    served_layout: Layout, tmp_path: Path
) -> None:
    with oxigraph_server(tmp_path / "empty", tmp_path / "oxigraph.log") as remote:
        finished = subprocess.run(
            serve_command(served_layout, f"sparql:{remote.query_url}"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert finished.returncode == 1
    assert f"the SPARQL store at {remote.query_url} does not hold the current build" in (
        finished.stderr
    )
    assert "kzgov publish" in finished.stderr


def test_query_while_the_sparql_store_is_down_is_502_and_health_503_naming_its_url(
    served_layout: Layout, tmp_path: Path
) -> None:
    with oxigraph_server(tmp_path / "oxigraph", tmp_path / "oxigraph.log") as remote:
        publish_build(release_or_fail(served_layout), remote.store_url, lambda _line: None)
        store = ("--store", f"sparql:{remote.query_url}", "--no-cache")
        with running_server(served_layout, tmp_path / "server.log", *store) as server:
            assert send("POST", server.endpoint, "ASK {}", DIRECT).status == 200
            remote.process.kill()
            remote.process.wait()
            response = send("GET", query_url(server.endpoint, query="ASK { ?s ?p ?o }"))
            assert response.status == 502
            assert f"the SPARQL store at {remote.query_url} cannot be reached" in response.text
            health = send("GET", f"{server.base_url}/healthz")
            assert health.status == 503
            assert remote.query_url in health.text
