"""/sparql's queries answered in a thread of the HTTP process without Flask.

A query the event loop does not answer itself (kzgov.web.direct_answers answers lookups
and replays) goes to a query worker through the main process (kzgov.web.dispatcher).
Through Flask, such a request also costs its conversion to ASGI and WSGI, the request
context, the hooks, content negotiation and a response object: on the 3-way join of
bench/join_cpu.py, the larger part of the HTTP process's CPU per query. The HTTP
process (kzgov.web.rsgi_direct) asks `wanted` on its event loop whether a request it
has read is one of the plain forms of the SPARQL 1.1 Protocol's query operation, then
runs `answer` in one of its threads: the query goes to the same executor Flask's
endpoint hands it to (kzgov.web.protocol.answer_query), so the deadline, the memory
limit and fair admission apply unchanged, and the answer, or the error, carries the
same status, headers and body as Flask's (tests/test_sparql_direct.py compares them)
and writes the same access-log line, marked `direct-query` (a lookup answered on the
event loop is marked `direct`).

A request is taken here only when it is one of the forms read the same way here and by
the endpoint: GET with a query string, POST of a form, POST of the query itself
(application/sparql-query), without Content-Type parameters, with exactly one `query`
and otherwise only `format`, `default-graph-uri` and `named-graph-uri`, all
well-formed UTF-8 percent-encoding, an Accept that some result format fits, no
content coding asked (Flask compresses), and the result cache off (with it on, Flask
answers, so that its ETags, 304s and the replay of kept answers stay as they are).
Anything else, including every request the endpoint refuses before running a query,
is answered by Flask unchanged.
"""

from __future__ import annotations

import logging
import math
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError, NotAcceptable
from kzgov.web.access_log import query_fingerprint
from kzgov.web.clients import CURRENT_CLIENT
from kzgov.web.cors import EXPOSED_HEADERS
from kzgov.web.direct_answers import PLAIN_ENCODINGS, DirectAnswers, Response, media_type_of
from kzgov.web.executor import Executor
from kzgov.web.protocol import (
    FORM_BYTES_PER_QUERY_BYTE,
    FORM_OVERHEAD_BYTES,
    FORM_URLENCODED,
    SPARQL_QUERY,
    content_type_header,
    error_status,
)
from kzgov.web.protocol import result_media_type as protocol_media_type
from kzgov.web.query_form import lexical_form

quiet = logging.getLogger("kzgov.direct")

# The parameters the endpoint reads; a request with any other goes to Flask.
QUERY = "query"
FORMAT = "format"
DEFAULT_GRAPH = "default-graph-uri"
NAMED_GRAPH = "named-graph-uri"
PARAMETERS = frozenset({QUERY, FORMAT, DEFAULT_GRAPH, NAMED_GRAPH})
# The headers every answer ends with, as the endpoint's and the app's hooks add them.
CORS = [
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", EXPOSED_HEADERS),
]
NOSNIFF = ("x-content-type-options", "nosniff")
# Statuses whose answer says when to try again (kzgov.web.protocol.error_response).
RETRY_STATUSES = frozenset({429, 503})
# How the access log marks an answer made here.
MARK = "direct-query"


@dataclass(frozen=True)
class AskedQuery:
    """A query request taken here, as the endpoint would read it.

    Attributes:
        method: GET or POST.
        path: /sparql or /sparql/.
        text: the query.
        media_type: the media type negotiated for its result.
        default_graph_uris: the `default-graph-uri` values.
        named_graph_uris: the `named-graph-uri` values.
        client: who asks (kzgov.web.clients).
        started: when the request was taken (time.perf_counter()).
    """

    method: str
    path: str
    text: str
    media_type: str
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    client: str
    started: float


def parameters_of(text: str) -> list[tuple[str, str]]:
    """The parameters of a query string or form body, read strictly.

    Raises:
        ValueError: a field without `=`, or percent-encoding that is not UTF-8.
    """
    if not text:
        return []
    return urllib.parse.parse_qsl(
        text, keep_blank_values=True, strict_parsing=True, errors="strict"
    )


def result_media_type(text: str, accept: str | None, formats: list[str]) -> str | None:
    """The endpoint's media type for a query's result, or None when it would answer 406."""
    try:
        return protocol_media_type(lexical_form(text), accept, formats)
    except NotAcceptable:
        return None


