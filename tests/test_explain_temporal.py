"""Explanations of the temporal closure: each kzg:temporal triple down to stated premises.

The explainer the server and `kzgov explain` make (no families given) includes the
temporal family, so these run on it over the real build.
"""

from __future__ import annotations

import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from rdflib.term import Node

from conftest import LiveServer
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import CLOSURE_GRAPHS, KZ, KZID, TEMPORAL_GRAPH
from kzgov.core.release import DATASET_NQUADS
from kzgov.reasoning.explain import Explainer, Proof, StoreFacts
from kzgov.store.base import release_or_fail

Triple = tuple[Node, Node, Node]
CUMHURBASKANI = "Cumhurba\u015fkan\u0131"
ABAI_AKIM = KZID["post/abai-region-akim"]
OBLAST_AKIM = KZID["post/oblast-akim"]
PRESIDENT = KZID["post/president"]


@pytest.fixture(scope="module")
def store(real_build: BuildResult, real_layout: Layout) -> ox.Store:
    """The real build's dataset."""
    found = ox.Store()
    found.bulk_load(path=release_or_fail(real_layout) / DATASET_NQUADS, format=ox.RdfFormat.N_QUADS)
    return found


def derivations(store: ox.Store) -> dict[Triple, tuple[URIRef, Triple]]:
    """Each derivation's kz:relationObject triple, with its rule and the relation it names."""
    rows = store.query(
        """PREFIX kz: <https://w3id.org/kzgov/ontology#>
        PREFIX kzg: <https://w3id.org/kzgov/graph/>
        SELECT ?d ?rule ?s ?p ?o WHERE { GRAPH kzg:temporal {
            ?d kz:derivationRule ?rule ; kz:relationSubject ?s ; kz:relationPredicate ?p ;
               kz:relationObject ?o } }"""
    )
    found: dict[Triple, tuple[URIRef, Triple]] = {}
    for row in rows:  # type: ignore[union-attr]
        d, rule, s, p, o = (URIRef(row[name].value) for name in ("d", "rule", "s", "p", "o"))
        found[(d, KZ.relationObject, o)] = (rule, (s, p, o))
    return found


@pytest.fixture(scope="module")
def proofs(store: ox.Store) -> tuple[dict[Triple, tuple[URIRef, Triple]], dict[Triple, Proof]]:
    """Every derivation of the real build and the proof of its kz:relationObject triple."""
    found = derivations(store)
    return found, Explainer(StoreFacts(store)).explain_all(sorted(found))


def test_every_temporal_triple_is_explained_by_its_rule_down_to_stated_premises(
    proofs: tuple[dict[Triple, tuple[URIRef, Triple]], dict[Triple, Proof]],
) -> None:
    found, proved = proofs
    assert len(found) > 100
    assert set(proved) == set(found)
    for triple, (rule, _relation) in found.items():
        proof = proved[triple]
        assert proof.rule == "kz:" + str(rule).removeprefix(str(KZ)), triple
        for node in proof.walk():
            if node.asserted:
                assert node.where.graphs - CLOSURE_GRAPHS, node.triple
            else:
                assert TEMPORAL_GRAPH in node.where.graphs, node.triple
                assert node.rule is not None and node.rule.startswith("kz:temporal-")
        assert all(TEMPORAL_GRAPH not in leaf.where.graphs for leaf in proof.leaves())


def test_a_region_akim_appointed_by_the_president_rests_on_the_registry_and_a_quoted_rule(
    proofs: tuple[dict[Triple, tuple[URIRef, Triple]], dict[Triple, Proof]],
) -> None:
    found, proved = proofs
    [triple] = [
        t
        for t, (rule, relation) in found.items()
        if relation == (ABAI_AKIM, KZ.appointedBy, PRESIDENT)
        and rule == KZ["temporal-territorial-case"]
    ]
    proof = proved[triple]
    leaves = {leaf.triple: leaf for leaf in proof.leaves()}
    assert (ABAI_AKIM, KZ.territorialCaseOf, OBLAST_AKIM) in leaves
    hung = [t for t in leaves if t[0] == OBLAST_AKIM and t[1] == KZ.appointmentRule]
    assert hung, sorted(leaves)
    named = [t for t in leaves if t[1] == KZ.appointer and t[2] == PRESIDENT]
    assert {t[0] for t in named} == {t[2] for t in hung}
    quotes = [str(q) for t in hung + named for _g, q in leaves[t].where.quotes]
    assert quotes and all(CUMHURBASKANI in q for q in quotes)


def test_the_explain_page_names_a_temporal_rule_as_the_temporal_closures_not_owl_2_rl(
    store: ox.Store, live_server: LiveServer
) -> None:
    found = derivations(store)
    [(subject, predicate, obj)] = [
        t
        for t, (rule, relation) in found.items()
        if relation == (ABAI_AKIM, KZ.appointedBy, PRESIDENT)
        and rule == KZ["temporal-territorial-case"]
    ]
    query = urllib.parse.urlencode({"s": str(subject), "p": str(predicate), "o": str(obj)})
    request = urllib.request.Request(
        f"{live_server.base_url}/explain?{query}", headers={"Accept": "text/html"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        page = response.read().decode("utf-8")
    assert "the temporal closure&#39;s rule" in page or "the temporal closure's rule" in page
    assert "OWL 2 RL rule <code>kz:temporal" not in page
