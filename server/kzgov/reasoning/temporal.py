"""The temporal closure: dated relations derived from dated rules, over their premises' overlap.

The OWL 2 RL closure (graph `kzg:inferred`) is timeless: it joins a rule that ended in
1991 with one that began in 1992. This closure keeps time. Each relation it derives is a
`kz:TemporalDerivation` node in graph `kzg:temporal` that names the relation
(`kz:relationSubject`, `kz:relationPredicate`, `kz:relationObject`), the interval over which it holds (the
intersection of its premises' intervals), the rule that derived it (`kz:derivationRule`)
and its premises (`prov:wasDerivedFrom`: rule nodes, qualified relations, source graphs
or other derivations), so that explanations can follow a chain back to the sources.

Times are Wikidata-style: an `xsd:dateTime` with a precision (9 year, 10 month, 11 day),
standing for the whole year, month or day. A bound no source gives is unknown, never
"always": a derived bound is exact (`kz:startTime`, `kz:endTime`) only if every premise
gives it; if only some do, it is a limit (`kz:startNotBefore`, `kz:endNotAfter`). Two
premises are joined unless their known bounds prove them disjoint. The rules (named in
`ontology/time.ttl`):

- `kz:temporal-rule`: a rule hung off a post or body gives its direct relation;
- `kz:temporal-asserted`: a relation a source states as a triple (undated) or as a
  `kz:QualifiedRelation` (dated);
- `kz:temporal-subproperty`: direct subordination is subordination, subordination and
  direct accountability are accountability, appointment is an appointment chain, a
  territorial case is a kind;
- `kz:temporal-chain`: transitive relations compose over the overlap;
- `kz:temporal-kind-of`: a kind answers and is subordinate to what its general post does;
- `kz:temporal-territorial-case`: the post of one territory is filled as its general post.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pyoxigraph as ox

from kzgov.core.namespaces import KZ, KZID

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
RDF_TYPE = ox.NamedNode(RDF_NS + "type")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DERIVATION_NS = str(KZID) + "derivation/"

YEAR, MONTH, DAY = 9, 10, 11


def precision_literal(precision: int) -> ox.Literal:
    """A precision as the xsd:integer literal graph kzg:temporal gives it."""
    return ox.Literal(str(precision), datatype=XSD_INTEGER)


PRECISIONS = {p: precision_literal(p) for p in (YEAR, MONTH, DAY)}


def kz(name: str) -> ox.NamedNode:
    """The Oxigraph node of a kzgov ontology term."""
    return ox.NamedNode(str(KZ) + name)


# A rule hung off a post or body, the property naming its party, and the direct relation.
RULE_TO_RELATION = {
    kz("appointmentRule"): (kz("appointer"), kz("appointedBy")),
    kz("electionRule"): (kz("elector"), kz("electedBy")),
    kz("dismissalRule"): (kz("dismisser"), kz("dismissedBy")),
    kz("accountabilityRule"): (kz("principal"), kz("directlyAccountableTo")),
    kz("subordinationRule"): (kz("superior"), kz("directlySubordinateTo")),
}
KIND_OF = kz("kindOf")
TERRITORIAL_CASE_OF = kz("territorialCaseOf")
ACCOUNTABLE_TO = kz("accountableTo")
SUBORDINATE_TO = kz("subordinateTo")
APPOINTED_BY = kz("appointedBy")
# Relations a source may state as a plain triple or a qualified node, that feed the rules.
STRUCTURAL = frozenset(
    {
        KIND_OF,
        TERRITORIAL_CASE_OF,
        APPOINTED_BY,
        kz("electedBy"),
        kz("dismissedBy"),
        kz("directlyAccountableTo"),
        kz("directlySubordinateTo"),
    }
)
SUBPROPERTY_OF = {
    kz("directlySubordinateTo"): (SUBORDINATE_TO,),
    SUBORDINATE_TO: (ACCOUNTABLE_TO,),
    kz("directlyAccountableTo"): (ACCOUNTABLE_TO,),
    APPOINTED_BY: (kz("appointedThroughChainBy"),),
    TERRITORIAL_CASE_OF: (KIND_OF,),
}
TRANSITIVE = frozenset({ACCOUNTABLE_TO, SUBORDINATE_TO, kz("appointedThroughChainBy"), KIND_OF})
INHERITED_BY_KINDS = frozenset({ACCOUNTABLE_TO, SUBORDINATE_TO})
INHERITED_BY_TERRITORIAL_CASES = frozenset({APPOINTED_BY, kz("electedBy"), kz("dismissedBy")})

RULE_RULE = kz("temporal-rule")
RULE_ASSERTED = kz("temporal-asserted")
RULE_SUBPROPERTY = kz("temporal-subproperty")
RULE_CHAIN = kz("temporal-chain")
RULE_KIND_OF = kz("temporal-kind-of")
RULE_TERRITORIAL_CASE = kz("temporal-territorial-case")

# The properties of a derivation node in graph kzg:temporal.
TEMPORAL_DERIVATION = kz("TemporalDerivation")
RELATION_SUBJECT = kz("relationSubject")
RELATION_PREDICATE = kz("relationPredicate")
RELATION_OBJECT = kz("relationObject")
DERIVATION_RULE = kz("derivationRule")
START_PROPERTIES = (kz("startTime"), kz("startPrecision"))
START_LIMIT_PROPERTIES = (kz("startNotBefore"), kz("startNotBeforePrecision"))
END_PROPERTIES = (kz("endTime"), kz("endPrecision"))
END_LIMIT_PROPERTIES = (kz("endNotAfter"), kz("endNotAfterPrecision"))

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class Bound:
    """One end of an interval: a time at a precision, and the span of instants it covers.

    Attributes:
        time: the xsd:dateTime literal as the source wrote it.
        precision: 9 year, 10 month, 11 day.
        earliest: the first instant the bound can be.
        latest: the last instant the bound can be.
        exact: whether every premise gave this bound; if not, it is only a limit (the
            relation starts no earlier, or ends no later, than this).
    """

    time: ox.Literal
    precision: int
    earliest: datetime
    latest: datetime
    exact: bool = True


def bound_of(time: ox.Literal, precision: int) -> Bound | None:
    """The bound a time and precision stand for, or None if the time cannot be read.

    Args:
        time: an xsd:dateTime (or xsd:date, or xsd:gYear) literal.
        precision: 9 year, 10 month or 11 day; anything finer is read as a day.

    Returns:
        The bound, with the span of instants it covers.
    """
    text = time.value
    try:
        year = int(text[0:4])
        month = int(text[5:7]) if precision >= MONTH and len(text) >= 7 else 1
        day = int(text[8:10]) if precision >= DAY and len(text) >= 10 else 1
        earliest = datetime(year, month, day)
    except ValueError:
        return None
    if precision <= YEAR:
        after = datetime(year + 1, 1, 1)
    elif precision == MONTH:
        after = datetime(year + (month == 12), month % 12 + 1, 1)
    else:
        after = earliest + timedelta(days=1)
    if precision <= YEAR:
        literal = ox.Literal(f"{year:04d}-01-01T00:00:00Z", datatype=XSD_DATETIME)
    else:
        literal = (
            time
            if time.datatype == XSD_DATETIME
            else ox.Literal(earliest.strftime("%Y-%m-%dT00:00:00Z"), datatype=XSD_DATETIME)
        )
    return Bound(literal, min(precision, DAY), earliest, after - timedelta(microseconds=1))


@dataclass(frozen=True)
class Interval:
    """When a relation holds; a None bound is unknown (never "always")."""

    start: Bound | None
    end: Bound | None

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the interval: each bound's time and precision."""
        return tuple(
            (b.time.value, b.precision, b.exact) if b is not None else None
            for b in (self.start, self.end)
        )

    def is_empty(self) -> bool:
        """Whether the known bounds prove that no instant lies in the interval."""
        return (
            self.start is not None
            and self.end is not None
            and self.end.latest < self.start.earliest
        )

    def meet(self, other: Interval) -> Interval | None:
        """The intersection with another interval, or None if they provably never overlap.

        The intersection starts at the later start and ends at the earlier end. Where one
        interval does not know a bound, the other's is only a limit (the relation starts
        no earlier, or ends no later): unknown stays unknown, but what is known still
        excludes what it excludes.
        """
        start = later(self.start, other.start)
        end = earlier(self.end, other.end)
        for a, b in ((self, other), (other, self)):
            if a.end is not None and b.start is not None and a.end.latest < b.start.earliest:
                return None
        met = Interval(start, end)
        return None if met.is_empty() else met


