"""Fast OWL 2 RL materialization: reasonable plus the rules it lacks, cleaned as in infer.py.

The result is the same as `kzgov.infer.materialize` (owlrl) gives: the closure minus the
input minus noise, with the same inconsistencies reported. `reasonable` (a Rust OWL 2 RL
reasoner) computes the instance-level rules; this module adds, and runs to a common
fixpoint with it, the rules of the OWL 2 RL/RDF rule tables that reasonable leaves out but
owlrl implements (https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules):

- prp-spo2 (property chains), Table 5;
- the schema rules of Table 9 (scm-cls, scm-sco, scm-eqc1/2, scm-op, scm-dp, scm-spo,
  scm-eqp1/2, scm-dom1/2, scm-rng1/2, scm-hv, scm-svf1/2, scm-avf1/2, scm-int, scm-uni);
- the inconsistency rules (eq-diff1, prp-irp, prp-asyp, prp-pdw, cls-nothing2, cax-dw) and
  owlrl's check of literals against their datatypes.

A few OWL 2 RL constructs are left to owlrl itself: when the input uses one of them
(FALLBACK_PREDICATES, FALLBACK_TYPES) `materialize_fast` calls `kzgov.infer.materialize`.
Blank nodes and literals are handed to reasonable as placeholder IRIs and mapped back, so
reasonable's literal handling (it reads "x" as "x"^^xsd:string) cannot change a term.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable

import reasonable
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.OWLRL import OWLRL_Annotation_properties
from owlrl.XsdDatatypes import OWL_RL_Datatypes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kzgov.collector import garbage_collection_paused
from kzgov.errors import InconsistentClosure
from kzgov.infer import Triple, is_noise, materialize

# Constructs whose owlrl rules the fast path does not reproduce (prp-key, cls-maxc*,
# cls-maxqc*, cls-oo, cls-com, eq-diff2/3, prp-adp, cax-adc, prp-npa*): their presence
# sends the whole materialization to owlrl, so the result is always owlrl's.
FALLBACK_PREDICATES = frozenset(
    {
        OWL.hasKey,
        OWL.maxCardinality,
        OWL.maxQualifiedCardinality,
        OWL.oneOf,
        OWL.complementOf,
        OWL.members,
        OWL.distinctMembers,
        OWL.sourceIndividual,
        OWL.assertionProperty,
    }
)
FALLBACK_TYPES = frozenset(
    {
        OWL.AllDifferent,
        OWL.AllDisjointClasses,
        OWL.AllDisjointProperties,
        OWL.NegativePropertyAssertion,
    }
)

# The predicates the schema rules read; the schema part of a closure is its triples
# with these predicates, or typing a class or property (SCHEMA_TYPES).
SCHEMA_PREDICATES = frozenset(
    {
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.onProperty,
        OWL.someValuesFrom,
        OWL.allValuesFrom,
        OWL.hasValue,
        OWL.intersectionOf,
        OWL.unionOf,
        OWL.propertyChainAxiom,
        RDF.first,
        RDF.rest,
    }
)
PROPERTY_TYPES = frozenset({OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property})
SCHEMA_TYPES = PROPERTY_TYPES | {OWL.Class}

# Predicates and types the inconsistency rules read.
INCONSISTENCY_PREDICATES = frozenset(
    {OWL.sameAs, OWL.differentFrom, OWL.disjointWith, OWL.propertyDisjointWith}
)
INCONSISTENCY_TYPES = frozenset({OWL.Nothing, OWL.IrreflexiveProperty, OWL.AsymmetricProperty})

# The axioms owlrl adds once before its cycles (cls-thing, cls-nothing1, prp-ap); the
# datatype ones are left out, as every triple they lead to is noise.
ONE_TIME_AXIOMS = frozenset(
    {(OWL.Thing, RDF.type, OWL.Class), (OWL.Nothing, RDF.type, OWL.Class)}
    | {(p, RDF.type, OWL.AnnotationProperty) for p in OWLRL_Annotation_properties}
)

# A list longer than this is taken to be cyclic (malformed) and read no further.
MAX_LIST_LENGTH = 10_000

Pairs = dict[Node, set[Node]]


def materialize_fast(asserted: Iterable[Triple]) -> Graph:
    """Compute the OWL 2 RL closure and return only the new, cleaned triples; fast.

    Same contract as `kzgov.infer.materialize`, with reasonable and the rules it lacks
    in place of owlrl.

    Args:
        asserted: the triples of the ontology and of every data graph.

    Returns:
        A graph of the inferred triples: closure minus input minus noise.

    Raises:
        InconsistentClosure: the graph is inconsistent under OWL 2 RL; the message lists why.
    """
    before = set(asserted)
    if needs_owlrl(before):
        return materialize(before)
    with garbage_collection_paused():
        problems = literal_problems(before)
        closure = saturate(before)
        problems.extend(inconsistencies(closure))
        if problems:
            listed = "\n".join(f"  - {message}" for message in sorted(set(problems)))
            raise InconsistentClosure(f"OWL 2 RL found the graph inconsistent:\n{listed}")
        inferred = Graph()
        inferred.addN((s, p, o, inferred) for s, p, o in closure if is_wanted(before, (s, p, o)))
    return inferred


def is_wanted(asserted: set[Triple], triple: Triple) -> bool:
    """Whether a closure triple belongs in the inferred graph, by infer.py's own cleaning."""
    return triple not in asserted and not is_noise(triple)


