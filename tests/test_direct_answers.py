"""Lookups answered on the HTTP process's event loop (kzgov.web.direct_answers).

A cheap lookup on the Oxigraph store is answered in the HTTP process, from the store
opened read-only there; everything else goes to Flask and the workers. Either way the
client gets the same answer: the same status, headers and body.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import HttpResponse, LiveServer, running_server, send
from kzgov.core.layout import Layout
from kzgov.reasoning.explain import StoreFacts
from kzgov.web.access_log import query_fingerprint
from kzgov.web.direct_answers import LOCAL_STORE, cheap_lookup, checked_lookup, direct_media_type
from kzgov.web.dispatcher import KnownFacts
from kzgov.web.explain import facts_of as explain_facts

PRESIDENT = "https://w3id.org/kzgov/id/post/president"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{PRESIDENT}> ?p ?o }}"
OBLAST_AKIM = "https://w3id.org/kzgov/id/post/oblast-akim"
APPOINTED_BY = "https://w3id.org/kzgov/ontology#appointedBy"
# Runs until its deadline: a count over the cube of the graph.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
DIRECT = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


# -- Which texts are cheap lookups ----------------------------------------------------------


def test_a_one_pattern_select_is_a_lookup_run_with_a_limit_past_the_row_cap() -> None:
    assert cheap_lookup(LOOKUP, 100) == f"SELECT ?p ?o WHERE {{ <{PRESIDENT}> ?p ?o }} LIMIT 101"
    assert cheap_lookup("select ?s where { ?s <http://x/p> <http://x/o> . }", 9) == (
        "SELECT ?s WHERE { ?s <http://x/p> <http://x/o> } LIMIT 10"
    )
    assert cheap_lookup(f"{LOOKUP} LIMIT 5", 100) == (
        f"SELECT ?p ?o WHERE {{ <{PRESIDENT}> ?p ?o }} LIMIT 5"
    )
    assert cheap_lookup(f"{LOOKUP} LIMIT 500", 100) == (
        f"SELECT ?p ?o WHERE {{ <{PRESIDENT}> ?p ?o }} LIMIT 101"
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o }",  # Oxigraph orders the columns of * by name
        "SELECT ?s WHERE { ?s ?p ?s }",  # a repeated variable: a scan that may find nothing
        "SELECT ?s ?s WHERE { ?s ?p ?o }",
        "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r }",
        "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = 1) }",
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o",
        "SELECT ?s WHERE { ?s ?p ?o } OFFSET 100000",
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",
        'SELECT ?s WHERE { ?s ?p "literal" }',
        "SELECT ?s WHERE { ?s kz:holds ?o }",
        "SELECT ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "# a comment\nSELECT ?s WHERE { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        "SELECT ?s WHERE { <a b> ?p ?o }",
        "SELECT ?s WHERE { ?s ?p ?o }" + " " * 3000,
    ],
)
def test_anything_else_is_left_to_the_workers(text: str) -> None:
    assert cheap_lookup(text, 100) is None


def test_the_kept_verdict_is_the_checks_with_the_texts_fingerprint() -> None:
    assert checked_lookup(LOOKUP, 100) == (cheap_lookup(LOOKUP, 100), query_fingerprint(LOOKUP))
    assert checked_lookup(LOOKUP, 7) == (cheap_lookup(LOOKUP, 7), query_fingerprint(LOOKUP))
    assert checked_lookup("ASK { ?s ?p ?o }", 100) is None


def test_only_the_formats_oxigraph_writes_are_answered_directly() -> None:
    assert direct_media_type(None) == "application/sparql-results+json"
    assert direct_media_type("application/sparql-results+xml") == "application/sparql-results+xml"
    assert direct_media_type("text/csv") is None  # written by kzgov.core.serialize
    assert direct_media_type("image/png") is None  # 406, which the endpoint words


# -- Over HTTP ----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["--no-cache", "--cache"])
def oxigraph_server(
    request: pytest.FixtureRequest,
    served_layout: Layout,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """A server on the Oxigraph store with a small row cap, with the cache off, then on."""
    folder = tmp_path_factory.mktemp("direct")
    options = ["--store", "oxigraph", "--workers", "1", "--max-result-rows", "12"]
    if request.param == "--no-cache":
        options.append("--no-cache")
    with running_server(served_layout, folder / "server.log", *options) as server:
        yield server


def log_lines(server: LiveServer, text: str) -> list[str]:
    """The access-log lines of one query text."""
    return [line for line in server.log().splitlines() if query_fingerprint(text) in line]


def headers_of(response: HttpResponse, *left_out: str) -> list[tuple[str, str]]:
    """A response's headers, less the Date and any named ones."""
    skipped = {"date", *left_out}
    return sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() not in skipped)


