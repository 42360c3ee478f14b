"""Why an inferred triple holds: its derivation, rule by rule, down to the sources' own words.

Derivations are computed on request by backward chaining over the published dataset (as
GraphDB's proof plugin does), not recorded during materialization: the build stays as fast
and small as it was, and the explanation follows whatever the reasoner and ontology of the
build are. Given a conclusion, each rule family (`RuleFamily`) proposes the rule
applications (`Step`) whose head it matches, with premise bindings found by SPARQL in the
dataset; premises that are themselves inferred are explained in turn, breadth first. Each
triple's rank is the height of its shortest proof (0 for an asserted triple), computed to
a fixpoint over the steps found, and a proof uses, for each inferred triple, a step whose
premises all rank lower: so a proof is well founded (no cycle) and as shallow as any.

The OWL 2 RL family (`OwlRlFamily`) has the rules the build's reasoners fire, under their
names in the OWL 2 RL specification (https://www.w3.org/TR/owl2-profiles/#OWL_2_RL, tables
4 to 9). Its instance rules are those the fast reasoner runs (`kzgov.owl_rules`), compiled
from the schema closure; the schema rules (scm-*) run backward on that closure, held in a
small in-memory store, since the cleaned inferred graph leaves out schema triples that are
noise on their own (such as `kz:Post rdfs:subClassOf owl:Thing`) but are premises of
triples it keeps. Such a premise is shown as "not published". The temporal family
(`TemporalFamily`) explains the triples of graph kzg:temporal by the `kz:temporal-...`
rule and premises each derivation records there; another family plugs in by
implementing `RuleFamily`.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeGuard, cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS
from rdflib.term import Node

from kzgov.core.errors import KzgovError
from kzgov.core.namespaces import (
    CLOSURE_GRAPHS,
    INFERRED_GRAPH,
    KZ,
    KZG,
    KZID,
    PREFIXES,
    QUERY_PREFIXES,
    TEMPORAL_GRAPH,
)
from kzgov.core.oxigraph_terms import TermConverter
from kzgov.core.release import DATASET_NQUADS
from kzgov.reasoning.explain_lookups import ReadOnce
from kzgov.reasoning.owl_rules import (
    CHARACTERISTIC_TYPES,
    READ_PREDICATES,
    READ_TYPES,
    instance_rules,
    read_list,
    schema_closure,
    split,
)
from kzgov.reasoning.rule_engine import Rule
from kzgov.reasoning.temporal import DERIVATION_NS, RULE_TO_RELATION

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]
# Runs a SELECT query on the dataset (the default graph the union of every graph) and
# gives its rows, each a map from variable name to term.
Select = Callable[[str], list[dict[str, Node]]]

# Placeholder IRIs for the schema's blank nodes and literals, in the rule tables and the
# local schema store (the rule compiler works on IRIs only, as the fast reasoner does).
PLACEHOLDER_PREFIX = "urn:kzgov:explain:"
BLANK_PREFIX = PLACEHOLDER_PREFIX + "blank:"
LITERAL_PREFIX = PLACEHOLDER_PREFIX + "literal:"

# Breadth-first rounds of the search before giving up (a proof is never this tall in kzgov).
MAX_ROUNDS = 64
# Most rule applications one query may find per goal: alternatives beyond it are not
# needed for a proof, and the cap keeps a lookup's cost bounded on a large graph.
MAX_STEPS_PER_GOAL = 64
# Most goals one explanation may visit.
MAX_GOALS = 4000

# Where the OWL 2 RL rules are specified; a rule's section is the table that holds it.
OWL_RL_SPEC = (
    "https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules"
)
# The temporal closure's derivation nodes and how they name their relation.
TEMPORAL_DERIVATION_NS = DERIVATION_NS
RELATION_PARTS = (KZ.relationSubject, KZ.relationPredicate, KZ.relationObject)
# A rule hung off a post or body: the property naming its party, and the direct relation.
TEMPORAL_RULE_RELATIONS = {
    URIRef(hanging.value): (URIRef(party.value), URIRef(relation.value))
    for hanging, (party, relation) in RULE_TO_RELATION.items()
}
# The IRI of an inference rule in the PROV-O rendering (kzid:inference-rule/prp-spo2).
INFERENCE_RULE = KZID["inference-rule/"]

# The namespaces of the schema's own terms (a triple with another predicate is data).
SCHEMA_NAMESPACES = (str(RDFS), str(OWL), str(RDF))
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
VARIABLE = re.compile(r"\?([A-Za-z_][A-Za-z0-9_]*)")
# IRIREF and the escapes of STRING_LITERAL2 (SPARQL 1.1, section 19.8).
SAFE_IRI = re.compile(r"[^<>\"{}|^`\\\x00-\x20]+")
STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


class NotInDataset(KzgovError):
    """The triple to explain is not in the dataset (asserted or inferred)."""


class NoDerivation(KzgovError):
    """An inferred triple for which no rule application was found (a gap in the rules)."""


@dataclass(frozen=True)
class Step:
    """One rule application: its premises give its conclusion.

    Attributes:
        rule: the rule's name, as the OWL 2 RL specification names it (prp-spo2, cax-sco,
            scm-dom1...) or as another family names it (kz:temporal-...).
        conclusion: the triple it derives.
        premises: the triples it uses, data first, then the schema axioms.
    """

    rule: str
    conclusion: Triple
    premises: tuple[Triple, ...]


@dataclass(frozen=True)
class Where:
    """Where a triple sits in the dataset.

    Attributes:
        graphs: the named graphs that hold it (kzg:inferred among them if inferred).
        quotes: (graph, quote) for the source passages of what states it: the
            `kz:sourcePassage` of its subject (or, lacking one, of its object) in that graph.
        unpublished: it holds in the closure, but the cleaned inferred graph leaves it out.
        members: for an axiom whose object is an RDF list (a property chain, an
            intersection, a union), the list's members, which the blank node hides.
        standing_only: the graphs only stand for whether the triple holds and is stated
            (`Standing`); the search reads its true graphs if a proof shows it.
    """

    graphs: frozenset[URIRef] = frozenset()
    quotes: tuple[tuple[URIRef, Literal], ...] = ()
    unpublished: bool = False
    members: tuple[Node, ...] = ()
    standing_only: bool = False

    @property
    def holds(self) -> bool:
        """Whether the triple is in the closure."""
        return bool(self.graphs) or self.unpublished

    @functools.cached_property
    def asserted(self) -> bool:
        """Whether some graph other than the closures (kzg:inferred, kzg:temporal) states it."""
        return bool(self.graphs - CLOSURE_GRAPHS)


@dataclass(frozen=True)
class Proof:
    """A triple and why it holds: asserted (a leaf), or a rule applied to proven premises.

    Attributes:
        triple: the triple.
        rule: the rule that derives it, or None if asserted.
        where: the graphs holding it and the source passages.
        premises: the proofs of the rule's premises.
        alternatives: other derivations of the triple as short as this one.
    """

    triple: Triple
    rule: str | None
    where: Where
    premises: tuple[Proof, ...] = ()
    alternatives: tuple[Proof, ...] = ()

    @property
    def asserted(self) -> bool:
        """Whether this is a leaf: a triple some graph states."""
        return self.rule is None

    @property
    def height(self) -> int:
        """The number of rule applications on the longest path to a leaf."""
        return 0 if self.rule is None else 1 + max((p.height for p in self.premises), default=0)

    def walk(self) -> Iterator[Proof]:
        """This proof and every sub-proof, depth first."""
        yield self
        for premise in self.premises:
            yield from premise.walk()

    def leaves(self) -> list[Proof]:
        """The asserted statements the proof rests on, each once, in order."""
        return list(self.leaf_tuple)

    @functools.cached_property
    def leaf_tuple(self) -> tuple[Proof, ...]:
        """`leaves`, found once per proof from those of its premises (proofs share premises)."""
        if self.asserted:
            return (self,)
        seen: dict[Triple, Proof] = {}
        for premise in self.premises:
            for leaf in premise.leaf_tuple:
                seen.setdefault(leaf.triple, leaf)
        return tuple(seen.values())

    def source_graphs(self) -> list[URIRef]:
        """Every graph that states a premise the proof rests on, sorted."""
        return sorted({g for leaf in self.leaves() for g in leaf.where.graphs} - CLOSURE_GRAPHS)

    def every_derivation(self) -> Iterator[Proof]:
        """This proof and every sub-proof, through the alternatives too, each once."""
        seen: set[int] = set()
        pending = [self]
        while pending:
            proof = pending.pop()
            if id(proof) in seen:
                continue
            seen.add(id(proof))
            yield proof
            pending.extend(reversed(proof.alternatives))
            pending.extend(reversed(proof.premises))

    def other_leaves(self) -> list[Proof]:
        """The asserted statements that only equally short derivations rest on, each once.

        An alternative may be of the triple itself or of any premise on the way down: the
        akim of a region is appointed by the President through the oblast akim, whom two
        sources' rules have the President appoint.
        """
        return list(self.other_leaf_tuple)

    @functools.cached_property
    def other_leaf_tuple(self) -> tuple[Proof, ...]:
        """`other_leaves`, found once per proof."""
        own = {leaf.triple for leaf in self.leaf_tuple}
        found: dict[Triple, Proof] = {}
        for proof in self.every_derivation():
            if proof.asserted and proof.triple not in own and proof.triple not in found:
                found[proof.triple] = proof
        return tuple(found.values())

    def all_source_graphs(self) -> list[URIRef]:
        """The graphs that state the premises of this or any equally short derivation.

        That is of the triple itself or of any premise on the way down (`other_leaves`).
        """
        found = set(self.source_graphs())
        for leaf in self.other_leaves():
            found.update(leaf.where.graphs)
        return sorted(found - CLOSURE_GRAPHS)


class RuleFamily(Protocol):
    """A family of inference rules, able to find the rule applications that conclude a triple."""

    def steps(self, goals: Sequence[Triple]) -> list[Step]:
        """The rule applications concluding each goal whose premises hold.

        Args:
            goals: inferred triples.

        Returns:
            The steps found (any number per goal, none for a goal the family cannot derive).
        """

    def known(self, triple: Triple) -> Where | None:
        """Where a triple the family knows outside the dataset sits, or None.

        The OWL 2 RL family knows the whole schema closure, published or not.
        """


def n3(term: Node) -> str:
    """A term in SPARQL syntax.

    Raises:
        ValueError: the term is a blank node, which a query cannot name.
    """
    if isinstance(term, URIRef):
        if not SAFE_IRI.fullmatch(str(term)):
            raise ValueError(f"not an IRI a query can hold: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        lexical = '"' + str(term).translate(STRING_ESCAPES) + '"'
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype is not None:
            return f"{lexical}^^<{term.datatype}>"
        return lexical
    raise ValueError(f"a blank node cannot be written into a query: {term!r}")


def nameable(triple: Triple) -> bool:
    """Whether a query can name every term of a triple (no blank node)."""
    return not any(isinstance(term, BNode) for term in triple)


def short(term: Node) -> str:
    """A term as a prefixed name where a known prefix fits, for text output."""
    if isinstance(term, URIRef):
        return short_iri(str(term))
    if isinstance(term, Literal):
        return term.n3()
    return f"_:{term}"


DISPLAY_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [(name, str(ns)) for name, ns in PREFIXES.items()]
        + [
            ("rdf", str(RDF)),
            ("rdfs", str(RDFS)),
            ("owl", str(OWL)),
            ("prov", str(PROV)),
            ("skos", "http://www.w3.org/2004/02/skos/core#"),
            ("dcterms", "http://purl.org/dc/terms/"),
            ("foaf", "http://xmlns.com/foaf/0.1/"),
            ("xsd", "http://www.w3.org/2001/XMLSchema#"),
        ],
        key=lambda pair: -len(pair[1]),
    )
)


@functools.lru_cache(maxsize=8192)
def short_iri(text: str) -> str:
    """An IRI as a prefixed name where a known prefix fits, else in angle brackets.

    Kept by IRI (a proof names the same few dozen again and again, and a server sees the
    same vocabulary in every proof), at most 8,192 of them.
    """
    for prefix, namespace in DISPLAY_PREFIXES:
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>"


def show(triple: Triple, members: Sequence[Node] = ()) -> str:
    """A triple in one line of text; an RDF list object as its members, if given."""
    if members:
        listed = "(" + " ".join(short(m) for m in members) + ")"
        return f"{short(triple[0])} {short(triple[1])} {listed}"
    return " ".join(short(term) for term in triple)


# -- The dataset: where triples sit -------------------------------------------------------


class Facts(Protocol):
    """The dataset as the explainer reads it: quads matching a pattern."""

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Quad]:
        """The quads of the build's named graphs matching a pattern (None: any term)."""

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Triple]:
        """The distinct triples of the build's named graphs matching a pattern."""

    def schema(self) -> Iterable[Quad]:
        """The quads the rules are compiled from, read at once (their blank nodes agree)."""