def needs_owlrl(triples: Iterable[Triple]) -> bool:
    """Whether the input uses a construct only owlrl's own rules handle (see FALLBACK_*).

    Args:
        triples: the asserted triples.

    Returns:
        True if the materialization must be left to owlrl.
    """
    rdf_type = RDF.type
    for _s, p, o in triples:
        if p in FALLBACK_PREDICATES or (p == rdf_type and o in FALLBACK_TYPES):
            return True
    return False


class Placeholders:
    """Stands blank nodes and literals in for IRIs that reasonable passes through untouched."""

    def __init__(self) -> None:
        """Start with no placeholders, under a prefix no input IRI can share."""
        self.prefix = f"urn:uuid:{uuid.uuid4()}:"
        self.iri_of: dict[Node, URIRef] = {}
        self.term_of: dict[str, Node] = {}

    def encode(self, term: Node) -> Node:
        """The term itself if it is an IRI, else its placeholder IRI."""
        if isinstance(term, URIRef):
            return term
        iri = self.iri_of.get(term)
        if iri is None:
            iri = URIRef(f"{self.prefix}{len(self.iri_of)}")
            self.iri_of[term] = iri
            self.term_of[str(iri)] = term
        return iri

    def decode(self, term: Node) -> Node:
        """The term a placeholder IRI stands for, or the term itself."""
        if isinstance(term, URIRef) and term.startswith(self.prefix):
            return self.term_of.get(str(term), term)
        return term


def saturate(asserted: set[Triple]) -> set[Triple]:
    """Run reasonable and the complementary rules in turn until neither adds a triple.

    Args:
        asserted: the asserted triples.

    Returns:
        The closure, asserted triples included, in the input's own terms.
    """
    placeholders = Placeholders()
    encode = placeholders.encode
    base = {(encode(s), encode(p), encode(o)) for s, p, o in asserted} | ONE_TIME_AXIOMS
    # The complementary rules run once before reasonable too: on data whose chain
    # links are asserted, the loop below then ends after a single pass of reasonable.
    base |= complementary_rules(base, placeholders.decode)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(list(base))
    closure: set[Triple] = set(reasoner.reason())
    while True:
        added = complementary_rules(closure, placeholders.decode) - closure
        if not added:
            break
        reasoner.from_graph(list(added))
        closure = set(reasoner.reason())
    decode = placeholders.decode
    return {(decode(s), decode(p), decode(o)) for s, p, o in closure}


