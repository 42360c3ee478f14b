"""Fast OWL 2 RL materialization: owlrl's rules run on Oxigraph, cleaned as in infer.py.

The result is the same as `kzgov.reasoning.infer.materialize` (owlrl) gives: the closure minus the
input minus noise, with the same inconsistencies reported. The rules are owlrl's
(`kzgov.reasoning.owl_rules`): the schema rules run in Python on the schema, and the instance rules,
compiled from the schema into SPARQL updates, run semi-naively to a fixpoint on an
in-memory Oxigraph store (`kzgov.reasoning.rule_engine`), which holds a triple in a few hundred bytes
and joins in Rust. The inconsistency rules (eq-diff1, prp-irp, prp-asyp, prp-pdw,
cls-nothing2, cax-dw) are queries on the closure, and owlrl's check of literals against
their datatypes runs on the input's literals, each message worded as owlrl words it.

A few OWL 2 RL constructs are left to owlrl itself: when the input uses one of them
(FALLBACK_PREDICATES, FALLBACK_TYPES) the caller must use `kzgov.reasoning.infer.materialize`, as
`materialize_fast` does. Blank nodes and literals are stood in for by placeholder IRIs
(owlrl reasons over generalized RDF: a literal may be a subject, a blank node a predicate,
which an RDF store cannot hold), and mapped back at the end.

The build uses `FastReasoner` on Oxigraph terms, so the graph never goes through rdflib;
`materialize_fast` is the same on rdflib triples, for tests and benchmarks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.OWLRL import OWLRL_Annotation_properties
from owlrl.XsdDatatypes import OWL_RL_Datatypes
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from kzgov.core.errors import InconsistentClosure
from kzgov.core.oxigraph_terms import OxAny, OxTerm, TermConverter
from kzgov.reasoning.infer import (
    BUILTIN_NAMESPACES,
    REFLEXIVE_NOISE,
    SCHEMA_NOISE,
    TRIVIAL_TYPES,
    Triple,
    materialize,
)
from kzgov.reasoning.owl_rules import (
    instance_rules,
    ox_node,
    read_vocabulary,
    schema_closure,
    schema_query,
)
from kzgov.reasoning.rule_engine import Rule, Saturation, Vocabulary, round_graph, select

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

# The axioms owlrl adds once before its cycles (cls-thing, cls-nothing1, prp-ap); the
# datatype ones are left out, as every triple they lead to is noise.
ONE_TIME_AXIOMS = frozenset(
    {(OWL.Thing, RDF.type, OWL.Class), (OWL.Nothing, RDF.type, OWL.Class)}
    | {(p, RDF.type, OWL.AnnotationProperty) for p in OWLRL_Annotation_properties}
)

# infer.is_noise's terms, as Oxigraph terms (see `is_noise`).
TYPE = ox_node(RDF.type)
REFLEXIVE_NOISE_NODES = frozenset(ox_node(p) for p in REFLEXIVE_NOISE)
TRIVIAL_TYPE_NODES = frozenset(ox_node(t) for t in TRIVIAL_TYPES)
SCHEMA_NOISE_NODES = frozenset(ox_node(p) for p in SCHEMA_NOISE)
PROPERTY_CLASS = ox_node(RDF.Property)

# Literals rdflib reads as plain (no datatype), which owlrl therefore does not check.
PLAIN_DATATYPES = frozenset({str(XSD.string), str(RDF.langString)})

OxTriple = tuple[OxTerm, ox.NamedNode, OxTerm]
Show = Callable[[OxTerm], str]


def materialize_fast(asserted: Iterable[Triple]) -> Graph:
    """Compute the OWL 2 RL closure and return only the new, cleaned triples; fast.

    Same contract as `kzgov.reasoning.infer.materialize`, with the rules run on Oxigraph in place
    of owlrl's own loop.

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
    converter = TermConverter()
    term = converter.oxigraph_term
    reasoner = FastReasoner()
    reasoner.load((term(s), term(p), term(o)) for s, p, o in before)
    reasoner.saturate(show=lambda node: str(converter.rdflib_term(node)))
    rdflib_term = converter.rdflib_term
    inferred = Graph()
    inferred.addN(
        (rdflib_term(s), rdflib_term(p), rdflib_term(o), inferred)
        for s, p, o in reasoner.inferred()
    )
    return inferred


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


