"""The SPARQL 1.1 rules on a query's variables that rdflib's parser does not enforce.

rdflib 7.6.0 parses, and its evaluator answers, four kinds of query the SPARQL 1.1
grammar and its notes forbid (Oxigraph's parser refuses them all):

- a VALUES row with more or fewer values than the block has variables
  (`VALUES (?a ?b) { (1) }`; section 19.8, grammar rule 89: rdflib drops the extra
  variables or values);
- a BIND to a variable already in scope at that point of its group
  (`?s ?p ?o BIND(1 AS ?s)`; section 18.2.1: "The variable introduced by a BIND
  clause must not have been used in the group graph pattern up to the point of use
  in BIND");
- in a query with GROUP BY or aggregates, a projected variable that is neither
  grouped nor an aggregate's alias (`SELECT ?s (COUNT(*) AS ?c) { ?s ?p ?o }`;
  section 18.2.4.1), and `SELECT *` in such a query;
- and, as for BIND, a SELECT expression's alias already in scope, or named twice
  (`SELECT (1 AS ?s) { ?s ?p ?o }`; section 18.2.1).

They are read from rdflib's parse tree before it is translated to algebra: the
translation keeps no VALUES row's length and moves every FILTER to the end of its
group. Scope follows section 18.2.1: a variable is in scope after a triple pattern,
property path, BIND or VALUES that names it, an OPTIONAL, UNION branch, GRAPH or nested
group where it is in scope, or a subquery that projects it; a FILTER's variables and a
MINUS's right side put none in scope. A BIND in a nested group (or an EXISTS) sees only
that group.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeGuard

from pyparsing import ParseResults
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

GROUP = "GroupGraphPatternSub"
# CONSTRUCT WHERE { ... } (sic, rdflib's spelling)
TEMPLATE_GROUP = "FakeGroupGraphPatten"
SUBSELECT = "SubSelect"
QUERY_FORMS = ("SelectQuery", "SubSelect")
AGGREGATE_PREFIX = "Aggregate_"
# A bracketed expression that is only a variable, `GROUP BY (?s)`, is that variable
# (Oxigraph reads it so); rdflib wraps it in one node per precedence level.
WRAPPERS = (
    "ConditionalOrExpression",
    "ConditionalAndExpression",
    "RelationalExpression",
    "AdditiveExpression",
    "MultiplicativeExpression",
    "UnaryExpression",
)


class BrokenRule(Exception):
    """A rule the query breaks; the message says which, and where."""


def children(node: object) -> Iterator[object]:
    """The parts of a parse-tree node (a CompValue's values, a list's items)."""
    if isinstance(node, CompValue):
        yield from dict.values(node)
    elif isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list | tuple | ParseResults):
        yield from node


def walk(root: object, stop: tuple[str, ...] = ()) -> Iterator[object]:
    """Every node under `root`, itself included, but not inside a node named in `stop`.

    A name in `stop` is a prefix: a nested group, a subquery, every aggregate.
    """
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, CompValue) and node is not root and node.name.startswith(stop):
            continue
        stack.extend(children(node))


def variables_in(root: object, stop: tuple[str, ...] = ()) -> set[Variable]:
    """Every variable under `root`."""
    return {node for node in walk(root, stop) if isinstance(node, Variable)}


def field(node: CompValue, name: str) -> object:
    """A field of a parse-tree node, or None (rdflib's own `get` returns the key)."""
    return dict.get(node, name)


def items(value: object) -> list[object]:
    """A field that holds a list (None for an empty one), as a list."""
    if value is None:
        return []
    if isinstance(value, list | tuple | ParseResults):
        return list(value)
    return [value]


def named(node: object, *names: str) -> TypeGuard[CompValue]:
    """Whether a node is a CompValue with one of these names."""
    return isinstance(node, CompValue) and node.name in names


def listed(variables: Iterable[Variable]) -> str:
    """Variables as the query spells them: `?a ?b`."""
    return " ".join(f"?{v}" for v in variables)


# -- VALUES ------------------------------------------------------------------------------


def check_values(block: CompValue) -> None:
    """Every row of a VALUES block has one value (or UNDEF) per variable.

    Raises:
        BrokenRule: a row has more or fewer.
    """
    variables = [v for v in items(field(block, "var")) if isinstance(v, Variable)]
    for number, row in enumerate(items(field(block, "value")), start=1):
        if not isinstance(row, list | tuple | ParseResults):
            continue  # the one-variable form, `VALUES ?x { 1 2 }`: one value per row
        if len(row) != len(variables):
            given = "1 value" if len(row) == 1 else f"{len(row)} values"
            raise BrokenRule(
                f"VALUES ({listed(variables)}): row {number} has {given} for"
                f" {len(variables)} variable{'' if len(variables) == 1 else 's'}; each row"
                " needs exactly one value, or UNDEF, per variable (SPARQL 1.1, section 19.8)"
            )


# -- BIND and scope ----------------------------------------------------------------------


def projected(query: CompValue) -> set[Variable]:
    """The variables a subquery puts in scope: those it projects (all for SELECT *)."""
    projection = items(field(query, "projection"))
    if not projection:
        values = field(query, "valuesClause")
        trailing = set(items(field(values, "var"))) if isinstance(values, CompValue) else set()
        return in_scope(field(query, "where")) | {v for v in trailing if isinstance(v, Variable)}
    out: set[Variable] = set()
    for item in projection:
        if isinstance(item, CompValue):
            variable = field(item, "var") or field(item, "evar")
            if isinstance(variable, Variable):
                out.add(variable)
    return out


def in_scope(pattern: object) -> set[Variable]:
    """The variables in scope after a group graph pattern (section 18.2.1)."""
    if named(pattern, SUBSELECT):
        return projected(pattern)
    if not named(pattern, GROUP, TEMPLATE_GROUP):
        return set()
    out: set[Variable] = set()
    for part in items(field(pattern, "part")):
        out |= part_scope(part)
    return out


def part_scope(part: object) -> set[Variable]:
    """The variables one element of a group puts in scope."""
    if not isinstance(part, CompValue):
        return set()
    name = part.name
    if name == "TriplesBlock":
        return variables_in(field(part, "triples"))
    if name == "Bind":
        variable = field(part, "var")
        return {variable} if isinstance(variable, Variable) else set()
    if name == "InlineData":
        return {v for v in items(field(part, "var")) if isinstance(v, Variable)}
    if name == "OptionalGraphPattern":
        return in_scope(field(part, "graph"))
    if name == "GroupOrUnionGraphPattern":
        out: set[Variable] = set()
        for branch in items(field(part, "graph")):  # a nested group, or UNION's branches
            out |= in_scope(branch)
        return out
    if name in ("GraphGraphPattern", "ServiceGraphPattern"):
        term = field(part, "term")
        named_by = {term} if isinstance(term, Variable) else set()
        return named_by | in_scope(field(part, "graph"))
    return set()  # Filter, MinusGraphPattern


def check_binds(group: CompValue) -> None:
    """No BIND of a group assigns a variable in scope before it in that group.

    Raises:
        BrokenRule: one does.
    """
    seen: set[Variable] = set()
    for part in items(field(group, "part")):
        if named(part, "Bind"):
            variable = field(part, "var")
            if isinstance(variable, Variable) and variable in seen:
                raise BrokenRule(
                    f"BIND(... AS ?{variable}): ?{variable} is already in scope at that"
                    " point of its group (a triple pattern, BIND, VALUES, OPTIONAL, GRAPH,"
                    " nested group or subquery before it names it), and BIND may only"
                    " introduce a new variable (SPARQL 1.1, section 18.2.1): choose"
                    " another name, or compare with FILTER"
                )
        seen |= part_scope(part)


# -- Grouping ----------------------------------------------------------------------------


def has_aggregate(expression: object) -> bool:
    """Whether an expression holds an aggregate (not counting those of nested queries)."""
    return any(
        isinstance(node, CompValue) and node.name.startswith(AGGREGATE_PREFIX)
        for node in walk(expression, stop=(GROUP, SUBSELECT, AGGREGATE_PREFIX))
    )


def unwrapped(expression: object) -> object:
    """An expression without the single-child precedence nodes rdflib wraps it in."""
    while named(expression, *WRAPPERS):
        if set(dict.keys(expression)) != {"expr"}:
            break
        expression = field(expression, "expr")
    return expression


def grouped_variables(query: CompValue) -> set[Variable]:
    """The variables GROUP BY names: `?v`, `(expr AS ?v)`, and `(?v)`."""
    grouped: set[Variable] = set()
    clause = field(query, "groupby")
    conditions = items(field(clause, "condition")) if isinstance(clause, CompValue) else []
    for condition in conditions:
        if isinstance(condition, Variable):
            grouped.add(condition)
        elif named(condition, "GroupAs"):
            variable = field(condition, "var") or unwrapped(field(condition, "expr"))
            if isinstance(variable, Variable):
                grouped.add(variable)
    return grouped


def is_aggregate_query(query: CompValue) -> bool:
    """Whether a query groups: GROUP BY, or an aggregate in SELECT, HAVING or ORDER BY."""
    if isinstance(field(query, "groupby"), CompValue):
        return True
    expressions = [
        field(item, "expr")
        for item in items(field(query, "projection"))
        if isinstance(item, CompValue) and field(item, "evar") is not None
    ]
    expressions += [field(query, "having"), field(query, "orderby")]
    return any(has_aggregate(expression) for expression in expressions)


def ungrouped(variable: Variable, grouping: str) -> BrokenRule:
    """The error for a projected variable an aggregate query does not group."""
    return BrokenRule(
        f"SELECT: ?{variable} is neither grouped nor an aggregate's result, and {grouping};"
        f" project only grouped variables and aggregates (SPARQL 1.1, section 18.2.4.1):"
        f" add ?{variable} to GROUP BY, or project an aggregate of it, such as"
        f" (SAMPLE(?{variable}) AS ?some_{variable})"
    )


def check_grouping(query: CompValue) -> None:
    """An aggregate query projects only grouped variables and aggregates' aliases.

    Raises:
        BrokenRule: it projects another variable, or uses SELECT *.
    """
    if not is_aggregate_query(query):
        return
    has_group_by = isinstance(field(query, "groupby"), CompValue)
    grouping = (
        "the query has GROUP BY"
        if has_group_by
        else "the query uses an aggregate without GROUP BY, so all its rows are one group"
    )
    projection = items(field(query, "projection"))
    if not projection:
        raise BrokenRule(
            f"SELECT * cannot be used here: {grouping}; name the grouped variables and"
            " the aggregates to project (SPARQL 1.1, section 18.2.4.1)"
        )
    allowed = grouped_variables(query)
    for item in projection:
        if not isinstance(item, CompValue):
            continue
        variable = field(item, "var")
        if isinstance(variable, Variable):
            if variable not in allowed:
                raise ungrouped(variable, grouping)
            continue
        # Outside its aggregates, an expression sees only the group's variables.
        loose = variables_in(field(item, "expr"), stop=(GROUP, SUBSELECT, AGGREGATE_PREFIX))
        for stray in sorted(loose - allowed):
            raise ungrouped(stray, grouping)
        alias = field(item, "evar")
        if isinstance(alias, Variable):
            allowed.add(alias)  # a later expression may use an earlier alias


def check_aliases(query: CompValue) -> None:
    """Each `(expr AS ?v)` of a SELECT introduces a new variable.

    Raises:
        BrokenRule: ?v is already in scope where SELECT is evaluated (in the WHERE
            clause or trailing VALUES; in an aggregate query, among the grouped
            variables), or the SELECT names it elsewhere.
    """
    projection = [item for item in items(field(query, "projection")) if isinstance(item, CompValue)]
    if not any(isinstance(field(item, "evar"), Variable) for item in projection):
        return
    if is_aggregate_query(query):
        taken = grouped_variables(query)
    else:
        values = field(query, "valuesClause")
        trailing = items(field(values, "var")) if isinstance(values, CompValue) else []
        taken = in_scope(field(query, "where")) | {v for v in trailing if isinstance(v, Variable)}
    for item in projection:
        variable = field(item, "var")
        if isinstance(variable, Variable):
            taken.add(variable)
    for item in projection:
        alias = field(item, "evar")
        if not isinstance(alias, Variable):
            continue
        if alias in taken:
            raise BrokenRule(
                f"SELECT (... AS ?{alias}): ?{alias} is already in scope (the WHERE clause,"
                " GROUP BY or VALUES binds it, or the SELECT names it more than once), and an"
                " expression in SELECT may only introduce a new variable (SPARQL 1.1,"
                " section 18.2.1): choose another name"
            )
        taken.add(alias)


# -- The whole query ---------------------------------------------------------------------


def check_query(tree: object) -> None:
    """Check every rule above, in every group and subquery of a parsed query.

    Raises:
        BrokenRule: the first rule broken.
    """
    for node in walk(tree):
        if not isinstance(node, CompValue):
            continue
        if node.name in ("InlineData", "ValuesClause"):
            check_values(node)
        elif node.name in (GROUP, TEMPLATE_GROUP):
            check_binds(node)
        elif node.name in QUERY_FORMS:
            check_grouping(node)
            check_aliases(node)


def broken_rule(tree: object) -> str | None:
    """The first of these rules a query's parse tree (rdflib's `parseQuery`) breaks.

    Args:
        tree: the parse tree, before its translation to algebra.

    Returns:
        A message naming the rule and where the query breaks it, or None.
    """
    try:
        check_query(tree)
    except BrokenRule as error:
        return str(error)
    return None
