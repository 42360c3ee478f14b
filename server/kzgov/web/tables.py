"""Running a user's query for an HTML page and turning the answer into a table."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib.term import Node

from kzgov.core.limits import check_query_length
from kzgov.web.guards import parse_or_refuse
from kzgov.web.lookup import (
    N_TRIPLES,
    SPARQL_RESULTS_JSON,
    Executor,
    read_boolean,
    read_graph,
    read_rows,
)

# The most rows a page shows; the downloads have them all (up to the server's cap).
MAX_SHOWN_ROWS = 1000

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
    """

    form: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Node | None]] = field(default_factory=list)
    boolean: bool | None = None
    total_rows: int = 0

    @property
    def truncated(self) -> bool:
        """Whether the page shows fewer rows than the answer has."""
        return self.total_rows > len(self.rows)

    @property
    def downloads(self) -> tuple[tuple[str, str], ...]:
        """The formats this answer can be downloaded in."""
        return FORM_TO_DOWNLOADS.get(self.form, ())


def query_form(text: str, max_query_bytes: int) -> str:
    """The form of a query, checked the way /sparql checks it before it runs.

    Args:
        text: the query.
        max_query_bytes: the longest query accepted.

    Returns:
        SELECT, ASK, CONSTRUCT or DESCRIBE.

    Raises:
        QueryTooLong: the query is over the size limit.
        QueryRejected: it does not parse (the message gives line and column).
        UpdateRefused: it is a SPARQL Update.
    """
    check_query_length(text, max_query_bytes)
    return parse_or_refuse(text).form


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