class DirectQueries:
    """Answers /sparql's plain query requests in a thread without Flask (see the module)."""

    def __init__(self, config: ServerConfig, executor: Executor) -> None:
        """Run queries on an executor, within a server's limits.

        Args:
            config: the server's settings (the query size limit, the deadline).
            executor: what the endpoint runs queries on (kzgov.web.dispatcher's).
        """
        self.config = config
        self.executor = executor
        self.retry_after = str(math.ceil(config.query_timeout_seconds))
        self.form_bytes = config.max_query_bytes * FORM_BYTES_PER_QUERY_BYTE + FORM_OVERHEAD_BYTES

    def wanted(
        self,
        method: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
        client: str,
    ) -> AskedQuery | None:
        """The query asked, if a complete request is one taken here (on the event loop).

        Args:
            method: the request's method.
            path: its path (one of the endpoint's).
            query_string: its query string as sent.
            headers: its headers by lower-case name, each sent once.
            body: its whole body.
            client: who asks (kzgov.web.clients).

        Returns:
            The query, or None for Flask to answer the request.
        """
        started = time.perf_counter()
        if headers.get("accept-encoding", "").strip().lower() not in PLAIN_ENCODINGS:
            return None
        try:
            fields = self.fields_of(method, query_string, headers, body)
        except (ValueError, UnicodeDecodeError):
            return None
        if fields is None:
            return None
        queries = [value for name, value in fields if name == QUERY]
        if len(queries) != 1 or any(name not in PARAMETERS for name, _value in fields):
            return None
        text = queries[0]
        if len(text.encode("utf-8")) > self.config.max_query_bytes:
            return None
        formats = [value for name, value in fields if name == FORMAT]
        media_type = result_media_type(text, headers.get("accept"), formats)
        if media_type is None:
            return None
        return AskedQuery(
            method=method,
            path=path,
            text=text,
            media_type=media_type,
            default_graph_uris=tuple(value for name, value in fields if name == DEFAULT_GRAPH),
            named_graph_uris=tuple(value for name, value in fields if name == NAMED_GRAPH),
            client=client,
            started=started,
        )

    def fields_of(
        self, method: str, query_string: str, headers: Mapping[str, str], body: bytes
    ) -> list[tuple[str, str]] | None:
        """The request's parameters, the query sent as a body included, or None.

        Raises:
            ValueError: the query string or form is not read the same way here.
        """
        fields = parameters_of(query_string)
        if method == "GET":
            return fields
        if method != "POST":
            return None
        content_type = headers.get("content-type", "")
        if ";" in content_type:
            return None  # a declared charset: the endpoint checks it
        media_type = media_type_of(content_type)
        if media_type == FORM_URLENCODED:
            if len(body) > self.form_bytes:
                return None  # the endpoint's 413
            return fields + parameters_of(body.decode("utf-8"))
        if media_type == SPARQL_QUERY:
            if any(name == QUERY for name, _value in fields):
                return None  # the endpoint's 400: two queries
            return [*fields, (QUERY, body.decode("utf-8"))]
        return None

    def answer(self, asked: AskedQuery) -> Response:
        """Run the query and give the endpoint's answer, or its error (in a thread)."""
        CURRENT_CLIENT.set(asked.client)
        try:
            answer = self.executor.run(
                asked.text, asked.media_type, asked.default_graph_uris, asked.named_graph_uris
            )
        except KzgovError as error:
            return self.refusal(asked, error)
        body = answer.body
        headers = [
            ("content-type", content_type_header(answer.media_type)),
            ("content-length", str(len(body))),
            ("vary", "Accept, Accept-Encoding"),
            ("cache-control", "no-cache"),
            NOSNIFF,
            *CORS,
        ]
        self.log(asked, 200)
        return 200, headers, body

    def refusal(self, asked: AskedQuery, error: KzgovError) -> Response:
        """The endpoint's plain-text answer to an error raised while running a query."""
        status = error_status(error)
        body = (str(error).rstrip("\n") + "\n").encode("utf-8")
        headers = [
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", str(len(body))),
        ]
        if status in RETRY_STATUSES:
            headers.append(("retry-after", self.retry_after))
        headers += [NOSNIFF, ("vary", "Accept-Encoding"), *CORS]
        self.log(asked, status)
        return status, headers, body

    @staticmethod
    def log(asked: AskedQuery, status: int) -> None:
        """The endpoint's access-log line, marked `direct-query`."""
        fingerprint = query_fingerprint(asked.text)
        DirectAnswers.log(asked.method, asked.path, status, asked.started, fingerprint, MARK)


def direct_queries_of(app: object) -> DirectQueries | None:
    """The direct queries of an HTTP process's app, or None when Flask answers them all.

    None when the app is not a Flask app or has the result cache on (see the module).
    """
    if not isinstance(app, Flask):
        return None
    extensions = app.extensions
    if extensions.get("kzgov.result_cache") is not None:
        return None
    config: ServerConfig = extensions["kzgov.config"]
    executor: Executor = extensions["kzgov.executor"]
    return DirectQueries(config, executor)