def later(a: Bound | None, b: Bound | None) -> Bound | None:
    """The later of two starts: exact only if both are known and exact, else a lower limit."""
    if a is None or b is None:
        known = a or b
        return None if known is None else replace(known, exact=False)
    found = a if (a.earliest, a.latest) >= (b.earliest, b.latest) else b
    return replace(found, exact=a.exact and b.exact)


def earlier(a: Bound | None, b: Bound | None) -> Bound | None:
    """The earlier of two ends: exact only if both are known and exact, else an upper limit."""
    if a is None or b is None:
        known = a or b
        return None if known is None else replace(known, exact=False)
    found = a if (a.latest, a.earliest) <= (b.latest, b.earliest) else b
    return replace(found, exact=a.exact and b.exact)


@dataclass
class Fact:
    """A dated relation with the rule and premises it was derived by."""

    subject: Term
    predicate: ox.NamedNode
    object: Term
    interval: Interval
    rule: ox.NamedNode
    premises: tuple[Term, ...]
    node: ox.NamedNode


def names_blank_node(fact: Fact) -> bool:
    """Whether a derivation's relation, rule or premises name a blank node."""
    return any(
        isinstance(term, ox.BlankNode)
        for term in (fact.subject, fact.object, fact.rule, *fact.premises)
    )


