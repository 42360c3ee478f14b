"""Direct answers given straight from granian's RSGI request, before any ASGI message.

A lookup answered on the event loop (kzgov.web.direct_answers) costs the engine's scan
and serializer, and what Python does around them. Through the ASGI shape the HTTP
process's app is written in (kzgov.web.front, called through kzgov.web.rsgi_front),
that is a scope of byte headers built from RSGI's, a message per body read and per
response part, the headers encoded to bytes and decoded back for RSGI: per request,
about as much Python as the lookup's own. `DirectFirst` asks the direct answers from
RSGI's scope and protocol as they are: the headers read once as text, the body read in
one call, the answer written with one `response_bytes`.

It keeps every rule of the path it shortcuts, in the same order and with the same
messages (`ReadFirst` builds them): the per-client bound on requests in progress (a
client at its bound is left to `ReadFirst`, which answers 429), the body's size bound
and total read deadline (413, 408), and the direct answers' own checks. A query
request the direct answers leave, of a form kzgov.web.sparql_direct reads, is answered
in one of `ReadFirst`'s threads without Flask, still counted against its client until
its answer is made. A request it does not answer goes on to `ReadFirst` with the body
it has read, marked so that the direct answers are not asked twice; so does any request
whose form it does not read here (a chunked body, a repeated header, another path or
method).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from granian._granian import RSGIHTTPProtocol as HTTPProtocol
from granian._granian import RSGIProtocolClosed as ProtocolClosed
from granian._granian import RSGIProtocolError as ProtocolError
from granian.rsgi import Scope

from kzgov.web.clients import API_KEY_HEADER, client_of
from kzgov.web.direct_answers import DirectAnswers
from kzgov.web.front import Message, ReadFirst
from kzgov.web.replayed_answers import SPARQL_PATHS
from kzgov.web.sparql_direct import DirectQueries

log = logging.getLogger("kzgov.front")

API_KEY: Final = API_KEY_HEADER.lower()
METHODS: Final = frozenset({"GET", "POST"})


class Answered:
    """What `DirectFirst` gives back when the request has had its answer."""


ANSWERED: Final = Answered()


def client_host(address: str) -> str:
    """The host of an RSGI address ("host:port", "[v6]:port"), as ASGI's client gives it."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") if port.isdigit() else address


def send_messages(protocol: HTTPProtocol, messages: list[Message]) -> None:
    """Send a short answer `ReadFirst` built as ASGI messages (a start and one body)."""
    start, body = messages
    headers = [
        (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
        for name, value in start["headers"]
    ]
    protocol.response_bytes(int(start["status"]), headers, bytes(body["body"]))


class DirectFirst:
    """Asks the direct answers first, from RSGI's request as it is (see the module)."""

    def __init__(
        self, front: ReadFirst, direct: DirectAnswers, queries: DirectQueries | None = None
    ) -> None:
        """Shortcut `front`'s path to `direct`, then `queries`, for the requests read here.

        Args:
            front: the request reader the requests not answered here go on to.
            direct: the answers given on the event loop.
            queries: the queries answered in a thread without Flask, if any
                (kzgov.web.sparql_direct).
        """
        self.front = front
        self.direct = direct
        self.queries = queries

    async def __call__(self, scope: Scope, protocol: HTTPProtocol) -> Answered | bytes | None:
        """Answer a request directly if it can be.

        Returns:
            ANSWERED when the request has had its answer (or its client has gone); the
            body read when the request is left to `ReadFirst`; None when the body is
            not read (the request goes to `ReadFirst` whole).
        """
        method = scope.method
        if method not in METHODS or scope.path not in SPARQL_PATHS:
            return None
        headers: dict[str, str] = {}
        for name, value in scope.headers.items():
            name = name.lower()
            if name in headers:
                return None  # repeated: ReadFirst joins (or picks) them as it does
            headers[name] = value
        if "transfer-encoding" in headers:
            return None
        front = self.front
        settings = front.settings
        declared = headers.get("content-length")
        if declared is None:
            if method == "POST":
                return None
            length = 0
        else:
            try:
                length = int(declared)
            except ValueError:
                return None
            if length < 0 or length > settings.max_body_bytes:
                return None
        address = client_of(client_host(scope.client), headers.get(API_KEY))
        in_progress = front.in_progress
        if in_progress[address] >= settings.client_requests:
            return None  # ReadFirst refuses it, with its 429
        in_progress[address] += 1
        try:
            if length == 0:
                body = b""
            else:
                try:
                    async with asyncio.timeout(settings.body_seconds):
                        body = await protocol()
                except TimeoutError:
                    send_messages(protocol, front.body_too_slow())
                    return ANSWERED
                except (ProtocolClosed, ProtocolError):
                    return ANSWERED  # the client went away
                if len(body) > settings.max_body_bytes:
                    send_messages(protocol, front.body_too_large())
                    return ANSWERED
            path, query_string = scope.path, scope.query_string
            answer = self.direct.respond(method, path, query_string, headers, body)
            if answer is None:
                queries = self.queries
                if queries is None:
                    return body
                asked = queries.wanted(method, path, query_string, headers, body, address)
                if asked is None:
                    return body
                loop = asyncio.get_running_loop()
                # The request counts against its client until its answer is made.
                answer = await loop.run_in_executor(front.threads, queries.answer, asked)
        finally:
            in_progress[address] -= 1
            if in_progress[address] <= 0:
                del in_progress[address]
        status, response_headers, content = answer
        try:
            protocol.response_bytes(status, response_headers, content)
        except Exception as error:  # the client went away, or the loop is stopping
            log.warning("could not send an answer: %s: %s", type(error).__name__, error)
        return ANSWERED
