"""SHACL core constraints as SPARQL on Oxigraph, once for all focus nodes, with pySHACL's results.

pySHACL evaluates a core constraint (https://www.w3.org/TR/shacl/#core-components) in
Python, value node by value node, on an rdflib copy of the data; at a million triples
the copy alone takes a gigabyte and much of the validation's time. Here each core
constraint of a property shape with a plain predicate path is one or two SPARQL queries
for all of its focus nodes, on the Oxigraph store the fast validator already holds:

- sh:minCount, sh:maxCount: focus nodes with too few (FILTER NOT EXISTS) or too many
  (GROUP BY ... HAVING) distinct values;
- sh:class: values without rdf:type of the class or of one of its subclasses (the
  subclasses are looked up first, so the query needs no property path);
- sh:nodeKind: values of the wrong kind (isIRI, isBlank, isLiteral);
- sh:datatype, sh:pattern, sh:in: each distinct value is checked once in Python with
  pySHACL's own rule (well-formedness for datatypes, Python's `re` for patterns, term
  equality for lists), then the failing values are joined back to their focus nodes.

Focus nodes come from a shape's targets (sh:targetNode, sh:targetClass with subclasses,
sh:targetSubjectsOf, sh:targetObjectsOf, and the implicit class target), as pySHACL finds
them. Each result is pySHACL's: the focus node, the shape's path, the value (none for
the cardinality constraints), the shape as source shape, its severity and its message.

A constraint is translated only when its shape has an sh:message (pySHACL's generic
messages are not reproduced), a plain predicate path, and well-formed parameters; any
other is left to pySHACL, which also says what is wrong with a malformed shape.
tests/test_validate_fast.py proves the results equal pySHACL's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyshacl.constraints.core.string_based_constraints import StringBasedConstraintBase
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from kzgov.build.validate import Violation
from kzgov.core.oxigraph_terms import OxAny, TermConverter

# The core parameters translated here, each with its constraint component.
COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
}
# The SPARQL test a value fails, per sh:nodeKind (SHACL 4.1.3).
NODE_KIND_FAILS = {
    SH.IRI: "!isIRI(?value)",
    SH.BlankNode: "!isBlank(?value)",
    SH.Literal: "!isLiteral(?value)",
    SH.BlankNodeOrIRI: "isLiteral(?value)",
    SH.BlankNodeOrLiteral: "isIRI(?value)",
    SH.IRIOrLiteral: "isBlank(?value)",
}
# Datatypes whose every literal pySHACL accepts, unlike Oxigraph's datatype(): left to it.
SPECIAL_DATATYPES = frozenset({RDFS.Literal, RDFS.Datatype})
# Values per VALUES block when failing values are joined back to their focus nodes.
VALUES_PER_QUERY = 5_000


@dataclass(frozen=True)
class CoreCheck:
    """One core constraint of one property shape, ready to run.

    Attributes:
        shape: the property shape (the results' source shape).
        path: its predicate path.
        parameter: the constraint parameter (sh:minCount, sh:class, ...).
        argument: the parameter's value (the count, class, datatype, node kind, pattern
            or list head).
        severity: the shape's severity.
        message: the shape's message (the smallest, if it has several).
        pattern: for sh:pattern, the compiled pattern with the shape's sh:flags.
        allowed: for sh:in, the list's members.
    """

    shape: Node
    path: URIRef
    parameter: URIRef
    argument: Node
    severity: Node
    message: str
    pattern: re.Pattern[str] | None = None
    allowed: frozenset[Node] = field(default_factory=frozenset)

    @property
    def component(self) -> URIRef:
        """The SHACL constraint component the check belongs to."""
        return URIRef(COMPONENTS[self.parameter])


def core_checks(shape: Any, shapes: Graph) -> tuple[list[CoreCheck], list[tuple[Node, Node, Node]]]:
    """The core constraints of one pySHACL shape that run here, and the triples they replace.

    Args:
        shape: a pyshacl.shape.Shape.
        shapes: the shapes graph.

    Returns:
        The checks, and the shapes-graph triples to take out of what pySHACL validates
        (empty lists when the shape is left to pySHACL as a whole).
    """
    node = shape.node
    path = shapes.value(node, SH.path) if shape.is_property_shape else None
    given = list(shapes.objects(node, SH.message))
    messages = sorted(str(m) for m in given if isinstance(m, Literal))
    if not isinstance(path, URIRef) or not messages or len(messages) != len(given):
        return [], []
    if len(list(shapes.objects(node, SH.path))) != 1:
        return [], []
    checks: list[CoreCheck] = []
    replaced: list[tuple[Node, Node, Node]] = []
    for parameter in COMPONENTS:
        values = list(shapes.objects(node, parameter))
        if not values:
            continue
        made = parameter_checks(node, parameter, values, shapes)
        if made is None:
            continue
        for argument, pattern, allowed in made:
            checks.append(
                CoreCheck(
                    shape=node,
                    path=path,
                    parameter=parameter,
                    argument=argument,
                    severity=shape.severity,
                    message=messages[0],
                    pattern=pattern,
                    allowed=allowed,
                )
            )
        replaced.extend((node, parameter, value) for value in values)
        if parameter == SH.pattern:
            replaced.extend((node, SH.flags, flags) for flags in shapes.objects(node, SH.flags))
    return checks, replaced


def parameter_checks(
    node: Node, parameter: URIRef, values: list[Node], shapes: Graph
) -> list[tuple[Node, re.Pattern[str] | None, frozenset[Node]]] | None:
    """The checks one parameter of a shape makes, or None to leave it to pySHACL.

    A parameter pySHACL would refuse (two counts, a count that is not a non-negative
    xsd:integer, an unknown node kind, a pattern that does not compile, ...) is left to
    pySHACL, so that the message about the bad shape stays pySHACL's.
    """
    if parameter == SH["class"]:
        if not all(isinstance(v, URIRef) for v in values):
            return None
        return [(v, None, frozenset()) for v in sorted(values, key=str)]
    if len(values) != 1:
        return None
    value = values[0]
    if parameter in (SH.minCount, SH.maxCount):
        if not (isinstance(value, Literal) and value.datatype == XSD.integer):
            return None
        if not isinstance(value.value, int) or value.value < 0:
            return None
    elif parameter == SH.nodeKind:
        if value not in NODE_KIND_FAILS:
            return None
    elif parameter == SH.datatype:
        if not isinstance(value, URIRef) or value in SPECIAL_DATATYPES:
            return None
    elif parameter == SH.pattern:
        compiled = compile_pattern(node, value, shapes)
        if compiled is None:
            return None
        return [(value, compiled, frozenset())]
    elif parameter == SH["in"]:
        members = list_members(shapes, value)
        if members is None:
            return None
        return [(value, None, members)]
    return [(value, None, frozenset())]


def compile_pattern(node: Node, pattern: Node, shapes: Graph) -> re.Pattern[str] | None:
    """The shape's sh:pattern compiled as pySHACL compiles it (flags i and m), or None."""
    flags = list(shapes.objects(node, SH.flags))
    if not isinstance(pattern, Literal) or len(flags) > 1:
        return None
    re_flags = 0
    if flags:
        if not isinstance(flags[0], Literal):
            return None
        given = str(flags[0].value).lower()
        re_flags |= re.I if "i" in given else 0
        re_flags |= re.M if "m" in given else 0
    text = (
        str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
    )
    try:
        return re.compile(text, re_flags)
    except re.error:
        return None