class TemporalClosure:
    """The dated relations of a dataset, derived to a fixpoint."""

    def __init__(self) -> None:
        """Start with no fact."""
        self.facts: dict[tuple[object, ...], Fact] = {}
        self.by_subject: dict[tuple[ox.NamedNode, Term], list[Fact]] = defaultdict(list)
        self.by_object: dict[tuple[ox.NamedNode, Term], list[Fact]] = defaultdict(list)
        self.pending: list[Fact] = []

    def add(
        self,
        s: Term,
        p: ox.NamedNode,
        o: Term,
        interval: Interval,
        rule: ox.NamedNode,
        premises: tuple[Term, ...],
    ) -> None:
        """Record a fact unless the same relation over the same interval is already known."""
        if s == o:
            return
        # Each source's statement is a premise of its own; a derived relation over the
        # same interval is kept once, with the first premises found.
        own = premises if rule in (RULE_RULE, RULE_ASSERTED) else ()
        key: tuple[object, ...] = (s, p, o, interval.key, own)
        if key in self.facts:
            return
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:20]
        fact = Fact(s, p, o, interval, rule, premises, ox.NamedNode(DERIVATION_NS + digest))
        self.facts[key] = fact
        self.pending.append(fact)

    def saturate(self) -> None:
        """Apply the rules to every new fact until none is added (semi-naive)."""
        while self.pending:
            fact = self.pending.pop()
            self.by_subject[(fact.predicate, fact.subject)].append(fact)
            self.by_object[(fact.predicate, fact.object)].append(fact)
            self.derive_from(fact)

    def derive_from(self, fact: Fact) -> None:
        """Every fact one rule gives from this fact and the facts already indexed."""
        p = fact.predicate
        for super_property in SUBPROPERTY_OF.get(p, ()):
            self.add(
                fact.subject,
                super_property,
                fact.object,
                fact.interval,
                RULE_SUBPROPERTY,
                (fact.node,),
            )
        if p in TRANSITIVE:
            for after in list(self.by_subject[(p, fact.object)]):
                self.join(fact, after, fact.subject, p, after.object, RULE_CHAIN)
            for before in list(self.by_object[(p, fact.subject)]):
                self.join(before, fact, before.subject, p, fact.object, RULE_CHAIN)
        if p == KIND_OF:
            for inherited in INHERITED_BY_KINDS:
                for general in list(self.by_subject[(inherited, fact.object)]):
                    self.join(fact, general, fact.subject, inherited, general.object, RULE_KIND_OF)
        if p in INHERITED_BY_KINDS:
            for kind in list(self.by_object[(KIND_OF, fact.subject)]):
                self.join(kind, fact, kind.subject, p, fact.object, RULE_KIND_OF)
        if p == TERRITORIAL_CASE_OF:
            for inherited in INHERITED_BY_TERRITORIAL_CASES:
                for general in list(self.by_subject[(inherited, fact.object)]):
                    self.join(
                        fact,
                        general,
                        fact.subject,
                        inherited,
                        general.object,
                        RULE_TERRITORIAL_CASE,
                    )
        if p in INHERITED_BY_TERRITORIAL_CASES:
            for case in list(self.by_object[(TERRITORIAL_CASE_OF, fact.subject)]):
                self.join(case, fact, case.subject, p, fact.object, RULE_TERRITORIAL_CASE)

    def join(
        self,
        first: Fact,
        second: Fact,
        s: Term,
        p: ox.NamedNode,
        o: Term,
        rule: ox.NamedNode,
    ) -> None:
        """Derive (s p o) over the overlap of two premises, if they can overlap."""
        met = first.interval.meet(second.interval)
        if met is not None:
            self.add(s, p, o, met, rule, (first.node, second.node))

    @staticmethod
    def statements(fact: Fact) -> Iterator[tuple[ox.NamedNode, Term]]:
        """What graph kzg:temporal says of one derivation: each predicate and object."""
        yield RDF_TYPE, TEMPORAL_DERIVATION
        yield RELATION_SUBJECT, fact.subject
        yield RELATION_PREDICATE, fact.predicate
        yield RELATION_OBJECT, fact.object
        yield DERIVATION_RULE, fact.rule
        for premise in fact.premises:
            yield PROV_DERIVED, premise
        for bound, exact, limit in (
            (fact.interval.start, START_PROPERTIES, START_LIMIT_PROPERTIES),
            (fact.interval.end, END_PROPERTIES, END_LIMIT_PROPERTIES),
        ):
            if bound is not None:
                time, precision = exact if bound.exact else limit
                yield time, bound.time
                yield (
                    precision,
                    PRECISIONS.get(bound.precision) or precision_literal(bound.precision),
                )

    def triples(self, blank_only: bool = False) -> Iterator[ox.Triple]:
        """The derivations as triples for graph kzg:temporal.

        Args:
            blank_only: only those of the derivations that name a blank node (the ones
                `ntriples` leaves out).
        """
        for fact in self.facts.values():
            if blank_only and not names_blank_node(fact):
                continue
            node = fact.node
            for predicate, value in self.statements(fact):
                yield ox.Triple(node, predicate, value)

    def ntriples(self) -> Iterator[str]:
        """The triples of the derivations that name no blank node, as lines of N-Triples.

        Each term is written as Oxigraph writes it in N-Triples (`str` of the term), once:
        the posts, rules and times that many derivations share are looked up. A
        derivation from a blank node (a rule written as `[ ... ]`) is left out: a store
        that loads a text gives its blank nodes new labels, so it would no longer name
        the data's node; `triples(blank_only=True)` gives those.
        """
        written: dict[Term, str] = {}

        def text(term: Term) -> str:
            found = written.get(term)
            if found is None:
                found = written[term] = str(term)
            return found

        for fact in self.facts.values():
            if names_blank_node(fact):
                continue
            node = str(fact.node)
            yield "".join(
                f"{node} {text(predicate)} {text(value)} .\n"
                for predicate, value in self.statements(fact)
            )


