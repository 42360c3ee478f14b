"""The OWL 2 RL rules of the fast reasoner, as owlrl applies them: schema rules and instance rules.

The rule tables are those of the OWL 2 RL profile
(https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules),
each with owlrl's own guards (such as c1 != c2 in cax-sco), so that the fixpoint is owlrl's
closure. The schema is small: the schema rules of Table 9 (scm-*) run in Python on it
(`schema_closure`). The instance rules (Tables 4 to 7: eq-*, prp-*, cls-*, cax-*) are
compiled from the schema closure into `kzgov.reasoning.rule_engine` rules, each schema axiom a row of
a rule's VALUES table (`instance_rules`), and run on an Oxigraph store.

Left out, as in owlrl's use by `kzgov.reasoning.infer_fast`: eq-ref (x owl:sameAs x for every term:
noise, from which nothing else follows), the datatype rules (dt-*), and the rules of the
constructs that send the input to owlrl itself (`kzgov.reasoning.infer_fast.FALLBACK_PREDICATES`).
The inconsistency rules are queries, in `kzgov.reasoning.infer_fast`.

Every term here is an IRI: the fast reasoner stands blank nodes and literals in for
placeholder IRIs, and `is_literal` tells a literal's placeholder, so that no rule puts a
literal in a predicate's place (owlrl never stores such a triple).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kzgov.reasoning.infer import Triple
from kzgov.reasoning.rule_engine import Pattern, Row, Rule, Vocabulary

# The predicates the schema rules read; the schema part of a closure is its triples with
# these predicates, or typing a class or property (SCHEMA_TYPES).
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
# The property characteristics the instance rules read, besides the schema.
CHARACTERISTIC_TYPES = frozenset(
    {
        OWL.FunctionalProperty,
        OWL.InverseFunctionalProperty,
        OWL.SymmetricProperty,
        OWL.TransitiveProperty,
    }
)
# Everything the rules are compiled from: a new triple of it means compiling them again.
READ_PREDICATES = SCHEMA_PREDICATES | {OWL.inverseOf}
READ_TYPES = SCHEMA_TYPES | CHARACTERISTIC_TYPES

# A list longer than this is taken to be cyclic (malformed) and read no further.
MAX_LIST_LENGTH = 10_000

Pairs = dict[Node, set[Node]]
IsLiteral = Callable[[Node], bool]


def ox_node(node: Node) -> ox.NamedNode:
    """An rdflib IRI as an Oxigraph named node."""
    return ox.NamedNode(str(node))


TYPE = ox_node(RDF.type)
SAME_AS = ox_node(OWL.sameAs)


def read_vocabulary() -> Vocabulary:
    """What `schema_part` reads: new triples of it mean compiling the rules again."""
    return Vocabulary(
        predicates={ox_node(p) for p in READ_PREDICATES},
        types={ox_node(t) for t in READ_TYPES},
    )


def schema_query() -> str:
    """A SELECT of ?s ?p ?o over every graph: the triples the rules are compiled from."""
    predicates = " ".join(str(ox_node(p)) for p in sorted(READ_PREDICATES))
    types = " ".join(str(ox_node(t)) for t in sorted(READ_TYPES))
    return f"""SELECT ?s ?p ?o WHERE {{
  {{ VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?s ?p ?o }} }}
  UNION
  {{ VALUES ?o {{ {types} }} BIND ({TYPE} AS ?p) GRAPH ?g {{ ?s {TYPE} ?o }} }}
}}"""


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


def inverse(pairs: Pairs) -> Pairs:
    """Object to subjects."""
    flipped: Pairs = defaultdict(set)
    for s, objects in pairs.items():
        for o in objects:
            flipped[o].add(s)
    return flipped


def split(triples: Iterable[Triple]) -> tuple[dict[Node, Pairs], Pairs]:
    """Index triples: predicate to subject to objects, and class to its members."""
    by_predicate: dict[Node, Pairs] = defaultdict(lambda: defaultdict(set))
    typed: Pairs = defaultdict(set)
    rdf_type = RDF.type
    for s, p, o in triples:
        if p == rdf_type:
            typed[o].add(s)
        else:
            by_predicate[p][s].add(o)
    return by_predicate, typed


def schema_closure(schema: set[Triple], is_literal: IsLiteral) -> set[Triple]:
    """Apply OWL 2 RL's schema rules (Table 9) to a schema until nothing new follows.

    Each rule keeps owlrl's guards (such as c1 != c2 in scm-sco), so the closure holds
    exactly the schema triples owlrl derives.

    Args:
        schema: triples with SCHEMA_PREDICATES, or typing classes and properties (other
            triples may be there, and are only carried along).
        is_literal: whether a term is a literal's placeholder.

    Returns:
        The schema with every consequence added.
    """
    triples = set(schema)
    while True:
        new = schema_step(triples, is_literal) - triples
        if not new:
            return triples
        triples |= new


def schema_step(triples: set[Triple], is_literal: IsLiteral) -> set[Triple]:
    """One round of the schema rules; see schema_closure."""
    by_predicate, typed = split(triples)
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
    return {t for t in new if not is_literal(t[1])}


def pairs_of(pairs: Pairs) -> set[tuple[Node, Node]]:
    """Every (subject, object) of an index."""
    return {(s, o) for s, objects in pairs.items() for o in objects}


def table(rows: Iterable[tuple[Node, ...]]) -> tuple[Row, ...]:
    """Rows of rdflib IRIs as a rule's table, in a stable order."""
    return tuple(tuple(ox_node(term) for term in row) for row in sorted(set(rows), key=str))


