"""Answers replayed before Flask: a repeated SPARQL request answered from its first response.

With the result cache on, the second identical request to /sparql would be answered
from the cache anyway, but only after Flask has built a request context, parsed and
admitted the query, negotiated the format and run the after-request hooks: most of the
cost of a cached answer. This WSGI middleware sits in front of the Flask app and keeps
the complete response (status, headers, body) of each cacheable answer under the raw
request that asked for it: method, path, query string, Content-Type, Accept,
Accept-Encoding (a compressed answer is kept apart from the plain one) and body.
The same raw request on the same build gets the same response bytes again, without
Flask. What it keeps is what the Flask app answered, so the two cannot disagree.

Only what the result cache would answer again is kept: a 200 to GET or POST on
/sparql that carries an ETag (the cache's mark). Conditional requests (If-None-Match),
HEAD, OPTIONS, other paths, bodies without a Content-Length or larger than the server
accepts all go to Flask. The replay keeps at most as many entries and bytes as the
result cache, least recently used out first, and writes the same access-log line as
Flask would, marked `replayed`.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kzgov.web.access_log import log, query_fingerprint
from kzgov.web.bounded_lru import BoundedLru
from kzgov.web.result_cache import CacheSettings

SPARQL_PATHS = frozenset({"/sparql", "/sparql/"})
REPLAYED_METHODS = frozenset({"GET", "POST"})
# Where the endpoint leaves the query text for the access log of a replayed answer.
QUERY_TEXT_KEY = "kzgov.query_text"

Headers = list[tuple[str, str]]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
RequestKey = tuple[str, str, str, str, str, str, bytes]


@dataclass(frozen=True)
class KeptResponse:
    """A response as the Flask app sent it, and the fingerprint of its query."""

    status: str
    headers: Headers
    body: bytes
    query_fingerprint: str

    @cached_property
    def head(self) -> tuple[int, Headers]:
        """The status and headers of this response as replayed, built on its first replay.

        Its headers are the kept ones, names in lower case, with the Content-Length of
        the body kept.
        """
        headers = [
            (name.lower(), value)
            for name, value in self.headers
            if name.lower() != "content-length"
        ]
        headers.append(("content-length", str(len(self.body))))
        return int(self.status.split(" ", 1)[0]), headers


class ReplayedAnswers:
    """WSGI middleware: repeated cacheable SPARQL requests answered without Flask."""

    def __init__(self, app: WsgiApp, settings: CacheSettings, max_body_bytes: int) -> None:
        """Put the replay in front of a WSGI app.

        Args:
            app: the Flask app's WSGI callable.
            settings: the result cache's bounds, which the replay keeps too.
            max_body_bytes: the largest request body the server accepts; larger ones
                go to the app unread.
        """
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.kept: BoundedLru[RequestKey, KeptResponse] = BoundedLru(
            settings.max_entries, settings.max_bytes, lambda response: len(response.body)
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Replay a kept response, or ask the app and keep its answer if cacheable."""
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if (
            path not in SPARQL_PATHS
            or method not in REPLAYED_METHODS
            or "HTTP_IF_NONE_MATCH" in environ
        ):
            return self.app(environ, start_response)
        body = self.read_body(environ, method)
        if body is None:
            return self.app(environ, start_response)
        key: RequestKey = (
            method,
            path,
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_TYPE", ""),
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
            body,
        )
        kept = self.kept.get(key)
        if kept is not None:
            start_response(kept.status, list(kept.headers))
            milliseconds = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %d %.1fms query=%s replayed",
                method,
                path,
                200,
                milliseconds,
                kept.query_fingerprint,
            )
            return [kept.body]
        return self.ask_app(environ, start_response, key)

    def read_body(self, environ: dict[str, Any], method: str) -> bytes | None:
        """The request body (b"" for GET), put back for the app; None if it cannot be keyed."""
        if method == "GET":
            return b""
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        if length < 0 or length > self.max_body_bytes:
            return None
        body: bytes = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    @property
    def replayed(self) -> int:
        """How many responses were replayed so far."""
        return self.kept.hits

    def ask_app(
        self, environ: dict[str, Any], start_response: StartResponse, key: RequestKey
    ) -> Iterable[bytes]:
        """The app's response, kept when it is a cacheable answer."""
        seen: dict[str, Any] = {}

        def noting_start_response(status: str, headers: Headers, exc_info: Any = None) -> Any:
            """Pass the response on, noting its status and headers."""
            seen["status"], seen["headers"] = status, list(headers)
            if exc_info is not None:
                return start_response(status, headers, exc_info)
            return start_response(status, headers)

        chunks = self.app(environ, noting_start_response)
        status: str = seen.get("status", "")
        headers: Headers = seen.get("headers", [])
        names = {name.lower() for name, _value in headers}
        if not status.startswith("200 ") or "etag" not in names:
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        fingerprint = query_fingerprint(environ.get(QUERY_TEXT_KEY))
        self.kept.put(key, KeptResponse(status, headers, body, fingerprint))
        return [body]
