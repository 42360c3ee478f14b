"""SHACL validation at scale: the SPARQL and core constraints on Oxigraph, pySHACL for the rest.

pySHACL runs a SPARQL-based constraint (https://www.w3.org/TR/shacl/#sparql-constraints)
once per focus node, on rdflib's SPARQL engine: on kzgov's shapes that is over 99% of the
validation time, and it grows with the data. Here each such constraint runs once for all
its focus nodes on Oxigraph: the focus nodes are joined to the constraint's query with
LATERAL, which substitutes each focus node into the query as SHACL's pre-binding does
(https://www.w3.org/TR/shacl/#pre-binding). The SHACL core constraints kzgov's shapes
use run on the same store, one or two queries each (kzgov.build.core_constraints), and
each shape's focus nodes are found there from its targets. pySHACL runs only what is
left, if anything: on the shapes graph without the constraints handled here, and with
each property shape that one node shape holds given that node shape's targets (see
`target_triples`), so that pySHACL validates it once for all focus nodes rather than
once per focus node; only then is the data copied into rdflib.

The results are pySHACL's, result for result: the same focus nodes (found with SPARQL
as pySHACL's target code finds them), the same query text (pySHACL's own helper adds
the prefixes and substitutes $PATH), and the same reading of the solutions (?failure,
?path, ?value, duplicates, {?var} in messages). tests/test_validate_fast.py proves it on the real
project, on every shape's case file, on a synthetic graph with violations and on the
corners of SHACL-SPARQL.

A constraint is left to pySHACL when its shape is used by another shape in any way but
sh:property from a node shape that has its own targets, when its query is not a plain
SELECT of variables, or when it uses $currentShape; and the whole validation is left to
pySHACL when the shapes use SHACL-AF rules, targets or functions (rules change the data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS
from pyshacl.helper import get_query_helper_cls
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kzgov.build.core_constraints import CoreCheck, CoreRunner, core_checks, solution_rows
from kzgov.build.validate import Violation, class_hierarchy, validate_graph, violations_in
from kzgov.core.oxigraph_terms import OxAny, OxTerm, TermConverter

# SHACL-AF features that make pySHACL change the data or find targets its own way: with
# any of them in the shapes, pySHACL runs the whole validation.
ADVANCED_PREDICATES = frozenset({SH.rule, SH.target})
ADVANCED_TYPES = frozenset(
    {SH.SPARQLFunction, SH.SPARQLTargetType, SH.TargetType, SH.JSTarget, SH.JSFunction}
)
# Parameters whose values are shapes validated in another shape's context.
SHAPE_PARAMETERS = frozenset({SH.node, SH["not"], SH.qualifiedValueShape})
SHAPE_LIST_PARAMETERS = frozenset({SH["and"], SH["or"], SH.xone})

# The parameters whose presence in the shapes left to pySHACL means pySHACL must run;
# sh:property alone does not (a property shape left with constraints has parameters).
PYSHACL_PARAMETERS = frozenset(ALL_CONSTRAINT_PARAMETERS) - {SH.property} | {SH.expression}

# Focus nodes per LATERAL query: keeps each query's text to a few hundred kilobytes.
FOCUS_NODES_PER_QUERY = 5_000

THIS = ox.Variable("this")
# A SELECT clause that lists plain variables: the only kind run here (not *, nor expressions).
PLAIN_SELECT = re.compile(
    r"^(?P<head>\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?)(?P<variables>(?:[?$]\w+\s+)+)(?:WHERE\s*)?\{",
    re.I,
)


@dataclass(frozen=True)
class SparqlCheck:
    """One SPARQL-based constraint of one shape, ready to run.

    Attributes:
        shape: the shape the constraint belongs to (the result's source shape).
        constraint: the sh:SPARQLConstraint node.
        query: the SELECT query, with prefixes and $PATH filled in as pySHACL does.
        path: the shape's sh:path, for a property shape.
        severity: the shape's severity.
        shape_messages: the shape's own sh:message values.
        constraint_messages: the constraint's sh:message values.
        binds_this: whether the query mentions $this (pySHACL pre-binds it only then).
        hides_this: whether the shape's query does not select $this; `query` then selects
            it (Oxigraph binds only selected variables), and the solutions drop it again.
    """

    shape: Node
    constraint: Node
    query: str
    path: Node | None
    severity: Node
    shape_messages: tuple[Literal, ...]
    constraint_messages: tuple[Literal, ...]
    binds_this: bool
    hides_this: bool

    @property
    def is_property_shape(self) -> bool:
        """Whether the constraint belongs to a property shape."""
        return self.path is not None


@dataclass
class ValidationPlan:
    """How one shapes graph is validated.

    Attributes:
        core_shapes: the shapes graph without the constraints run here, for pySHACL.
        shapes: pySHACL's shapes, by node (their targets give the focus nodes).
        runs: each SPARQL constraint with the shape whose focus nodes it is run on (its
            own shape, or the node shape that holds it with sh:property).
        core_runs: each core constraint run here (kzgov.build.core_constraints), with
            the shape whose focus nodes it is run on.
    """

    core_shapes: Graph
    shapes: dict[Node, Any] = field(default_factory=dict)
    runs: list[tuple[SparqlCheck, Node]] = field(default_factory=list)
    core_runs: list[tuple[CoreCheck, Node]] = field(default_factory=list)

    @property
    def needs_pyshacl(self) -> bool:
        """Whether any constraint is left to pySHACL (then it needs an rdflib copy)."""
        return any(p in PYSHACL_PARAMETERS for p in self.core_shapes.predicates(unique=True))


def validate_fast(data: Graph, shapes: Graph, ontology: Graph | None = None) -> list[Violation]:
    """Validate data against shapes as `kzgov.build.validate.validate_graph` does, faster.

    Args:
        data: the asserted data (union of data/ graphs and the build manifest).
        shapes: the SHACL shapes.
        ontology: the ontology, whose class hierarchy is mixed into the data.

    Returns:
        Every result of the validation, as validate_graph gives them, sorted by focus
        node, path, shape, message and value.
    """
    plan = plan_validation(shapes)
    if plan is None:
        return validate_graph(data, shapes, ontology)
    mixed = data
    if ontology is not None:
        mixed = Graph()
        mixed.addN((s, p, o, mixed) for s, p, o in data)
        mixed.addN((s, p, o, mixed) for s, p, o in class_hierarchy(ontology))
    converter = TermConverter()
    store = ox.Store()
    store.extend(converter.oxigraph_quads(mixed, ox.DefaultGraph()))
    return run_plan(plan, store, converter, mixed if plan.needs_pyshacl else None)


def validate_quads(
    quads: Iterable[ox.Quad], hierarchy: Graph, shapes: Graph, converter: TermConverter
) -> list[Violation]:
    """Validate data held in Oxigraph, with no rdflib copy unless pySHACL must run.

    Args:
        quads: the data's quads (a triple in several graphs counts once).
        hierarchy: the ontology's class hierarchy (kzgov.build.validate.class_hierarchy).
        shapes: the SHACL shapes.
        converter: maps the quads' terms to rdflib (give the same one to map blank
            nodes in the results back).

    Returns:
        Every result, as validate_fast gives them.
    """
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    store.extend(converter.oxigraph_quads(hierarchy, ox.DefaultGraph()))
    plan = plan_validation(shapes)
    if plan is None or plan.needs_pyshacl:
        data = Graph()
        data.addN(
            (s, p, o, data)
            for s, p, o in converter.rdflib_triples(store.quads_for_pattern(None, None, None))
        )
        if plan is None:
            del store
            return validate_graph(data, shapes)
        return run_plan(plan, store, converter, data)
    return run_plan(plan, store, converter, None)


def run_plan(
    plan: ValidationPlan, store: ox.Store, converter: TermConverter, data: Graph | None
) -> list[Violation]:
    """Run a plan: pySHACL on what is left to it, the rest on Oxigraph.

    Args:
        plan: the plan.
        store: the data, hierarchy mixed in, in the default graph.
        converter: the converter the store's terms map to rdflib with.
        data: the same data in rdflib, when the plan leaves constraints to pySHACL.

    Returns:
        The results, sorted by focus node, path, shape, message and value.
    """
    results = validate_core(data, plan.core_shapes) if data is not None else []
    runner = CoreRunner(store, converter)
    if plan.runs:
        results.extend(run_sparql_checks(runner, plan))
    for check, target_shape in plan.core_runs:
        results.extend(runner.run(check, plan.shapes[target_shape]))
    results.sort(key=result_order)
    return results


def validate_core(data: Graph, shapes: Graph) -> list[Violation]:
    """Run pySHACL on the data as validate_graph does, without copying the data first.

    pySHACL copies the data graph in advanced mode, in case SHACL rules change it; the
    plan leaves shapes with rules to pySHACL alone, so here nothing changes the data.

    Args:
        data: the data graph, hierarchy mixed in.
        shapes: the shapes left to pySHACL.

    Returns:
        pySHACL's results.
    """
    _conforms, report, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    return violations_in(report)


def result_order(result: Violation) -> tuple[str, str, str, str, str]:
    """A total order on results, so that reports come out the same on every run."""
    return (
        str(result.focus),
        str(result.path),
        str(result.shape),
        result.message,
        str(result.value),
    )


def uses_advanced_features(shapes: Graph) -> bool:
    """Whether the shapes use SHACL-AF rules, targets or functions."""
    if any(True for p in ADVANCED_PREDICATES for _ in shapes.triples((None, p, None))):
        return True
    return any(True for kind in ADVANCED_TYPES for _ in shapes.subjects(RDF.type, kind))


def plan_validation(shapes: Graph) -> ValidationPlan | None:
    """Decide which SPARQL constraints run here and on which shapes' focus nodes.

    Args:
        shapes: the SHACL shapes.

    Returns:
        The plan, or None when pySHACL must run the whole validation (SHACL-AF features).
    """
    if uses_advanced_features(shapes):
        return None
    if any(isinstance(node, BNode) for node in shapes.objects(None, SH.targetNode)):
        return None  # a blank node cannot be named in a query
    working = Graph()
    working.addN((s, p, o, working) for s, p, o in shapes)
    shapes_graph = ShapesGraph(working)
    by_node = {shape.node: shape for shape in shapes_graph.shapes}
    nested = nested_shapes(shapes)
    holders: dict[Node, list[Node]] = {}
    for holder, held in shapes.subject_objects(SH.property):
        holders.setdefault(held, []).append(holder)

    def runs_alone(node: Node) -> bool:
        """Whether a shape is validated only on its own targets, never inside another."""
        return node not in nested and node not in holders

    def runs_on(node: Node, shape: Any) -> list[Node] | None:
        """The shapes on whose focus nodes a shape's checks run here, or None.

        Itself and its active holders (none if it is deactivated); None if it is left to
        pySHACL: nested in another shape, or held by a property shape or by a shape that
        does not run alone.
        """
        parents = holders.get(node, [])
        if node in nested or not all(
            parent in by_node and not by_node[parent].is_property_shape and runs_alone(parent)
            for parent in parents
        ):
            return None
        if shape.deactivated:
            return []
        return [node, *(parent for parent in parents if not by_node[parent].deactivated)]

    plan = ValidationPlan(core_shapes=Graph(), shapes=by_node)
    accelerated: set[Node] = set()
    translated: set[tuple[Node, Node, Node]] = set()
    for node, shape in by_node.items():
        focus_shapes = runs_on(node, shape)
        if focus_shapes is None:
            continue
        checks = (
            sparql_checks(shape, shapes)
            if any(True for _ in shapes.objects(node, SH.sparql))
            else None
        )
        if checks is not None:
            accelerated.add(node)
            plan.runs.extend((check, on) for on in focus_shapes for check in checks)
        core_run, replaced = core_checks(shape, shapes)
        translated.update(replaced)
        plan.core_runs.extend((check, on) for on in focus_shapes for check in core_run)
    hoisted = {
        node: holders[node][0]
        for node, shape in by_node.items()
        if shape.is_property_shape
        and node not in nested
        and len(holders.get(node, [])) == 1
        and not has_own_targets(shape)
        and holders[node][0] in by_node
        and not by_node[holders[node][0]].is_property_shape
        and not by_node[holders[node][0]].deactivated
        and runs_alone(holders[node][0])
    }
    core = plan.core_shapes
    core.addN(
        (s, p, o, core)
        for s, p, o in shapes
        if not (p == SH.sparql and s in accelerated)
        and not (p == SH.property and hoisted.get(o) == s)
        and (s, p, o) not in translated
    )
    for held, holder in hoisted.items():
        core.addN((held, p, o, core) for p, o in target_triples(by_node[holder]))
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace)
    return plan


def has_own_targets(shape: Any) -> bool:
    """Whether a pySHACL shape declares targets of its own."""
    return any(True for _ in target_triples(shape))


def target_triples(shape: Any) -> Iterator[tuple[URIRef, Node]]:
    """The target declarations of a pySHACL shape, its implicit class target made explicit.

    A property shape that only one node shape holds, with sh:property, is given that node
    shape's targets in the shapes pySHACL runs: pySHACL then validates it once for all
    focus nodes instead of once per focus node (an order of magnitude faster), with the
    same results, since sh:property reports the property shape's results unchanged
    (https://www.w3.org/TR/shacl/#PropertyConstraintComponent).

    Args:
        shape: a pyshacl.shape.Shape.

    Yields:
        (target predicate, value) pairs.
    """
    nodes, classes, implicit, objects_of, subjects_of = shape.target()
    for predicate, values in (
        (SH.targetNode, nodes),
        (SH.targetClass, list(classes) + list(implicit)),
        (SH.targetObjectsOf, objects_of),
        (SH.targetSubjectsOf, subjects_of),
    ):
        for value in values:
            yield predicate, value


def nested_shapes(shapes: Graph) -> set[Node]:
    """The shapes used as values of sh:node, sh:not, sh:and, sh:or, sh:xone and the like."""
    found: set[Node] = set()
    for parameter in SHAPE_PARAMETERS:
        found.update(shapes.objects(None, parameter))
    for parameter in SHAPE_LIST_PARAMETERS:
        for head in shapes.objects(None, parameter):
            found.update(shapes.items(head))
    return found


def sparql_checks(shape: Any, shapes: Graph) -> list[SparqlCheck] | None:
    """The SPARQL constraints of one pySHACL shape, with their query text as pySHACL makes it.

    Args:
        shape: a pyshacl.shape.Shape.
        shapes: the shapes graph.

    Returns:
        One check per active sh:sparql value, or None if one of them is not a plain
        SELECT of variables or uses $currentShape (then pySHACL runs them all).
    """
    query_helper_class = get_query_helper_cls()  # type: ignore[no-untyped-call]
    checks = []
    for constraint in sorted(shapes.objects(shape.node, SH.sparql), key=str):
        deactivated = shapes.value(constraint, SH.deactivated)
        if isinstance(deactivated, Literal) and bool(deactivated.value):
            continue
        select = shapes.value(constraint, SH.select)
        if select is None:
            return None  # pySHACL refuses such a constraint, and says why
        messages = tuple(
            m for m in shapes.objects(constraint, SH.message) if isinstance(m, Literal)
        )
        helper = query_helper_class(shape, constraint, str(select), messages=set(messages) or None)
        helper.collect_prefixes()
        bindings, text = helper.pre_bind_variables(shape.node)
        plain = PLAIN_SELECT.match(text)
        if plain is None or "currentShape" in bindings:
            return None
        selected = {name.lstrip("?$") for name in plain["variables"].split()}
        binds_this = "this" in bindings
        hides_this = binds_this and "this" not in selected
        if hides_this:
            text = plain["head"] + "?this " + text[len(plain["head"]) :]
        checks.append(
            SparqlCheck(
                shape=shape.node,
                constraint=constraint,
                query=helper.apply_prefixes(text),
                path=shape.path() if shape.is_property_shape else None,
                severity=shape.severity,
                shape_messages=tuple(m for m in shape.message if isinstance(m, Literal)),
                constraint_messages=messages,
                binds_this=binds_this,
                hides_this=hides_this,
            )
        )
    return checks


def run_sparql_checks(runner: CoreRunner, plan: ValidationPlan) -> list[Violation]:
    """Run each planned SPARQL constraint on the focus nodes of its shape.

    Args:
        runner: the data in Oxigraph (the ontology's hierarchy mixed in), which finds
            each shape's focus nodes from its targets as pySHACL does.
        plan: the plan, with its constraints and the shapes whose focus nodes they run on.

    Returns:
        The results, unsorted.
    """
    focus_of: dict[Node, list[Node]] = {}
    results: list[Violation] = []
    for check, target_shape in plan.runs:
        if target_shape not in focus_of:
            focus_of[target_shape] = runner.focus_nodes(plan.shapes[target_shape])
        focus = focus_of[target_shape]
        if focus:
            results.extend(run_check(runner.store, runner.converter, check, focus))
    return results


def run_check(
    store: ox.Store, converter: TermConverter, check: SparqlCheck, focus: list[Node]
) -> list[Violation]:
    """Run one SPARQL constraint for a list of focus nodes.

    IRIs and literals go into LATERAL queries in batches; blank nodes (which a query's
    text cannot name) are run one at a time with Oxigraph's substitutions, which follow
    the same pre-binding. A query that never mentions $this has the same solutions for
    every focus node, and runs once.

    Args:
        store: the data graph in Oxigraph.
        converter: the converter the store was filled with (to map blank nodes back).
        check: the constraint.
        focus: its focus nodes.

    Returns:
        The results of the constraint on those focus nodes.
    """
    if not check.binds_this:
        rows = list(solutions(store, converter, check.query, {}))
        return [result for node in focus for result in results_for(check, node, rows)]
    rows_of: dict[OxAny, list[dict[str, Node]]] = {}
    batched = [node for node in focus if isinstance(node, URIRef | Literal)]
    for start in range(0, len(batched), FOCUS_NODES_PER_QUERY):
        batch = [converter.oxigraph_term(n) for n in batched[start : start + FOCUS_NODES_PER_QUERY]]
        for key, row in keyed_solutions(store, converter, lateral_query(check.query, batch), {}):
            if key is not None:  # the LATERAL query always binds ?this
                rows_of.setdefault(key, []).append(row)
    done = set(batched)
    results: list[Violation] = []
    for node in focus:
        key = converter.oxigraph_term(node)
        if node in done:
            rows = rows_of.get(key, [])
        else:
            rows = list(solutions(store, converter, check.query, {THIS: key}))
        results.extend(results_for(check, node, rows))
    return results


def lateral_query(query: str, focus: list[OxTerm]) -> str:
    """The constraint's query run for every focus node of a batch at once.

    Args:
        query: the constraint's query, prefixes first.
        focus: IRIs and literals, as Oxigraph terms (whose str() is SPARQL syntax).

    Returns:
        A query whose solutions are the constraint's solutions for each focus node, with
        ?this bound to the focus node.
    """
    prologue, select = split_prologue(query)
    values = " ".join(str(node) for node in focus)
    return f"{prologue}\nSELECT * WHERE {{ VALUES ?this {{ {values} }} LATERAL {{ {select} }} }}"


def split_prologue(query: str) -> tuple[str, str]:
    """The PREFIX lines pySHACL put before a query, and the query itself."""
    lines = query.split("\n")
    count = 0
    while count < len(lines) and (lines[count].startswith("PREFIX ") or not lines[count].strip()):
        count += 1
    return "\n".join(lines[:count]), "\n".join(lines[count:])


def solutions(
    store: ox.Store,
    converter: TermConverter,
    query: str,
    substitutions: dict[ox.Variable, OxAny],
) -> Iterator[dict[str, Node]]:
    """The solutions of a SELECT query, as dicts of the bound variables in rdflib terms."""
    for _key, row in keyed_solutions(store, converter, query, substitutions):
        yield row


def keyed_solutions(
    store: ox.Store,
    converter: TermConverter,
    query: str,
    substitutions: dict[ox.Variable, OxAny],
) -> Iterator[tuple[OxAny | None, dict[str, Node]]]:
    """The solutions of a SELECT query, each with its ?this as Oxigraph has it.

    Args:
        store: the data.
        converter: maps Oxigraph terms back to rdflib.
        query: a SELECT query.
        substitutions: variables to pre-bind.

    Yields:
        The Oxigraph term bound to ?this (or None), and the bound variables in rdflib terms.
    """
    answer = store.query(query, substitutions=substitutions or None)
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"a SHACL SPARQL constraint must be a SELECT query, not:\n{query}")
    yield from solution_rows(answer, converter)


def results_for(
    check: SparqlCheck, focus: Node, rows: Iterable[dict[str, Node]]
) -> list[Violation]:
    """The results of one constraint on one focus node, read from its solutions as pySHACL does.

    A solution binding ?failure gives one result for the focus node, however many there
    are; any other solution gives a result if it binds $this, ?path or ?value, with
    duplicate solutions counted once.

    Args:
        check: the constraint.
        focus: the focus node.
        rows: the solutions of its query for the focus node.

    Returns:
        The results.
    """
    default_value = None if check.is_property_shape else focus
    results: list[Violation] = []
    seen: list[tuple[Node | None, Node | None, Node | None, dict[str, Node]]] = []
    failed = False
    for row in rows:
        rest = dict(row)
        if check.hides_this or not check.binds_this:
            rest.pop("this", None)
        if rest.pop("failure", None) is not None:
            if not failed:
                failed = True
                results.append(make_result(check, focus, default_value, None, rest))
            continue
        path = rest.pop("path", None)
        value = rest.pop("value", None)
        this = rest.pop("this", None)
        if path is None and value is None and this is None:
            continue
        if (this, path, value, rest) in seen:
            continue
        seen.append((this, path, value, rest))
        bound = dict(rest)
        for name, term in (("this", this), ("path", path), ("value", value)):
            if term is not None:
                bound[name] = term
        results.append(
            make_result(
                check, this or focus, value if value is not None else default_value, path, bound
            )
        )
    return results


def make_result(
    check: SparqlCheck,
    focus: Node,
    value: Node | None,
    path: Node | None,
    bound: dict[str, Node],
) -> Violation:
    """One result, its message filled in with the solution's variables as pySHACL fills it."""
    messages = [m for m in check.constraint_messages if m not in check.shape_messages]
    messages.extend(check.shape_messages)
    texts = [fill_message(str(m), bound) for m in messages]
    return Violation(
        focus=focus,
        path=path if path is not None else check.path,
        shape=check.shape,
        message=min(texts) if texts else "(no message)",
        severity=check.severity,
        value=value,
    )


def fill_message(message: str, bound: dict[str, Node]) -> str:
    """Replace {?var} and {$var} in a message by the solution's values (pySHACL's way)."""
    for name, term in bound.items():
        message = re.sub(f"{{[?$]{name}}}", str(term), message)
    return message