def test_a_lookup_is_answered_directly_as_the_workers_answer_it(
    oxigraph_server: LiveServer,
) -> None:
    text = f"SELECT ?p ?o WHERE {{ <{PRESIDENT}> ?p ?o }} LIMIT 3"
    # A comment makes the same query something the event loop leaves to the workers.
    by_workers_text = f"# by the workers\n{text}"
    direct = send("POST", oxigraph_server.endpoint, text, DIRECT)
    by_workers = send("POST", oxigraph_server.endpoint, by_workers_text, DIRECT)
    assert direct.status == by_workers.status == 200, by_workers.text
    assert len(json.loads(direct.body)["results"]["bindings"]) == 3
    assert direct.body == by_workers.body
    assert headers_of(direct, "etag") == headers_of(by_workers, "etag")
    assert (direct.header("ETag") is None) == (by_workers.header("ETag") is None)
    assert log_lines(oxigraph_server, text)[-1].endswith(" direct")
    assert not log_lines(oxigraph_server, by_workers_text)[-1].endswith(" direct")


def test_a_lookup_asked_again_gets_the_same_answer(oxigraph_server: LiveServer) -> None:
    text = f"SELECT ?o WHERE {{ <{PRESIDENT}> <{APPOINTED_BY}> ?o }}"
    # Each HTTP process keeps its own replay, and a request may reach any of them: one
    # more request than there are processes reaches some process a second time.
    announced = re.search(r"(\d+) HTTP processes", oxigraph_server.announcement)
    assert announced is not None, oxigraph_server.announcement
    processes = int(announced[1])
    asked = processes + 1
    first, *again = (send("POST", oxigraph_server.endpoint, text, DIRECT) for _ in range(asked))
    for answer in again:
        assert first.status == answer.status == 200
        assert first.body == answer.body
        assert headers_of(first) == headers_of(answer)
        assert answer.header("Content-Length") == str(len(answer.body))
    ways = [line.rsplit(" ", 1)[1] for line in log_lines(oxigraph_server, text)]
    assert len(ways) == asked
    if "result cache off" in oxigraph_server.announcement:
        # Run each time, from the verdict kept from the first.
        assert set(ways) == {"direct"}
    else:
        # With the cache on, a process that answered the lookup replays its answer.
        assert ways[0] == "direct"
        assert "replayed" in ways
        assert ways.count("direct") <= processes


def test_a_lookup_by_get_in_xml_is_answered_directly_too(oxigraph_server: LiveServer) -> None:
    text = f"SELECT ?o WHERE {{ <{PRESIDENT}> <http://www.w3.org/2000/01/rdf-schema#label> ?o }}"
    xml = {"Accept": "application/sparql-results+xml"}
    url = oxigraph_server.endpoint + "?" + urllib.parse.urlencode({"query": text})
    direct = send("GET", url, headers=xml)
    slow_url = oxigraph_server.endpoint + "?" + urllib.parse.urlencode({"query": f"#\n{text}"})
    by_workers = send("GET", slow_url, headers=xml)
    assert direct.status == 200 and direct.media_type == "application/sparql-results+xml"
    assert b"<result>" in direct.body
    assert direct.body == by_workers.body
    assert headers_of(direct, "etag") == headers_of(by_workers, "etag")
    assert log_lines(oxigraph_server, text)[-1].endswith(" direct")


def test_a_lookup_over_the_row_cap_gets_the_endpoints_refusal(
    oxigraph_server: LiveServer,
) -> None:
    answer = send("POST", oxigraph_server.endpoint, LOOKUP, DIRECT)
    assert answer.status == 400
    assert "12" in answer.text
    assert not log_lines(oxigraph_server, LOOKUP)[-1].endswith(" direct")