def list_members(shapes: Graph, head: Node) -> frozenset[Node] | None:
    """The members of an RDF list in the shapes graph, or None if it is not a proper list."""
    if not isinstance(head, BNode | URIRef):
        return None
    members: list[Node] = []
    seen: set[Node] = set()
    node: Node = head
    while node != RDF.nil:
        if node in seen:
            return None
        seen.add(node)
        first = list(shapes.objects(node, RDF.first))
        rest = list(shapes.objects(node, RDF.rest))
        if len(first) != 1 or len(rest) != 1:
            return None
        members.append(first[0])
        node = rest[0]
    return frozenset(members)


def datatype_matches(value: Node, datatype: URIRef) -> bool:
    """Whether a value has a datatype, by pySHACL's rule (sh:datatype).

    A literal of the datatype matches unless rdflib finds its lexical form ill-typed or,
    for the types rdflib converts, gives its value another Python type; a plain literal
    matches xsd:string and a language-tagged one rdf:langString.
    """
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        if getattr(value, "ill_typed", None) is True:
            return False
        return python_value_fits(value, datatype)
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return python_value_fits(value, datatype)
    if datatype == RDF.langString and value.language:
        return python_value_fits(value, datatype)
    return False


def python_value_fits(value: Literal, datatype: URIRef) -> bool:
    """The check pySHACL makes of the Python value rdflib made of a literal of a datatype."""
    from datetime import date, datetime, time
    from decimal import Decimal

    kinds: dict[URIRef, type | tuple[type, ...]] = {
        XSD.string: (str, bytes),
        RDF.langString: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    kind = kinds.get(datatype)
    return kind is None or isinstance(value.value, kind)


def value_fails(check: CoreCheck, value: Node) -> bool:
    """Whether one (non-blank) value fails a check that is decided in Python."""
    if check.parameter == SH.datatype:
        return not datatype_matches(value, URIRef(str(check.argument)))
    if check.pattern is not None:
        text = StringBasedConstraintBase.value_node_to_string(value)  # type: ignore[no-untyped-call]
        return not (check.pattern.match(text) or check.pattern.search(text))
    return value not in check.allowed


def solution_rows(
    answer: ox.QuerySolutions, converter: TermConverter
) -> Iterator[tuple[OxAny | None, dict[str, Node]]]:
    """Each solution of a SELECT answer as its ?this (as Oxigraph has it, or None) and a row.

    Args:
        answer: the solutions.
        converter: maps Oxigraph terms to rdflib.

    Yields:
        The Oxigraph term bound to ?this (None if unbound or the query has none), and the
        bound variables in rdflib terms.
    """
    names = [variable.value for variable in answer.variables]
    this = "this" in names
    for solution in answer:
        row: dict[str, Node] = {}
        for name in names:
            value: OxAny | None = solution[name]
            if value is not None:
                row[name] = converter.rdflib_term(value)
        yield solution["this"] if this else None, row


@dataclass
class CoreRunner:
    """Runs core checks, and finds focus nodes, on one Oxigraph store.

    Attributes:
        store: the data, the ontology's hierarchy mixed in, in the default graph.
        converter: maps the store's terms to rdflib and back.
    """

    store: ox.Store
    converter: TermConverter
    _subclasses: dict[Node, list[str]] = field(default_factory=dict)

    def sparql(self, term: Node) -> str:
        """A term (IRI or literal) in SPARQL syntax."""
        return str(self.converter.oxigraph_term(term))

    def subclasses(self, cls: Node) -> list[str]:
        """A class and its subclasses (rdfs:subClassOf*), in SPARQL syntax."""
        if cls not in self._subclasses:
            found = {self.sparql(cls)}
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {self.sparql(cls)} }}"
            found.update(self.sparql(row["c"]) for row in self.rows(query))
            self._subclasses[cls] = sorted(found)
        return self._subclasses[cls]

    def targets(self, shape: Any) -> str | None:
        """A group pattern binding ?this to each focus node of a pySHACL shape once.

        Args:
            shape: a pyshacl.shape.Shape, without blank sh:targetNode values.

        Returns:
            A SPARQL subquery, or None when the shape has no targets.
        """
        nodes, classes, implicit, objects_of, subjects_of = shape.target()
        parts: list[str] = []
        if nodes:
            parts.append(f"VALUES ?this {{ {' '.join(self.sparql(n) for n in nodes)} }}")
        kinds = sorted({c for cls in [*classes, *implicit] for c in self.subclasses(cls)})
        if kinds:
            parts.append(f"?this <{RDF.type}> ?kind . VALUES ?kind {{ {' '.join(kinds)} }}")
        parts.extend(f"?this {self.sparql(p)} ?object" for p in subjects_of)
        parts.extend(f"?subject {self.sparql(p)} ?this" for p in objects_of)
        if not parts:
            return None
        union = " UNION ".join(f"{{ {part} }}" for part in parts)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    def focus_nodes(self, shape: Any) -> list[Node]:
        """The focus nodes of a pySHACL shape in rdflib terms, sorted by their text."""
        targets = self.targets(shape)
        if targets is None:
            return []
        found = [row["this"] for row in self.rows(f"SELECT ?this WHERE {targets}")]
        return sorted(found, key=str)

    def rows(self, query: str) -> Iterator[dict[str, Node]]:
        """The solutions of a SELECT query, bound variables in rdflib terms."""
        answer = self.store.query(query)
        if not isinstance(answer, ox.QuerySolutions):
            raise TypeError(f"not a SELECT query:\n{query}")
        for _this, row in solution_rows(answer, self.converter):
            yield row

    def run(self, check: CoreCheck, target_shape: Any) -> list[Violation]:
        """The results of one check on the focus nodes of a shape (its own or its holder's).

        Args:
            check: the constraint.
            target_shape: the pySHACL shape whose targets give the focus nodes.

        Returns:
            The results, unsorted.
        """
        targets = self.targets(target_shape)
        if targets is None:
            return []
        path = self.sparql(check.path)
        found: Iterable[dict[str, Node]]
        if check.parameter in (SH.minCount, SH.maxCount):
            found = self.rows(count_query(check, targets, path))
        elif check.parameter == SH["class"]:
            kinds = " ".join(self.subclasses(check.argument))
            found = self.rows(
                f"SELECT ?this ?value WHERE {{ {targets} ?this {path} ?value "
                f"FILTER NOT EXISTS {{ ?value <{RDF.type}> ?kind VALUES ?kind {{ {kinds} }} }} }}"
            )
        elif check.parameter == SH.nodeKind:
            fails = NODE_KIND_FAILS[URIRef(str(check.argument))]
            found = self.rows(
                f"SELECT ?this ?value WHERE {{ {targets} ?this {path} ?value FILTER ({fails}) }}"
            )
        else:
            found = self.python_checked(check, targets, path)
        return [
            Violation(
                focus=row["this"],
                path=check.path,
                shape=check.shape,
                message=check.message,
                severity=check.severity,
                value=row.get("value"),
            )
            for row in found
        ]

    def python_checked(self, check: CoreCheck, targets: str, path: str) -> list[dict[str, Node]]:
        """The failing (focus node, value) pairs of a check decided value by value in Python.

        Each distinct value is checked once; blank nodes fail all three (no literal, no
        string to match, no member of a list in the shapes graph).
        """
        values = self.rows(
            f"SELECT DISTINCT ?value WHERE {{ {targets} ?this {path} ?value FILTER (!isBlank(?value)) }}"
        )
        failing = [row["value"] for row in values if value_fails(check, row["value"])]
        rows = list(
            self.rows(
                f"SELECT ?this ?value WHERE {{ {targets} ?this {path} ?value FILTER (isBlank(?value)) }}"
            )
        )
        for start in range(0, len(failing), VALUES_PER_QUERY):
            batch = " ".join(self.sparql(v) for v in failing[start : start + VALUES_PER_QUERY])
            rows.extend(
                self.rows(
                    f"SELECT ?this ?value WHERE {{ VALUES ?value {{ {batch} }} {targets} ?this {path} ?value }}"
                )
            )
        return rows


def count_query(check: CoreCheck, targets: str, path: str) -> str:
    """The query for the focus nodes with too few or too many distinct values."""
    count = int(str(check.argument))
    if check.parameter == SH.minCount:
        if count == 0:
            return "SELECT ?this WHERE { FILTER (false) }"
        if count == 1:
            return f"SELECT ?this WHERE {{ {targets} FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
        return (
            f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ ?this {path} ?value }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {count})"
        )
    return (
        f"SELECT ?this WHERE {{ {targets} ?this {path} ?value }} "
        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {count})"
    )