def distinct_triples(quads: Iterable[Quad]) -> Iterator[Triple]:
    """The triples of some quads, each once."""
    seen: set[Triple] = set()
    for qs, qp, qo, _graph in quads:
        if (qs, qp, qo) not in seen:
            seen.add((qs, qp, qo))
            yield qs, qp, qo


def schema_patterns() -> list[tuple[None, URIRef, URIRef | None]]:
    """The patterns of the schema: its predicates, and the types of classes and properties."""
    patterns: list[tuple[None, URIRef, URIRef | None]] = [
        (None, URIRef(p), None) for p in sorted(READ_PREDICATES)
    ]
    patterns += [(None, TYPE, URIRef(t)) for t in sorted(READ_TYPES | CHARACTERISTIC_TYPES)]
    return patterns


# Graph names some stores hold beside the build's own graphs (the union and the asserted
# union as stored graphs): a statement "in" them is in no source.
DERIVED_GRAPHS = (URIRef(KZG["union"]), URIRef(KZG["asserted"]))


# What `StoreFacts.standing` answers: stated (in a graph other than the closures), held
# by the closures only, or not held. The graphs stand in for the true ones until read.
STATED = Where(frozenset({URIRef(KZG["asserted"])}), standing_only=True)
INFERRED_ONLY = Where(frozenset({INFERRED_GRAPH}), standing_only=True)
NOWHERE = Where(standing_only=True)


class DatasetFacts:
    """The facts of an rdflib Dataset in this process (the memory store's)."""

    def __init__(self, dataset: Dataset) -> None:
        """Read from a dataset."""
        self.dataset = dataset

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Quad]:
        """The quads matching a pattern."""
        for qs, qp, qo, graph in self.dataset.quads((s, p, o, None)):
            name = graph.identifier if isinstance(graph, Graph) else graph
            if isinstance(name, URIRef) and name not in DERIVED_GRAPHS:
                yield qs, qp, qo, name

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        """The distinct triples matching a pattern."""
        return distinct_triples(self.quads(s, p, o))

    def schema(self) -> Iterator[Quad]:
        """The schema's quads."""
        for pattern in schema_patterns():
            yield from self.quads(*pattern)


class StoreFacts:
    """The facts of an Oxigraph store (the Oxigraph backend's, or one loaded from a dump)."""

    def __init__(self, store: ox.Store) -> None:
        """Read from a store."""
        self.store = store
        self.converter = TermConverter()
        self.derived = {ox.NamedNode(str(name)) for name in DERIVED_GRAPHS}
        # kzgov's Oxigraph store holds every triple once more in its union graph: reading
        # distinct triples there decodes each once, not once per graph that holds it.
        union = ox.NamedNode(str(DERIVED_GRAPHS[0]))
        self.union = union if store.contains_named_graph(union) else None
        # ...and every triple of a graph other than the closures in its asserted graph.
        asserted = ox.NamedNode(str(DERIVED_GRAPHS[1]))
        self.asserted = asserted if store.contains_named_graph(asserted) else None
        # The closures' and union graphs' names decode to these very objects: a test of
        # `Where.asserted` then compares them by identity, not by rdflib's `__eq__`.
        for graph in (*sorted(CLOSURE_GRAPHS), *DERIVED_GRAPHS):
            self.converter.oxigraph_term(graph)
        # Named graphs as Oxigraph terms, made once (`graph_quads`, `closure_graphs`).
        self.graph_nodes: dict[URIRef, ox.NamedNode] = {}
        self.closures = [(graph, ox.NamedNode(str(graph))) for graph in sorted(CLOSURE_GRAPHS)]

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Quad]:
        """The quads matching a pattern."""
        to_ox, to_rdflib = self.converter.oxigraph_term, self.converter.rdflib_term
        pattern = [None if term is None else to_ox(term) for term in (s, p, o)]
        derived = self.derived
        for quad in self.store.quads_for_pattern(pattern[0], pattern[1], pattern[2], None):  # type: ignore[arg-type]
            graph = quad.graph_name
            if not isinstance(graph, ox.NamedNode) or graph in derived:
                continue
            yield (
                to_rdflib(quad.subject),
                to_rdflib(quad.predicate),
                to_rdflib(quad.object),
                cast(URIRef, to_rdflib(graph)),
            )

    def canonical(self, term: Node) -> Node:
        """The one object the store's answers use for an IRI (another term: itself).

        Triples are dictionary keys throughout a search: equal terms that are one object
        compare by identity, without rdflib's `__eq__` (a Python call each).
        """
        if type(term) is not URIRef:
            return term
        converter = self.converter
        return converter.rdflib_term(converter.oxigraph_term(term))

    def graph_quads(
        self, s: Node | None, p: Node | None, o: Node | None, graph: URIRef
    ) -> Iterator[Quad]:
        """The quads of one named graph matching a pattern.

        Only that graph's quads are decoded, not the copies the union graphs hold.
        """
        to_ox, to_rdflib = self.converter.oxigraph_term, self.converter.rdflib_term
        pattern = [None if term is None else to_ox(term) for term in (s, p, o)]
        name = self.graph_nodes.get(graph)
        if name is None:
            name = self.graph_nodes[graph] = ox.NamedNode(str(graph))
        for quad in self.store.quads_for_pattern(pattern[0], pattern[1], pattern[2], name):  # type: ignore[arg-type]
            yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object), graph

    def standing(self, triple: Triple) -> Where | None:
        """Whether a triple holds and whether a graph other than the closures states it.

        Two membership tests of the union graphs the served store holds, which decode
        nothing (`Where.standing_only`); None if the store holds no such graphs.
        """
        if self.union is None or self.asserted is None:
            return None
        to_ox = self.converter.oxigraph_term
        s, p, o = (to_ox(term) for term in triple)
        if ox.Quad(s, p, o, self.asserted) in self.store:  # type: ignore[arg-type]
            return STATED
        if ox.Quad(s, p, o, self.union) in self.store:  # type: ignore[arg-type]
            return INFERRED_ONLY
        return NOWHERE

    def closure_graphs(self, triple: Triple) -> frozenset[URIRef]:
        """The closures (kzg:inferred, kzg:temporal) that hold a triple: membership tests.

        For a triple `standing` found held by the closures only, these are all its graphs.
        """
        to_ox = self.converter.oxigraph_term
        s, p, o = (to_ox(term) for term in triple)
        return frozenset(
            graph
            for graph, name in self.closures
            if ox.Quad(s, p, o, name) in self.store  # type: ignore[arg-type]
        )

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        """The distinct triples matching a pattern."""
        if self.union is None:
            yield from distinct_triples(self.quads(s, p, o))
            return
        to_ox, to_rdflib = self.converter.oxigraph_term, self.converter.rdflib_term
        pattern = [None if term is None else to_ox(term) for term in (s, p, o)]
        if s is not None and p is not None and o is not None:
            # A membership test decodes nothing (a found quad costs a string lookup per
            # IRI); the terms given back are those decoding would give.
            if ox.Quad(pattern[0], pattern[1], pattern[2], self.union) in self.store:  # type: ignore[arg-type]
                yield to_rdflib(pattern[0]), to_rdflib(pattern[1]), to_rdflib(pattern[2])  # type: ignore[arg-type]
            return
        for quad in self.store.quads_for_pattern(pattern[0], pattern[1], pattern[2], self.union):  # type: ignore[arg-type]
            yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)

    def schema(self) -> Iterator[Quad]:
        """The schema's quads."""
        for pattern in schema_patterns():
            yield from self.quads(*pattern)


