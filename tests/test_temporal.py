"""The temporal closure: relations hold over their premises' overlap, unknown stays unknown."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, XSD

from kzgov.core.namespaces import KZ, TEMPORAL_GRAPH
from kzgov.reasoning.temporal import temporal_closure

ID = "https://w3id.org/kzgov/id/"
SOURCE = ox.NamedNode("https://w3id.org/kzgov/graph/test-source")
PREFIXES = """
@prefix kz: <https://w3id.org/kzgov/ontology#> .
@prefix id: <https://w3id.org/kzgov/id/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

Derivation = dict[str, object]


def derive(turtle: str) -> list[Derivation]:
    """The derivations of the temporal closure of some Turtle in one source graph."""
    triples = ox.parse(input=(PREFIXES + turtle).encode(), format=ox.RdfFormat.TURTLE)
    quads = [ox.Quad(t.subject, t.predicate, t.object, SOURCE) for t in triples]
    store = ox.Store()
    store.extend(
        ox.Quad(t.subject, t.predicate, t.object)
        for t in temporal_closure(quads, frozenset({SOURCE}))
    )
    by_node: dict[str, Derivation] = {}
    for quad in store.quads_for_pattern(None, None, None, None):
        entry = by_node.setdefault(quad.subject.value, {"premises": set()})
        name = quad.predicate.value.rsplit("#", 1)[-1]
        value = quad.object.value.removeprefix(ID).removeprefix(str(KZ))
        if name == "wasDerivedFrom":
            entry["premises"].add(quad.object.value)  # type: ignore[union-attr]
        else:
            entry[name] = value
    for node, entry in by_node.items():
        entry["node"] = node
    return list(by_node.values())


def about(found: list[Derivation], s: str, p: str, o: str) -> list[Derivation]:
    return [
        d
        for d in found
        if (d.get("relationSubject"), d.get("relationPredicate"), d.get("relationObject"))
        == (s, p, o)
    ]


CHAIN = """
id:a kz:accountabilityRule id:a-to-b . id:a-to-b kz:principal id:b ;
    kz:validFrom "1985"^^xsd:gYear ; kz:validUntil "1991"^^xsd:gYear .
id:b kz:accountabilityRule id:b-to-c . id:b-to-c kz:principal id:c ;
    kz:startTime "1991-02-15T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 11 ;
    kz:validUntil "2000"^^xsd:gYear .
id:b kz:accountabilityRule id:b-to-d . id:b-to-d kz:principal id:d ;
    kz:validFrom "1992"^^xsd:gYear .
id:b kz:accountabilityRule id:b-to-e . id:b-to-e kz:principal id:e .
"""


def test_premises_that_never_overlap_infer_nothing() -> None:
    assert about(derive(CHAIN), "a", "accountableTo", "d") == []


def test_chain_holds_over_the_intersection_at_each_bound_precision() -> None:
    found = derive(CHAIN)
    [chain] = about(found, "a", "accountableTo", "c")
    assert chain["derivationRule"] == "temporal-chain"
    assert (chain["startTime"], chain["startPrecision"]) == ("1991-02-15T00:00:00Z", "11")
    assert (chain["endTime"], chain["endPrecision"]) == ("1991-01-01T00:00:00Z", "9")
    premises = chain["premises"]
    assert isinstance(premises, set) and len(premises) == 2
    links = {
        d["node"]: (d["relationSubject"], d["relationObject"])
        for d in found
        if d.get("relationPredicate") == "accountableTo"
    }
    assert {links[p] for p in premises} == {("a", "b"), ("b", "c")}


def test_an_unknown_bound_stays_unknown_and_the_known_one_is_only_a_limit() -> None:
    [chain] = about(derive(CHAIN), "a", "accountableTo", "e")
    assert "startTime" not in chain and "endTime" not in chain
    assert (chain["startNotBefore"], chain["startNotBeforePrecision"]) == (
        "1985-01-01T00:00:00Z",
        "9",
    )
    assert (chain["endNotAfter"], chain["endNotAfterPrecision"]) == ("1991-01-01T00:00:00Z", "9")


def test_direct_link_comes_from_its_rule_node() -> None:
    [direct] = about(derive(CHAIN), "a", "directlyAccountableTo", "b")
    assert direct["derivationRule"] == "temporal-rule"
    assert direct["premises"] == {ID + "a-to-b"}


def test_territorial_case_is_appointed_by_the_general_posts_appointer_over_its_rule() -> None:
    found = derive("""
id:region-akim kz:territorialCaseOf id:oblast-akim .
id:oblast-akim kz:appointmentRule id:r . id:r kz:appointer id:president ;
    kz:validFrom "1995"^^xsd:gYear .
""")
    [case] = about(found, "region-akim", "appointedBy", "president")
    assert case["derivationRule"] == "temporal-territorial-case"
    assert case["startNotBefore"] == "1995-01-01T00:00:00Z"


def test_a_dated_qualified_kind_of_limits_what_the_kind_inherits() -> None:
    found = derive("""
id:q a kz:QualifiedRelation ; kz:relationSubject id:special ; kz:relationPredicate kz:kindOf ;
    kz:relationObject id:general ; kz:endTime "2000-01-01T00:00:00Z"^^xsd:dateTime ; kz:endPrecision 9 .
id:special kz:kindOf id:general .
id:general kz:subordinationRule id:s . id:s kz:superior id:top ;
    kz:validFrom "2001"^^xsd:gYear .
""")
    assert about(found, "special", "subordinateTo", "top") == []
    assert about(found, "special", "accountableTo", "top") == []
    [kind] = about(found, "special", "kindOf", "general")
    assert kind["premises"] == {ID + "q"}


def test_build_writes_the_temporal_graph_apart_from_the_asserted_data(
    built_dataset: Dataset,
) -> None:
    temporal = built_dataset.graph(TEMPORAL_GRAPH)
    akimat, government = URIRef(ID + "body/akimat"), URIRef(ID + "body/government")
    nodes = [
        n
        for n in temporal.subjects(KZ.relationSubject, akimat)
        if (n, KZ.relationPredicate, KZ.directlySubordinateTo) in temporal
        and (n, KZ.relationObject, government) in temporal
    ]
    assert len(nodes) == 1
    node = nodes[0]
    assert temporal.value(node, KZ.startTime) == Literal(
        "1992-02-07T00:00:00Z", datatype=XSD.dateTime
    )
    assert temporal.value(node, KZ.derivationRule) == KZ["temporal-rule"]
    assert temporal.value(node, PROV.wasDerivedFrom) == URIRef(
        ID + "rule/reforms-article-2022/akimat-subordinate-to-government"
    )
    assert (None, KZ.derivationRule, None) not in built_dataset.graph(
        URIRef("https://w3id.org/kzgov/graph/inferred")
    )
