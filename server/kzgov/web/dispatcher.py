"""One pool of query workers for all the HTTP processes of a server.

`kzgov serve` runs several HTTP processes (kzgov.web.front) but one pool of query
workers (kzgov.web.executor: one zygote, one queue), in the main process, so that
memory does not multiply with the HTTP processes and admission (the queue, each
client's share) is decided for the whole server. The main process listens on a Unix
socket in a private folder; each HTTP thread keeps one connection to it, sends a
query with the client it comes from and a channel for the answer, reads the answer the
query worker writes there (kzgov.web.answer_channel: the answer goes around the main
process), then gets the main process's word on it: it stands, or an error instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Protocol

from rdflib import URIRef

from kzgov.core.errors import KzgovError, QueryFailed, QueueFull
from kzgov.core.serialize import QueryAnswer
from kzgov.web.answer_channel import (
    SENT,
    pass_channel,
    read_reply,
    send_reply,
    socket_of,
    take_channel,
)
from kzgov.web.clients import CURRENT_CLIENT, current_client
from kzgov.web.executor import (
    ERROR_KINDS,
    Executor,
    WorkerPool,
    answer_of_reply,
    answer_reply,
    error_reply,
    failure_of,
)
from kzgov.web.memory_cap import QueryOutgrewMemory

log = logging.getLogger("kzgov.dispatcher")

SOCKET_NAME = "queries.sock"
AUTHKEY_BYTES = 32
# The errors that come back by name; anything else becomes QueryFailed.
DISPATCHED_ERRORS: dict[str, type[KzgovError]] = {
    **ERROR_KINDS,
    QueueFull.__name__: QueueFull,
    QueryOutgrewMemory.__name__: QueryOutgrewMemory,
}

# (client, query, media type, default graphs, named graphs, release, past the cache?)
Request = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str, bool]


class Releases(Protocol):
    """The releases the main process serves (kzgov.web.served_releases)."""

    def job(self, release: str, cached: bool) -> contextlib.AbstractContextManager[Executor]:
        """The executor of a release (or the current one) for one query."""


class StoreFacts(Protocol):
    """What the HTTP layer reads from the store itself (queries go to the executor)."""

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""


@dataclass(frozen=True)
class KnownFacts:
    """The store's facts as an HTTP process knows them, without loading the store."""

    sizes: Mapping[URIRef, int]
    triples: int
    location: Path | None = None  # an on-disk store's folder (/healthz checks it is there)

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""
        return self.sizes

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""
        return self.triples


def pool_unreachable() -> QueryFailed:
    """The error for a query whose HTTP process lost its way to the query workers."""
    return QueryFailed("the query workers cannot be reached: the server is stopping")


def answer_cut_short() -> QueryFailed:
    """The error for an answer that stopped before its end although it was said to stand."""
    return QueryFailed("the query's answer was cut short on its way from the query worker")


