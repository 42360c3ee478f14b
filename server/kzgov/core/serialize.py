"""Serializing query results into the media types of the SPARQL 1.1 Protocol, within the caps."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.term import Node

from kzgov.core.errors import KzgovError
from kzgov.core.limits import ResultLimits, check_answer_size, too_many_rows
from kzgov.core.namespaces import PREFIXES

SPARQL_RESULTS_JSON = "application/sparql-results+json"
SPARQL_RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"
TRIG = "application/trig"
N_QUADS = "application/n-quads"

# In order of preference: the first is the default when the client accepts anything.
SELECT_MEDIA_TYPES = (SPARQL_RESULTS_JSON, SPARQL_RESULTS_XML, CSV, TSV)
# SPARQL 1.1 CSV and TSV define no boolean result: https://www.w3.org/TR/sparql11-results-csv-tsv/
ASK_MEDIA_TYPES = (SPARQL_RESULTS_JSON, SPARQL_RESULTS_XML)
GRAPH_MEDIA_TYPES = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N_QUADS)

FORM_TO_MEDIA_TYPES = {
    "SELECT": SELECT_MEDIA_TYPES,
    "ASK": ASK_MEDIA_TYPES,
    "CONSTRUCT": GRAPH_MEDIA_TYPES,
    "DESCRIBE": GRAPH_MEDIA_TYPES,
}

MEDIA_TYPE_TO_RDFLIB = {
    SPARQL_RESULTS_JSON: "json",
    SPARQL_RESULTS_XML: "xml",
    CSV: "csv",
    TURTLE: "turtle",
    N_TRIPLES: "nt",
    JSON_LD: "json-ld",
    RDF_XML: "xml",
    TRIG: "trig",
    N_QUADS: "nquads",
}

# Formats whose rdflib serializer needs a dataset: the graph is written as its default graph.
DATASET_FORMATS = (TRIG, N_QUADS)

# https://www.w3.org/TR/sparql11-results-csv-tsv/#tsv: Turtle string escapes.
TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized query result.

    Attributes:
        form: SELECT, ASK, CONSTRUCT or DESCRIBE.
        media_type: the media type of body.
        body: the serialized result.
    """

    form: str
    media_type: str
    body: bytes


def media_type_does_not_fit(media_type: str, form: str) -> KzgovError:
    """The error for a media type that cannot carry a result of this form."""
    fits = ", ".join(FORM_TO_MEDIA_TYPES.get(form, ()))
    return KzgovError(f"a {form} result cannot be written as {media_type}; it can be: {fits}")


def tsv_term(term: Node | None) -> str:
    """One RDF term as a TSV cell: Turtle syntax, empty when unbound."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = f'"{str(term).translate(TSV_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype:
            return f"{text}^^<{term.datatype}>"
        return text
    return str(term)


def write_tsv(variables: Sequence[Variable], rows: Iterable[Mapping[Variable, Node]]) -> bytes:
    """SELECT rows as SPARQL 1.1 TSV.

    Args:
        variables: the projected variables, in order.
        rows: the solutions.

    Returns:
        The UTF-8 TSV document: a header of ?names, then one line per row.
    """
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join(tsv_term(row.get(v)) for v in variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


def capped_rows(bindings: Iterable[Mapping[Variable, Node]], limits: ResultLimits) -> list[Any]:
    """The solutions of a SELECT, read up to the row cap.

    Raises:
        ResultTooLarge: there are more rows than the cap.
    """
    rows = list(itertools.islice(bindings, limits.max_rows + 1))
    if len(rows) > limits.max_rows:
        raise too_many_rows(limits.max_rows, "rows")
    return rows


def serialize_rows(outcome: Mapping[str, Any], media_type: str, limits: ResultLimits) -> bytes:
    """A SELECT or ASK outcome of rdflib's evaluator in a results format."""
    form = outcome["type_"]
    if media_type not in FORM_TO_MEDIA_TYPES[form]:
        raise media_type_does_not_fit(media_type, form)
    if form == "ASK":
        result = SPARQLResult({"type_": "ASK", "askAnswer": bool(outcome["askAnswer"])})
        return bytes(result.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type]) or b"")
    variables = list(outcome.get("vars_") or [])
    rows = capped_rows(outcome["bindings"], limits)
    if media_type == TSV:
        return write_tsv(variables, rows)
    result = SPARQLResult({"type_": "SELECT", "vars_": variables, "bindings": rows})
    return bytes(result.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type]) or b"")


def serialize_graph(graph: Graph, media_type: str, limits: ResultLimits, form: str) -> bytes:
    """A CONSTRUCT or DESCRIBE graph in an RDF format, with kzgov's prefixes."""
    if media_type not in GRAPH_MEDIA_TYPES:
        raise media_type_does_not_fit(media_type, form)
    if len(graph) > limits.max_rows:
        raise too_many_rows(limits.max_rows, "triples")
    target: Graph = graph
    if media_type in DATASET_FORMATS:
        target = Dataset()
        for triple in graph:
            target.default_graph.add(triple)
    for prefix, namespace in PREFIXES.items():
        target.bind(prefix, namespace, override=True)
    return target.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type], encoding="utf-8")


def serialize_answer(
    outcome: Mapping[str, Any], media_type: str, limits: ResultLimits
) -> QueryAnswer:
    """Serialize what rdflib's evaluator returned for a query.

    Args:
        outcome: rdflib's result mapping (`type_` with `bindings` and `vars_`,
            `askAnswer`, or `graph`).
        media_type: one of the media types of the query form.
        limits: the row and byte caps.

    Returns:
        The serialized answer.

    Raises:
        ResultTooLarge: the result passes a cap.
        KzgovError: the media type does not fit the query form.
    """
    form = str(outcome["type_"])
    if form in ("CONSTRUCT", "DESCRIBE"):
        body = serialize_graph(outcome["graph"], media_type, limits, form)
    else:
        body = serialize_rows(outcome, media_type, limits)
    check_answer_size(len(body), limits)
    return QueryAnswer(form=form, media_type=media_type, body=body)