def interval_of(node: Term, values: dict[tuple[Term, ox.NamedNode], Term]) -> Interval:
    """The interval a rule or qualified node states; a bound it does not state is unknown.

    Args:
        node: the rule or qualified relation.
        values: the time values of every node, by (node, property).

    Returns:
        kz:startTime/kz:endTime at their precision, else the years kz:validFrom and
        kz:validUntil read at year precision.
    """
    bounds: list[Bound | None] = []
    for time, precision, year in (
        ("startTime", "startPrecision", "validFrom"),
        ("endTime", "endPrecision", "validUntil"),
    ):
        value = values.get((node, kz(time)))
        exact = values.get((node, kz(precision)))
        found: Bound | None = None
        if isinstance(value, ox.Literal) and isinstance(exact, ox.Literal):
            try:
                found = bound_of(value, int(exact.value))
            except ValueError:
                found = None
        if found is None:
            plain = values.get((node, kz(year)))
            if isinstance(plain, ox.Literal):
                found = bound_of(plain, YEAR)
        bounds.append(found)
    return Interval(bounds[0], bounds[1])


def temporal_closure(
    quads: Iterable[ox.Quad], source_graphs: frozenset[ox.NamedNode]
) -> Iterator[ox.Triple]:
    """Derive the dated relations of the asserted data.

    Args:
        quads: the asserted quads (ontology, registry and source graphs; not kzg:inferred).
        source_graphs: the graphs whose rules and relations count (the sources' and the
            registry's; rules of proposals are never hung off a post, so never used).

    Returns:
        The triples of graph kzg:temporal.
    """
    return derive_temporal(quads, source_graphs).triples()