class QueryDispatcher:
    """Runs the queries of the HTTP processes on the main process's executor."""

    def __init__(self, releases: Releases, folder: Path) -> None:
        """Listen for HTTP processes on a Unix socket in a private folder.

        Args:
            releases: the releases served, each with its executor (its one pool of
                workers); a query runs on the release its HTTP process serves while
                that release is served, else on the current one.
            folder: a folder only this user can enter (the socket goes there).
        """
        self.releases = releases
        self.address = str(folder / SOCKET_NAME)
        self.authkey = os.urandom(AUTHKEY_BYTES)
        self.listener = Listener(self.address, family="AF_UNIX", authkey=self.authkey)
        self.closed = False
        self.thread = threading.Thread(target=self.accept, name="kzgov-dispatcher", daemon=True)
        self.thread.start()

    def accept(self) -> None:
        """Accept HTTP threads' connections until closed, each served by its own thread."""
        while not self.closed:
            try:
                connection = self.listener.accept()
            except (OSError, EOFError, AuthenticationError):
                continue
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection: Connection) -> None:
        """Answer one HTTP thread's queries until it hangs up.

        Each query comes with a channel for its answer (kzgov.web.answer_channel): a
        worker of the pool writes its reply there itself; an answer from elsewhere (the
        result cache, an executor in this process) is written there from here. The HTTP
        thread is then sent SENT, or the error that stands instead.
        """
        descriptors = socket_of(connection)
        with connection, descriptors:
            while True:
                try:
                    request: Request = connection.recv()
                    channel = take_channel(descriptors)
                except (EOFError, OSError):
                    return
                if channel is None:
                    return
                with channel:
                    verdict = self.answer_on(channel, request)
                    if verdict != SENT:
                        # A worker the pool gave up on may still hold the channel (one
                        # the zygote could not kill): end it for every holder, so that
                        # the HTTP thread stops reading and takes the error instead.
                        with contextlib.suppress(OSError):
                            channel.shutdown(socket.SHUT_RDWR)
                try:
                    connection.send(verdict)
                except (OSError, ValueError):
                    return

    def answer_on(self, channel: socket.socket, request: Request) -> tuple[object, ...]:
        """Have a request answered on its channel; SENT, or the error that stands instead."""
        client, text, media_type, default_graphs, named_graphs, release, cached = request
        CURRENT_CLIENT.set(client)
        try:
            with self.releases.job(release, cached) as executor:
                if isinstance(executor, WorkerPool):
                    executor.run_replying(channel, text, media_type, default_graphs, named_graphs)
                    return SENT
                reply = answer_reply(executor.run(text, media_type, default_graphs, named_graphs))
        except KzgovError as error:
            return error_reply(error, None)
        except Exception as error:
            log.exception("query failed in the dispatcher")
            return error_reply(failure_of(error))
        with contextlib.suppress(OSError):  # the HTTP thread is gone: nobody to tell
            send_reply(channel, reply)
        return SENT

    def close(self) -> None:
        """Stop accepting connections and remove the socket."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.listener.close()


class DispatchedExecutor:
    """An executor in an HTTP process: hands each query to the main process's pool."""

    def __init__(self, address: str, authkey: bytes, release: str, cached: bool = True) -> None:
        """Reach the dispatcher at an address.

        Args:
            address: the dispatcher's Unix socket.
            authkey: the key the dispatcher accepts.
            release: the name of the release this HTTP process serves.
            cached: whether queries go through the server's result cache (False: for
                /healthz, which must reach the store).
        """
        self.address = address
        self.authkey = authkey
        self.release = release
        self.cached = cached
        self.local = threading.local()

    def connection(self) -> tuple[Connection, socket.socket]:
        """This thread's connection to the dispatcher (opened on first use), and its socket."""
        connection: Connection | None = getattr(self.local, "connection", None)
        if connection is None:
            connection = Client(self.address, family="AF_UNIX", authkey=self.authkey)
            self.local.connection = connection
            self.local.descriptors = socket_of(connection)
        descriptors: socket.socket = self.local.descriptors
        return connection, descriptors

    def forget(self) -> None:
        """Drop this thread's connection (after an error on it)."""
        connection: Connection | None = getattr(self.local, "connection", None)
        self.local.connection = None
        if connection is not None:
            with contextlib.suppress(OSError):
                self.local.descriptors.close()
            with contextlib.suppress(OSError):
                connection.close()

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryAnswer:
        """Run one query on the server's pool (see kzgov.web.executor's contract)."""
        request: Request = (
            current_client(),
            query_text,
            media_type,
            tuple(default_graph_uris),
            tuple(named_graph_uris),
            self.release,
            self.cached,
        )
        mine, theirs = socket.socketpair()
        with mine:
            try:
                with theirs:  # closed before reading: a worker's death then ends the read
                    connection, descriptors = self.connection()
                    connection.send(request)
                    pass_channel(descriptors, theirs)
                reply = read_reply(mine)
                verdict = connection.recv()
            except (OSError, EOFError, AuthenticationError) as error:
                self.forget()
                raise pool_unreachable() from error
        if verdict != SENT:
            return answer_of_reply(verdict, DISPATCHED_ERRORS)  # raises the error it carries
        if reply is None:
            raise answer_cut_short()
        return answer_of_reply(reply, DISPATCHED_ERRORS)

    def close(self) -> None:
        """Drop this thread's connection (the others close with their threads)."""
        self.forget()
