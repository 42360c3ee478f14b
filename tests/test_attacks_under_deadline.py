"""The attacks of the reliability review (F1, F4, fairness) against a real server over HTTP.

Each test reproduces an attack on 127.0.0.1, bounded in count and time, and asserts
what the server promises while it runs: a trivial query from another client is
answered, the attacker gets its 503 (or 429) within the deadline plus a margin, and
the worker that ran the attack is replaced. No test asserts how fast, in ms.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import HttpResponse, LiveServer, running_server, send, store_option
from kzgov.core.layout import Layout
from kzgov.web.query_form import lexical_form

DIRECT = {"Content-Type": "application/sparql-query"}
# The end-to-end deadline of these servers, and the margin the contract allows past it.
DEADLINE_SECONDS = 3
MARGIN_SECONDS = 5
# F1: a 24 KB chain of || that rdflib takes about 10 s to parse on the review's machine.
OR_CHAIN = (
    "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(f"?o = {i}" for i in range(1900)) + ") }"
)
# F4: each BIND doubles a string; 30 doublings ask for gigabytes in a 1 KB query.
CONCAT_BOMB = (
    'SELECT (STRLEN(?x30) AS ?len) WHERE { BIND("ab" AS ?x0) '
    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30))
    + " }"
)
CARTESIAN_EXPLOSION = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass
class Timed:
    """A response and how long it took to come."""

    response: HttpResponse
    seconds: float


def post(server: LiveServer, query: str, api_key: str | None = None) -> Timed:
    """POST a query, as the client named by an API key (none: the address)."""
    headers = dict(DIRECT)
    if api_key is not None:
        headers["X-API-Key"] = api_key
    started = time.monotonic()
    response = send("POST", server.endpoint, query, headers)
    return Timed(response, time.monotonic() - started)


def trivial_query(number: int) -> str:
    """An uncached trivial query: it needs a parse and a worker, each time a new text."""
    return f"ASK {{ FILTER({number} = {number}) }}"


def attack(
    server: LiveServer, queries: list[str], api_key: str | None
) -> tuple[list[threading.Thread], list[Timed]]:
    """Send queries at once, each from its own thread; the threads and their answers."""
    answers: list[Timed] = []
    threads = [
        threading.Thread(target=lambda q=q: answers.append(post(server, q, api_key)))
        for q in queries
    ]
    for thread in threads:
        thread.start()
    return threads, answers


def wait_for(threads: list[threading.Thread]) -> None:
    """Join the attack's threads (each request has its own client timeout)."""
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS + MARGIN_SECONDS + 60)


@pytest.fixture(params=["memory", "oxigraph"])
def deadline_server(
    request: pytest.FixtureRequest, served_layout: Layout, tmp_path: Path
) -> Iterator[LiveServer]:
    """Two workers, a 3 s deadline, no result cache (every query reaches a worker)."""
    options = ("--workers", "2", "--timeout", str(DEADLINE_SECONDS), "--no-cache")
    with (
        store_option(request.param, served_layout, tmp_path) as store,
        running_server(served_layout, tmp_path / "server.log", *options, *store) as server,
    ):
        yield server


# -- F1: parsing is query work, under the deadline, outside the HTTP process -----------------


def test_parse_flood_gets_503_within_the_deadline_and_a_trivial_query_is_answered(
    deadline_server: LiveServer,
) -> None:
    threads, attackers = attack(deadline_server, [f"{OR_CHAIN} # {n}" for n in range(4)], None)
    time.sleep(0.5)
    probes = [post(deadline_server, trivial_query(4200 + n), "probe") for n in range(3)]
    answered_during_the_attack = any(thread.is_alive() for thread in threads)
    wait_for(threads)
    assert answered_during_the_attack
    for probe in probes:
        assert probe.response.status == 200, probe.response.text
        assert b"true" in probe.response.body
    assert len(attackers) == 4
    for attacker in attackers:
        assert attacker.response.status == 503, attacker.response.text
        assert attacker.response.header("Retry-After") is not None
        assert attacker.seconds < DEADLINE_SECONDS + MARGIN_SECONDS
    assert post(deadline_server, trivial_query(1), "probe").response.status == 200