class SparqlFacts:
    """The facts of a store reached only by SPARQL (a remote endpoint), one query a pattern."""

    def __init__(self, select: Select) -> None:
        """Read by running SELECT queries."""
        self.select = select

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Quad]:
        """The quads matching a pattern (a pattern with a blank node matches nothing)."""
        terms = []
        for name, term in (("s", s), ("p", p), ("o", o)):
            if isinstance(term, BNode):
                return
            terms.append(f"?{name}" if term is None else n3(term))
        pattern = " ".join(terms)
        query = f"SELECT * WHERE {{ GRAPH ?g {{ {pattern} }} }}"
        for row in self.select(query):
            graph = row.get("g")
            if not isinstance(graph, URIRef) or graph in DERIVED_GRAPHS:
                continue
            found = (row.get("s", s), row.get("p", p), row.get("o", o))
            if all(term is not None for term in found):
                yield (found[0], found[1], found[2], graph)  # type: ignore[misc]

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        """The distinct triples matching a pattern."""
        return distinct_triples(self.quads(s, p, o))

    def schema(self) -> Iterator[Quad]:
        """The schema's quads, in one query: a store may name blank nodes anew per answer."""
        groups = [
            f"{{ GRAPH ?g {{ ?s {n3(p)} {'?o' if o is None else n3(o)} }}"
            f" BIND ({n3(p)} AS ?p){'' if o is None else f' BIND ({n3(o)} AS ?o)'} }}"
            for _s, p, o in schema_patterns()
        ]
        query = "SELECT ?s ?p ?o ?g WHERE {\n  " + "\n  UNION ".join(groups) + "\n}"
        for row in self.select(query):
            s, p, o, g = row.get("s"), row.get("p"), row.get("o"), row.get("g")
            if s is None or o is None or not isinstance(p, URIRef) or not isinstance(g, URIRef):
                continue
            if g not in DERIVED_GRAPHS:
                yield s, p, o, g


def passages(facts: Facts, node: Node, graph: URIRef) -> list[Literal]:
    """The `kz:sourcePassage` quotes a graph gives a node."""
    in_graph = getattr(facts, "graph_quads", None)
    found = (
        facts.quads(node, KZ.sourcePassage, None)
        if in_graph is None
        else in_graph(node, KZ.sourcePassage, None, graph)
    )
    return sorted(o for _s, _p, o, g in found if g == graph and isinstance(o, Literal))


def locate(facts: Facts, triples: Sequence[Triple], quoted: bool = True) -> dict[Triple, Where]:
    """Where each of some triples sits in the dataset (triples it lacks are left out).

    Args:
        facts: the dataset.
        triples: triples without blank nodes.
        quoted: whether to read the source passages too (`quote`).

    Returns:
        Each triple the dataset holds, with its graphs and, if quoted, source passages.
    """
    found: dict[Triple, Where] = {}
    for triple in triples:
        graphs = frozenset(g for *_t, g in facts.quads(*triple))
        if graphs:
            found[triple] = quote(facts, triple, Where(graphs)) if quoted else Where(graphs)
    return found


def quote(facts: Facts, triple: Triple, where: Where) -> Where:
    """Where a triple sits, with the source passages of what states it.

    The passages are those its subject has in each graph stating it, or else those of
    its object.
    """
    quotes: list[tuple[URIRef, Literal]] = []
    for end in (triple[0], triple[2]):
        if quotes or not isinstance(end, URIRef):
            continue
        for graph in sorted(where.graphs - {INFERRED_GRAPH}):
            quotes.extend((graph, quote) for quote in passages(facts, end, graph))
    return Where(where.graphs, tuple(quotes), where.unpublished, where.members)


# -- Backward rules ------------------------------------------------------------------------

Token = str | Node  # "?x", or a term


@dataclass(frozen=True)
class BackwardRule:
    """A rule in the form backward chaining needs: head, premise patterns, guards.

    Attributes:
        name: the rule's name in the OWL 2 RL specification.
        head: the conclusion's pattern.
        body: the premises' patterns.
        rows: values of some variables, each row one schema axiom the rule is compiled for.
        variables: the variables the rows bind.
        axioms: for each row, the schema triples it stands for (shown as premises) and the
            rule's exact name for it (prp-eqp1 rather than prp-spo1, say).
        condition: a SPARQL expression each solution must satisfy, or "".
        extra: SPARQL the solution must also match, not shown as premises (list members).
    """

    name: str
    head: tuple[Token, Token, Token]
    body: tuple[tuple[Token, Token, Token], ...]
    rows: tuple[tuple[Node, ...], ...] = ((),)
    variables: tuple[str, ...] = ()
    axioms: tuple[tuple[str, tuple[Triple, ...]], ...] = ()
    condition: str = ""
    extra: str = ""


def is_variable(token: Token) -> TypeGuard[str]:
    """Whether a token is a variable ("?x"), not a term (an rdflib term is a str subclass)."""
    return type(token) is str and token.startswith("?")


def same(first: Node, second: Node) -> bool:
    """Whether two terms are equal; the same object without calling rdflib's `__eq__`."""
    return first is second or first == second


def unify(pattern: tuple[Token, Token, Token], triple: Triple) -> dict[str, Node] | None:
    """The variable bindings that make a pattern the triple, or None if none do."""
    binding: dict[str, Node] = {}
    for token, term in zip(pattern, triple, strict=True):
        if is_variable(token):
            if not same(binding.setdefault(token, term), term):
                return None
        elif token != term:
            return None
    return binding


def substitute(token: Token, binding: Mapping[str, Node]) -> Token:
    """A token with its variable replaced by its binding, if bound."""
    if is_variable(token):
        return binding.get(str(token), str(token))
    return token


def render(token: Token, rename: Callable[[str], str], encode: Callable[[Node], str]) -> str:
    """A token in SPARQL: a renamed variable or an encoded term."""
    if is_variable(token):
        return rename(str(token))
    if isinstance(token, Node):
        return encode(token)
    raise ValueError(f"not a variable or a term: {token!r}")


@dataclass
class Branch:
    """One rule tried on one goal: a part of a backward query.

    Attributes:
        rule: the rule.
        goal: the goal.
        binding: what unifying the head with the goal bound.
        rows: the rule's rows that agree with the binding.
    """

    rule: BackwardRule
    goal: Triple
    binding: dict[str, Node]
    rows: list[int] = field(default_factory=list)


def branch_for(
    rule: BackwardRule, goal: Triple, candidates: Iterable[int] | None = None
) -> Branch | None:
    """The branch of a backward query that tries a rule on a goal, or None if it cannot apply.

    Only the rows numbered in `candidates` are tried, if given (`RuleIndex`).
    """
    binding = unify(rule.head, goal)
    if binding is None:
        return None
    rows = []
    numbers = range(len(rule.rows)) if candidates is None else candidates
    for number in numbers:
        row = rule.rows[number]
        agrees = all(
            same(binding.get(variable, value), value)
            for variable, value in zip(rule.variables, row, strict=True)
        )
        if agrees:
            rows.append(number)
    if not rows:
        return None
    return Branch(rule, goal, binding, rows)


