"""Parsing and evaluating SPARQL queries against a dataset, with errors that give the position."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from pyparsing import ParseBaseException
from rdflib import Dataset
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

from kzgov.core.errors import KzgovError
from kzgov.core.namespaces import QUERY_PREFIXES
from kzgov.core.syntax_position import locate_syntax_error


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
        super().__init__(f"SPARQL syntax error at {where}: {reason}{pointer}")


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed SPARQL query and its form.

    Attributes:
        text: the query text.
        query: rdflib's algebra for it.
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
    """

    text: str
    query: Query
    form: str


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


def parse_query(text: str) -> ParsedQuery:
    """Parse a SPARQL query, with kzgov's prefixes predeclared.

    Args:
        text: the SPARQL query.

    Returns:
        The parsed query.

    Raises:
        QuerySyntaxError: the query does not parse; the message gives line and column.
    """
    try:
        with PARSER_LOCK:
            query = prepareQuery(text, initNs=dict(QUERY_PREFIXES))
    except ParseBaseException as error:
        raise syntax_error(text, error.msg, error.lineno, error.col) from error
    except Exception as error:  # rdflib raises plain exceptions for unknown prefixes
        raise syntax_error(text, str(error), None, None) from error
    form = FORM_OF_ALGEBRA.get(query.algebra.name, "SELECT")
    return ParsedQuery(text=text, query=query, form=form)


def evaluate(dataset: Dataset, parsed: ParsedQuery) -> Result:
    """Evaluate a parsed query on a dataset whose default graph is the union of its graphs.

    Args:
        dataset: the dataset (as opened by kzgov.store.memory.open_dataset).
        parsed: the query.

    Returns:
        rdflib's result: rows for SELECT, a boolean for ASK, a graph otherwise.
    """
    return dataset.query(parsed.query)
