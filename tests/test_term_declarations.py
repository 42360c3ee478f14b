"""Each term of the kzgov ontology is declared in one module.

A property declared in two modules gets both modules' domains and ranges, so everything
that uses it in one sense is typed by the other: kz:proposedBy, declared for policy
proposals (relations.ttl) and again for office events (events.ttl), made every proposal
a kz:OfficeEvent in the closure.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.namespaces import KZ

DECLARATION_TYPES = (
    OWL.Class,
    RDFS.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)
MODULES = sorted((PROJECT_ROOT / "ontology").glob("*.ttl"))


def declaring_modules() -> dict[URIRef, list[str]]:
    """Each kz: term and the ontology modules that declare it (type it as a term)."""
    modules: dict[URIRef, list[str]] = defaultdict(list)
    for module in MODULES:
        graph = Graph().parse(module, format="turtle")
        declared = {
            term
            for kind in DECLARATION_TYPES
            for term in graph.subjects(RDF.type, kind)
            if isinstance(term, URIRef) and str(term).startswith(str(KZ))
        }
        for term in declared:
            modules[term].append(module.name)
    return modules


def test_the_modules_declare_the_terms() -> None:
    assert len(MODULES) >= 10
    assert len(declaring_modules()) > 100


def test_no_term_is_declared_in_two_modules() -> None:
    twice = {str(term): names for term, names in declaring_modules().items() if len(names) > 1}
    assert not twice, f"declared in more than one module: {twice}"


def test_no_term_has_two_domains_or_two_ranges() -> None:
    graph = Graph()
    for module in MODULES:
        graph.parse(module, format="turtle")
    doubled = sorted(
        f"{term} {axiom}"
        for axiom in (RDFS.domain, RDFS.range)
        for term in set(graph.subjects(axiom, None))
        if str(term).startswith(str(KZ)) and len(set(graph.objects(term, axiom))) > 1
    )
    assert not doubled, f"two domains or ranges (their intersection is meant?): {doubled}"