def head_value(token: Token, values: Mapping[str, Node]) -> Node | None:
    """A term of a rule's head with a row's values put in; None for a variable left free."""
    if is_variable(token):
        return values.get(str(token))
    return cast(Node, token)


class RuleIndex:
    """The rows of some backward rules by the predicate and object their head concludes.

    A compiled rule has a row per schema axiom (cax-sco one per subclass axiom): a goal
    is tried only on the rows whose head, with the row's values put in, can conclude its
    predicate and object, instead of on every row of every rule.
    """

    def __init__(self, rules: Sequence[BackwardRule]) -> None:
        """Index the rows of the rules by head predicate and object (None: any)."""
        self.rules = rules
        self.rows: dict[tuple[Node | None, Node | None], list[tuple[int, int]]] = {}
        for rule_number, rule in enumerate(rules):
            for row_number, row in enumerate(rule.rows):
                values = dict(zip(rule.variables, row, strict=True))
                key = (head_value(rule.head[1], values), head_value(rule.head[2], values))
                self.rows.setdefault(key, []).append((rule_number, row_number))
        # The objects some row's head names: any other object is tried on the same rows.
        self.objects = {o for _p, o in self.rows if o is not None}
        # The candidates met so far (`candidates`), by predicate and object (or None).
        self.found: dict[tuple[Node, Node | None], list[tuple[int, list[int]]]] = {}

    def candidates(self, p: Node, o: Node) -> list[tuple[int, list[int]]]:
        """The rules that may conclude a predicate and object, each with its rows, in order."""
        named = o if o in self.objects else None
        found = self.found.get((p, named))
        if found is None:
            by_rule: dict[int, list[int]] = {}
            for key in dict.fromkeys(((p, named), (p, None), (None, named), (None, None))):
                for rule_number, row_number in self.rows.get(key, ()):
                    by_rule.setdefault(rule_number, []).append(row_number)
            found = [(number, sorted(rows)) for number, rows in sorted(by_rule.items())]
            self.found[(p, named)] = found
        return found

    def branches(self, goal: Triple) -> Iterator[tuple[int, Branch]]:
        """The branches that try each rule that may conclude a goal, in the rules' order.

        Each comes with its rule's number.
        """
        _s, p, o = goal
        for rule_number, rows in self.candidates(p, o):
            branch = branch_for(self.rules[rule_number], goal, rows)
            if branch is not None:
                yield rule_number, branch


def replace_variable(text: str, variable: str, value: str) -> str:
    """SPARQL text with every use of a variable replaced by a term's text."""
    return re.sub(re.escape(variable) + r"\b", lambda _match: value, text)


def branch_text(branch: Branch, index: int, encode: Callable[[Node], str]) -> str:
    """A branch as a SPARQL group, its variables renamed apart and ?branch bound to index."""

    def rename(variable: str) -> str:
        return f"?b{index}_{variable[1:]}"

    rule = branch.rule
    lines = []
    free = [v for v in rule.variables if v not in branch.binding]
    if free:
        positions = [rule.variables.index(v) for v in free]
        values = " ".join(
            "(" + " ".join(encode(rule.rows[n][i]) for i in positions) + ")" for n in branch.rows
        )
        lines.append(f"VALUES ({' '.join(rename(v) for v in free)}) {{ {values} }}")
    for pattern in rule.body:
        terms = [substitute(token, branch.binding) for token in pattern]
        lines.append(" ".join(render(token, rename, encode) for token in terms) + " .")
    if rule.extra:
        lines.append(VARIABLE.sub(lambda m: rename("?" + m.group(1)), rule.extra))
    condition = rule.condition
    if condition:
        for variable, value in branch.binding.items():
            condition = replace_variable(condition, variable, encode(value))
        lines.append(f"FILTER ({VARIABLE.sub(lambda m: rename('?' + m.group(1)), condition)})")
    lines.append(f"BIND ({index} AS ?branch)")
    return "{ " + "\n    ".join(lines) + " }"


def steps_from(
    branches: Sequence[Branch], rows: Iterable[dict[str, Node]], decode: Callable[[Node], Node]
) -> list[Step]:
    """The rule applications that a backward query's rows give."""
    steps: list[Step] = []
    seen: set[Step] = set()
    for row in rows:
        number = row.get("branch")
        if not isinstance(number, Literal):
            continue
        index = int(number.toPython())
        branch = branches[index]
        rule = branch.rule
        binding = dict(branch.binding)
        prefix = f"b{index}_"
        for name, value in row.items():
            if name.startswith(prefix):
                binding["?" + name[len(prefix) :]] = decode(value)
        row_values = None
        if rule.variables:
            values = tuple(binding[v] for v in rule.variables)
            matching = [n for n in branch.rows if tuple(rule.rows[n]) == values]
            row_values = matching[0] if matching else None
            if row_values is None:
                continue
        premises: list[Triple] = []
        for pattern in rule.body:
            s, p, o = (substitute(token, binding) for token in pattern)
            if is_variable(s) or is_variable(p) or is_variable(o):
                break
            premises.append(cast(Triple, (s, p, o)))
        else:
            name = rule.name
            if row_values is not None and rule.axioms:
                name, axioms = rule.axioms[row_values]
                premises.extend(axioms)
            elif rule.axioms:
                name, axioms = rule.axioms[0]
                premises.extend(axioms)
            if branch.goal in premises:
                continue  # a cycle: the goal used to derive itself
            step = Step(name, branch.goal, tuple(premises))
            if step not in seen:
                seen.add(step)
                steps.append(step)
    return steps


# -- OWL 2 RL -----------------------------------------------------------------------------

SC, SPO, EQC, EQP = RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty
DOM, RNG, TYPE = RDFS.domain, RDFS.range, RDF.type
MEMBER = f"?list <{RDF.rest}>*/<{RDF.first}> ?member ."

# The schema rules of Table 9, backward. scm-hv, scm-svf* and scm-avf* (restrictions,
# which kzgov's ontology does not use) are left out: a triple only they derive has no
# derivation, and the tests say so.
SCHEMA_RULES: tuple[BackwardRule, ...] = (
    BackwardRule("scm-cls", ("?c", SC, OWL.Thing), (("?c", TYPE, OWL.Class),)),
    BackwardRule("scm-cls", (OWL.Nothing, SC, "?c"), (("?c", TYPE, OWL.Class),)),
    BackwardRule(
        "scm-sco",
        ("?c1", SC, "?c3"),
        (("?c1", SC, "?c2"), ("?c2", SC, "?c3")),
        condition="?c1 != ?c2 && ?c2 != ?c3 && ?c1 != ?c3",
    ),
    BackwardRule("scm-eqc1", ("?c1", SC, "?c2"), (("?c1", EQC, "?c2"),), condition="?c1 != ?c2"),
    BackwardRule("scm-eqc1", ("?c2", SC, "?c1"), (("?c1", EQC, "?c2"),), condition="?c1 != ?c2"),
    BackwardRule(
        "scm-eqc2",
        ("?c1", EQC, "?c2"),
        (("?c1", SC, "?c2"), ("?c2", SC, "?c1")),
        condition="?c1 != ?c2",
    ),
    BackwardRule(
        "scm-spo",
        ("?p1", SPO, "?p3"),
        (("?p1", SPO, "?p2"), ("?p2", SPO, "?p3")),
        condition="?p1 != ?p2 && ?p2 != ?p3 && ?p1 != ?p3",
    ),
    BackwardRule("scm-eqp1", ("?p1", SPO, "?p2"), (("?p1", EQP, "?p2"),), condition="?p1 != ?p2"),
    BackwardRule("scm-eqp1", ("?p2", SPO, "?p1"), (("?p1", EQP, "?p2"),), condition="?p1 != ?p2"),
    BackwardRule(
        "scm-eqp2",
        ("?p1", EQP, "?p2"),
        (("?p1", SPO, "?p2"), ("?p2", SPO, "?p1")),
        condition="?p1 != ?p2",
    ),
    BackwardRule(
        "scm-dom1",
        ("?p", DOM, "?c2"),
        (("?p", DOM, "?c1"), ("?c1", SC, "?c2")),
        condition="?c1 != ?c2",
    ),
    BackwardRule(
        "scm-dom2",
        ("?p1", DOM, "?c"),
        (("?p2", DOM, "?c"), ("?p1", SPO, "?p2")),
        condition="?p1 != ?p2",
    ),
    BackwardRule(
        "scm-rng1",
        ("?p", RNG, "?c2"),
        (("?p", RNG, "?c1"), ("?c1", SC, "?c2")),
        condition="?c1 != ?c2",
    ),
    BackwardRule(
        "scm-rng2",
        ("?p1", RNG, "?c"),
        (("?p2", RNG, "?c"), ("?p1", SPO, "?p2")),
        condition="?p1 != ?p2",
    ),
    BackwardRule(
        "scm-int", ("?c", SC, "?member"), (("?c", OWL.intersectionOf, "?list"),), extra=MEMBER
    ),
    BackwardRule("scm-uni", ("?member", SC, "?c"), (("?c", OWL.unionOf, "?list"),), extra=MEMBER),
)


