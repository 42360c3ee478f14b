"""Running SPARQL queries for the server (INTERFACE STUB: replaced by worker processes).

The contract the HTTP layer relies on:

    executor.run(query_text, media_type, default_graph_uris=(), named_graph_uris=())
        -> QueryAnswer(form, media_type, body: bytes)

raising QueryRejected (400), QueryTimedOut (503), QueueFull (429),
ResultTooLarge (the result cap) with messages that say what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Dataset

from kzgov.errors import KzgovError
from kzgov.sparql import evaluate, parse_query


class QueryRejected(KzgovError):
    """The query is malformed or not allowed (HTTP 400)."""


class QueryTimedOut(KzgovError):
    """The query passed its deadline and its worker was stopped (HTTP 503)."""


class QueueFull(KzgovError):
    """Too many queries are waiting for a worker (HTTP 429)."""


class ResultTooLarge(KzgovError):
    """The result passed the row or byte cap."""


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


MEDIA_TYPE_TO_RDFLIB = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


class InProcessExecutor:
    """Evaluates queries in the calling thread (stub; no deadline enforcement)."""

    def __init__(self, dataset: Dataset) -> None:
        """Serve queries over a loaded dataset."""
        self.dataset = dataset

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryAnswer:
        """Parse, evaluate and serialize a query."""
        try:
            parsed = parse_query(query_text)
        except KzgovError as error:
            raise QueryRejected(str(error)) from error
        result = evaluate(self.dataset, parsed)
        fmt = MEDIA_TYPE_TO_RDFLIB[media_type]
        if parsed.form in ("CONSTRUCT", "DESCRIBE"):
            assert result.graph is not None
            body = result.graph.serialize(format=fmt, encoding="utf-8")
        else:
            body = result.serialize(format=fmt) or b""
        return QueryAnswer(parsed.form, media_type, body if isinstance(body, bytes) else body.encode())

    def close(self) -> None:
        """Release the executor's resources."""