def test_syntax_error_update_and_service_are_still_refused_by_the_worker(
    deadline_server: LiveServer,
) -> None:
    """The guards the HTTP process ran before now run in the worker, with the same answers."""
    syntax = post(deadline_server, "SELECT * WHERE { ?s ?p }").response
    assert syntax.status == 400
    assert "line 1, column" in syntax.text
    update = post(deadline_server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }").response
    assert update.status == 403
    assert "read-only" in update.text
    service = post(deadline_server, "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert service.response.status == 400
    assert "federated queries are disabled" in service.response.text
    outside = post(deadline_server, "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }").response
    assert outside.status == 400
    assert "is not in this dataset" in outside.text


# -- F4: a worker's own memory is bounded while the query runs ------------------------------


@pytest.fixture(params=["memory", "oxigraph"])
def capped_server(
    request: pytest.FixtureRequest, served_layout: Layout, tmp_path: Path
) -> Iterator[LiveServer]:
    """One worker limited to 300 MB of its own memory, and a deadline the bomb cannot reach."""
    options = ("--workers", "1", "--worker-memory-limit", "300", "--timeout", "60", "--no-cache")
    with (
        store_option(request.param, served_layout, tmp_path) as store,
        running_server(served_layout, tmp_path / "server.log", *options, *store) as server,
    ):
        yield server


def test_memory_bomb_is_stopped_with_a_503_naming_the_limit_and_the_worker_is_replaced(
    capped_server: LiveServer,
) -> None:
    before = capped_server.worker_pids()
    bomb = post(capped_server, CONCAT_BOMB).response
    assert bomb.status == 503, bomb.text
    assert "needed more than 300 MB" in bomb.text
    assert bomb.header("Retry-After") is not None
    after = capped_server.worker_pids()
    assert len(after) == len(before) == 2  # the zygote and one worker
    assert len(before & after) == 1  # the worker is a new one
    assert "passed its memory limit" in capped_server.log()
    assert post(capped_server, trivial_query(7)).response.status == 200


# -- Fair admission: a heavy client cannot starve a light one -------------------------------


@pytest.fixture()
def fair_server(served_layout: Layout, tmp_path: Path) -> Iterator[LiveServer]:
    """Two workers, one query at a time and two waiting per client, a 3 s deadline."""
    options = ("--workers", "2", "--timeout", str(DEADLINE_SECONDS), "--no-cache",
               "--client-workers", "1", "--client-pending", "2")  # fmt: skip
    with running_server(served_layout, tmp_path / "server.log", *options) as server:
        yield server


def test_heavy_client_gets_429_past_its_share_and_a_light_client_is_answered(
    fair_server: LiveServer,
) -> None:
    heavy_queries = [f"{CARTESIAN_EXPLOSION} # {n}" for n in range(6)]
    threads, heavy = attack(fair_server, heavy_queries, "heavy")
    time.sleep(0.5)
    light = [post(fair_server, trivial_query(900 + n), "light") for n in range(5)]
    answered_during_the_attack = any(thread.is_alive() for thread in threads)
    wait_for(threads)
    assert answered_during_the_attack
    assert [t.response.status for t in light] == [200] * 5
    statuses = sorted(t.response.status for t in heavy)
    # One runs, two wait (then pass the deadline), three are turned away at once.
    assert statuses == [429, 429, 429, 503, 503, 503], [t.response.text for t in heavy]
    for turned_away in (t for t in heavy if t.response.status == 429):
        assert turned_away.response.header("Retry-After") is not None
        assert "you already have 2 queries waiting" in turned_away.response.text
    for timed_out in (t for t in heavy if t.response.status == 503):
        assert timed_out.seconds < DEADLINE_SECONDS + MARGIN_SECONDS


def test_clients_are_told_apart_by_address_when_they_send_no_key(
    fair_server: LiveServer,
) -> None:
    """Without a key, the address is the client: its own waiting share is what turns it away."""
    threads, heavy = attack(fair_server, [f"{CARTESIAN_EXPLOSION} # a{n}" for n in range(4)], None)
    wait_for(threads)
    statuses = sorted(t.response.status for t in heavy)
    assert statuses == [429, 503, 503, 503]


# -- Reading the form without parsing -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("  # a comment\nask {}", "ASK"),
        ("PREFIX ex: <http://example.org/#x>\nBASE <http://e/>\nCONSTRUCT WHERE {}", "CONSTRUCT"),
        ("prefix : <urn:x> describe <urn:y>", "DESCRIBE"),
        ("\ufeffSELECT ?s {}", "SELECT"),
        ("INSERT DATA { <a> <b> <c> }", None),
        ("SELECTED", None),
        ("PREFIX ex: <unterminated SELECT", None),
        (" " * 50_000 + "# x" * 10_000, None),
    ],
)
def test_query_form_is_read_from_the_first_keyword_after_the_prologue(
    text: str, form: str | None
) -> None:
    assert lexical_form(text) == form