class Placeholders:
    """Blank nodes and literals of the schema as IRIs, and back."""

    def __init__(self) -> None:
        """Start with none."""
        self.iri_of: dict[Node, URIRef] = {}
        self.term_of: dict[URIRef, Node] = {}

    def encode(self, term: Node) -> URIRef:
        """The term itself if an IRI, else its placeholder."""
        if isinstance(term, URIRef):
            return term
        iri = self.iri_of.get(term)
        if iri is None:
            prefix = LITERAL_PREFIX if isinstance(term, Literal) else BLANK_PREFIX
            iri = URIRef(f"{prefix}{len(self.iri_of)}")
            self.iri_of[term] = iri
            self.term_of[iri] = term
        return iri

    def decode(self, term: Node) -> Node:
        """The term a placeholder stands for, or the term itself."""
        if isinstance(term, URIRef):
            return self.term_of.get(term, term)
        return term

    @staticmethod
    def is_literal(term: Node) -> bool:
        """Whether an IRI is a literal's placeholder."""
        return str(term).startswith(LITERAL_PREFIX)


def ox_term(term: Node) -> ox.NamedNode:
    """An IRI (or placeholder IRI) as an Oxigraph term."""
    return ox.NamedNode(str(term))


def rdflib_term(term: Any) -> Node:
    """An Oxigraph named node as an rdflib IRI."""
    return URIRef(term.value)


class OwlRlFamily:
    """The OWL 2 RL rules the build's reasoners fire, run backward on the dataset.

    Attributes:
        facts: the dataset.
        placeholders: the schema's blank nodes and literals as IRIs.
        schema: the schema closure (encoded), each triple with where it sits.
        rules: the instance rules, backward.
    """

    def __init__(self, facts: Facts) -> None:
        """Read the schema from the dataset, close it and compile the rules.

        Args:
            facts: the dataset.
        """
        self.facts = facts
        # The rules' terms as the dataset's own objects (`StoreFacts.canonical`), if it has them.
        self.canonical: Callable[[Node], Node] = getattr(facts, "canonical", lambda term: term)
        self.placeholders = Placeholders()
        encode = self.placeholders.encode
        graphs_of: dict[Triple, set[URIRef]] = {}
        for s, p, o, g in facts.schema():
            graphs_of.setdefault((encode(s), p, encode(o)), set()).add(g)
        closure = schema_closure(set(graphs_of), self.placeholders.is_literal)
        by_predicate, _typed = split(closure)
        first, rest = by_predicate[RDF.first], by_predicate[RDF.rest]
        decode = self.placeholders.decode

        def members(triple: Triple) -> tuple[Node, ...]:
            if triple[1] not in (OWL.propertyChainAxiom, OWL.intersectionOf, OWL.unionOf):
                return ()
            return tuple(decode(m) for m in read_list(triple[2], first, rest))

        self.schema: dict[Triple, Where] = {
            triple: Where(
                frozenset(graphs_of.get(triple, ())), (), triple not in graphs_of, members(triple)
            )
            for triple in closure
        }
        self.store = ox.Store()
        self.store.extend(
            ox.Quad(ox_term(s), ox_term(p), ox_term(o), ox.DefaultGraph()) for s, p, o in closure
        )
        compiled = instance_rules(closure, self.placeholders.is_literal, LITERAL_PREFIX)
        has_same_as = next(iter(facts.quads(None, OWL.sameAs, None)), None) is not None
        self.rules = [
            self.backward(rule, closure)
            for rule in compiled
            if has_same_as or not rule.name.startswith("eq-")
        ]
        self.index = RuleIndex(self.rules)
        # Each rule's premise patterns, each token with whether it is a variable.
        self.templates: list[tuple[tuple[tuple[Token, bool], ...], ...]] = [
            tuple(tuple((t, is_variable(t)) for t in pattern) for pattern in rule.body)
            for rule in self.rules
        ]
        # The schema rule applications concluding each schema goal met so far.
        self.schema_steps_of: dict[Triple, list[Step]] = {}

    def backward(self, rule: Rule, closure: set[Triple]) -> BackwardRule:
        """A compiled instance rule in backward form, with the axiom each row stands for."""
        decode, canonical = self.placeholders.decode, self.canonical

        def term(token: Any) -> Token:
            return token if isinstance(token, str) else canonical(decode(rdflib_term(token)))

        head = (term(rule.head[0]), term(rule.head[1]), term(rule.head[2]))
        body = tuple((term(a), term(b), term(c)) for a, b, c in rule.body)
        rows = tuple(
            tuple(canonical(decode(rdflib_term(value))) for value in row) for row in rule.rows
        )
        base = rule.name.split(" ")[0]
        axioms = tuple(
            (name, tuple(cast(Triple, tuple(map(canonical, axiom))) for axiom in triples))
            for name, triples in (
                self.axioms_for(base, rule, tuple(rdflib_term(v) for v in row), closure)
                for row in rule.rows
            )
        )
        return BackwardRule(
            base, head, body, rows, rule.variables, axioms, condition=rule.condition
        )

    def axioms_for(
        self, base: str, rule: Rule, row: tuple[Node, ...], closure: set[Triple]
    ) -> tuple[str, tuple[Triple, ...]]:
        """The schema axiom a row of a compiled rule stands for, and the rule's exact name."""
        decode = self.placeholders.decode
        values = dict(zip(rule.variables, row, strict=True))

        def held(*candidates: tuple[str, Triple]) -> tuple[str, tuple[Triple, ...]]:
            for name, triple in candidates:
                if triple in closure:
                    return name, (tuple(decode(t) for t in triple),)  # type: ignore[return-value]
            return base, ()

        if base in ("prp-dom", "prp-rng"):
            axiom = DOM if base == "prp-dom" else RNG
            return held((base, (values["?p"], axiom, values["?c"])))
        characteristic = {
            "prp-symp": OWL.SymmetricProperty,
            "prp-trp": OWL.TransitiveProperty,
            "prp-fp": OWL.FunctionalProperty,
            "prp-ifp": OWL.InverseFunctionalProperty,
        }
        if base in characteristic:
            return held((base, (values["?p"], TYPE, characteristic[base])))
        if base == "prp-spo1":
            p, q = values["?p"], values["?q"]
            return held(
                ("prp-spo1", (p, SPO, q)), ("prp-eqp1", (p, EQP, q)), ("prp-eqp2", (q, EQP, p))
            )
        if base == "prp-inv":
            p, q = values["?p"], values["?q"]
            return held(("prp-inv1", (p, OWL.inverseOf, q)), ("prp-inv2", (q, OWL.inverseOf, p)))
        if base == "cax-sco":
            c, d = values["?c"], values["?d"]
            found = held(
                ("cax-sco", (c, SC, d)), ("cax-eqc1", (c, EQC, d)), ("cax-eqc2", (d, EQC, c))
            )
            if found[1]:
                return found
            by_predicate, _typed = split(closure)
            first, rest = by_predicate[RDF.first], by_predicate[RDF.rest]
            for head in by_predicate[OWL.intersectionOf].get(c, ()):
                if d in read_list(head, first, rest):
                    return "cls-int2", ((decode(c), OWL.intersectionOf, decode(head)),)
            for head in by_predicate[OWL.unionOf].get(d, ()):
                if c in read_list(head, first, rest):
                    return "cls-uni", ((decode(d), OWL.unionOf, decode(head)),)
            return found
        if base in ("prp-spo2", "cls-int1"):
            # The rule's name lists the axiom's terms: the property (class), then the list.
            terms = [URIRef(part) for part in rule.name.split(" ")[1:]]
            axiom = OWL.propertyChainAxiom if base == "prp-spo2" else OWL.intersectionOf
            by_predicate, _typed = split(closure)
            first, rest = by_predicate[RDF.first], by_predicate[RDF.rest]
            for head in sorted(by_predicate[axiom].get(terms[0], ()), key=str):
                if read_list(head, first, rest) == terms[1:]:
                    return base, ((decode(terms[0]), axiom, decode(head)),)
        return base, ()

    def known(self, triple: Triple) -> Where | None:
        """Where a schema triple sits (None for a triple outside the schema closure)."""
        encode = self.placeholders.encode
        s, p, o = triple
        if (
            isinstance(s, URIRef)
            and isinstance(o, URIRef)
            and not str(p).startswith(SCHEMA_NAMESPACES)
        ):
            return None  # not a schema triple: a fact of the data
        return self.schema.get((encode(s), p, encode(o)))

    def steps(self, goals: Sequence[Triple]) -> list[Step]:
        """The schema and instance rule applications that conclude each goal."""
        steps = self.schema_steps([g for g in goals if self.known(g) is not None])
        steps.extend(self.instance_steps([g for g in goals if nameable(g)]))
        return steps

    def schema_steps(self, goals: Sequence[Triple]) -> list[Step]:
        """Schema rules (Table 9) applied backward on the schema closure.

        The schema is the same for every explanation: each goal's steps are found once.
        """
        steps: list[Step] = []
        for goal in goals:
            found = self.schema_steps_of.get(goal)
            if found is None:
                found = self.schema_steps_for(goal)
                self.schema_steps_of[goal] = found
            steps.extend(found)
        return steps

    def schema_steps_for(self, goal: Triple) -> list[Step]:
        """The schema rule applications that conclude one goal."""
        encode = self.placeholders.encode

        def name(term: Node) -> str:
            return f"<{encode(term)}>"

        branches = [b for rule in SCHEMA_RULES if (b := branch_for(rule, goal))]
        if not branches:
            return []
        text = (
            "SELECT * WHERE {\n  "
            + "\n  UNION ".join(branch_text(b, i, name) for i, b in enumerate(branches))
            + f"\n}} LIMIT {MAX_STEPS_PER_GOAL}"
        )
        answer = self.query(text)
        variables = [variable.value for variable in answer.variables]
        rows = []
        for solution in answer:
            row: dict[str, Node] = {}
            for variable, value in zip(variables, solution, strict=True):
                if isinstance(value, ox.NamedNode):
                    row[variable] = rdflib_term(value)
                elif isinstance(value, ox.Literal):
                    row[variable] = Literal(int(value.value))
            rows.append(row)
        return steps_from(branches, rows, self.placeholders.decode)

    def query(self, text: str) -> ox.QuerySolutions:
        """A SELECT on the local schema store."""
        answer = self.store.query(text)
        if not isinstance(answer, ox.QuerySolutions):
            raise TypeError("not a SELECT query")
        return answer

    def instance_steps(self, goals: Sequence[Triple]) -> list[Step]:
        """Instance rules (Tables 4 to 8) applied backward on the dataset."""
        steps: list[Step] = []
        for goal in goals:
            found: list[Step] = []
            for rule_number, branch in self.index.branches(goal):
                rule = branch.rule
                for number in branch.rows:
                    if len(found) >= MAX_STEPS_PER_GOAL:
                        break  # no row tried after this finds a step: skip their lookups
                    binding = dict(branch.binding)
                    binding.update(zip(rule.variables, rule.rows[number], strict=True))
                    name, axioms = rule.axioms[number] if rule.axioms else (rule.name, ())
                    for solution in solve(self.facts, rule.body, binding):
                        if len(found) >= MAX_STEPS_PER_GOAL:
                            break
                        if not condition_holds(rule.condition, solution):
                            continue
                        premises = tuple(
                            cast(
                                Triple,
                                tuple(solution[cast(str, t)] if v else t for t, v in pattern),
                            )
                            for pattern in self.templates[rule_number]
                        )
                        if goal not in premises:
                            found.append(Step(name, goal, premises + axioms))
            steps.extend(dict.fromkeys(found))
        return steps