def is_noise(s: OxTerm, p: OxTerm, o: OxTerm) -> bool:
    """`kzgov.reasoning.infer.is_noise` on Oxigraph terms (tests/test_infer_fast.py checks they agree)."""
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
        return True
    if s == o and p in REFLEXIVE_NOISE_NODES:
        return True
    if p == TYPE and (o in TRIVIAL_TYPE_NODES or o == PROPERTY_CLASS):
        return True
    if isinstance(s, ox.NamedNode) and s.value.startswith(BUILTIN_NAMESPACES):
        return True
    if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
        return True
    return p in SCHEMA_NOISE_NODES and o in TRIVIAL_TYPE_NODES


class Placeholders:
    """Stands blank nodes and literals in for IRIs, under prefixes no input IRI can share."""

    def __init__(self) -> None:
        """Start with no placeholders."""
        prefix = f"urn:uuid:{uuid.uuid4()}:"
        self.literal_prefix = f"{prefix}literal:"
        self.blank_prefix = f"{prefix}blank:"
        self.iri_of: dict[OxTerm, ox.NamedNode] = {}
        self.term_of: dict[ox.NamedNode, OxTerm] = {}

    def encode(self, term: OxTerm) -> ox.NamedNode:
        """The term itself if it is an IRI, else its placeholder IRI."""
        if isinstance(term, ox.NamedNode):
            return term
        iri = self.iri_of.get(term)
        if iri is None:
            prefix = self.literal_prefix if isinstance(term, ox.Literal) else self.blank_prefix
            iri = ox.NamedNode(f"{prefix}{len(self.iri_of)}")
            self.iri_of[term] = iri
            self.term_of[iri] = term
        return iri

    def decode(self, term: ox.NamedNode) -> OxTerm:
        """The term a placeholder IRI stands for, or the IRI itself."""
        return self.term_of.get(term, term)

    def is_literal(self, term: Node) -> bool:
        """Whether an IRI (rdflib's or Oxigraph's) is a literal's placeholder."""
        value = term.value if isinstance(term, ox.NamedNode) else str(term)
        return value.startswith(self.literal_prefix)

    def literals(self) -> Iterator[ox.Literal]:
        """Every literal given a placeholder."""
        for term in self.iri_of:
            if isinstance(term, ox.Literal):
                yield term


