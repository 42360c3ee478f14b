"""Answers an HTTP process gives on its event loop, without Flask, a thread or a worker.

Most requests to a SPARQL endpoint are the same few shapes, and the commonest is a
lookup: one triple pattern, `SELECT ?p ?o WHERE { <iri> ?p ?o }`. Sent through the
whole path (a thread, Flask, the main process's dispatcher, a query worker and back)
its cost is that path, not the engine. Two kinds of request are answered here instead,
on the HTTP process's event loop (kzgov.web.front), before any thread is asked:

- a repeated request whose response the result cache's replay keeps
  (kzgov.web.replayed_answers), when the cache is on: the kept response again;
- a lookup, when the server serves an Oxigraph store: the build's store, opened
  read-only in this process (`open_local_store`), answers it, and Oxigraph's own
  serializer writes it. With the cache on, the replay keeps that answer under the raw
  request too (as it keeps what Flask answers), so the same lookup again is replayed,
  not run again: on the default store, with the default cache, a repeated lookup costs
  what a replayed answer costs.

A lookup is answered here only when it is cheap by construction, decided by a static
check of its text (`cheap_lookup`), never by parsing it with a general parser: a
SELECT of named variables over exactly one triple pattern, whose terms are IRIs or
distinct variables, with at most a LIMIT. Such a query is one index scan in which every
triple read is a row; it runs with a LIMIT of one row past the row cap and is written
through the byte cap, so its time and its memory are bounded by the caps the workers
enforce (a worker's answer passes through this process all the same). Anything else,
and any answer that would pass a cap, goes on to Flask and the workers unchanged: the
deadline, the memory limit and fair admission keep applying to every query that could
need them. The answer carries the same status, headers and body the endpoint gives
(tests/test_direct_answers.py compares them) and writes the same access-log line,
marked `direct`.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import urllib.parse
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError, NotAcceptable
from kzgov.store.base import WHOLE_BUILD
from kzgov.store.oxigraph import (
    NATIVE_RESULTS_FORMATS,
    CappedSink,
    more_rows_than,
)
from kzgov.store.stored_dataset import stored_graphs
from kzgov.web.access_log import ACCESS_LOGGER, query_fingerprint
from kzgov.web.cors import EXPOSED_HEADERS
from kzgov.web.negotiation import choose_result_media_type
from kzgov.web.replayed_answers import SPARQL_PATHS, KeptResponse, ReplayedAnswers, RequestKey
from kzgov.web.result_cache import ResultCache, cache_key

log = logging.getLogger(ACCESS_LOGGER)
quiet = logging.getLogger("kzgov.direct")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
# An answer as RSGI sends it: the status, the headers (lower-case names) and the body.
Response = tuple[int, list[tuple[str, str]], bytes]

SPARQL_QUERY = "application/sparql-query"
# Where an HTTP process's app keeps its read-only Oxigraph store (/explain reads it too).
LOCAL_STORE = "kzgov.local_oxigraph"
# A lookup's text is short; longer texts are not looked at (they go to the workers).
MAX_LOOKUP_CHARACTERS = 2000
IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
VARIABLE = r"[?$][A-Za-z_][A-Za-z0-9_]*"
TERM = f"(?:{IRI}|{VARIABLE})"
LOOKUP = re.compile(
    rf"\s*SELECT((?:\s+{VARIABLE})+)\s+(?:WHERE\s*)?\{{\s*({TERM})\s+({TERM})\s+({TERM})"
    r"\s*\.?\s*\}\s*(?:LIMIT\s+([0-9]{1,9})\s*)?",
    re.IGNORECASE | re.ASCII,
)
# Only what the endpoint would send as is: no compression, no conditional request.
PLAIN_ENCODINGS = frozenset({"", "identity"})
# Verdicts of the static check, and media types chosen, kept by the text they are of:
# a server sees the same few lookups and Accept headers again and again.
KEPT_VERDICTS = 4096
KEPT_MEDIA_TYPES = 256


@functools.lru_cache(maxsize=KEPT_VERDICTS)
def checked_lookup(text: str, max_rows: int) -> tuple[str, str] | None:
    """`cheap_lookup`'s query and the text's access-log fingerprint, kept by text.

    The verdict depends on the text and the row cap only, so keeping it changes no
    answer; at most KEPT_VERDICTS texts of at most MAX_LOOKUP_CHARACTERS are kept.
    """
    run = cheap_lookup(text, max_rows)
    return None if run is None else (run, query_fingerprint(text))


@functools.lru_cache(maxsize=KEPT_MEDIA_TYPES)
def direct_media_type(accept: str | None) -> str | None:
    """The SELECT media type an Accept header asks for, if it is one Oxigraph writes."""
    try:
        media_type = choose_result_media_type("SELECT", accept)
    except NotAcceptable:
        return None
    return media_type if media_type in NATIVE_RESULTS_FORMATS else None


def cheap_lookup(text: str, max_rows: int) -> str | None:
    """The query to run for a lookup that is cheap by construction, or None.

    Args:
        text: the query as sent.
        max_rows: the row cap; the query run reads at most one row more.

    Returns:
        The query with a LIMIT of at most `max_rows + 1`, or None when the text is not
        a SELECT of distinct variables over one triple pattern of IRIs and distinct
        variables with at most a LIMIT.
    """
    if len(text) > MAX_LOOKUP_CHARACTERS:
        return None
    match = LOOKUP.fullmatch(text)
    if match is None:
        return None
    projected = [name[1:] for name in match.group(1).split()]
    pattern = [term[1:] for term in match.group(2, 3, 4) if not term.startswith("<")]
    if len(set(projected)) != len(projected) or len(set(pattern)) != len(pattern):
        return None
    limit = max_rows + 1 if match.group(5) is None else min(int(match.group(5)), max_rows + 1)
    variables = " ".join(f"?{name}" for name in projected)
    return f"SELECT {variables} WHERE {{ {' '.join(match.group(2, 3, 4))} }} LIMIT {limit}"


def open_local_store(config: ServerConfig, location: Path | None) -> ox.Store | None:
    """The served Oxigraph store, opened read-only in this process, or None.

    None when the server serves another store, or the store cannot be opened (every
    query then goes to the workers, which say what is wrong).
    """
    if config.store.partition(":")[0] != "oxigraph" or location is None:
        return None
    try:
        return ox.Store.read_only(str(location))
    except OSError as error:
        quiet.warning("the Oxigraph store is not read in the HTTP process: %s", error)
        return None


def header_values(scope: Scope) -> dict[str, str]:
    """A request's headers by lower-case name, repeated ones joined by commas (as WSGI)."""
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name = bytes(raw_name).decode("latin-1").lower()
        value = bytes(raw_value).decode("latin-1")
        found[name] = f"{found[name]},{value}" if name in found else value
    return found


