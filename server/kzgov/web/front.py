"""The HTTP processes' app: read each request asynchronously, then answer it in a thread.

granian (kzgov.web.serve) accepts connections and reads request heads in Rust, with a
total deadline for the head; it calls this ASGI app for each request (through its RSGI
interface: kzgov.web.rsgi_front gives the app ASGI's scope, receive and send). The app reads
the body on the event loop, within a total deadline and a size bound, and only then
hands the complete request to the WSGI app (Flask) in a thread of a bounded pool, which
hands the answer's last part back for the event loop to send; a lookup is answered on
the event loop (kzgov.web.direct_answers), and a proof asked as JSON in a thread without
Flask (kzgov.web.explain_direct). A slow or idle client therefore costs a socket and a little memory, never a thread,
and a new client is answered while hundreds of slow ones hang. Each client address
may have a bounded number of requests in progress (being read or answered); past it
the request gets 429 at once.

Each HTTP process builds its app from the settings the main process puts in the
environment (FRONT_SETTINGS): the server's configuration, the store's facts, and the
address of the one pool of query workers (kzgov.web.dispatcher).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from rdflib import URIRef

from kzgov.core.config import ServerConfig
from kzgov.core.layout import Layout
from kzgov.web.app import assemble_app
from kzgov.web.clients import API_KEY_HEADER, client_of
from kzgov.web.direct_answers import LOCAL_STORE, DirectAnswers, open_local_store
from kzgov.web.dispatcher import DispatchedExecutor, KnownFacts
from kzgov.web.large_buffers import map_large_buffers

log = logging.getLogger("kzgov.front")

FRONT_SETTINGS = "KZGOV_FRONT_SETTINGS"
BODY_CHUNK_BYTES = 256 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Answers given on the event loop (kzgov.web.direct_answers): the messages, or None.
DirectApp = Callable[[Scope, bytes], list[Message] | None]
# A scope key saying the direct answers were asked already (kzgov.web.rsgi_direct).
DIRECT_ASKED = "kzgov.direct_asked"


class DirectInThread(Protocol):
    """Answers some complete requests in a thread without Flask (kzgov.web.explain_direct)."""

    def wanted(self, scope: Scope) -> Any:
        """What to answer, if a request is one it answers (on the event loop), else None."""

    def answer(self, asked: Any, started: float) -> list[Message] | None:
        """The answer's messages (in a thread), or None for Flask to answer."""


@dataclass(frozen=True)
class FrontSettings:
    """How an HTTP process reads requests.

    Attributes:
        body_seconds: the total time a client has to send a request body.
        max_body_bytes: the largest request body read (413 past it).
        client_requests: the most requests one address has in progress at once.
        threads: the threads that run the WSGI app in this process.
    """

    body_seconds: float
    max_body_bytes: int
    client_requests: int
    threads: int


class ClientDisconnected(Exception):
    """The client went away before its request body was complete."""


class BodyTooLarge(Exception):
    """A request body larger than the server reads."""


def plain_response(status: int, message: str, extra: list[tuple[bytes, bytes]]) -> list[Message]:
    """The ASGI messages of a short plain-text answer that closes the connection."""
    body = (message.rstrip("\n") + "\n").encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
        *extra,
    ]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body, "more_body": False},
    ]


