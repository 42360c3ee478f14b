"""The published inferred graph holds facts, not schema noise, and no wrong entailment.

Counts the inferred triples of a real build by predicate, and fails on the noise OWL 2 RL
adds for every term (owl:Thing domains and ranges, rdf:type rdf:Property) and on the
entailments the review of 2026-12 found wrong: posts typed as agents (also once W3C
ORG's axioms for org:headOf are loaded, as a consumer would), a "parent organization"
(wdt:P749) from kz:partOf, and a constitution article typed as an act.
"""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS
from rdflib.term import Node

from kzgov.build.pipeline import BuildResult, load_dataset
from kzgov.core.layout import Layout
from kzgov.core.namespaces import INFERRED_GRAPH, KZ, KZID
from kzgov.reasoning.infer import Triple, materialize
from kzgov.reasoning.infer_fast import materialize_fast

ORG = "http://www.w3.org/ns/org#"
PROV_AGENT = URIRef("http://www.w3.org/ns/prov#Agent")
WDT_P749 = URIRef("http://www.wikidata.org/prop/direct/P749")
AGENT_CLASSES = (FOAF.Agent, KZ.Agent, PROV_AGENT, KZ.Person, KZ.Body)

# The axioms of W3C ORG (https://www.w3.org/TR/vocab-org/) that bear on posts: the
# domains, ranges and super-properties of the properties kz: terms specialise or sit beside.
ORG_AXIOMS = f"""
@prefix org: <{ORG}> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
org:Organization rdfs:subClassOf foaf:Agent .
org:memberOf a owl:ObjectProperty ; rdfs:domain foaf:Agent ; rdfs:range org:Organization .
org:headOf a owl:ObjectProperty ; rdfs:subPropertyOf org:memberOf ;
    rdfs:domain foaf:Agent ; rdfs:range org:Organization .
org:hasPost a owl:ObjectProperty ; rdfs:domain org:Organization ; rdfs:range org:Post .
org:postIn a owl:ObjectProperty ; owl:inverseOf org:hasPost ;
    rdfs:domain org:Post ; rdfs:range org:Organization .
org:holds a owl:ObjectProperty ; rdfs:domain foaf:Agent ; rdfs:range org:Post .
org:heldBy a owl:ObjectProperty ; owl:inverseOf org:holds ;
    rdfs:domain org:Post ; rdfs:range foaf:Agent .
org:subOrganizationOf a owl:ObjectProperty ;
    rdfs:domain org:Organization ; rdfs:range org:Organization .
"""


def asserted_triples(layout: Layout) -> set[Triple]:
    dataset = load_dataset(layout)
    return {(s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None))}


def inferred_of(dataset: Dataset) -> Graph:
    return dataset.graph(INFERRED_GRAPH)


def by_predicate(triples: Graph | set[Triple]) -> Counter[Node]:
    return Counter(p for _s, p, _o in triples)


def posts_typed_as_agents(triples: Graph | set[Triple], posts: set[Node]) -> list[Triple]:
    return sorted(
        (s, p, o) for s, p, o in triples if p == RDF.type and o in AGENT_CLASSES and s in posts
    )


@pytest.fixture(scope="module")
def inferred(real_build: BuildResult, built_dataset: Dataset) -> Graph:
    graph = inferred_of(built_dataset)
    assert len(graph) > 1000  # the closure is there to be checked
    return graph


@pytest.fixture(scope="module")
def posts(built_dataset: Dataset) -> set[Node]:
    found = set(built_dataset.subjects(RDF.type, KZ.Post))
    assert len(found) > 20
    return found


def test_inferred_graph_has_no_owl_thing_domain_or_range(inferred: Graph) -> None:
    noise = sorted(
        (s, p) for s, p, o in inferred if p in (RDFS.domain, RDFS.range) and o == OWL.Thing
    )
    assert noise == [], f"by predicate: {by_predicate(inferred).most_common()}"


def test_inferred_graph_types_nothing_rdf_property(inferred: Graph) -> None:
    assert sorted(inferred.subjects(RDF.type, RDF.Property)) == []


def test_inferred_graph_still_holds_the_facts_the_rules_promise(inferred: Graph) -> None:
    counts = by_predicate(inferred)
    for fact in (KZ.appointedBy, KZ.accountableTo, KZ.held, RDF.type):
        assert counts[fact] > 0, f"no inferred {fact}: {counts.most_common()}"


def test_no_post_is_typed_an_agent(inferred: Graph, posts: set[Node]) -> None:
    assert posts_typed_as_agents(inferred, posts) == []


def test_part_of_gives_no_parent_organization(inferred: Graph) -> None:
    assert sorted(inferred.subject_objects(WDT_P749)) == []
    senate, parliament = KZID["body/senate"], KZID["body/parliament"]
    assert (senate, URIRef("http://www.wikidata.org/prop/direct/P361"), parliament) in inferred


def test_a_provision_is_never_typed_an_act(inferred: Graph) -> None:
    provision = KZID["provision/constitution-1995-art-85"]
    assert (provision, RDF.type, KZ.ActOrProvision) in inferred
    assert (provision, RDF.type, KZ.Act) not in inferred


@pytest.mark.parametrize("reasoner", ["fast", "owlrl"])
def test_no_post_is_typed_an_agent_with_org_loaded(
    real_layout: Layout, posts: set[Node], reasoner: str
) -> None:
    asserted = asserted_triples(real_layout) | set(Graph().parse(data=ORG_AXIOMS, format="turtle"))
    closure = set((materialize_fast if reasoner == "fast" else materialize)(asserted))
    assert posts_typed_as_agents(closure, posts) == []
    # ORG's axioms did apply: bodies that have posts are typed org:Organization.
    assert (KZID["body/government"], RDF.type, URIRef(ORG + "Organization")) in closure | asserted
