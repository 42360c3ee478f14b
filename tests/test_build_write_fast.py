"""The faster paths of the build's closure and write stages give what the plain ones gave.

The temporal closure goes into the store as N-Triples text (`TemporalClosure.ntriples`);
the union Turtle holds every distinct triple of the dataset once.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef

from kzgov.build.build_store import BuildStore, ox_node
from kzgov.build.load_fast import parse_turtle_fast
from kzgov.build.pipeline import BuildResult, input_files
from kzgov.build.stage_cache import code_fingerprint
from kzgov.core.layout import Layout
from kzgov.core.namespaces import TEMPORAL_GRAPH
from kzgov.core.release import DATASET_NQUADS, UNION_TURTLE
from kzgov.reasoning.temporal import derive_temporal, temporal_closure

SOURCE = ox.NamedNode("https://w3id.org/kzgov/graph/test-source")
ACCOUNTABILITY_RULE = ox.NamedNode("https://w3id.org/kzgov/ontology#accountabilityRule")
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
# A blank-node rule, and bounds of each precision, known and unknown.
DATED = """
@prefix kz: <https://w3id.org/kzgov/ontology#> .
@prefix id: <https://w3id.org/kzgov/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:a kz:accountabilityRule [ kz:principal id:b ; kz:validFrom "1985"^^xsd:gYear ] .
id:b kz:accountabilityRule id:b-to-c . id:b-to-c kz:principal id:c ;
    kz:startTime "1991-02-15T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 11 ;
    kz:endTime "1995-03-01T00:00:00Z"^^xsd:dateTime ; kz:endPrecision 10 .
id:c kz:accountabilityRule id:c-to-d . id:c-to-d kz:principal id:d .
id:d-akim kz:kindOf id:c .
"""


def triples_of(store: ox.Store, graph: ox.NamedNode | None = None) -> set[tuple[object, ...]]:
    return {
        (q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)
    }


def test_the_temporal_closures_ntriples_are_its_triples() -> None:
    parsed = ox.parse(input=DATED.encode(), format=ox.RdfFormat.TURTLE)
    quads = [ox.Quad(t.subject, t.predicate, t.object, SOURCE) for t in parsed]
    closure = derive_temporal(quads, frozenset({SOURCE}))
    expected = {(t.subject, t.predicate, t.object) for t in closure.triples()}
    blank = {(t.subject, t.predicate, t.object) for t in closure.triples(blank_only=True)}
    assert any(isinstance(o, ox.BlankNode) for _s, _p, o in blank)  # the blank rule's
    assert not any(isinstance(o, ox.BlankNode) for _s, _p, o in expected - blank)
    store = ox.Store()
    store.load("".join(closure.ntriples()).encode(), format=ox.RdfFormat.N_TRIPLES)
    assert triples_of(store) == expected - blank
    assert len({s for s, _p, _o in expected - blank}) >= 6  # chains, kinds, exact and limits


def test_derivations_from_a_blank_rule_name_the_datas_own_blank_node() -> None:
    store = BuildStore()
    store.add_triples(
        URIRef(SOURCE.value), ox.parse(input=DATED.encode(), format=ox.RdfFormat.TURTLE)
    )
    store.add_temporal()
    rules = {q.object for q in store.store.quads_for_pattern(None, ACCOUNTABILITY_RULE, None)}
    premises = {
        q.object
        for q in store.store.quads_for_pattern(None, DERIVED_FROM, None, ox_node(TEMPORAL_GRAPH))
    }
    blank_rules = {r for r in rules if isinstance(r, ox.BlankNode)}
    assert blank_rules and blank_rules <= premises


def test_the_build_store_holds_the_same_temporal_closure_as_the_triples(
    real_layout: Layout,
) -> None:
    store = BuildStore()
    files = input_files(real_layout, code_fingerprint())
    for file in files:
        store.add_triples(file.graph, parse_turtle_fast(file.path, real_layout.root))
    store.add_manifest((f.graph, f.shown) for f in files if f.is_source)
    sources = frozenset(ox_node(g) for g in store.data_graphs())
    expected = {
        (t.subject, t.predicate, t.object)
        for t in temporal_closure(store.quads(store.asserted_graphs()), sources)
    }
    assert store.add_temporal() == len(expected) > 1000
    assert triples_of(store.store, ox_node(TEMPORAL_GRAPH)) == expected


def test_the_union_turtle_is_every_distinct_triple_once(
    real_build: BuildResult,
) -> None:
    release = real_build.release_dir
    quads = ox.parse(path=release / DATASET_NQUADS, format=ox.RdfFormat.N_QUADS)
    distinct = {(q.subject, q.predicate, q.object) for q in quads}
    union = list(ox.parse(path=release / UNION_TURTLE, format=ox.RdfFormat.TURTLE))
    assert len(union) == len(distinct) == real_build.summary["triples"]["distinct"]  # type: ignore[index]
    # Blank nodes keep their labels in both files (written from one store).
    assert {(t.subject, t.predicate, t.object) for t in union} == distinct