NOT_EQUAL = re.compile(r"(\?\w+)\s*!=\s*(\?\w+)")
STRING_OF = re.compile(r"STR\((\?\w+)\)")


def condition_holds(condition: str, binding: Mapping[str, Node]) -> bool:
    """Whether a rule's condition holds of a solution.

    The conditions of the compiled rules are conjunctions of `?a != ?b`, and eq-rep-p's
    test that the term put in a predicate's place is no literal.
    """
    if not condition:
        return True
    unequal, no_literal = condition_parts(condition)
    for first, second in unequal:
        if binding.get(first) == binding.get(second):
            return False
    return not any(isinstance(binding.get(variable), Literal) for variable in no_literal)


@functools.cache
def condition_parts(condition: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """A rule's condition read once: the variables that must differ, and those no literal."""
    unequal = tuple(NOT_EQUAL.findall(condition))
    no_literal = tuple(STRING_OF.findall(condition)) if "STRSTARTS" in condition else ()
    return unequal, no_literal


def solve(
    facts: Facts, patterns: Sequence[tuple[Token, Token, Token]], binding: dict[str, Node]
) -> Iterator[dict[str, Node]]:
    """Every extension of a binding under which all patterns hold in the dataset.

    The most bound pattern (the first of the most bound) is matched first, each match
    binding its variables for the rest; the solutions come in the dataset's order.
    """
    if not patterns:
        yield binding
        return
    best = 0
    if len(patterns) > 1:
        most = -1
        for index, candidate in enumerate(patterns):
            count = sum(1 for t in candidate if not is_variable(t) or t in binding)
            if count > most:
                best, most = index, count
    pattern = patterns[best]
    rest = (*patterns[:best], *patterns[best + 1 :])
    # The pattern's terms, its variables put in where bound; the unbound ones.
    terms: list[Node | None] = []
    free: list[tuple[int, str]] = []
    for position, token in enumerate(pattern):
        if type(token) is str and token.startswith("?"):  # is_variable, inlined
            value = binding.get(token)
            terms.append(value)
            if value is None:
                free.append((position, token))
        else:
            terms.append(cast(Node, token))
    found_triples = facts.triples(terms[0], terms[1], terms[2])
    if not free:  # a membership test: a match binds nothing new
        for _found in found_triples:
            if rest:
                yield from solve(facts, rest, binding)
            else:
                yield binding
        return
    for found in found_triples:
        extended = dict(binding)
        for position, variable in free:
            value = found[position]
            if not same(extended.setdefault(variable, value), value):
                break  # a variable twice in the pattern, matched by two terms
        else:
            if rest:
                yield from solve(facts, rest, extended)
            else:
                yield extended


# -- The search ---------------------------------------------------------------------------


class TemporalFamily:
    """The temporal closure's rules (`kz:temporal-...`), read from graph kzg:temporal.

    The build records each derivation there (`kzgov.reasoning.temporal`) with its rule
    (`kz:derivationRule`) and premises (`prov:wasDerivedFrom`), so nothing is searched:
    every triple of a derivation node follows by its rule from its premises' triples. A
    premise that is a derivation stands by its `kz:relationPredicate` triple (explained in
    turn); a rule node by the triple hanging it off the post and the one naming its party;
    a qualified relation by the three triples naming its relation; a source graph by the
    plain triple it states.

    Attributes:
        facts: the dataset.
    """

    def __init__(self, facts: Facts) -> None:
        """Explain the temporal closure of a dataset.

        Args:
            facts: the dataset.
        """
        self.facts = facts

    def known(self, triple: Triple) -> Where | None:
        """Nothing: every triple of the temporal closure is published."""
        return None

    def own(self, node: Node, predicate: Node | None) -> list[Quad]:
        """The triples graph kzg:temporal states about a derivation node."""
        return [q for q in self.facts.quads(node, predicate, None) if q[3] == TEMPORAL_GRAPH]

    def steps(self, goals: Sequence[Triple]) -> list[Step]:
        """The derivation that concludes each goal about a kzg:temporal derivation node."""
        found: list[Step] = []
        for goal in goals:
            node = goal[0]
            if not isinstance(node, URIRef) or not str(node).startswith(TEMPORAL_DERIVATION_NS):
                continue
            quads = self.own(node, None)
            values = {p: o for _s, p, o, _g in quads if p != PROV.wasDerivedFrom}
            rule = values.get(KZ.derivationRule)
            relation = tuple(values.get(part) for part in RELATION_PARTS)
            if not isinstance(rule, URIRef) or any(part is None for part in relation):
                continue
            s, p, o = cast(Triple, relation)
            premises: list[Triple] = []
            for _s, _p, premise, _g in quads:
                if _p == PROV.wasDerivedFrom:
                    premises.extend(self.premise_triples(premise, rule, (s, p, o)))
            if premises:
                name = "kz:" + str(rule).removeprefix(str(KZ))
                found.append(Step(name, goal, tuple(dict.fromkeys(premises))))
        return found

    def premise_triples(self, premise: Node, rule: URIRef, relation: Triple) -> list[Triple]:
        """The triples that stand for one premise of a derivation of a relation."""
        s, p, o = relation
        if str(premise).startswith(TEMPORAL_DERIVATION_NS):
            named: list[Triple] = [
                (premise, KZ.relationPredicate, q)
                for _s, _p, q, _g in self.own(premise, KZ.relationPredicate)
            ]
            return named[:1]
        if rule == KZ["temporal-rule"]:
            found: list[Triple] = []
            for hanging, (party, relation_property) in TEMPORAL_RULE_RELATIONS.items():
                if relation_property == p and any(
                    True for _q in self.facts.quads(s, hanging, premise)
                ):
                    found += [(s, hanging, premise), (premise, party, o)]
            return found
        if any(True for _q in self.facts.quads(premise, RDF.type, KZ.QualifiedRelation)):
            return [
                (premise, part, value) for part, value in zip(RELATION_PARTS, relation, strict=True)
            ]
        return [relation]


class Explainer:
    """Explains triples of one dataset: finds each one's shortest well-founded proof.

    Attributes:
        facts: the dataset.
        families: the rule families that derive the dataset's inferred triples.
    """

    def __init__(self, facts: Facts, families: Sequence[RuleFamily] | None = None) -> None:
        """Set up explanations of a dataset.

        Args:
            facts: the dataset.
            families: the rule families (default: OWL 2 RL and the temporal closure).
        """
        self.facts = ReadOnce(facts)
        self.families: list[RuleFamily] = (
            list(families)
            if families is not None
            else [OwlRlFamily(self.facts), TemporalFamily(self.facts)]
        )
        # Where each schema triple sits, once read: the schema is the same for every request.
        self.schema_where: dict[Triple, Where] = {}

    def locate(self, triples: Iterable[Triple]) -> dict[Triple, Where]:
        """Where each of some triples sits: in a family's knowledge, or in the dataset.

        A triple of the dataset comes without its source passages (`quote` reads them
        for the triples a proof shows); a schema triple with them, kept for every request.
        """
        found: dict[Triple, Where] = {}
        ask: list[Triple] = []
        schema: list[Triple] = []
        for triple in dict.fromkeys(triples):
            if triple in self.schema_where:
                found[triple] = self.schema_where[triple]
                continue
            known = next((w for f in self.families if (w := f.known(triple)) is not None), None)
            if known is not None and (known.unpublished or not nameable(triple)):
                found[triple] = known
            elif nameable(triple):
                ask.append(triple)
                if known is not None:
                    schema.append(triple)
        data = [t for t in ask if t not in set(schema)]
        unread = []
        for triple in data:
            standing = self.facts.standing(triple)
            if standing is None:
                unread.append(triple)
            elif standing.holds:
                found[triple] = standing
        found.update(locate(self.facts, unread, quoted=False))
        for triple, where in locate(self.facts, schema).items():
            found[triple] = self.schema_where[triple] = where
        return found

    def explain(self, triple: Triple) -> Proof:
        """The proof of a triple: a leaf if asserted, else its shortest derivation.

        Args:
            triple: the triple.

        Returns:
            The proof.

        Raises:
            NotInDataset: the dataset does not hold the triple.
            NoDerivation: it is inferred, but no rule application was found.
        """
        proofs = self.explain_all([triple])
        if triple not in proofs:
            raise NoDerivation(f"no rule derives {show(triple)} from the dataset")
        return proofs[triple]

    def explain_all(self, triples: Sequence[Triple]) -> dict[Triple, Proof]:
        """The proofs of some triples, searched together (one query serves many goals).

        Args:
            triples: the triples.

        Returns:
            The proof of each triple that has one (an inferred triple for which no rule
            application was found is left out).

        Raises:
            NotInDataset: the dataset does not hold one of the triples.
        """
        with self.facts.session():
            return self.search(triples)

    def search(self, triples: Sequence[Triple]) -> dict[Triple, Proof]:
        """The proofs of some triples (`explain_all`, within a session of reads)."""
        triples = [cast(Triple, tuple(map(self.facts.canonical, t))) for t in triples]
        where = self.locate(triples)
        for triple in triples:
            if triple not in where or not where[triple].holds:
                raise NotInDataset(f"the dataset holds no triple {show(triple)}")
        goals = [t for t in dict.fromkeys(triples) if not where[t].asserted]
        steps_of: dict[Triple, list[Step]] = {}
        keys: dict[Step, TieKey] = {}
        ranked: tuple[dict[Triple, int], dict[Triple, Step]] | None = None
        frontier = goals
        for _round in range(MAX_ROUNDS):
            fresh = [t for t in frontier if t not in steps_of]
            if not fresh or len(steps_of) + len(fresh) > MAX_GOALS * max(1, len(goals)):
                break
            for goal in fresh:
                steps_of[goal] = []
            for family in self.families:
                for step in family.steps(fresh):
                    steps_of[step.conclusion].append(step)
            premises = {p for goal in fresh for step in steps_of[goal] for p in step.premises}
            where.update(self.locate(p for p in premises if p not in where))
            for goal in fresh:
                steps_of[goal] = [
                    s
                    for s in steps_of[goal]
                    if all(p in where and where[p].holds for p in s.premises)
                ]
            ranked = ranks(steps_of, where, keys)
            if all(goal in ranked[0] for goal in goals):
                break
            frontier = sorted(
                {
                    p
                    for goal in fresh
                    for step in steps_of[goal]
                    for p in step.premises
                    if not where[p].asserted and p not in steps_of
                },
                key=str,
            )
        # The ranks of the last round hold: nothing was found since.
        rank, best = ranked if ranked is not None else ranks(steps_of, where, keys)
        shortest = shortest_steps(steps_of, where, rank, best)
        # The source passages of every triple the proofs show, read now for those only.
        shown = dict.fromkeys(t for t in triples if t in rank)
        queue = list(shown)
        while queue:
            for step in shortest.get(queue.pop(), ()):
                fresh = [p for p in step.premises if p not in shown]
                shown.update(dict.fromkeys(fresh))
                queue.extend(fresh)
        for triple in shown:
            here = where[triple]
            if triple in self.schema_where or not nameable(triple):
                continue
            if here.standing_only:
                where[triple] = self.read_where(triple, here)
            elif not here.quotes:
                where[triple] = quote(self.facts, triple, here)
        built: dict[Triple, Proof] = {}
        return {
            triple: build_proof(triple, shortest, where, built)
            for triple in dict.fromkeys(triples)
            if triple in rank
        }

    def read_where(self, triple: Triple, standing: Where) -> Where:
        """Where a triple `standing` found held sits: its graphs and source passages.

        A triple held by the closures only is in those of them that membership tests
        find (nothing decoded); another is read whole.
        """
        if standing is INFERRED_ONLY:
            graphs = self.facts.closure_graphs(triple)
            if graphs:
                return quote(self.facts, triple, Where(graphs))
        return locate(self.facts, [triple])[triple]


# The order among steps of equal height (`tie_break`).
TieKey = tuple[str, tuple[tuple[str, ...], ...]]


def tie_break(step: Step) -> TieKey:
    """The order among steps of equal height: by rule name, then by premises (as N3).

    Blank nodes all read "_:", as their labels differ from one load of the data to another.
    """
    return step.rule, tuple(tuple(tie_text(term) for term in premise) for premise in step.premises)


def tie_text(term: Node) -> str:
    """A term's text for `tie_break`: N3, but "_:" for any blank node."""
    if isinstance(term, URIRef):
        return f"<{term}>"  # URIRef.n3, without its check of an IRI the store holds
    return "_:" if isinstance(term, BNode) else term.n3()


def ranks(
    steps_of: Mapping[Triple, list[Step]],
    where: Mapping[Triple, Where],
    keys: dict[Step, TieKey] | None = None,
) -> tuple[dict[Triple, int], dict[Triple, Step]]:
    """The height of each triple's shortest proof from the steps found, and that step.

    Asserted triples rank 0; a step gives its conclusion 1 + its highest premise's rank;
    iterated to a fixpoint (every rank only decreases, so it ends). Of two steps of the
    same height the one first by `tie_break` wins, whatever order the store listed the
    facts in: the command line and /explain, on any store, give the same proof.
    """
    known = {} if keys is None else keys

    def tie_key(step: Step) -> TieKey:
        key = known.get(step)
        if key is None:
            key = known[step] = tie_break(step)
        return key

    rank: dict[Triple, int] = {t: 0 for t, w in where.items() if w.asserted}
    best: dict[Triple, Step] = {}
    changed = True
    while changed:
        changed = False
        for conclusion, steps in steps_of.items():
            for step in steps:
                # 1 + the highest rank of its premises, if all are ranked (one pass).
                highest = 0
                for premise in step.premises:
                    premise_rank = rank.get(premise)
                    if premise_rank is None:
                        break
                    if premise_rank > highest:
                        highest = premise_rank
                else:
                    height = 1 + highest
                    current = rank.get(conclusion, height + 1)
                    if height < current or (
                        height == current
                        and conclusion in best
                        and tie_key(step) < tie_key(best[conclusion])
                    ):
                        rank[conclusion] = height
                        best[conclusion] = step
                        changed = True
    return rank, best


def shortest_steps(
    steps_of: Mapping[Triple, list[Step]],
    where: Mapping[Triple, Where],
    rank: Mapping[Triple, int],
    best: Mapping[Triple, Step],
) -> dict[Triple, list[Step]]:
    """The steps of each ranked inferred triple whose height is its rank.

    The best step comes first, then the others by `tie_break`.
    """
    shortest: dict[Triple, list[Step]] = {}
    for triple, step in best.items():
        if where.get(triple, Where()).asserted:
            continue
        others = sorted(
            (
                other
                for other in steps_of.get(triple, ())
                if other is not step
                and all(p in rank for p in other.premises)
                and 1 + max((rank[p] for p in other.premises), default=0) == rank[triple]
            ),
            key=tie_break,
        )
        shortest[triple] = [step, *others]
    return shortest


def build_proof(
    triple: Triple,
    shortest: Mapping[Triple, list[Step]],
    where: Mapping[Triple, Where],
    built: dict[Triple, Proof],
) -> Proof:
    """The proof of a ranked triple by its best step, with its other shortest derivations.

    Every inferred triple of the proof, premise or not, carries its alternatives: a
    premise proven in two ways shows both. Each triple's proof is built once (`built`)
    and shared wherever the triple recurs.
    """
    if triple in built:
        return built[triple]
    here = where.get(triple, Where())
    steps = shortest.get(triple)
    if not steps or here.asserted:
        proof = Proof(triple, None, here)
    else:
        first, *others = (
            Proof(
                triple,
                step.rule,
                here,
                tuple(build_proof(p, shortest, where, built) for p in step.premises),
            )
            for step in steps
        )
        proof = Proof(triple, first.rule, here, first.premises, tuple(others))
    built[triple] = proof
    return proof


# -- Reading a triple ----------------------------------------------------------------------


class BadTerm(KzgovError):
    """A subject, predicate or object the user gave that is no RDF term."""


def known_prefixes() -> dict[str, str]:
    """The prefixes a triple to explain may use: the same as every query (QUERY_PREFIXES)."""
    return {name: str(namespace) for name, namespace in QUERY_PREFIXES.items()}


def parse_term(text: str, role: str) -> Node:
    """A term from its text: `<IRI>`, an absolute IRI, a prefixed name, or a literal.

    Args:
        text: the text, such as `kz:appointedBy`, `<https://...>`, `"1990"^^xsd:gYear`.
        role: "subject", "predicate" or "object", for the message.

    Returns:
        The term.

    Raises:
        BadTerm: the text is none of these, or a literal in a subject's or predicate's place.
    """
    value = text.strip()
    prefixes = known_prefixes()
    if value.startswith('"'):
        if role != "object":
            raise BadTerm(f"the {role} cannot be a literal: {text!r}")
        match = re.fullmatch(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^(\S+))?', value)
        if match is None:
            raise BadTerm(f'the {role} {text!r} is not a literal such as "1990"^^xsd:gYear')
        lexical = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), match[1])
        if match[2]:
            return Literal(lexical, lang=match[2])
        if match[3]:
            datatype = parse_term(match[3], "datatype")
            return Literal(lexical, datatype=str(datatype))
        return Literal(lexical)
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    elif ":" in value and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        prefix, _colon, local = value.partition(":")
        if prefix not in prefixes:
            known = ", ".join(sorted(prefixes))
            raise BadTerm(
                f"the {role} {text!r} uses the unknown prefix {prefix!r}; the prefixes are: {known}"
            )
        value = prefixes[prefix] + local
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]+", value):
        raise BadTerm(
            f"the {role} {text!r} is not an IRI (<https://...>), a prefixed name (kz:appointedBy)"
            + (" or a literal" if role == "object" else "")
        )
    return URIRef(value)