def complementary_rules(closure: set[Triple], decode: Callable[[Node], Node]) -> set[Triple]:
    """The consequences of the rules reasonable lacks: the schema rules and prp-spo2.

    Args:
        closure: reasonable's closure, in placeholder terms.
        decode: maps a placeholder back to its term (to tell literals from resources).

    Returns:
        Every triple the rules derive (some may already be in the closure).
    """
    rdf_type = RDF.type
    schema = {
        t
        for t in closure
        if t[1] in SCHEMA_PREDICATES or (t[1] == rdf_type and t[2] in SCHEMA_TYPES)
    }
    derived = schema_closure(schema, decode) - schema
    derived |= property_chains(closure, schema | derived)
    return derived


def read_list(head: Node, first: Pairs, rest: Pairs) -> list[Node]:
    """The members of an rdf:List, as owlrl reads them (rdflib's Graph.items)."""
    members: list[Node] = []
    seen: set[Node] = set()
    node: Node | None = head
    while node is not None and node != RDF.nil and node not in seen:
        if len(members) >= MAX_LIST_LENGTH:
            break
        seen.add(node)
        item = next(iter(first.get(node, ())), None)
        if item is None:
            break
        members.append(item)
        node = next(iter(rest.get(node, ())), None)
    return members


def index(triples: Iterable[Triple], predicate: Node) -> Pairs:
    """Subject to objects, for one predicate."""
    pairs: Pairs = defaultdict(set)
    for s, p, o in triples:
        if p == predicate:
            pairs[s].add(o)
    return pairs


def inverse(pairs: Pairs) -> Pairs:
    """Object to subjects."""
    flipped: Pairs = defaultdict(set)
    for s, objects in pairs.items():
        for o in objects:
            flipped[o].add(s)
    return flipped


def schema_closure(schema: set[Triple], decode: Callable[[Node], Node]) -> set[Triple]:
    """Apply OWL 2 RL's schema rules (Table 9) to a schema until nothing new follows.

    Each rule keeps owlrl's guards (such as c1 != c2 in scm-sco), so the closure holds
    exactly the schema triples owlrl derives.

    Args:
        schema: triples with SCHEMA_PREDICATES, or typing classes and properties.
        decode: maps a placeholder back to its term.

    Returns:
        The schema with every consequence added.
    """
    triples = set(schema)
    while True:
        new = schema_step(triples, decode) - triples
        if not new:
            return triples
        triples |= new