def wsgi_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environment (PEP 3333) of a complete ASGI HTTP request."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    path = scope.get("path", "/")
    root = scope.get("root_path", "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path[len(root) :].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name == "CONTENT_LENGTH":
            continue  # the body is complete: its length is what was read
        key = "CONTENT_TYPE" if name == "CONTENT_TYPE" else f"HTTP_{name}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def header_of(scope: Scope, wanted: bytes) -> bytes | None:
    """A request header's first value (the name in lower case), or None."""
    for name, value in scope.get("headers", []):
        if name.lower() == wanted:
            return bytes(value)
    return None


def client_of_scope(scope: Scope) -> str:
    """The client a request counts against (kzgov.web.clients): its API key, or address."""
    client = scope.get("client") or ("", 0)
    key = header_of(scope, API_KEY_HEADER.lower().encode("ascii"))
    return client_of(str(client[0]), key.decode("latin-1") if key is not None else None)


def declared_length(scope: Scope) -> int | None:
    """The Content-Length a request declares, or None."""
    value = header_of(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class ReadFirst:
    """An ASGI app that reads each request in full, then runs a WSGI app in a thread."""

    def __init__(
        self,
        app: WsgiApp,
        settings: FrontSettings,
        direct: DirectApp | None = None,
        in_thread: DirectInThread | None = None,
    ) -> None:
        """Wrap a WSGI app.

        Args:
            app: the WSGI app (the Flask app).
            settings: the read deadline, body bound, per-client bound and threads.
            direct: what answers some complete requests on the event loop, before
                a thread is asked (kzgov.web.direct_answers).
            in_thread: what answers some others in a thread, without Flask
                (kzgov.web.explain_direct).
        """
        self.app = app
        self.direct = direct
        self.in_thread = in_thread
        self.settings = settings
        self.threads = ThreadPoolExecutor(settings.threads, thread_name_prefix="kzgov-http")
        self.in_progress: Counter[str] = Counter()  # only the event loop touches it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI connection scope (HTTP only; lifespan is acknowledged)."""
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        address = client_of_scope(scope)
        if self.in_progress[address] >= self.settings.client_requests:
            await self.emit(send, self.too_many_requests())
            return
        self.in_progress[address] += 1
        try:
            await self.answer(scope, receive, send)
        finally:
            self.in_progress[address] -= 1
            if self.in_progress[address] <= 0:
                del self.in_progress[address]

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Acknowledge the server's startup and shutdown."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.threads.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def too_many_requests(self) -> list[Message]:
        """The 429 for an address past its share of requests in progress."""
        return plain_response(
            429,
            f"too many requests from your address at once (at most"
            f" {self.settings.client_requests}); wait for their answers and try again",
            [(b"retry-after", b"1")],
        )

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body within the deadline, then run the WSGI app in a thread."""
        settings = self.settings
        length = declared_length(scope)
        if length is not None and length > settings.max_body_bytes:
            await self.emit(send, self.body_too_large())
            return
        try:
            async with asyncio.timeout(settings.body_seconds):  # no task per request
                body = await self.read_body(receive)
        except TimeoutError:
            await self.emit(send, self.body_too_slow())
            return
        except BodyTooLarge:
            await self.emit(send, self.body_too_large())
            return
        except ClientDisconnected:
            return
        if self.direct is not None and not scope.get(DIRECT_ASKED):
            messages = self.direct(scope, body)
            if messages is not None:
                await self.emit(send, messages)
                return
        loop = asyncio.get_running_loop()
        if self.in_thread is not None:
            asked = self.in_thread.wanted(scope)
            if asked is not None:
                started = time.perf_counter()
                answer = self.in_thread.answer
                found = await loop.run_in_executor(self.threads, answer, asked, started)
                if found is not None:
                    await self.emit(send, found)
                    return
        environ = wsgi_environ(scope, body)
        last = await loop.run_in_executor(self.threads, self.run_app, environ, send, loop)
        try:  # the answer's last part, sent here: no second hop to the loop from the thread
            await self.emit(send, last)
        except Exception as error:  # the client went away, or the loop is stopping
            log.warning("could not send an answer: %s: %s", type(error).__name__, error)

    def body_too_slow(self) -> list[Message]:
        """The 408 for a body that did not arrive within the deadline."""
        message = (
            f"the request body did not arrive within {self.settings.body_seconds:g} s;"
            " send it at once"
        )
        return plain_response(408, message, [])

    def body_too_large(self) -> list[Message]:
        """The 413 for a body over the bound."""
        return plain_response(
            413,
            f"the request body is too large; this server reads at most"
            f" {self.settings.max_body_bytes} bytes",
            [],
        )

    async def read_body(self, receive: Receive) -> bytes:
        """The whole request body.

        Raises:
            BodyTooLarge: it passes the bound.
            ClientDisconnected: the client went away.
        """
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.settings.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def emit(send: Send, messages: list[Message]) -> None:
        """Send ASGI messages in order."""
        for message in messages:
            await send(message)

    def run_app(
        self, environ: dict[str, Any], send: Send, loop: asyncio.AbstractEventLoop
    ) -> list[Message]:
        """Run the WSGI app in this thread; the messages of its answer's last part.

        A body of several chunks is streamed through the event loop as it comes; the
        last part (for most answers, the whole response) is returned for the event loop
        to send, which spares a round trip to the loop and back to this thread.
        """
        started: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: object = None
        ) -> Callable[[bytes], None]:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ]
            return lambda _data: None  # the legacy write() is not used by Flask

        def deliver(messages: list[Message]) -> None:
            asyncio.run_coroutine_threadsafe(self.emit(send, messages), loop).result()

        result = self.app(environ, start_response)
        try:
            pending: list[bytes] = []
            pending_bytes = 0
            head_sent = False
            for chunk in result:
                if not chunk:
                    continue
                # Stream only a body of several chunks: a body in one chunk (a query's
                # answer) goes whole, in one call to the event loop.
                if pending_bytes >= BODY_CHUNK_BYTES:
                    messages = [] if head_sent else [self.head(started)]
                    head_sent = True
                    body = b"".join(pending)
                    messages.append({"type": "http.response.body", "body": body, "more_body": True})
                    deliver(messages)
                    pending, pending_bytes = [], 0
                pending.append(chunk)
                pending_bytes += len(chunk)
            messages = [] if head_sent else [self.head(started)]
            last = {"type": "http.response.body", "body": b"".join(pending), "more_body": False}
            return [*messages, last]
        except Exception as error:  # the client went away, or the loop is stopping
            log.warning("could not send an answer: %s: %s", type(error).__name__, error)
            return []
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    @staticmethod
    def head(started: dict[str, Any]) -> Message:
        """The response start message from what the WSGI app gave start_response."""
        return {
            "type": "http.response.start",
            "status": started.get("status", 500),
            "headers": started.get("headers", []),
        }


def front_settings_text(
    config: ServerConfig, front: FrontSettings, facts: KnownFacts, address: str, authkey: bytes
) -> str:
    """What the main process tells its HTTP processes, as one JSON text."""
    settings = {name: value for name, value in asdict(config).items() if name != "layout"}
    return json.dumps(
        {
            "config": settings,
            "root": str(config.layout.root),
            "build_dir": str(config.layout.build_dir),
            "served_release": str(config.layout.served_release or ""),
            "store_location": str(facts.location or ""),
            "front": asdict(front),
            "graph_sizes": {str(name): size for name, size in facts.graph_sizes().items()},
            "triples": facts.triple_count(),
            "address": address,
            "authkey": authkey.hex(),
        }
    )


def skip_unlogged_record_fields() -> None:
    """Stop `logging` finding the caller, thread and process of each record in this process.

    The format of this process's log names none of them, and finding the caller walks
    the stack for every access-log line: the logging HOWTO's "Optimization" section
    lists these switches for that case. The lines written stay the same.
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None


def http_app() -> ReadFirst:
    """The app of one HTTP process, from the settings in FRONT_SETTINGS (granian's factory)."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    skip_unlogged_record_fields()
    map_large_buffers()  # a process started afresh (spawn): it does not inherit the setting
    settings = json.loads(os.environ[FRONT_SETTINGS])
    known = {item.name for item in fields(ServerConfig)}
    config = ServerConfig(
        layout=Layout(
            root=Path(settings["root"]),
            build_dir=Path(settings["build_dir"]),
            served_release=Path(settings["served_release"]) if settings["served_release"] else None,
        ),
        **{name: value for name, value in settings["config"].items() if name in known},
    )
    facts = KnownFacts(
        sizes={URIRef(name): int(size) for name, size in settings["graph_sizes"].items()},
        triples=int(settings["triples"]),
        location=Path(settings["store_location"]) if settings["store_location"] else None,
    )
    release = Path(settings["served_release"]).name
    address, authkey = settings["address"], bytes.fromhex(settings["authkey"])
    executor = DispatchedExecutor(address, authkey, release)
    uncached = DispatchedExecutor(address, authkey, release, cached=False)
    app = assemble_app(config, facts, executor, uncached, None, cache_in_front=False)
    # The served Oxigraph store, read-only here: cheap lookups and /explain read it in place.
    local = open_local_store(config, facts.location)
    app.extensions[LOCAL_STORE] = local
    direct = DirectAnswers(
        config,
        local,
        list(facts.sizes),
        app.extensions["kzgov.result_cache"],
        app.extensions.get("kzgov.replayed_answers"),
    )
    if local is not None and "explain" in app.blueprints:
        from kzgov.web.explain import prepare_explainer  # the pages' module, if installed
        from kzgov.web.explain_direct import DirectExplanations

        threading.Thread(target=prepare_explainer, args=(app,), daemon=True).start()
        explanations = DirectExplanations(app)
        return ReadFirst(app, FrontSettings(**settings["front"]), direct, explanations)
    return ReadFirst(app, FrontSettings(**settings["front"]), direct)