def parse_triple(subject: str, predicate: str, obj: str) -> Triple:
    """A triple from the text of its three terms (see `parse_term`)."""
    return (
        parse_term(subject, "subject"),
        parse_term(predicate, "predicate"),
        parse_term(obj, "object"),
    )


# -- Writing a proof -----------------------------------------------------------------------


def rule_iri(rule: str) -> URIRef:
    """The IRI of an inference rule, such as kzid:inference-rule/prp-spo2."""
    return URIRef(f"{INFERENCE_RULE}{rule.replace(':', '-')}")


def term_json(term: Node) -> dict[str, str]:
    """A term as SPARQL 1.1 Query Results JSON writes it."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, Literal):
        cell = {"type": "literal", "value": str(term)}
        if term.language:
            cell["xml:lang"] = term.language
        elif term.datatype is not None:
            cell["datatype"] = str(term.datatype)
        return cell
    return {"type": "bnode", "value": str(term)}


def proof_json(proof: Proof, top: bool = True) -> dict[str, Any]:
    """A proof as JSON: the triple, the rule, where it is stated and the premises' proofs.

    The top of an inferred triple's proof also lists, as `alternativeStatements`, the
    statements only its equally short derivations rest on (`Proof.other_leaves`).
    """
    s, p, o = proof.triple
    document: dict[str, Any] = {
        "triple": {"s": term_json(s), "p": term_json(p), "o": term_json(o)},
        "text": show(proof.triple),
        "inferred": not proof.asserted,
        "rule": proof.rule,
        "ruleIri": str(rule_iri(proof.rule)) if proof.rule else None,
        "graphs": sorted(str(g) for g in proof.where.graphs),
        "published": not proof.where.unpublished,
        "members": [term_json(m) for m in proof.where.members],
        "quotes": [
            {"graph": str(g), "text": str(q), "lang": q.language or ""}
            for g, q in proof.where.quotes
        ],
    }
    if not proof.asserted:
        document["sources"] = [str(g) for g in proof.source_graphs()]
        document["alternativeSources"] = [str(g) for g in proof.all_source_graphs()]
        document["premises"] = [proof_json(premise, top=False) for premise in proof.premises]
        if top:
            document["alternativeStatements"] = [
                proof_json(leaf, top=False) for leaf in proof.other_leaves()
            ]
    return document


def proof_text(proof: Proof, indent: str = "", top: bool = True) -> list[str]:
    """A proof as an indented tree of lines, for the command line.

    Below the tree of an inferred triple come the statements only its equally short
    derivations rest on (`Proof.other_leaves`), with their sources and quotes.
    """
    if proof.asserted:
        stated = ", ".join(short(g) for g in sorted(proof.where.graphs)) or "?"
        lines = [
            f"{indent}{show(proof.triple, proof.where.members)}",
            f"{indent}    stated in {stated}",
        ]
        lines.extend(
            f'{indent}    "{q}"' + (f"@{q.language}" if q.language else "")
            for _g, q in proof.where.quotes
        )
        return lines
    note = "" if not proof.where.unpublished else " (holds, not published: noise on its own)"
    lines = [f"{indent}{show(proof.triple)}", f"{indent}    by {proof.rule}{note}, from:"]
    for premise in proof.premises:
        lines.extend(proof_text(premise, indent + "    ", top=False))
    others = proof.other_leaves() if top else []
    if others:
        lines.append("equally short derivations also rest on:")
        for leaf in others:
            lines.extend(proof_text(leaf, "    ", top=False))
    return lines


def proof_graph(proof: Proof) -> Graph:
    """A proof in PROV-O: each triple an rdf:Statement, each rule application a prov:Activity.

    An inferred statement `prov:wasGeneratedBy` an activity that `prov:used` the premises'
    statements under a `prov:qualifiedAssociation` whose `prov:hadPlan` is the rule
    (kzid:inference-rule/<name>, a prov:Plan), and `prov:wasDerivedFrom` each premise. An
    asserted statement `prov:wasDerivedFrom` the named graph that states it, with the
    source passage as `kz:sourcePassage`.

    Args:
        proof: the proof.

    Returns:
        The graph.
    """
    graph = Graph()
    graph.bind("prov", PROV)
    graph.bind("kz", KZ)
    nodes: dict[Triple, BNode] = {}

    def add(node: Proof) -> BNode:
        if node.triple in nodes:
            return nodes[node.triple]
        statement = BNode()
        nodes[node.triple] = statement
        s, p, o = node.triple
        graph.add((statement, RDF.type, RDF.Statement))
        graph.add((statement, RDF.type, PROV.Entity))
        graph.add((statement, RDF.subject, s))
        graph.add((statement, RDF.predicate, p))
        graph.add((statement, RDF.object, o))
        for named in sorted(node.where.graphs - {INFERRED_GRAPH}):
            graph.add((statement, PROV.wasDerivedFrom, named))
        for _g, quote in node.where.quotes:
            graph.add((statement, KZ.sourcePassage, quote))
        if node.rule is not None:
            activity, association, plan = BNode(), BNode(), rule_iri(node.rule)
            graph.add((statement, PROV.wasGeneratedBy, activity))
            graph.add((activity, RDF.type, PROV.Activity))
            graph.add((activity, PROV.qualifiedAssociation, association))
            graph.add((association, RDF.type, PROV.Association))
            graph.add((association, PROV.hadPlan, plan))
            graph.add((plan, RDF.type, PROV.Plan))
            graph.add((plan, RDFS.label, Literal(node.rule)))
            if not node.rule.startswith("kz:"):
                graph.add((plan, RDFS.seeAlso, URIRef(OWL_RL_SPEC)))
            for premise in node.premises:
                used = add(premise)
                graph.add((activity, PROV.used, used))
                graph.add((statement, PROV.wasDerivedFrom, used))
        return statement

    add(proof)
    return graph


# -- The command line ----------------------------------------------------------------------

# `kzgov explain` exits with this when the triple is stated, not inferred.
STATED_EXIT_CODE = 5


def explain_in_build(release: Path, subject: str, predicate: str, obj: str, fmt: str) -> int:
    """Print the proof of a triple of a build (`kzgov explain`).

    Args:
        release: the build's release folder.
        subject: the subject's text (see `parse_term`).
        predicate: the predicate's text.
        obj: the object's text.
        fmt: "text" (an indented tree), "json" or "turtle" (PROV-O).

    Returns:
        0 if the triple is inferred, STATED_EXIT_CODE if it is stated.

    Raises:
        BadTerm: a term is no RDF term.
        NotInDataset: the build does not hold the triple.
        NoDerivation: no rule application derives it.
    """
    triple = parse_triple(subject, predicate, obj)
    store = ox.Store()
    store.bulk_load(path=release / DATASET_NQUADS, format=ox.RdfFormat.N_QUADS)
    proof = Explainer(StoreFacts(store)).explain(triple)
    if fmt == "json":
        print(json.dumps(proof_json(proof), ensure_ascii=False, indent=2))
    elif fmt == "turtle":
        print(proof_graph(proof).serialize(format="turtle"), end="")
    else:
        print("\n".join(proof_text(proof)))
    if proof.asserted:
        print(f"kzgov: {show(triple)} is stated, not inferred", file=sys.stderr)
        return STATED_EXIT_CODE
    return 0
