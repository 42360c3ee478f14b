"""OWL 2 RL materialization with owlrl, cleaned of the triples users never want."""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kzgov.core.errors import InconsistentClosure
from kzgov.core.namespaces import OWLRL_ERR

Triple = tuple[Node, Node, Node]

# Vocabularies whose own axioms (rdf:type rdf:Property, owl:Thing subclass ...) are noise.
BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))

# Types every resource gets under OWL 2 RL; they say nothing.
TRIVIAL_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})

# Properties whose reflexive statements (x p x) OWL 2 RL adds for every term.
REFLEXIVE_NOISE = frozenset(
    {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
)


# Schema properties whose statements with a trivial type as object say nothing:
# (kz:C subClassOf owl:Thing), (kz:p rdfs:domain owl:Thing), (kz:p rdfs:range owl:Thing).
SCHEMA_NOISE = frozenset({RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range})


def is_builtin(node: Node) -> bool:
    """Whether a node is a term of RDF, RDFS, OWL or XSD."""
    return isinstance(node, URIRef) and str(node).startswith(BUILTIN_NAMESPACES)


def is_noise(triple: Triple) -> bool:
    """Whether an inferred triple is one users never want.

    Noise is: a literal or blank-node-predicate triple (not RDF), a reflexive
    sameAs/equivalence/subclass statement, a trivial type (owl:Thing, rdfs:Resource),
    a triple about an anonymous class expression of the ontology, any axiomatic triple about
    the RDF, RDFS, OWL or XSD vocabularies themselves, ``x rdf:type rdf:Property``, and a
    subclass, subproperty, domain or range statement whose object is owl:Thing.

    Args:
        triple: an inferred triple.

    Returns:
        True if the triple should be dropped from the inferred graph.
    """
    s, p, o = triple
    if isinstance(s, Literal) or not isinstance(p, URIRef):
        return True
    if s == o and p in REFLEXIVE_NOISE:
        return True
    if p == RDF.type and o in TRIVIAL_TYPES:
        return True
    if is_builtin(s):
        return True
    # Anonymous class expressions of the ontology (unions, restrictions, property chains) are
    # owlrl's working material: "x rdf:type _:union" or "_:r rdfs:subClassOf kz:C" answers no
    # user question, and the blank node means nothing outside the ontology graph.
    if isinstance(s, BNode) or isinstance(o, BNode):
        return True
    # Schema bookkeeping: (x rdf:type rdf:Property), which OWL 2 RL states of every property
    # it meets; (p rdfs:domain owl:Thing) and (p rdfs:range owl:Thing), which scm-dom1 and
    # scm-rng1 derive for every property from (C subClassOf owl:Thing).
    return (p == RDF.type and o == RDF.Property) or (p in SCHEMA_NOISE and o in TRIVIAL_TYPES)


def error_messages(graph: Graph) -> list[str]:
    """The inconsistencies owlrl recorded as err:ErrorMessage nodes, sorted."""
    messages = []
    for node in graph.subjects(RDF.type, OWLRL_ERR.ErrorMessage):
        for message in graph.objects(node, OWLRL_ERR.error):
            messages.append(str(message))
    return sorted(messages)


def materialize(asserted: Iterable[Triple]) -> Graph:
    """Compute the OWL 2 RL closure and return only the new, cleaned triples.

    Args:
        asserted: the triples of the ontology and of every data graph.

    Returns:
        A graph of the inferred triples: closure minus input minus noise.

    Raises:
        InconsistentClosure: owlrl found the graph inconsistent; the message lists why.
    """
    working = Graph()
    for triple in asserted:
        working.add(triple)
    before = set(working)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(working)
    problems = error_messages(working)
    if problems:
        listed = "\n".join(f"  - {message}" for message in problems)
        raise InconsistentClosure(f"OWL 2 RL found the graph inconsistent:\n{listed}")
    inferred = Graph()
    for triple in working:
        if triple not in before and not is_noise(triple):
            inferred.add(triple)
    return inferred
