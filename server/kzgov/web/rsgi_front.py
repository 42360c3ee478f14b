"""granian's RSGI interface in front of the HTTP processes' app (kzgov.web.front).

granian calls an app through one of its interfaces. Through ASGI, each request costs a
scope dict built in Rust, an awaitable per body message read and one per response
message sent; through RSGI (granian's own interface) the app reads the body and writes
the whole response with one call each. A lookup answered on the event loop
(kzgov.web.direct_answers) costs little beside that protocol, so the HTTP processes
use RSGI. `RsgiFront` gives `ReadFirst` the same ASGI scope, `receive` and `send` it
reads and writes under ASGI, built from RSGI's, so the read deadline, the body bound,
the per-client bound, the answers on the event loop and the WSGI app in a thread work
as before, whichever interface granian calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

from granian._granian import RSGIHTTPProtocol as HTTPProtocol
from granian._granian import RSGIProtocolClosed as ProtocolClosed
from granian._granian import RSGIProtocolError as ProtocolError
from granian.rsgi import Scope

from kzgov.web.direct_answers import DirectAnswers
from kzgov.web.front import DIRECT_ASKED, ReadFirst, http_app
from kzgov.web.rsgi_direct import ANSWERED, DirectFirst
from kzgov.web.sparql_direct import DirectQueries, direct_queries_of

log = logging.getLogger("kzgov.front")

Message = MutableMapping[str, Any]
Headers = list[tuple[str, str]]
# The message `receive` gives once the body is complete or the client has gone.
DISCONNECT: Message = {"type": "http.disconnect"}
FAILED = b"the server failed to answer this request; its log says why\n"


def host_and_port(address: str) -> tuple[str, int]:
    """An RSGI address ("host:port", "[v6]:port") as ASGI's (host, port)."""
    host, _, port = address.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return address, 0


def asgi_scope(scope: Scope) -> dict[str, Any]:
    """The ASGI HTTP scope of an RSGI one: what `ReadFirst` and the WSGI environ read."""
    return {
        "type": "http",
        "http_version": scope.http_version,
        "method": scope.method,
        "scheme": scope.scheme,
        "path": scope.path,
        "root_path": "",
        "query_string": scope.query_string.encode("latin-1"),
        "headers": [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in scope.headers.items()
        ],
        "client": host_and_port(scope.client),
        "server": host_and_port(scope.server),
    }


class BodyReader:
    """ASGI's `receive` over an RSGI protocol: the request body, then a disconnect."""

    def __init__(self, protocol: HTTPProtocol, declared: bool) -> None:
        """Read a request's body from its protocol.

        Args:
            protocol: the request's RSGI protocol.
            declared: whether the request declares its length (ReadFirst has checked
                it against the bound): then the body is read in one call, else in
                chunks, each counted against the bound as it comes.
        """
        self.protocol = protocol
        self.declared = declared
        self.chunks: Any = None
        self.done = False

    async def __call__(self) -> Message:
        """The next ASGI request message."""
        if self.done:
            return DISCONNECT
        try:
            if self.declared:
                self.done = True
                return {"type": "http.request", "body": await self.protocol(), "more_body": False}
            if self.chunks is None:
                self.chunks = self.protocol.__aiter__()
            chunk = await self.chunks.__anext__()
        except StopAsyncIteration:
            chunk = b""
        except (ProtocolClosed, ProtocolError):
            self.done = True
            return DISCONNECT
        if not chunk:
            self.done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": bytes(chunk), "more_body": True}


class ResponseWriter:
    """ASGI's `send` over an RSGI protocol: a whole body at once, or a stream."""

    def __init__(self, protocol: HTTPProtocol) -> None:
        """Write a request's response to its protocol."""
        self.protocol = protocol
        self.status = 500
        self.headers: Headers = []
        self.stream: Any = None
        self.started = False

    async def __call__(self, message: Message) -> None:
        """Send one ASGI response message."""
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = [
                (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                for name, value in message.get("headers", [])
            ]
            return
        body = bytes(message.get("body", b""))
        self.started = True
        if self.stream is None and not message.get("more_body", False):
            self.protocol.response_bytes(self.status, self.headers, body)
            return
        if self.stream is None:
            self.stream = self.protocol.response_stream(self.status, self.headers)
        if body:
            await self.stream.send_bytes(body)


class ReadBody:
    """ASGI's `receive` of a body read already (kzgov.web.rsgi_direct), then a disconnect."""

    def __init__(self, body: bytes) -> None:
        """Give `body` as the whole request body."""
        self.message: Message | None = {"type": "http.request", "body": body, "more_body": False}

    async def __call__(self) -> Message:
        """The next ASGI request message."""
        message, self.message = self.message, None
        return DISCONNECT if message is None else message


class RsgiFront:
    """The RSGI app of an HTTP process: `ReadFirst` called through RSGI."""

    def __init__(self, front: ReadFirst, queries: DirectQueries | None = None) -> None:
        """Serve an app that `ReadFirst` reads requests for.

        Its direct answers (kzgov.web.direct_answers), if any, are asked first from
        RSGI's request as it is (kzgov.web.rsgi_direct), then the queries answered
        without Flask (`queries`, kzgov.web.sparql_direct), if any.
        """
        self.front = front
        direct = front.direct
        self.direct_first = (
            DirectFirst(front, direct, queries) if isinstance(direct, DirectAnswers) else None
        )

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Nothing to start: the app is built."""

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let the app's threads go when granian stops this process."""
        self.front.threads.shutdown(wait=False)

    async def __rsgi__(self, scope: Scope, protocol: HTTPProtocol) -> None:
        """Answer one RSGI HTTP request (other protocols are not served)."""
        if scope.proto != "http":
            return
        writer: ResponseWriter | None = None
        try:
            read = None if self.direct_first is None else await self.direct_first(scope, protocol)
            if read is ANSWERED:
                return
            writer = ResponseWriter(protocol)
            asgi = asgi_scope(scope)
            receive: Any
            if isinstance(read, bytes):
                asgi[DIRECT_ASKED] = True
                receive = ReadBody(read)
            else:
                headers = scope.headers
                declared = "content-length" in headers and "transfer-encoding" not in headers
                receive = BodyReader(protocol, declared)
            await self.front(asgi, receive, writer)
        except Exception:
            # What an ASGI server does for an app that fails before it answers.
            log.exception("the app failed to answer %s %s", scope.method, scope.path)
            if writer is None or not writer.started:
                protocol.response_bytes(
                    500, [("content-type", "text/plain; charset=utf-8")], FAILED
                )


def rsgi_app() -> RsgiFront:
    """The RSGI app of one HTTP process (granian's factory; see `kzgov.web.front.http_app`)."""
    front = http_app()
    return RsgiFront(front, direct_queries_of(front.app))
