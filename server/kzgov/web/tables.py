"""Running a user's query for an HTML page and turning the answer into a table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib.term import Node

from kzgov.core.errors import QueryRejected, ResultTooLarge
from kzgov.core.limits import check_query_length
from kzgov.web.lookup import (
    N_TRIPLES,
    SPARQL_RESULTS_JSON,
    Executor,
    read_boolean,
    read_graph,
    read_rows,
)
from kzgov.web.query_form import lexical_form

# The most rows a page shows; the downloads have them all (up to the server's cap).
MAX_SHOWN_ROWS = 1000

# LIMIT and OFFSET clauses at the very end of a query.
TRAILING_LIMIT_OFFSET = re.compile(r"(?:\s+(?:LIMIT|OFFSET)\s+\d+)+\s*$", re.IGNORECASE)

# The download formats offered for each query form: (format parameter, label).
FORM_TO_DOWNLOADS: dict[str, tuple[tuple[str, str], ...]] = {
    "SELECT": (("json", "JSON"), ("xml", "XML"), ("csv", "CSV"), ("tsv", "TSV")),
    "ASK": (("json", "JSON"), ("xml", "XML")),
    "CONSTRUCT": (
        ("turtle", "Turtle"),
        ("nt", "N-Triples"),
        ("jsonld", "JSON-LD"),
        ("rdfxml", "RDF/XML"),
        ("trig", "TriG"),
        ("nquads", "N-Quads"),
    ),
}
FORM_TO_DOWNLOADS["DESCRIBE"] = FORM_TO_DOWNLOADS["CONSTRUCT"]


@dataclass
class ResultTable:
    """A query answer as a page shows it.

    Attributes:
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        columns: the column names (variables; subject/predicate/object for graphs).
        rows: the cells, None where a variable is unbound.
        boolean: the answer of an ASK.
        total_rows: how many rows the answer has (more than shown when truncated).
        capped_at: the server's row cap, when the answer passed it (then only the
            first rows were fetched, and total_rows is a lower bound).
        download_query: the query the downloads run, when it is not the page's own
            (the first capped_at rows of an answer over the cap).
    """

    form: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    total_rows: int = 0
    capped_at: int | None = None
    download_query: str | None = None

    @property
    def truncated(self) -> bool:
        """Whether the page shows fewer rows than the answer has."""
        return self.total_rows > len(self.rows) or self.capped_at is not None

    @property
    def downloads(self) -> tuple[tuple[str, str], ...]:
        """The formats this answer can be downloaded in."""
        return FORM_TO_DOWNLOADS.get(self.form, ())


def query_form(text: str, max_query_bytes: int) -> str:
    """The form of a query, read the way /sparql reads it before it runs (no parse).

    The worker that runs the query parses and admits it under the deadline.

    Args:
        text: the query.
        max_query_bytes: the longest query accepted.

    Returns:
        SELECT, ASK, CONSTRUCT or DESCRIBE (SELECT when the text does not start like
        a query: the worker then refuses it with the reason).

    Raises:
        QueryTooLong: the query is over the size limit.
    """
    check_query_length(text, max_query_bytes)
    return lexical_form(text) or "SELECT"


def run_as_table(executor: Executor, text: str, form: str) -> ResultTable:
    """Run a query through the executor and read its answer into a table.

    Args:
        executor: the query executor.
        text: the query.
        form: its form (from query_form).

    Returns:
        The table: rows for SELECT, a boolean for ASK, subject/predicate/object rows
        for CONSTRUCT and DESCRIBE.

    Raises:
        KzgovError: the executor refused or stopped the query.
    """
    if form in ("CONSTRUCT", "DESCRIBE"):
        graph = read_graph(executor.run(text, N_TRIPLES).body)
        triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
        rows: list[list[Node | None]] = [list(t) for t in triples[:MAX_SHOWN_ROWS]]
        return ResultTable(form, ["subject", "predicate", "object"], rows, None, len(triples))
    answer = executor.run(text, SPARQL_RESULTS_JSON)
    if form == "ASK":
        return ResultTable(form, boolean=read_boolean(answer.body))
    variables, found = read_rows(answer.body)
    shown = [[row.get(v) for v in variables] for row in found[:MAX_SHOWN_ROWS]]
    return ResultTable(form, variables, shown, None, len(found))


def limited_query(text: str, limit: int) -> str:
    """A query with its trailing LIMIT set to `limit` (its OFFSET, if any, kept).

    Args:
        text: the query.
        limit: the most rows.

    Returns:
        The query text; one that ends in a VALUES block no longer parses, and the
        caller reports the original problem.
    """
    match = TRAILING_LIMIT_OFFSET.search(text)
    body = text[: match.start()] if match else text.rstrip()
    offset = re.search(r"OFFSET\s+(\d+)", match.group(0), re.IGNORECASE) if match else None
    return f"{body}\nLIMIT {limit}" + (f" OFFSET {offset.group(1)}" if offset else "")


def run_capped_as_table(executor: Executor, text: str, form: str, max_rows: int) -> ResultTable:
    """Run a query for a page: over the server's row cap, its first rows and a notice.

    The protocol endpoint refuses an answer over the cap (a program must never get a
    silently cut answer); a page shows the first MAX_SHOWN_ROWS rows, says that the
    answer passed the cap, and offers the first `max_rows` rows as downloads.

    Args:
        executor: the query executor.
        text: the query.
        form: its form.
        max_rows: the server's row cap.

    Returns:
        The table (capped_at and download_query set when the cap was passed).

    Raises:
        KzgovError: the executor refused or stopped the query (ResultTooLarge for an
            ASK, or when the query cannot be limited).
    """
    try:
        return run_as_table(executor, text, form)
    except ResultTooLarge as error:
        if form == "ASK":
            raise
        shown = limited_query(text, min(MAX_SHOWN_ROWS, max_rows))
        try:  # the worker parses the limited query; if it is not one, say what the cap said
            table = run_as_table(executor, shown, form)
        except QueryRejected:
            raise error from None
        table.capped_at = max_rows
        table.total_rows = max(table.total_rows, max_rows + 1)
        table.download_query = limited_query(text, max_rows)
        return table