def derive_temporal(
    quads: Iterable[ox.Quad], source_graphs: frozenset[ox.NamedNode]
) -> TemporalClosure:
    """The saturated temporal closure of the asserted data (see `temporal_closure`).

    Its `triples` or `ntriples` are graph kzg:temporal.
    """
    wanted_values = {
        kz(name)
        for name in (
            "startTime",
            "startPrecision",
            "endTime",
            "endPrecision",
            "validFrom",
            "validUntil",
        )
    }
    parties = {party for party, _ in RULE_TO_RELATION.values()}
    qualified_class = kz("QualifiedRelation")
    values: dict[tuple[Term, ox.NamedNode], Term] = {}
    party_of: dict[Term, list[tuple[ox.NamedNode, Term]]] = defaultdict(list)
    hung: list[tuple[Term, ox.NamedNode, Term]] = []
    plain: list[tuple[Term, ox.NamedNode, Term, ox.NamedNode]] = []
    qualified: dict[Term, dict[str, Term]] = defaultdict(dict)
    qualified_nodes: set[Term] = set()
    rdf_subject = kz("relationSubject")
    rdf_predicate = kz("relationPredicate")
    rdf_object = kz("relationObject")
    for quad in quads:
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or graph not in source_graphs:
            continue
        s, p, o = quad.subject, quad.predicate, quad.object
        if p in wanted_values:
            values[(s, p)] = o
        elif p in RULE_TO_RELATION:
            hung.append((s, p, o))
        elif p in parties:
            party_of[s].append((p, o))
        elif p in STRUCTURAL:
            plain.append((s, p, o, graph))
        elif p == rdf_subject:
            qualified[s]["s"] = o
        elif p == rdf_predicate:
            qualified[s]["p"] = o
        elif p == rdf_object:
            qualified[s]["o"] = o
        elif p == RDF_TYPE and o == qualified_class:
            qualified_nodes.add(s)
    closure = TemporalClosure()
    for subject, hanging, rule in hung:
        party, relation = RULE_TO_RELATION[hanging]
        interval = interval_of(rule, values)
        for found_party, other in party_of.get(rule, ()):
            if found_party == party:
                closure.add(subject, relation, other, interval, RULE_RULE, (rule,))
    dated: set[tuple[Term, Term, Term]] = set()
    for node in qualified_nodes:
        parts = qualified.get(node, {})
        predicate = parts.get("p")
        if "s" in parts and "o" in parts and isinstance(predicate, ox.NamedNode):
            dated.add((parts["s"], predicate, parts["o"]))
            if predicate in STRUCTURAL:
                interval = interval_of(node, values)
                closure.add(parts["s"], predicate, parts["o"], interval, RULE_ASSERTED, (node,))
    for subject, predicate, value, graph in plain:
        if (subject, predicate, value) not in dated:
            closure.add(subject, predicate, value, Interval(None, None), RULE_ASSERTED, (graph,))
    closure.saturate()
    return closure
