"""/sparql's queries answered in a thread of the HTTP process without Flask.

kzgov.web.sparql_direct answers the plain query requests the event loop leaves (a
query to run on a worker) without Flask; anything it does not read the same way goes
to Flask. Either way the client gets the same status, headers and body, and the access
log says which way it went (`direct-query`). A request with a repeated header is never
read by the shortcut (kzgov.web.rsgi_direct), so each request here is sent twice, as is
and with an unrelated header repeated, and the two answers compared.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import LiveServer, running_server
from kzgov.core.layout import Layout

PRESIDENT = "https://w3id.org/kzgov/id/post/president"
REGISTRY_GRAPH = "https://w3id.org/kzgov/graph/registry"
SELECT = "SELECT ?s ?c WHERE { ?s a ?c } LIMIT 5"
CONSTRUCT = f"CONSTRUCT {{ <{PRESIDENT}> ?p ?o }} WHERE {{ <{PRESIDENT}> ?p ?o }} LIMIT 5"
# Runs until its deadline: a count over a power of the graph.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Each BIND doubles a string: past the worker memory limit long before the deadline.
CONCAT_BOMB = (
    'SELECT (STRLEN(?x30) AS ?len) WHERE { BIND("ab" AS ?x0) '
    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30))
    + " }"
)
DEADLINE_SECONDS = 4
MAX_ROWS = 12
JSON = "application/sparql-results+json"
SPARQL_QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
# A header the server does not read: sent twice, it sends the request to Flask.
REPEATED = "X-Kzgov-Test"


@dataclass(frozen=True)
class Asked:
    """One request to /sparql, and whether the shortcut answers it."""

    method: str
    parameters: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    direct: bool = True


@dataclass(frozen=True)
class Answer:
    """What the server answered: the status, the headers but Date, the body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def query(text: str, accept: str = JSON, **headers: str) -> Asked:
    """A POST of a query as its body."""
    return Asked(
        "POST", body=text, headers={"Content-Type": SPARQL_QUERY, "Accept": accept, **headers}
    )


def get(*parameters: tuple[str, str], accept: str | None = JSON) -> Asked:
    """A GET with parameters."""
    return Asked("GET", list(parameters), headers={} if accept is None else {"Accept": accept})


def form(*parameters: tuple[str, str]) -> Asked:
    """A POST of a form."""
    body = urllib.parse.urlencode(list(parameters))
    return Asked("POST", body=body, headers={"Content-Type": FORM, "Accept": JSON})


def to_flask(asked: Asked) -> Asked:
    """The same request for Flask to answer."""
    return Asked(asked.method, asked.parameters, asked.body, asked.headers, direct=False)


CASES = {
    "select-json": query(SELECT),
    "select-xml": query(SELECT, "application/sparql-results+xml"),
    "select-no-accept": Asked("POST", body=SELECT, headers={"Content-Type": SPARQL_QUERY}),
    "ask": query(f"ASK {{ <{PRESIDENT}> ?p ?o }}"),
    "get-csv": get(("query", SELECT), accept="text/csv"),
    "get-format-tsv": get(("query", SELECT), ("format", "tsv"), accept=None),
    "get-construct-turtle": get(("query", CONSTRUCT), accept="text/turtle"),
    "form-with-default-graph": form(("query", SELECT), ("default-graph-uri", REGISTRY_GRAPH)),
    "graph-outside-the-build": form(("query", SELECT), ("named-graph-uri", "http://x/none")),
    "syntax-error": query("SELEC ?s WHERE { ?s ?p ?o }"),
    "not-a-query": query("hello"),
    "service": query("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"),
    "over-the-row-cap": query("SELECT ?s WHERE { ?s ?p ?o }"),
    "past-the-deadline": query(HEAVY),
    "past-the-memory-limit": query(CONCAT_BOMB),
    # Left to Flask: compression, a declared charset, a parameter not read here, the
    # workbench (no query), an update, no acceptable format, two queries.
    "gzip": to_flask(query(SELECT, **{"Accept-Encoding": "gzip"})),
    "charset": to_flask(query(SELECT, **{"Content-Type": f"{SPARQL_QUERY}; charset=utf-8"})),
    "unknown-parameter": to_flask(get(("query", SELECT), ("other", "1"))),
    "workbench-page": to_flask(get(accept="text/html")),
    "update": to_flask(form(("update", "CLEAR ALL"))),
    "not-acceptable": to_flask(query(SELECT, "image/png")),
    "two-queries": to_flask(form(("query", SELECT), ("query", SELECT))),
}


