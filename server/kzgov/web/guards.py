"""What a query must pass before it runs: it parses, it reads, it stays home, it names our graphs.

rdflib evaluates SERVICE by calling the named endpoint, and FROM by fetching the named
document: on a public endpoint either lets any caller make this server open
connections or read files. Both are refused here from the parsed algebra (never by
pattern-matching the text), and `kzgov.store.base` also switches rdflib's graph loading off.
Only a query that does not parse is read as text, to word its refusal: a SERVICE nested
in a SERVICE, on which rdflib's parser gives up, is named as a federated query.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.plugins.sparql.parser import parseUpdate

from kzgov.core.errors import KzgovError, QueryRejected, UpdateRefused
from kzgov.core.service_advice import service_refusal
from kzgov.core.service_scan import first_service
from kzgov.core.sparql import PARSER_LOCK, ParsedQuery, QueryTooDeep, parse_query
from kzgov.store.base import QueryDataset
from kzgov.store.rdflib_guards import nodes_of

PARSED_QUERIES_CACHED = 256


@dataclass(frozen=True)
class AdmittedQuery:
    """A query that may run, and the graphs it runs on.

    Attributes:
        parsed: the parsed query.
        dataset: the graphs of the build it sees.
    """

    parsed: ParsedQuery
    dataset: QueryDataset

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return self.parsed.form


def update_refused() -> UpdateRefused:
    """The error for a SPARQL Update sent to this read-only service."""
    return UpdateRefused(
        "this SPARQL service is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...)"
        " is not accepted"
    )


def federated_query_refused(
    service: object, variables: Sequence[str] = (), text: str = ""
) -> QueryRejected:
    """The error for a query with SERVICE (WDQS's label service is named as such)."""
    return QueryRejected(service_refusal(service, tuple(variables), text))


def graph_not_in_build(name: str, available: Collection[URIRef]) -> QueryRejected:
    """The error for a FROM, FROM NAMED or protocol graph that is not one of the build's."""
    listed = ", ".join(f"<{g}>" for g in sorted(available))
    return QueryRejected(
        f"graph <{name}> is not in this dataset; a query can name only these graphs: {listed}"
    )


def is_update(text: str) -> bool:
    """Whether a text is a SPARQL Update request with at least one operation."""
    try:
        with PARSER_LOCK:
            update = parseUpdate(text)
    except Exception:  # pyparsing and rdflib raise several kinds; any means "not an update"
        return False
    operations = dict.get(update, "request")
    return isinstance(operations, list) and len(operations) > 0


@functools.lru_cache(maxsize=PARSED_QUERIES_CACHED)
def parse_cached(text: str) -> ParsedQuery:
    """Parse a query once per distinct text (rdflib's parsed algebra can be reused)."""
    return parse_query(text)


def parse_or_refuse(text: str) -> ParsedQuery:
    """Parse a query, telling a syntax error from an update sent as a query.

    Raises:
        UpdateRefused: the text is a SPARQL Update.
        QueryRejected: the text does not parse; the message gives line and column (or,
            for a SERVICE the parser could not read, e.g. one nested in another, says
            that federated queries are disabled).
    """
    try:
        return parse_cached(text)
    except KzgovError as error:
        if is_update(text):
            raise update_refused() from error
        service = first_service(text) if isinstance(error, QueryTooDeep) else None
        if service is not None:
            raise federated_query_refused(service, (), text) from error
        raise QueryRejected(str(error)) from error


def refuse_service(parsed: ParsedQuery) -> None:
    """Refuse a query with a SERVICE clause anywhere in it.

    Raises:
        QueryRejected: the query has SERVICE.
    """
    for node in nodes_of(parsed.query.algebra):
        if node.name == "ServiceGraphPattern":
            term = dict.get(node, "term")
            variables = [str(v) for v in dict.get(parsed.query.algebra, "PV") or []]
            raise federated_query_refused(term, variables, parsed.text)


def dataset_clause(parsed: ParsedQuery) -> tuple[list[URIRef], list[URIRef]]:
    """The graphs a query names in FROM and FROM NAMED, in order."""
    default: list[URIRef] = []
    named: list[URIRef] = []
    for clause in dict.get(parsed.query.algebra, "datasetClause") or []:
        if dict.get(clause, "default") is not None:
            default.append(URIRef(clause["default"]))
        elif dict.get(clause, "named") is not None:
            named.append(URIRef(clause["named"]))
    return default, named


def choose_dataset(
    parsed: ParsedQuery,
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    available: Collection[URIRef],
) -> QueryDataset:
    """The graphs a query runs on, from the protocol's parameters or else its own clauses.

    Implements SPARQL 1.1 Protocol section 2.1.4: a dataset given in the request
    replaces the query's FROM and FROM NAMED. A dataset that names only default
    graphs has no named graphs, and one that names only named graphs has an empty
    default graph (SPARQL 1.1 Query section 13.2).

    Args:
        parsed: the query.
        default_graph_uris: the protocol's `default-graph-uri` values.
        named_graph_uris: the protocol's `named-graph-uri` values.
        available: the graph names a query may use.

    Returns:
        The dataset.

    Raises:
        QueryRejected: a graph named is not one of `available`.
    """
    if default_graph_uris or named_graph_uris:
        default = [URIRef(u) for u in default_graph_uris]
        named = [URIRef(u) for u in named_graph_uris]
    else:
        default, named = dataset_clause(parsed)
        if not default and not named:
            return QueryDataset()
    for name in (*default, *named):
        if name not in available:
            raise graph_not_in_build(name, available)
    return QueryDataset(
        default_graphs=tuple(dict.fromkeys(default)), named_graphs=tuple(dict.fromkeys(named))
    )


def admit_query(
    text: str,
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    available: Collection[URIRef],
) -> AdmittedQuery:
    """Check that a query may run here, and on which graphs.

    Args:
        text: the query.
        default_graph_uris: the protocol's `default-graph-uri` values.
        named_graph_uris: the protocol's `named-graph-uri` values.
        available: the graph names a query may use (the build's, and `kzg:asserted`).

    Returns:
        The admitted query.

    Raises:
        UpdateRefused: the text is a SPARQL Update.
        QueryRejected: it does not parse, it has SERVICE, or it names a graph that is
            not available.
    """
    parsed = parse_or_refuse(text)
    refuse_service(parsed)
    dataset = choose_dataset(parsed, default_graph_uris, named_graph_uris, available)
    return AdmittedQuery(parsed=parsed, dataset=dataset)
