"""The endpoint cannot be made to call out, read files, run forever or queue without bound.

rdflib is unsafe by default: SERVICE calls the named endpoint and FROM fetches the
named document. Each guard here has a test that fails without it, and each test ends
by checking that the server still answers.
"""

from __future__ import annotations

import signal
import threading
import time
import warnings

import pytest
import rdflib.plugins.sparql
from rdflib import Dataset

from conftest import (
    ConnectionRecorder,
    HttpResponse,
    LiveServer,
    is_running,
    query_url,
    send,
)

DIRECT = {"Content-Type": "application/sparql-query"}
# Every triple against every triple, three times over: no store answers this in seconds.
CARTESIAN_EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
DEADLINE_SECONDS = 2.0
# Generous bounds: the deadline is 2 s; a machine under load may be slow to kill and reply.
TIMED_OUT_WITHIN_SECONDS = 20.0


def still_answers(server: LiveServer) -> bool:
    """Whether the server answers a simple query correctly."""
    response = send("POST", server.endpoint, "ASK {}", DIRECT)
    return response.status == 200 and b"true" in response.body


def post_query(server: LiveServer, query: str) -> HttpResponse:
    """POST a query directly."""
    return send("POST", server.endpoint, query, DIRECT)


# -- No calls out ---------------------------------------------------------------------------