def schema_step(triples: set[Triple], decode: Callable[[Node], Node]) -> set[Triple]:
    """One round of the schema rules; see schema_closure."""
    by_predicate: dict[Node, Pairs] = defaultdict(lambda: defaultdict(set))
    typed: Pairs = defaultdict(set)
    rdf_type = RDF.type
    for s, p, o in triples:
        if p == rdf_type:
            typed[o].add(s)
        else:
            by_predicate[p][s].add(o)
    sub_class = by_predicate[RDFS.subClassOf]
    sub_property = by_predicate[RDFS.subPropertyOf]
    on_property = by_predicate[OWL.onProperty]
    first, rest = by_predicate[RDF.first], by_predicate[RDF.rest]
    new: set[Triple] = set()
    add = new.add

    # scm-cls, scm-op, scm-dp
    for c in typed[OWL.Class]:
        add((c, RDFS.subClassOf, c))
        add((c, OWL.equivalentClass, c))
        add((c, RDFS.subClassOf, OWL.Thing))
        add((OWL.Nothing, RDFS.subClassOf, c))
    for kind in PROPERTY_TYPES:
        for p in typed[kind]:
            add((p, RDFS.subPropertyOf, p))
            add((p, OWL.equivalentProperty, p))

    # scm-sco, scm-eqc2
    for c1, supers in sub_class.items():
        for c2 in supers:
            if c1 != c2:
                for c3 in sub_class.get(c2, ()):
                    if c1 != c3:
                        add((c1, RDFS.subClassOf, c3))
            if c1 in sub_class.get(c2, ()):
                add((c1, OWL.equivalentClass, c2))
    # scm-eqc1
    for c1, equivalents in by_predicate[OWL.equivalentClass].items():
        for c2 in equivalents:
            if c1 != c2:
                add((c1, RDFS.subClassOf, c2))
                add((c2, RDFS.subClassOf, c1))
    # scm-spo, scm-eqp2
    for p1, supers in sub_property.items():
        for p2 in supers:
            if p1 == p2:
                continue
            for p3 in sub_property.get(p2, ()):
                if p1 != p3:
                    add((p1, RDFS.subPropertyOf, p3))
            if p1 in sub_property.get(p2, ()):
                add((p1, OWL.equivalentProperty, p2))
    # scm-eqp1
    for p1, equivalents in by_predicate[OWL.equivalentProperty].items():
        for p2 in equivalents:
            if p1 != p2:
                add((p1, RDFS.subPropertyOf, p2))
                add((p2, RDFS.subPropertyOf, p1))

    # scm-dom1, scm-dom2, scm-rng1, scm-rng2
    sub_properties = inverse(sub_property)
    for axiom in (RDFS.domain, RDFS.range):
        for p, classes in by_predicate[axiom].items():
            for c1 in classes:
                for c2 in sub_class.get(c1, ()):
                    if c1 != c2:
                        add((p, axiom, c2))
                for p1 in sub_properties.get(p, ()):
                    if p1 != p:
                        add((p1, axiom, c1))

    # scm-hv, scm-svf1, scm-svf2, scm-avf1, scm-avf2
    restrictions_on = inverse(on_property)
    has_value = by_predicate[OWL.hasValue]
    with_value = inverse(has_value)
    for c1, values in has_value.items():
        for i in values:
            for p1 in on_property.get(c1, ()):
                for c2 in with_value.get(i, ()):
                    for p2 in on_property.get(c2, ()):
                        if p2 in sub_property.get(p1, ()):
                            add((c1, RDFS.subClassOf, c2))
    for axiom, widening in ((OWL.someValuesFrom, True), (OWL.allValuesFrom, False)):
        fillers = by_predicate[axiom]
        restricting = inverse(fillers)
        for c1, ys in fillers.items():
            for y1 in ys:
                for p in on_property.get(c1, ()):
                    # scm-svf1, scm-avf1: same property, narrower filler.
                    for c2 in restrictions_on.get(p, ()):
                        for y2 in fillers.get(c2, ()):
                            if y2 in sub_class.get(y1, ()):
                                add((c1, RDFS.subClassOf, c2))
                    # scm-svf2, scm-avf2: same filler, narrower property.
                    for c2 in restricting.get(y1, ()):
                        for p2 in on_property.get(c2, ()):
                            if p2 in sub_property.get(p, ()):
                                narrower, wider = (c1, c2) if widening else (c2, c1)
                                add((narrower, RDFS.subClassOf, wider))

    # scm-int, scm-uni
    for c, heads in by_predicate[OWL.intersectionOf].items():
        for head in heads:
            for member in read_list(head, first, rest):
                add((c, RDFS.subClassOf, member))
    for c, heads in by_predicate[OWL.unionOf].items():
        for head in heads:
            for member in read_list(head, first, rest):
                add((member, RDFS.subClassOf, c))

    # owlrl never stores a triple whose predicate is a literal, nor reasons from literals.
    return {t for t in new if not isinstance(decode(t[1]), Literal)}


def property_chains(closure: set[Triple], schema: set[Triple]) -> set[Triple]:
    """prp-spo2: for p owl:propertyChainAxiom (p1 ... pn), x p1 ... pn y gives x p y.

    Args:
        closure: the closure so far.
        schema: its schema part, with the lists of the chain axioms.

    Returns:
        The triples the chains derive.
    """
    first, rest = index(schema, RDF.first), index(schema, RDF.rest)
    chain_axiom = OWL.propertyChainAxiom
    chains = [
        (p, read_list(head, first, rest))
        for p, predicate, head in schema
        if predicate == chain_axiom
    ]
    chains = [(p, links) for p, links in chains if links]
    if not chains:
        return set()
    wanted = {link for _p, links in chains for link in links}
    extension: dict[Node, Pairs] = {link: defaultdict(set) for link in wanted}
    for s, p, o in closure:
        if p in wanted:
            extension[p][s].add(o)
    derived: set[Triple] = set()
    for p, links in chains:
        for start, middles in extension[links[0]].items():
            reached = set(middles)
            for link in links[1:]:
                pairs = extension[link]
                reached = {o for m in reached for o in pairs.get(m, ())}
                if not reached:
                    break
            for end in reached:
                derived.add((start, p, end))
    return derived


