"""Parsing and evaluating SPARQL queries against a dataset, with errors that give the position."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

from pyparsing import ParseBaseException
from rdflib import Dataset
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

from kzgov.core import rdflib_decimal
from kzgov.core.errors import KzgovError
from kzgov.core.namespaces import QUERY_PREFIXES
from kzgov.core.query_rules import broken_rule
from kzgov.core.syntax_position import locate_syntax_error

rdflib_decimal.install()


class QuerySyntaxError(KzgovError):
    """A SPARQL query that does not parse; the message gives line and column."""

    def __init__(self, reason: str, line: int | None, column: int | None, source: str) -> None:
        """Record where the query is malformed.

        Args:
            reason: what the parser expected or found.
            line: the 1-based line of the error.
            column: the 1-based column of the error.
            source: the offending line of the query.
        """
        self.reason = reason
        self.line = line
        self.column = column
        where = f"line {line}, column {column}" if line is not None else "unknown position"
        pointer = ""
        if source and column is not None:
            pointer = f"\n  {source}\n  {' ' * (column - 1)}^"
        self.pointer = pointer
        super().__init__(f"SPARQL syntax error at {where}: {reason}{pointer}")

    def in_file(self, path: str) -> KzgovError:
        """The same error, placed in the query file it came from (`path:line:column: ...`).

        Args:
            path: the file as the user gave it (relative stays relative).
        """
        where = path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return KzgovError(f"{where}: SPARQL syntax error: {self.reason}{self.pointer}")


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed SPARQL query and its form.

    Attributes:
        text: the query text.
        query: rdflib's algebra for it.
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        broken_rule: the SPARQL 1.1 rule on variables it breaks, which rdflib does not
            enforce (`kzgov.core.query_rules`), or None; the memory store refuses it.
    """

    text: str
    query: Query
    form: str
    broken_rule: str | None = None


# rdflib's SPARQL grammar (pyparsing) keeps state while parsing: two threads parsing at
# once get spurious syntax errors. Every parse in a process takes this lock.
PARSER_LOCK = threading.Lock()
# A process forked while another thread parses would inherit the lock held, by a thread
# it does not have: every fork waits for the parse, and both sides let the lock go.
os.register_at_fork(
    before=PARSER_LOCK.acquire,
    after_in_parent=PARSER_LOCK.release,
    after_in_child=PARSER_LOCK.release,
)

# rdflib's parser and algebra recurse about 35 frames per level of parentheses and 8 per
# triple pattern of a group: Python's default limit (1,000) refused 30 nested parentheses
# and 300 patterns. This limit takes some 250 levels and 900 patterns, and still stops
# a hostile nesting (10,000 levels) at once, without exhausting the C stack of a thread.
RECURSION_LIMIT = 10_000
sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))

FORM_OF_ALGEBRA = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def syntax_error(text: str, reason: str, line: int | None, column: int | None) -> QuerySyntaxError:
    """The error for a query rdflib refused, placed and worded by kzgov.core.syntax_position."""
    prefixes = {prefix: str(namespace) for prefix, namespace in QUERY_PREFIXES.items()}
    problem = locate_syntax_error(text, reason, line, column, prefixes)
    lines = text.split("\n")
    source = lines[problem.line - 1] if problem.line and problem.line <= len(lines) else ""
    return QuerySyntaxError(problem.reason, problem.line, problem.column, source)


class QueryTooDeep(KzgovError):
    """A query nested too deeply, or with too many patterns in one group, to parse."""


def query_too_deep() -> QueryTooDeep:
    """The error for a query past the parser's recursion limit."""
    return QueryTooDeep(
        "the query is nested too deeply (parentheses, braces, paths or subqueries), or has"
        " too many triple patterns in one group, for the parser: split it, or nest less"
    )


def give_construct_where_its_template(query: Query) -> None:
    """Give a short-form CONSTRUCT WHERE its template: the triples of its WHERE pattern.

    rdflib takes the template of `CONSTRUCT WHERE { ... }` from the pattern right under
    the projection; with LIMIT, OFFSET or ORDER BY a Slice or OrderBy sits between them
    and rdflib's evaluation failed ("'NoneType' object is not iterable", a 500).
    """
    if query.algebra.get("template"):
        return
    part = query.algebra.get("p")
    while part is not None and getattr(part, "name", None) != "BGP":
        part = part.get("p")
    if part is not None:
        query.algebra["template"] = part.get("triples")


def parse_query(text: str) -> ParsedQuery:
    """Parse a SPARQL query, with kzgov's prefixes predeclared.

    Args:
        text: the SPARQL query.

    Returns:
        The parsed query.

    Raises:
        QuerySyntaxError: the query does not parse; the message gives line and column.
        QueryTooDeep: the query is nested past the parser's recursion limit.
    """
    try:
        with PARSER_LOCK:
            tree = parseQuery(text)
            broken = broken_rule(tree)  # before the translation, which rearranges the tree
            query = translateQuery(tree, None, dict(QUERY_PREFIXES))
            query._original_args = (text, dict(QUERY_PREFIXES), None)  # as prepareQuery does
    except RecursionError as error:
        raise query_too_deep() from error
    except ParseBaseException as error:
        raise syntax_error(text, error.msg, error.lineno, error.col) from error
    except Exception as error:  # rdflib raises plain exceptions for unknown prefixes
        raise syntax_error(text, str(error), None, None) from error
    form = FORM_OF_ALGEBRA.get(query.algebra.name, "SELECT")
    if form == "CONSTRUCT":
        give_construct_where_its_template(query)
    return ParsedQuery(text=text, query=query, form=form, broken_rule=broken)


def evaluate(dataset: Dataset, parsed: ParsedQuery) -> Result:
    """Evaluate a parsed query on a dataset whose default graph is the union of its graphs.

    Args:
        dataset: the dataset (as opened by kzgov.store.memory.open_dataset).
        parsed: the query.

    Returns:
        rdflib's result: rows for SELECT, a boolean for ASK, a graph otherwise.
    """
    return dataset.query(parsed.query)
