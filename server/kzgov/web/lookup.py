"""Running the pages' own SPARQL queries through the query executor and reading the answers.

The pages never evaluate against the dataset themselves: every query goes through
`app.extensions["kzgov.executor"]`, so the deadline, the queue and the result caps
that protect /sparql protect the pages too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kzgov.core.errors import KzgovError

SPARQL_RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

# IRIREF of SPARQL 1.1, section 19.8: no spaces, controls, or <>"{}|^`\ inside.
SAFE_IRI = re.compile(r"[^<>\"{}|^`\\\x00-\x20]+")

# ECHAR of SPARQL 1.1, section 19.8, for a STRING_LITERAL2 ("...").
STRING_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        '"': '\\"',
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\b": "\\b",
        "\f": "\\f",
    }
)


class Answer(Protocol):
    """What an executor returns: the query form, the media type and the serialized body."""

    form: str
    media_type: str
    body: bytes


class Executor(Protocol):
    """The query executor contract of kzgov.web.executor, as the pages use it."""

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> Answer:
        """Run a query within the server's limits and return its serialized result."""


class UnsafeTerm(KzgovError):
    """A value that cannot be written into a SPARQL query as one term."""


def not_an_iri(text: str) -> UnsafeTerm:
    """The error for text that cannot be written as a SPARQL IRI reference."""
    return UnsafeTerm(f'{text!r} is not an IRI: it holds a space or one of <>"{{}}|^`\\')


def iri_ref(iri: str) -> str:
    """An IRI written as a SPARQL IRI reference, `<...>`.

    Args:
        iri: an absolute IRI.

    Returns:
        The IRI between angle brackets.

    Raises:
        UnsafeTerm: the IRI holds a character an IRIREF cannot (so it cannot break out).
    """
    if not SAFE_IRI.fullmatch(iri):
        raise not_an_iri(iri)
    return f"<{iri}>"


def string_literal(text: str) -> str:
    """Text written as a SPARQL string literal, with every special character escaped.

    See SPARQL 1.1, section 19.8 (STRING_LITERAL2 and ECHAR): quotes, backslashes and
    line breaks are escaped, so no user text can end the literal early.

    Args:
        text: any text.

    Returns:
        The text between double quotes, escaped.
    """
    cleaned = "".join(c for c in text if c in "\n\r\t\b\f" or ord(c) >= 0x20)
    return '"' + cleaned.translate(STRING_ESCAPES) + '"'


def term_from_json(cell: dict[str, Any]) -> Node:
    """One RDF term from a SPARQL 1.1 Query Results JSON binding.

    See https://www.w3.org/TR/sparql11-results-json/#select-encode-terms.

    Args:
        cell: a binding such as {"type": "uri", "value": "..."}.

    Returns:
        The rdflib term.
    """
    kind = cell.get("type")
    value = str(cell.get("value", ""))
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    language = cell.get("xml:lang")
    if language:
        return Literal(value, lang=language)
    datatype = cell.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


def read_rows(body: bytes) -> tuple[list[str], list[dict[str, Node]]]:
    """The variables and rows of a SPARQL JSON SELECT result.

    Args:
        body: the JSON document.

    Returns:
        The variable names in order, and each row as a map from variable to term
        (unbound variables left out).
    """
    document = json.loads(body)
    variables = [str(v) for v in document.get("head", {}).get("vars", [])]
    rows = [
        {name: term_from_json(cell) for name, cell in binding.items()}
        for binding in document.get("results", {}).get("bindings", [])
    ]
    return variables, rows


def read_boolean(body: bytes) -> bool:
    """The answer of a SPARQL JSON ASK result."""
    return bool(json.loads(body).get("boolean"))


def select(executor: Executor, query: str) -> list[dict[str, Node]]:
    """Run a SELECT query through the executor and return its rows.

    Args:
        executor: the server's query executor.
        query: the SELECT query.

    Returns:
        Each row as a map from variable name to term.

    Raises:
        KzgovError: the executor refused or stopped the query (its own subclasses).
    """
    answer = executor.run(query, SPARQL_RESULTS_JSON)
    return read_rows(answer.body)[1]


def values_clause(variable: str, iris: Sequence[str]) -> str:
    """A `VALUES ?variable { <a> <b> }` clause for some IRIs (unsafe ones are left out)."""
    terms = []
    for iri in iris:
        if SAFE_IRI.fullmatch(iri):
            terms.append(f"<{iri}>")
    return f"VALUES ?{variable} {{ {' '.join(terms)} }}"


class KeepBlankNodeLabels(dict[str, str]):
    """A blank-node context for rdflib's N-Triples parser that keeps each node's label.

    rdflib renames the blank nodes of every document it parses; keeping the labels
    lets a page match the blank nodes of a DESCRIBE answer with those of a SELECT
    answer from the same store.
    """

    def get(self, key: str, default: object = None) -> str:
        """The label itself, whatever was stored."""
        return key


def read_graph(body: bytes) -> Graph:
    """A graph from an N-Triples answer of the executor, blank-node labels kept."""
    graph = Graph()
    graph.parse(data=body.decode("utf-8"), format="nt", bnode_context=KeepBlankNodeLabels())
    return graph