class FastReasoner:
    """One materialization: the input loaded, the rules run, the inferred triples read.

    Attributes:
        store: the working store; every graph is part of the closure (see rule_engine).
        placeholders: the IRIs standing for the input's blank nodes and literals.
        vocabulary: the input's predicates and rdf:type objects.
        rounds: the graphs of the derived triples, once saturated.
    """

    def __init__(self) -> None:
        """Start with an empty store."""
        self.store = ox.Store()
        self.placeholders = Placeholders()
        self.vocabulary = Vocabulary()
        self.rounds: list[ox.NamedNode] = []

    def load(self, asserted: Iterable[tuple[OxTerm, OxTerm, OxTerm] | ox.Quad | ox.Triple]) -> None:
        """Add asserted triples (quads' graph names are dropped).

        Args:
            asserted: triples as (subject, predicate, object) or Oxigraph triples or quads.

        Raises:
            TypeError: a predicate is not an IRI, or a term is a quoted triple (RDF-star).
        """
        encode = self.placeholders.encode
        predicates, types = self.vocabulary.predicates, self.vocabulary.types
        graph = round_graph(0)

        def quads() -> Iterator[ox.Quad]:
            for item in asserted:
                s: OxAny
                o: OxAny
                if isinstance(item, tuple):
                    s, p, o = item
                else:
                    s, p, o = item.subject, item.predicate, item.object
                if not isinstance(p, ox.NamedNode):
                    raise TypeError(f"a predicate must be an IRI, not {p!r}")
                if isinstance(s, ox.Triple) or isinstance(o, ox.Triple):
                    raise TypeError(f"not an RDF 1.1 triple: {item!r}")
                predicates.add(p)
                if p == TYPE and isinstance(o, ox.NamedNode):
                    types.add(o)
                yield ox.Quad(encode(s), p, encode(o), graph)

        self.store.extend(quads())

    @property
    def needs_owlrl(self) -> bool:
        """Whether the input uses a construct only owlrl's own rules handle (see FALLBACK_*)."""
        fallback = {ox_node(p) for p in FALLBACK_PREDICATES}
        fallback_types = {ox_node(t) for t in FALLBACK_TYPES}
        return bool(self.vocabulary.predicates & fallback) or (
            TYPE in self.vocabulary.predicates and bool(self.vocabulary.types & fallback_types)
        )

    def saturate(self, show: Show | None = None) -> None:
        """Run the rules to their fixpoint, then check the closure as owlrl does.

        Args:
            show: how a term is written in a message (by default its IRI, lexical form or
                blank node label, as rdflib writes it).

        Raises:
            InconsistentClosure: the graph is inconsistent under OWL 2 RL; the message
                lists why, in owlrl's words.
        """
        self.store.extend(
            ox.Quad(ox_node(s), ox_node(p), ox_node(o), round_graph(0))
            for s, p, o in ONE_TIME_AXIOMS
        )
        saturation = Saturation(self.store, self.prepare, read_vocabulary())
        self.rounds = saturation.run()
        shown: Show = show or (lambda term: term.value)
        problems = literal_problems(self.placeholders.literals())
        problems.extend(self.inconsistencies(shown))
        if problems:
            listed = "\n".join(f"  - {message}" for message in sorted(set(problems)))
            raise InconsistentClosure(f"OWL 2 RL found the graph inconsistent:\n{listed}")

    def prepare(self) -> tuple[list[ox.Triple], list[Rule]]:
        """Run the schema rules on the closure's schema, and compile the instance rules.

        Returns:
            The schema triples the schema rules add, and the rules compiled from the
            schema with them.
        """
        schema: set[Triple] = set()
        for solution in select(self.store, schema_query()):
            s, p, o = solution["s"], solution["p"], solution["o"]
            schema.add((URIRef(s.value), URIRef(p.value), URIRef(o.value)))
        is_literal = self.placeholders.is_literal
        closure = schema_closure(schema, is_literal)
        added = [ox.Triple(ox_node(s), ox_node(p), ox_node(o)) for s, p, o in closure - schema]
        rules = instance_rules(closure, is_literal, self.placeholders.literal_prefix)
        return added, rules

    def inferred(self) -> Iterator[OxTriple]:
        """The inferred triples, cleaned: what the rules added, minus noise.

        Yields:
            Each triple, in the input's own terms.
        """
        decode = self.placeholders.decode
        for graph in self.rounds:
            for quad in self.store.quads_for_pattern(None, None, None, graph):
                s, o = quad.subject, quad.object
                if not isinstance(s, ox.NamedNode) or not isinstance(o, ox.NamedNode):
                    continue  # never so: the store holds IRIs only
                predicate = decode(quad.predicate)
                if not isinstance(predicate, ox.NamedNode):
                    continue  # a blank node's placeholder: not RDF, and noise
                triple = (decode(s), predicate, decode(o))
                if not is_noise(*triple):
                    yield triple

    def inconsistencies(self, show: Show) -> list[str]:
        """The OWL 2 RL inconsistency rules the fast path covers, worded as owlrl words them.

        eq-diff1, prp-irp, prp-asyp, prp-pdw, cls-nothing2 and cax-dw; the others belong to
        constructs that send the input to owlrl (FALLBACK_PREDICATES, FALLBACK_TYPES).

        Args:
            show: how a term is written in a message.

        Returns:
            One message per problem found.
        """
        decode = self.placeholders.decode

        def rows(query: str) -> Iterator[list[str]]:
            for solution in select(self.store, query):
                yield [show(decode(term)) for term in solution if isinstance(term, ox.NamedNode)]

        def axioms(query: str) -> list[list[ox.NamedNode]]:
            return [
                [term for term in solution if isinstance(term, ox.NamedNode)]
                for solution in select(self.store, query)
            ]

        same_as, different = ox_node(OWL.sameAs), ox_node(OWL.differentFrom)
        problems = [
            "'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: "
            f"({x}, {y})"
            for x, y in rows(
                f"""SELECT DISTINCT ?x ?y WHERE {{
                  {{ GRAPH ?a {{ ?x {same_as} ?y }}
                    {{ GRAPH ?b {{ ?x {different} ?y }} }} UNION {{ GRAPH ?b {{ ?y {different} ?x }} }} }}
                  UNION {{ GRAPH ?a {{ ?x {different} ?y }} FILTER (sameTerm(?x, ?y)) }}
                }}"""
            )
        ]
        nothing = ox_node(OWL.Nothing)
        problems.extend(
            f"{c} is defined of type 'Nothing'"
            for (c,) in rows(f"SELECT DISTINCT ?c WHERE {{ GRAPH ?a {{ ?c {TYPE} {nothing} }} }}")
        )
        disjoint = ox_node(OWL.disjointWith)
        for c1, c2 in axioms(f"SELECT ?c ?d WHERE {{ GRAPH ?a {{ ?c {disjoint} ?d }} }}"):
            query = f"SELECT DISTINCT ?x WHERE {{ GRAPH ?a {{ ?x {TYPE} {c1} }} GRAPH ?b {{ ?x {TYPE} {c2} }} }}"
            first, second = show(decode(c1)), show(decode(c2))
            problems.extend(
                f"Disjoint classes {first} and {second} have a common individual {x}"
                for (x,) in rows(query)
            )
        irreflexive = ox_node(OWL.IrreflexiveProperty)
        for (p,) in axioms(f"SELECT ?p WHERE {{ GRAPH ?a {{ ?p {TYPE} {irreflexive} }} }}"):
            shown = show(decode(p))
            problems.extend(
                f"Irreflexive property used on {x} with {shown}"
                for (x,) in rows(f"SELECT DISTINCT ?x WHERE {{ GRAPH ?a {{ ?x {p} ?x }} }}")
            )
        asymmetric = ox_node(OWL.AsymmetricProperty)
        for (p,) in axioms(f"SELECT ?p WHERE {{ GRAPH ?a {{ ?p {TYPE} {asymmetric} }} }}"):
            shown = show(decode(p))
            query = f"SELECT DISTINCT ?x ?y WHERE {{ GRAPH ?a {{ ?x {p} ?y }} GRAPH ?b {{ ?y {p} ?x }} }}"
            problems.extend(
                f"Erroneous usage of asymmetric property {shown} on {x} and {y}"
                for x, y in rows(query)
            )
        disjoint_property = ox_node(OWL.propertyDisjointWith)
        for p1, p2 in axioms(f"SELECT ?p ?q WHERE {{ GRAPH ?a {{ ?p {disjoint_property} ?q }} }}"):
            first, second = show(decode(p1)), show(decode(p2))
            query = f"SELECT DISTINCT ?x ?y WHERE {{ GRAPH ?a {{ ?x {p1} ?y }} GRAPH ?b {{ ?x {p2} ?y }} }}"
            problems.extend(
                f"Erroneous usage of disjoint properties {first} and {second} on {x} and {y}"
                for x, y in rows(query)
            )
        return problems


def literal_problems(literals: Iterable[ox.Literal]) -> list[str]:
    """Check, as owlrl does, that each literal of an OWL 2 RL datatype is well formed.

    Uses owlrl's own lexical-to-value conversions, so the same literals fail.

    Args:
        literals: the input's literals, each once.

    Returns:
        One message per ill-formed literal, worded as owlrl words it.
    """
    problems = []
    for literal in literals:
        datatype = literal.datatype.value
        if datatype in PLAIN_DATATYPES or URIRef(datatype) not in OWL_RL_Datatypes:
            continue
        convert = AltXSDToPYTHON.get(URIRef(datatype), str)
        try:
            convert(literal.value)
        except ValueError:
            problems.append(
                f"Lexical value of the literal '{literal.value}' does not match its datatype "
                f"({datatype})"
            )
    return problems
