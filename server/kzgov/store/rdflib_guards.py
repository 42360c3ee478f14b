"""What the memory store does so that rdflib's evaluator never turns a query into a 500.

rdflib raises Python exceptions where SPARQL has errors of its own. Each is turned
into what SPARQL 1.1 says, or else into a clear refusal:

- an error inside an expression (an invalid regular expression, an ill-typed date,
  a decimal overflow, arithmetic on an IRI, a bad language tag, ...) is a SPARQL
  type error (https://www.w3.org/TR/sparql11-query/#evaluation): the expression has
  no value, so BIND leaves its variable unbound and FILTER drops the row;
- LIMIT and OFFSET past what Python can count are clamped to that count, which no
  result reaches, so the answer is the one the query asks for;
- aggregates nested in aggregates (`SUM(COUNT(?x))`), which SPARQL does not define,
  are refused before evaluation, and so are the queries `kzgov.core.query_rules` finds
  breaking a rule rdflib's parser does not enforce (a VALUES row of the wrong length,
  a BIND or SELECT alias of a variable in scope, an ungrouped variable projected by an
  aggregate query);
- anything else rdflib cannot evaluate is refused (400) with a message that names
  no Python internals; the details go to the server's log.

The changes are made on the parsed algebra, once per parsed query, in the store's
answer path, so they hold wherever the query was parsed.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from pyparsing import ParseResults
from rdflib.plugins.sparql.parserutils import CompValue, Expr
from rdflib.plugins.sparql.sparql import SPARQLError, SPARQLTypeError

from kzgov.core.errors import QueryRejected
from kzgov.core.sparql import ParsedQuery

log = logging.getLogger("kzgov.store.memory")

# What rdflib's operators raise on values they cannot handle: type errors in SPARQL.
EXPRESSION_FAILURES = (
    ValueError,
    TypeError,
    AttributeError,
    ArithmeticError,
    LookupError,
    re.error,
)
GUARDED = "_kzgov_guarded"
AGGREGATE_PREFIX = "Aggregate_"


def nested_aggregate(outer: str, inner: str) -> QueryRejected:
    """The error for an aggregate inside another aggregate."""
    return QueryRejected(
        f"aggregates cannot be nested: {inner} inside {outer}; aggregate in a subquery first"
    )


def cannot_evaluate() -> QueryRejected:
    """The error for a query rdflib's evaluator fails on (its details are logged)."""
    return QueryRejected(
        "the memory store's SPARQL engine cannot evaluate this query; rewrite the part it"
        " trips on, or run it on the Oxigraph store (kzgov serve --store oxigraph)"
    )


def nested_too_deeply() -> QueryRejected:
    """The error for a query whose evaluation passes Python's recursion limit."""
    return QueryRejected("the query is nested too deeply for the memory store to evaluate")


def nodes_of(root: object) -> Iterator[CompValue]:
    """Every node of an algebra: patterns, expressions, subqueries."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            yield node
            stack.extend(dict.values(node))
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)


def aggregate_name(node: CompValue) -> str:
    """SUM, COUNT, ... for an aggregate node."""
    return node.name.removeprefix(AGGREGATE_PREFIX).upper()


def refuse_nested_aggregates(node: CompValue) -> None:
    """Refuse an aggregate whose argument holds another aggregate.

    Raises:
        QueryRejected: it does.
    """
    for inner in nodes_of(dict.get(node, "vars")):
        if inner.name.startswith(AGGREGATE_PREFIX):
            raise nested_aggregate(aggregate_name(node), aggregate_name(inner))


def refuse_any_nested_aggregate(algebra: CompValue) -> None:
    """Refuse a query with an aggregate inside an aggregate, whatever store answers it.

    Raises:
        QueryRejected: it has one.
    """
    for node in nodes_of(algebra):
        if node.name.startswith(AGGREGATE_PREFIX):
            refuse_nested_aggregates(node)


def clamp_slice(node: CompValue) -> None:
    """Clamp OFFSET and LIMIT so that their sum fits the count Python's slicing takes."""
    start = min(int(dict.get(node, "start") or 0), sys.maxsize)
    node["start"] = start
    length = dict.get(node, "length")
    if length is not None:
        node["length"] = min(int(length), sys.maxsize - start)


def type_errors_only(evaluate: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An expression's evaluation, with rdflib's Python exceptions as SPARQL type errors."""

    def guarded(context: Any) -> Any:
        try:
            return evaluate(context)
        except SPARQLError:
            raise
        except EXPRESSION_FAILURES as error:
            raise SPARQLTypeError(f"the expression has no value: {error}") from error

    setattr(guarded, GUARDED, True)
    return guarded


def guard_algebra(algebra: CompValue) -> None:
    """Prepare a parsed query's algebra for rdflib's evaluator (see the module docstring).

    Idempotent: a parsed query evaluated again is left as it is.

    Raises:
        QueryRejected: the query nests aggregates.
    """
    if dict.get(algebra, GUARDED):
        return
    for node in nodes_of(algebra):
        if node.name.startswith(AGGREGATE_PREFIX):
            refuse_nested_aggregates(node)
        elif node.name == "Slice":
            clamp_slice(node)
        evaluate = node._evalfn if isinstance(node, Expr) else None
        if evaluate is not None and not getattr(evaluate, GUARDED, False):
            node._evalfn = type_errors_only(evaluate)
    algebra[GUARDED] = True


def refuse_broken_rule(parsed: ParsedQuery) -> None:
    """Refuse a query that breaks a rule of SPARQL 1.1 rdflib's parser lets through.

    Oxigraph's parser refuses these queries on the other stores; `kzgov.core.query_rules`
    finds them for this one.

    Raises:
        QueryRejected: the query breaks one (the message names the rule and where).
    """
    if parsed.broken_rule is not None:
        raise QueryRejected(f"SPARQL syntax error: {parsed.broken_rule}")


def evaluation_refused(error: Exception) -> QueryRejected:
    """The refusal for an exception rdflib raised while evaluating (logged in full)."""
    if isinstance(error, RecursionError):
        return nested_too_deeply()
    log.warning("rdflib could not evaluate a query: %s: %s", type(error).__name__, error)
    return cannot_evaluate()