@pytest.fixture(scope="module")
def server(served_layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One worker with a row cap, a short deadline and a memory limit; no result cache.

    One request in progress per client and HTTP process: a request whose count the
    shortcut failed to give back would leave every later one a 429.
    """
    folder = tmp_path_factory.mktemp("sparql-direct")
    options = ("--workers", "1", "--no-cache", "--max-result-rows", str(MAX_ROWS),
               "--timeout", str(DEADLINE_SECONDS), "--worker-memory-limit", "300",
               "--client-requests", "2")  # fmt: skip
    with running_server(served_layout, folder / "server.log", *options) as live:
        yield live


def ask(server: LiveServer, asked: Asked, repeat_a_header: bool = False) -> Answer:
    """Send a request (with REPEATED sent twice if asked); its answer."""
    parts = urllib.parse.urlsplit(server.endpoint)
    path = parts.path
    if asked.parameters:
        path += "?" + urllib.parse.urlencode(asked.parameters)
    connection = http.client.HTTPConnection(parts.netloc, timeout=60)
    try:
        body = asked.body.encode("utf-8")
        connection.putrequest(asked.method, path, skip_accept_encoding=True)
        headers = {"Accept-Encoding": "identity", **asked.headers}
        for name, value in headers.items():
            connection.putheader(name, value)
        if repeat_a_header:
            connection.putheader(REPEATED, "a")
            connection.putheader(REPEATED, "b")
        if asked.method == "POST":
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body if asked.method == "POST" else None)
        response = connection.getresponse()
        kept = sorted((k.lower(), v) for k, v in response.getheaders() if k.lower() != "date")
        return Answer(response.status, kept, response.read())
    finally:
        connection.close()


def content_of(answer: Answer) -> bytes:
    """An answer's body, gzip's header cleared: it holds the second it was written in."""
    if answer.body[:2] == b"\x1f\x8b" and len(answer.body) >= 10:
        return answer.body[:4] + b"\x00" * 4 + answer.body[8:]
    return answer.body


def access_lines(server: LiveServer) -> list[str]:
    """The access-log lines of /sparql so far."""
    return [line for line in server.log().splitlines() if "kzgov.access: " in line]


@pytest.mark.parametrize("name", list(CASES))
def test_the_answer_without_flask_is_flasks(server: LiveServer, name: str) -> None:
    asked = CASES[name]
    shortcut = ask(server, asked)
    by_flask = ask(server, asked, repeat_a_header=True)
    assert shortcut.status == by_flask.status, (shortcut.body[:300], by_flask.body[:300])
    assert shortcut.headers == by_flask.headers
    assert content_of(shortcut) == content_of(by_flask)
    first, second = access_lines(server)[-2:]
    assert first.endswith(" direct-query") == asked.direct, first
    assert not second.endswith(" direct-query"), second
    # Both lines are the endpoint's: method, path, status and the query's fingerprint.
    assert first.split(" kzgov.access: ")[1].split()[:3] == [
        asked.method,
        "/sparql",
        str(shortcut.status),
    ]
    assert first.split("query=")[1].split()[0] == second.split("query=")[1].split()[0]


def test_the_shortcut_answers_the_cases_as_the_endpoint_words_them(server: LiveServer) -> None:
    # The comparison above holds whatever the two paths say; these say what they say.
    assert ask(server, CASES["select-json"]).status == 200
    assert ask(server, CASES["form-with-default-graph"]).status == 200
    over = ask(server, CASES["over-the-row-cap"])
    assert over.status == 400 and str(MAX_ROWS).encode() in over.body
    late = ask(server, CASES["past-the-deadline"])
    assert late.status == 503 and ("retry-after", str(DEADLINE_SECONDS)) in late.headers
    bomb = ask(server, CASES["past-the-memory-limit"])
    assert bomb.status == 503 and b"needed more than 300 MB" in bomb.body
    assert ("x-content-type-options", "nosniff") in bomb.headers


def worker_of(server: LiveServer) -> int:
    """The process id of the one query worker (the zygote's child)."""
    pids = server.worker_pids()
    children = [
        pid
        for pid in pids
        if int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) in pids
    ]
    assert len(children) == 1, pids
    return children[0]


def answer_with_the_worker_killed(server: LiveServer, repeat_a_header: bool) -> Answer:
    """The answer to a heavy query whose worker is killed while it runs."""
    found: list[Answer] = []
    sender = threading.Thread(
        target=lambda: found.append(ask(server, query(HEAVY), repeat_a_header)), daemon=True
    )
    worker = worker_of(server)
    sender.start()
    time.sleep(1.0)  # the query reaches the worker (ordering, not timing)
    with contextlib.suppress(ProcessLookupError):
        os.kill(worker, signal.SIGKILL)
    sender.join(60)
    assert found, "no answer"
    return found[0]


def test_a_worker_killed_mid_query_gets_flasks_500(server: LiveServer) -> None:
    shortcut = answer_with_the_worker_killed(server, repeat_a_header=False)
    by_flask = answer_with_the_worker_killed(server, repeat_a_header=True)
    assert shortcut.status == by_flask.status == 500
    assert shortcut.headers == by_flask.headers
    numbers = re.compile(rb"\(\d+\)")
    assert numbers.sub(b"(N)", shortcut.body) == numbers.sub(b"(N)", by_flask.body)
    assert b"stopped unexpectedly" in shortcut.body
    lines = [line for line in access_lines(server) if " 500 " in line]
    assert lines[-2].endswith(" direct-query") and not lines[-1].endswith(" direct-query")
    assert ask(server, CASES["select-json"]).status == 200  # the worker was replaced


def test_a_client_gone_mid_answer_leaves_the_server_answering_it_again(
    server: LiveServer,
) -> None:
    parts = urllib.parse.urlsplit(server.endpoint)
    body = HEAVY.encode("utf-8")
    seen = len(access_lines(server))
    for _ in range(2):  # one for each HTTP process, likely: each bounds the client to one
        with socket.create_connection((parts.hostname, parts.port)) as gone:
            gone.sendall(
                f"POST /sparql HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Content-Type: {SPARQL_QUERY}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            time.sleep(0.5)  # the request is read and its query sent (ordering, not timing)
        time.sleep(DEADLINE_SECONDS + 1.5)  # its answer is made, for no one
    # Both were answered the shortcut's way, past the deadline, to a client not there.
    gone_lines = access_lines(server)[seen:]
    assert len(gone_lines) == 2, gone_lines
    assert all(" 503 " in line and line.endswith(" direct-query") for line in gone_lines), (
        gone_lines
    )
    # Each request was given back to its client's count: none of these is a 429.
    statuses = [ask(server, CASES["select-json"]).status for _ in range(6)]
    assert statuses == [200] * 6
    assert "Traceback" not in server.log()