SERVICE_QUERIES = {
    "plain": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "in_optional": "SELECT * WHERE {{ ?s a ?t OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in_filter_exists": (
        "SELECT * WHERE {{ ?s a ?t FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}"
    ),
    "in_subquery": (
        "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}"
    ),
    "in_union": "SELECT * WHERE {{ {{ ?s a ?t }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in_construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "in_ask": "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "lower_case": "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("case", sorted(SERVICE_QUERIES))
def test_service_is_refused_without_calling_the_endpoint(
    live_server: LiveServer, listener: ConnectionRecorder, case: str
) -> None:
    response = post_query(live_server, SERVICE_QUERIES[case].format(url=listener.url))
    assert response.status == 400
    assert "federated queries are disabled" in response.text
    assert listener.connections == []
    assert still_answers(live_server)


def test_the_word_service_in_a_string_is_not_mistaken_for_a_call(
    live_server: LiveServer, listener: ConnectionRecorder
) -> None:
    """SERVICE is found in the parsed query, not by matching the text."""
    query = f'SELECT ?text WHERE {{ BIND("SERVICE <{listener.url}> {{ ?s ?p ?o }}" AS ?text) }}'
    response = send("POST", live_server.endpoint, query, DIRECT)
    assert response.status == 200
    assert listener.connections == []
    assert still_answers(live_server)


@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
def test_dataset_clause_naming_a_url_is_refused_without_fetching_it(
    live_server: LiveServer, listener: ConnectionRecorder, clause: str
) -> None:
    response = post_query(live_server, f"SELECT * {clause} <{listener.url}> WHERE {{ ?s ?p ?o }}")
    assert response.status == 400
    assert listener.url in response.text
    assert listener.connections == []
    assert still_answers(live_server)


@pytest.mark.parametrize("parameter", ["default_graph_uri", "named_graph_uri"])
def test_protocol_graph_naming_a_url_is_refused_without_fetching_it(
    live_server: LiveServer, listener: ConnectionRecorder, parameter: str
) -> None:
    url = query_url(live_server.endpoint, query="ASK { ?s ?p ?o }", **{parameter: listener.url})
    response = send("GET", url)
    assert response.status == 400
    assert listener.url in response.text
    assert listener.connections == []
    assert still_answers(live_server)


def test_from_a_local_file_reads_nothing(live_server: LiveServer) -> None:
    response = post_query(live_server, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert response.status == 400
    assert "file:///etc/passwd" in response.text
    assert "root:" not in response.text
    assert still_answers(live_server)


def test_graph_naming_a_local_file_is_empty(live_server: LiveServer) -> None:
    query = "SELECT * WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }"
    response = send("POST", live_server.endpoint, query, {**DIRECT, "Accept": "text/csv"})
    assert response.status == 200
    header, *rows = response.text.strip().splitlines()
    assert sorted(header.split(",")) == ["o", "p", "s"]
    assert rows == []
    assert still_answers(live_server)


def test_importing_the_store_turns_off_rdflibs_loading_of_from(
    listener: ConnectionRecorder,
) -> None:
    """rdflib's own FROM handling, as any code in this process would use it, loads nothing."""
    import kzgov.store.base  # noqa: F401  (the import is what sets the flag)

    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
    with warnings.catch_warnings():  # rdflib's own FROM handling uses its deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        result = Dataset().query(f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}")
        assert list(result) == []
    assert listener.connections == []


# -- Deadline -----------------------------------------------------------------------------


def test_query_past_its_deadline_is_503_while_another_client_is_answered(
    strict_server: LiveServer,
) -> None:
    slow: list[tuple[HttpResponse, float]] = []

    def run_slow_query() -> None:
        started = time.monotonic()
        response = post_query(strict_server, CARTESIAN_EXPLOSION)
        slow.append((response, time.monotonic() - started))

    thread = threading.Thread(target=run_slow_query)
    thread.start()
    # Another client (its own API key): one client runs at most half the workers.
    simple = send(
        "POST",
        strict_server.endpoint,
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }",
        {**DIRECT, "X-API-Key": "another-client"},
    )
    answered_while_slow_ran = thread.is_alive()
    thread.join(timeout=TIMED_OUT_WITHIN_SECONDS + 30)
    assert simple.status == 200
    assert answered_while_slow_ran
    ((response, seconds),) = slow
    assert response.status == 503
    assert "did not finish within 2 s" in response.text
    assert response.header("Retry-After") is not None
    assert DEADLINE_SECONDS <= seconds < TIMED_OUT_WITHIN_SECONDS
    assert still_answers(strict_server)


def test_worker_past_its_deadline_is_replaced_by_a_new_one(strict_server: LiveServer) -> None:
    before = strict_server.worker_pids()
    assert post_query(strict_server, CARTESIAN_EXPLOSION).status == 503
    after = strict_server.worker_pids()
    assert len(after) == len(before)
    killed = before - after
    assert len(killed) == 1
    assert not any(is_running(pid) for pid in killed)
    assert still_answers(strict_server)


# -- Queue ----------------------------------------------------------------------------------


def test_query_beyond_a_full_queue_is_429_with_retry_after(
    single_worker_server: LiveServer,
) -> None:
    """One worker busy, one query waiting: the next query is turned away at once."""
    slow: list[HttpResponse] = []

    def run(query: str) -> None:
        slow.append(post_query(single_worker_server, query))

    threads = [
        threading.Thread(target=run, args=(query,))
        for query in (CARTESIAN_EXPLOSION, CARTESIAN_EXPLOSION + " # second")
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.5)
    turned_away = post_query(single_worker_server, "ASK {}")
    for thread in threads:
        thread.join(timeout=TIMED_OUT_WITHIN_SECONDS * 2)
    assert turned_away.status == 429
    assert turned_away.header("Retry-After") is not None
    assert "waiting" in turned_away.text
    assert sorted(r.status for r in slow) == [503, 503]
    assert still_answers(single_worker_server)


# -- Result caps ----------------------------------------------------------------------------


def test_result_over_the_row_cap_is_refused_with_advice(strict_server: LiveServer) -> None:
    # Rows of an unbound variable are a few bytes each: the row cap, not the byte cap, trips.
    response = post_query(strict_server, "SELECT ?unbound WHERE { ?s ?p ?o }")
    assert response.status == 400
    assert "more than 1000 rows" in response.text
    assert "LIMIT" in response.text
    assert still_answers(strict_server)


def test_result_over_the_byte_cap_is_refused(strict_server: LiveServer) -> None:
    response = post_query(strict_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1000")
    assert response.status == 400
    assert "bytes" in response.text
    assert still_answers(strict_server)


def test_graph_result_over_the_row_cap_is_refused(strict_server: LiveServer) -> None:
    # The types alone are thousands of triples, read from one index even by rdflib, so the
    # cap is met well inside the strict server's 2 s deadline on a busy machine too.
    response = post_query(strict_server, "CONSTRUCT WHERE { ?s a ?o }")
    assert response.status == 400
    assert "more than 1000 triples" in response.text
    assert still_answers(strict_server)


# -- Stopping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_stopping_the_server_stops_its_worker_processes(
    disposable_server: LiveServer, signal_name: str
) -> None:
    workers = disposable_server.worker_pids()
    assert len(workers) == 3  # the zygote and two workers
    assert still_answers(disposable_server)
    assert disposable_server.stop(getattr(signal, signal_name)) == 0
    assert not any(is_running(pid) for pid in workers)