def test_a_compressed_or_conditional_request_goes_to_flask(oxigraph_server: LiveServer) -> None:
    text = f"SELECT ?p WHERE {{ <{PRESIDENT}> ?p <https://w3id.org/kzgov/id/person/nobody> }}"
    gzip = send("POST", oxigraph_server.endpoint, text, {**DIRECT, "Accept-Encoding": "gzip"})
    assert gzip.status == 200
    assert not log_lines(oxigraph_server, text)[-1].endswith(" direct")


def test_a_lookup_the_shortcut_reads_but_leaves_reaches_flask_with_its_body(
    oxigraph_server: LiveServer,
) -> None:
    # kzgov.web.rsgi_direct reads the body, the direct answers leave a declared charset
    # to the endpoint: the body read goes on to Flask, which answers the query in it.
    text = f"SELECT ?o WHERE {{ <{PRESIDENT}> <{APPOINTED_BY}> ?o }} LIMIT 2"
    declared = {**DIRECT, "Content-Type": "application/sparql-query; charset=utf-8"}
    by_flask = send("POST", oxigraph_server.endpoint, text, declared)
    direct = send("POST", oxigraph_server.endpoint, text, DIRECT)
    assert by_flask.status == direct.status == 200, by_flask.text
    assert by_flask.body == direct.body
    by_flask_line, direct_line = log_lines(oxigraph_server, text)[-2:]
    assert not by_flask_line.endswith(" direct")
    assert direct_line.endswith(" direct")


def test_a_lookup_with_a_repeated_header_is_answered_as_the_workers_answer_it(
    oxigraph_server: LiveServer,
) -> None:
    # The shortcut leaves repeated headers to the request reader, which joins them (as
    # WSGI does) and still answers the lookup directly.
    text = f"SELECT ?p ?o WHERE {{ <{PRESIDENT}> ?p ?o }} LIMIT 4"
    answers = []
    for query in (text, f"# by the workers\n{text}"):
        netloc = urllib.parse.urlsplit(oxigraph_server.endpoint)
        connection = http.client.HTTPConnection(netloc.netloc, timeout=30)
        try:
            body = query.encode("utf-8")
            connection.putrequest("POST", netloc.path)
            connection.putheader("Content-Type", "application/sparql-query")
            connection.putheader("Accept", "application/sparql-results+json")
            connection.putheader("Accept", "text/csv;q=0.5")
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Content-Type"), response.read()))
        finally:
            connection.close()
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and answers[0][1] == "application/sparql-results+json"
    assert len(json.loads(answers[0][2])["results"]["bindings"]) == 4
    assert log_lines(oxigraph_server, text)[-1].endswith(" direct")


def test_explain_reads_the_store_the_http_process_opened(tmp_path: Path) -> None:
    store = ox.Store()
    facts = explain_facts({LOCAL_STORE: store, "kzgov.store": KnownFacts({}, 0)})
    assert isinstance(facts, StoreFacts) and facts.store is store


def blocked_until_answered(url: str, text: str) -> None:
    """POST a query and wait for its answer (or the server's end)."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        send("POST", url, text, DIRECT)


def test_explain_answers_while_the_only_worker_is_busy(
    served_layout: Layout, tmp_path: Path
) -> None:
    # Through the workers, the explanation would wait behind the heavy query (one
    # worker, one client); from the store in the HTTP process it does not.
    options = ("--store", "oxigraph", "--workers", "1", "--timeout", "60")
    with running_server(served_layout, tmp_path / "server.log", *options) as server:
        heavy = threading.Thread(
            target=blocked_until_answered, args=(server.endpoint, HEAVY), daemon=True
        )
        heavy.start()
        time.sleep(1.0)  # the heavy query reaches the worker (ordering, not timing)
        triple = {"s": OBLAST_AKIM, "p": APPOINTED_BY, "o": PRESIDENT}
        answer = send(
            "GET",
            f"{server.base_url}/explain?{urllib.parse.urlencode(triple)}",
            headers={"Accept": "application/json"},
        )
        still_running = heavy.is_alive()
    assert answer.status == 200, answer.text
    assert json.loads(answer.body)["rule"]
    assert still_running