def literal_problems(asserted: Iterable[Triple]) -> list[str]:
    """Check, as owlrl does, that each literal of an OWL 2 RL datatype is well formed.

    Uses owlrl's own lexical-to-value conversions, so the same literals fail.

    Args:
        asserted: the asserted triples.

    Returns:
        One message per ill-formed literal, worded as owlrl words it.
    """
    problems = []
    checked: set[Literal] = set()
    for _s, _p, o in asserted:
        if not isinstance(o, Literal) or o in checked or o.datatype not in OWL_RL_Datatypes:
            continue
        checked.add(o)
        convert = AltXSDToPYTHON.get(o.datatype, str)
        try:
            convert(str(o))
        except ValueError:
            problems.append(
                f"Lexical value of the literal '{o}' does not match its datatype ({o.datatype})"
            )
    return problems


def inconsistencies(closure: set[Triple]) -> list[str]:
    """The OWL 2 RL inconsistency rules the fast path covers, worded as owlrl words them.

    eq-diff1, prp-irp, prp-asyp, prp-pdw, cls-nothing2 and cax-dw; the others belong to
    constructs that send the input to owlrl (FALLBACK_PREDICATES, FALLBACK_TYPES).

    Args:
        closure: the full closure.

    Returns:
        One message per problem found.
    """
    by_predicate: dict[Node, Pairs] = defaultdict(lambda: defaultdict(set))
    typed: Pairs = defaultdict(set)
    rdf_type = RDF.type
    for s, p, o in closure:
        if p in INCONSISTENCY_PREDICATES:
            by_predicate[p][s].add(o)
        elif p == rdf_type:
            typed[o].add(s)
    problems: list[str] = []
    report = problems.append
    different = by_predicate[OWL.differentFrom]
    same = by_predicate[OWL.sameAs]
    # eq-ref makes every x the same as itself, so x differentFrom x is a clash too.
    for x, ys in different.items():
        if x in ys:
            same[x].add(x)
    for x, ys in same.items():
        for y in ys:
            if y in different.get(x, ()) or x in different.get(y, ()):
                report(
                    "'sameAs' and 'differentFrom' cannot be used on the same subject-object "
                    f"pair: ({x}, {y})"
                )
    for c in typed[OWL.Nothing]:
        report(f"{c} is defined of type 'Nothing'")
    for c1, disjoint in by_predicate[OWL.disjointWith].items():
        for c2 in disjoint:
            for x in typed.get(c1, set()) & typed.get(c2, set()):
                report(f"Disjoint classes {c1} and {c2} have a common individual {x}")
    flagged = typed[OWL.IrreflexiveProperty] | typed[OWL.AsymmetricProperty]
    disjoint_properties = by_predicate[OWL.propertyDisjointWith]
    wanted = (
        flagged | set(disjoint_properties) | {p for ps in disjoint_properties.values() for p in ps}
    )
    if not wanted:
        return problems
    extension: dict[Node, Pairs] = {p: defaultdict(set) for p in wanted}
    for s, p, o in closure:
        if p in wanted:
            extension[p][s].add(o)
    for p in typed[OWL.IrreflexiveProperty]:
        for x, ys in extension[p].items():
            if x in ys:
                report(f"Irreflexive property used on {x} with {p}")
    for p in typed[OWL.AsymmetricProperty]:
        pairs = extension[p]
        for x, ys in pairs.items():
            for y in ys:
                if x in pairs.get(y, ()):
                    report(f"Erroneous usage of asymmetric property {p} on {x} and {y}")
    for p1, others in disjoint_properties.items():
        for p2 in others:
            for x, ys in extension[p1].items():
                for y in ys & extension[p2].get(x, set()):
                    report(f"Erroneous usage of disjoint properties {p1} and {p2} on {x} and {y}")
    return problems