def media_type_of(content_type: str) -> str:
    """The media type of a Content-Type, without parameters, in lower case."""
    return content_type.split(";", 1)[0].strip().lower()


class DirectAnswers:
    """Answers the requests of `kzgov.web.front` it can on the event loop (see the module)."""

    def __init__(
        self,
        config: ServerConfig,
        store: ox.Store | None,
        build_graphs: Sequence[URIRef],
        cache: ResultCache | None,
        replay: ReplayedAnswers | None,
    ) -> None:
        """Answer lookups from a local store, and repeated requests from a replay.

        Args:
            config: the server's settings (the caps).
            store: the served Oxigraph store opened in this process, or None.
            build_graphs: the build's named graphs.
            cache: the result cache (for the ETags of lookups), or None when it is off.
            replay: the replay of kept responses, or None when the cache is off.
        """
        self.config = config
        self.store = store
        self.cache = cache
        self.replay = replay
        graphs = stored_graphs(WHOLE_BUILD, build_graphs)
        # A lookup's one triple pattern is outside any GRAPH clause: it reads the default
        # graph only, so the named graphs (which the workers pass) cannot change its answer
        # and are not passed (pyoxigraph would look each of them up for every query).
        self.default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
            ox.NamedNode(str(name)) for name in graphs.default
        ]
        self.cache_control = (
            "no-cache" if cache is None else f"public, max-age={cache.settings.max_age_seconds}"
        )
        # The headers of a lookup's answer but its ETag and length, by media type, built once.
        self.lookup_headers = {
            media_type: (
                [
                    ("content-type", media_type),
                    ("vary", "Accept, Accept-Encoding"),
                    ("cache-control", self.cache_control),
                ],
                [
                    ("x-content-type-options", "nosniff"),
                    ("access-control-allow-origin", "*"),
                    ("access-control-expose-headers", EXPOSED_HEADERS),
                ],
            )
            for media_type in NATIVE_RESULTS_FORMATS
        }

    def __call__(self, scope: Scope, body: bytes) -> list[Message] | None:
        """The ASGI messages of the answer to a complete request, or None for Flask to answer."""
        answer = self.respond(
            scope.get("method", ""),
            scope.get("path", ""),
            bytes(scope.get("query_string", b"")).decode("latin-1"),
            header_values(scope),
            body,
            bool(scope.get("root_path")),
        )
        if answer is None:
            return None
        status, headers, content = answer
        return [
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers
                ],
            },
            {"type": "http.response.body", "body": content, "more_body": False},
        ]

    def respond(
        self,
        method: str,
        path: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
        mounted: bool = False,
    ) -> Response | None:
        """The answer to a complete request, or None for Flask to answer.

        Args:
            method: the request's method.
            path: its path.
            query_string: its query string as sent.
            headers: its headers by lower-case name, repeated ones joined by commas.
            body: its whole body.
            mounted: whether the app is mounted below a root path (then Flask answers).

        Returns:
            The status, the headers (lower-case names) and the body of the answer.
        """
        if path not in SPARQL_PATHS or method not in ("GET", "POST") or mounted:
            return None
        started = time.perf_counter()
        if "if-none-match" in headers:
            return None
        key: RequestKey | None = None
        if self.replay is not None:
            key = (
                method,
                path,
                query_string,
                headers.get("content-type", ""),
                headers.get("accept", ""),
                headers.get("accept-encoding", ""),
                b"" if method == "GET" else body,
            )
            kept = self.replay.kept.get(key)
            if kept is not None:
                status, kept_headers = kept.head
                self.log(method, path, status, started, kept.query_fingerprint, "replayed")
                return status, kept_headers, kept.body
        if self.store is None:
            return None
        try:
            looked_up = self.lookup(self.store, method, query_string, headers, body, path, started)
        except (KzgovError, OSError, SyntaxError, ValueError, RuntimeError, TypeError) as error:
            quiet.debug("left to the workers: %s", error)  # they answer it, or say why not
            return None
        if looked_up is None:
            return None
        answer, fingerprint = looked_up
        if key is not None and self.replay is not None:
            _status, answer_headers, content = answer
            self.replay.kept.put(key, KeptResponse("200 OK", answer_headers, content, fingerprint))
        return answer

    def lookup(
        self,
        store: ox.Store,
        method: str,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
        path: str,
        started: float,
    ) -> tuple[Response, str] | None:
        """The answer to a cheap lookup from the local store and its query's fingerprint.

        None when the lookup is left to the endpoint.
        """
        if headers.get("accept-encoding", "").strip().lower() not in PLAIN_ENCODINGS:
            return None
        if method == "POST":
            content_type = headers.get("content-type", "")
            if query_string or media_type_of(content_type) != SPARQL_QUERY:
                return None
            if "charset" in content_type.lower():
                return None  # the endpoint checks the declared charset
            text = body.decode("utf-8")
        else:
            fields = urllib.parse.parse_qsl(
                query_string, keep_blank_values=True, strict_parsing=True
            )
            if len(fields) != 1 or fields[0][0] != "query":
                return None
            text = fields[0][1]
        if len(text.encode("utf-8")) > self.config.max_query_bytes:
            return None
        limits_rows = self.config.max_result_rows
        checked = checked_lookup(text, limits_rows)
        if checked is None:
            return None
        run, fingerprint = checked
        media_type = direct_media_type(headers.get("accept"))
        if media_type is None:
            return None
        result = store.query(run, default_graph=self.default_graph)
        if not isinstance(result, ox.QuerySolutions):
            return None
        sink = CappedSink(self.config.max_result_bytes)
        result.serialize(sink, format=NATIVE_RESULTS_FORMATS[media_type])
        answer = sink.getvalue()
        if more_rows_than(answer, media_type, limits_rows):
            return None  # the endpoint says the result is over the cap
        before, after = self.lookup_headers[media_type]
        response_headers = [*before]
        if self.cache is not None:
            etag = self.cache.etag(cache_key(text, media_type))
            response_headers.append(("etag", f'W/"{etag}"'))
        response_headers += after
        response_headers.append(("content-length", str(len(answer))))
        self.log(method, path, 200, started, fingerprint, "direct")
        return (200, response_headers, answer), fingerprint

    @staticmethod
    def log(
        method: str, path: str, status: int, started: float, fingerprint: str, how: str
    ) -> None:
        """The access-log line Flask would write, marked with how the answer was made."""
        if log.isEnabledFor(logging.INFO):
            milliseconds = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %d %.1fms query=%s %s",
                method,
                path,
                status,
                milliseconds,
                fingerprint,
                how,
            )
