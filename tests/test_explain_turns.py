"""What made explanations cheaper and their tail shorter changes no proof.

The served Oxigraph store (with its union graphs, as `kzgov serve` writes it) is read by
membership tests where a pattern is fully bound and where a triple is held by the
closures only, and a node's passages from the one graph asked: every proof of the seed's
inferred triples is the same as over the plain dataset; the rules' IRIs and the store's
answers share one object per IRI. /explain's searches take turns in an HTTP process (kzgov.web.explain_turns):
the calls run one at a time in the order asked, an error reaches its caller, and
concurrent requests to the real server each get their own triple's proof.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from rdflib import RDF, URIRef

from conftest import LiveServer, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import CLOSURE_GRAPHS, INFERRED_GRAPH
from kzgov.reasoning.explain import (
    Explainer,
    NotInDataset,
    OwlRlFamily,
    Proof,
    StoreFacts,
    proof_json,
)
from kzgov.store.base import release_or_fail
from kzgov.store.stored_dataset import load_stored_dataset
from kzgov.web.explain import written
from kzgov.web.explain_turns import Turns
from test_explain import Build

# Blank nodes are labelled afresh by each reading of the data.
BLANK_LABEL = re.compile(r"N[0-9a-f]{32}")
# How many inferred triples the concurrent requests ask about, and how many at once.
ASKED = 24
CLIENTS = 8


@pytest.fixture(scope="module")
def seed(real_build: BuildResult, real_layout: Layout) -> Build:
    return Build(release_or_fail(real_layout))


def text_of(proof: Proof | dict[str, object]) -> str:
    """A proof's JSON, blank node labels left out."""
    document = proof_json(proof) if isinstance(proof, Proof) else proof
    return BLANK_LABEL.sub("N", json.dumps(document, sort_keys=True, ensure_ascii=False))


def served_facts(layout: Layout) -> StoreFacts:
    """The facts of the build's release as the server reads them: its Oxigraph store."""
    served = ox.Store()
    load_stored_dataset(served, release_or_fail(layout))
    return StoreFacts(served)


def test_the_served_store_gives_every_proof_the_plain_dataset_gives(
    seed: Build, real_layout: Layout
) -> None:
    facts = served_facts(real_layout)
    assert facts.union is not None and facts.asserted is not None
    explainer = Explainer(facts)
    inferred = seed.inferred
    assert len(inferred) > 100
    for triple in inferred:
        assert text_of(explainer.explain(triple)) == text_of(seed.explainer.explain(triple)), triple
    # ...and it still refuses a triple it does not hold, read by a membership test.
    missing = (inferred[0][0], inferred[0][1], URIRef("https://example.org/nothing"))
    with pytest.raises(NotInDataset):
        explainer.explain(missing)


def test_the_rules_and_the_store_answers_share_one_object_per_iri(
    real_build: BuildResult, real_layout: Layout
) -> None:
    # A search keys its dictionaries by triples: IRIs that are one object compare by
    # identity, without rdflib's __eq__ (StoreFacts.canonical).
    facts = served_facts(real_layout)
    family = Explainer(facts).families[0]
    assert isinstance(family, OwlRlFamily)
    cax_sco = next(rule for rule in family.rules if rule.name == "cax-sco")
    rdf_type = cax_sco.head[1]
    assert rdf_type == RDF.type
    found = next(iter(facts.triples(None, RDF.type, None)))
    assert found[1] is rdf_type
    assert facts.canonical(URIRef(str(RDF.type))) is rdf_type
    # A row's class and the store's decoding of it are one object too.
    row_class = cax_sco.rows[0][-1]
    assert facts.canonical(URIRef(str(row_class))) is row_class
    # The closures' graph names decode to the constants `Where.asserted` subtracts.
    for graph in CLOSURE_GRAPHS:
        assert facts.canonical(URIRef(str(graph))) is graph
    s, p, o, _graph = next(q for q in facts.quads(None, RDF.type, None) if q[3] == INFERRED_GRAPH)
    read = list(facts.graph_quads(s, p, o, INFERRED_GRAPH))
    assert read and all(graph is INFERRED_GRAPH for *_triple, graph in read)


def test_turns_run_one_call_at_a_time_in_the_order_asked() -> None:
    turns = Turns()
    release = threading.Event()
    running, most, ran = [0], [0], []
    lock = threading.Lock()

    def call(number: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        if number == 0:
            assert release.wait(30)
        with lock:
            ran.append(number)
            running[0] -= 1
        return number * 10

    results: dict[int, int] = {}
    callers = []
    # The first call holds the turn; the others ask, one after another, while it runs.
    for number in range(8):
        caller = threading.Thread(
            target=lambda n=number: results.__setitem__(n, turns.run(lambda: call(n)))
        )
        caller.start()
        callers.append(caller)
        wait_until(lambda n=number: turns.busy and len(turns.waiting) == n)
    release.set()
    for caller in callers:
        caller.join(30)
    assert results == {n: n * 10 for n in range(8)}
    assert ran == list(range(8)) and most[0] == 1
    assert not turns.busy and not turns.waiting


def wait_until(condition: Callable[[], bool]) -> None:
    """Wait (at most 30 s) until a condition holds."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.001)


def test_a_call_that_fails_raises_in_its_caller_and_the_next_still_runs() -> None:
    turns = Turns()

    def fail() -> int:
        raise NotInDataset("no such triple")

    with pytest.raises(NotInDataset, match="no such triple"):
        turns.run(fail)
    assert turns.run(lambda: 42) == 42


def test_concurrent_requests_each_get_their_own_proof(live_server: LiveServer, seed: Build) -> None:
    inferred = seed.inferred
    asked = inferred[:: max(1, len(inferred) // ASKED)][:ASKED]

    def ask(triple: tuple[object, ...]) -> str:
        s, p, o = triple
        query = urlencode({"s": str(s), "p": str(p), "o": written(o)})
        answer = send(
            "GET", f"{live_server.base_url}/explain?{query}", headers={"Accept": "application/json"}
        )
        assert answer.status == 200, f"{triple}: {answer.status} {answer.text[:200]}"
        return text_of(json.loads(answer.body))

    with ThreadPoolExecutor(CLIENTS) as clients:
        answers = list(clients.map(ask, asked))
    for triple, answer in zip(asked, answers, strict=True):
        assert answer == text_of(seed.explainer.explain(triple)), triple