def instance_rules(schema: set[Triple], is_literal: IsLiteral, literal_prefix: str) -> list[Rule]:
    """Compile the instance rules (Tables 4 to 7) from a schema closure.

    Args:
        schema: the schema closure (see `schema_closure`), with owl:inverseOf axioms and
            the property characteristics (CHARACTERISTIC_TYPES).
        is_literal: whether a term is a literal's placeholder.
        literal_prefix: the prefix of every literal's placeholder.

    Returns:
        The rules, for `kzgov.reasoning.rule_engine.Saturation`.
    """
    by_predicate, typed = split(schema)
    first, rest = by_predicate[RDF.first], by_predicate[RDF.rest]
    on_property = by_predicate[OWL.onProperty]

    def resource(term: Node) -> bool:
        return not is_literal(term)

    # prp-spo1, prp-eqp1, prp-eqp2: the triples of one property are another's.
    widening = {(p, q) for p, q in pairs_of(by_predicate[RDFS.subPropertyOf]) if p != q}
    for p, q in pairs_of(by_predicate[OWL.equivalentProperty]):
        if p != q:
            widening |= {(p, q), (q, p)}
    # prp-inv1, prp-inv2
    inverting = set()
    for p, q in pairs_of(by_predicate[OWL.inverseOf]):
        inverting |= {(p, q), (q, p)}
    # cax-sco, cax-eqc1, cax-eqc2, cls-int2, cls-uni: one class's members are another's.
    narrowing = {(c, d) for c, d in pairs_of(by_predicate[RDFS.subClassOf]) if c != d}
    for c, d in pairs_of(by_predicate[OWL.equivalentClass]):
        if c != d:
            narrowing |= {(c, d), (d, c)}
    intersections = [
        (c, read_list(head, first, rest))
        for c, heads in by_predicate[OWL.intersectionOf].items()
        for head in heads
    ]
    for c, members in intersections:
        narrowing |= {(c, member) for member in members if member != c}
    for c, heads in by_predicate[OWL.unionOf].items():
        for head in heads:
            narrowing |= {(member, c) for member in read_list(head, first, rest) if member != c}

    def restrictions(axiom: Node) -> set[tuple[Node, Node, Node]]:
        return {(r, y, p) for r, y in pairs_of(by_predicate[axiom]) for p in on_property.get(r, ())}

    some_values = restrictions(OWL.someValuesFrom)
    all_values = restrictions(OWL.allValuesFrom)
    has_value = restrictions(OWL.hasValue)

    def characteristic(kind: Node) -> tuple[Row, ...]:
        return table((p,) for p in typed.get(kind, ()) if resource(p))

    rules = [
        Rule(
            "prp-dom",
            ("?x", TYPE, "?c"),
            (("?x", "?p", "?y"),),
            ("?p", "?c"),
            table(pairs_of(by_predicate[RDFS.domain])),
        ),
        Rule(
            "prp-rng",
            ("?y", TYPE, "?c"),
            (("?x", "?p", "?y"),),
            ("?p", "?c"),
            table(pairs_of(by_predicate[RDFS.range])),
        ),
        Rule(
            "prp-fp",
            ("?y1", SAME_AS, "?y2"),
            (("?x", "?p", "?y1"), ("?x", "?p", "?y2")),
            ("?p",),
            characteristic(OWL.FunctionalProperty),
            "?y1 != ?y2",
        ),
        Rule(
            "prp-ifp",
            ("?x1", SAME_AS, "?x2"),
            (("?x1", "?p", "?y"), ("?x2", "?p", "?y")),
            ("?p",),
            characteristic(OWL.InverseFunctionalProperty),
            "?x1 != ?x2",
        ),
        Rule(
            "prp-symp",
            ("?y", "?p", "?x"),
            (("?x", "?p", "?y"),),
            ("?p",),
            characteristic(OWL.SymmetricProperty),
        ),
        Rule(
            "prp-trp",
            ("?x", "?p", "?z"),
            (("?x", "?p", "?y"), ("?y", "?p", "?z")),
            ("?p",),
            characteristic(OWL.TransitiveProperty),
        ),
        Rule(
            "prp-spo1",
            ("?x", "?q", "?y"),
            (("?x", "?p", "?y"),),
            ("?p", "?q"),
            table(pair for pair in widening if resource(pair[1])),
        ),
        Rule(
            "prp-inv",
            ("?y", "?q", "?x"),
            (("?x", "?p", "?y"),),
            ("?p", "?q"),
            table(pair for pair in inverting if resource(pair[1])),
        ),
        Rule("eq-sym", ("?y", SAME_AS, "?x"), (("?x", SAME_AS, "?y"),)),
        Rule("eq-trans", ("?x", SAME_AS, "?z"), (("?x", SAME_AS, "?y"), ("?y", SAME_AS, "?z"))),
        Rule("eq-rep-s", ("?o", "?p", "?v"), (("?s", SAME_AS, "?o"), ("?s", "?p", "?v"))),
        Rule(
            "eq-rep-p",
            ("?x", "?o", "?v"),
            (("?s", SAME_AS, "?o"), ("?x", "?s", "?v")),
            condition=f'!STRSTARTS(STR(?o), "{literal_prefix}")',
        ),
        Rule("eq-rep-o", ("?x", "?p", "?s"), (("?s", SAME_AS, "?o"), ("?x", "?p", "?o"))),
        Rule(
            "cls-svf1",
            ("?u", TYPE, "?r"),
            (("?u", "?p", "?v"), ("?v", TYPE, "?y")),
            ("?r", "?y", "?p"),
            table(row for row in some_values if row[1] != OWL.Thing),
        ),
        Rule(
            "cls-svf2",
            ("?u", TYPE, "?r"),
            (("?u", "?p", "?v"),),
            ("?r", "?p"),
            table((r, p) for r, y, p in some_values if y == OWL.Thing),
        ),
        Rule(
            "cls-avf",
            ("?v", TYPE, "?y"),
            (("?u", TYPE, "?r"), ("?u", "?p", "?v")),
            ("?r", "?y", "?p"),
            table(all_values),
        ),
        Rule(
            "cls-hv1",
            ("?u", "?p", "?y"),
            (("?u", TYPE, "?r"),),
            ("?r", "?y", "?p"),
            table(row for row in has_value if resource(row[2])),
        ),
        Rule(
            "cls-hv2",
            ("?u", TYPE, "?r"),
            (("?u", "?p", "?y"),),
            ("?r", "?y", "?p"),
            table(has_value),
        ),
        Rule("cax-sco", ("?x", TYPE, "?d"), (("?x", TYPE, "?c"),), ("?c", "?d"), table(narrowing)),
    ]
    # cls-int1: one rule per intersection, its members' types the premises.
    for c, members in sorted(intersections, key=str):
        if members:
            name = " ".join(str(term) for term in ("cls-int1", c, *members))
            body: tuple[Pattern, ...] = tuple(("?y", TYPE, ox_node(member)) for member in members)
            rules.append(Rule(name, ("?y", TYPE, ox_node(c)), body))
    # prp-spo2: one rule per property chain, its links the premises.
    chains = by_predicate[OWL.propertyChainAxiom]
    for p in sorted(chains, key=str):
        for head in sorted(chains[p], key=str):
            links = read_list(head, first, rest)
            if links and resource(p):
                name = " ".join(str(term) for term in ("prp-spo2", p, *links))
                body = tuple(
                    (f"?x{i}", ox_node(link), f"?x{i + 1}") for i, link in enumerate(links)
                )
                rules.append(Rule(name, ("?x0", ox_node(p), f"?x{len(links)}"), body))
    return rules
