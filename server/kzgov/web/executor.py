"""Running SPARQL queries for the server in worker processes, each query under a deadline.

The contract the HTTP layer relies on:

    executor.run(query_text, media_type, default_graph_uris=(), named_graph_uris=())
        -> QueryAnswer(form, media_type, body: bytes)

raising QueryRejected (400), UpdateRefused (403), ResultTooLarge (400: the result
cap), QueryTimedOut (503), QueueFull (429), QueryFailed (500) and StoreUnavailable
(502: a remote store is down), with messages that say what is wrong.

How the workers run: once the store is loaded, the server forks a small "zygote"
process, single-threaded, that holds the loaded store and forks the query workers on
request; a worker therefore shares the loaded graph with it copy-on-write, and can be
forked again at any time without forking the multi-threaded HTTP server. Each query
goes to an idle worker over a socket; if no answer comes by the deadline, the zygote
kills that worker and forks a fresh one. A query sent with a channel (`run_replying`,
kzgov.web.answer_channel) has its worker write the answer there, straight to the HTTP
thread that asked; the pool then hears only that the worker has replied. Queries that
find no idle worker wait in a bounded queue; past its bound they get QueueFull. When
the server stops (or dies), the zygote and the workers stop with it. The zygote of a
release loaded later, on a SIGHUP, is started as a new program instead
(kzgov.web.reloaded_zygote).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import NoReturn, Protocol

from rdflib import URIRef

from kzgov.core.collector import return_free_heap
from kzgov.core.config import ServerConfig
from kzgov.core.errors import (
    KzgovError,
    QueryFailed,
    QueryRejected,
    QueryTimedOut,
    QueryTooLong,
    QueueFull,
    ResultTooLarge,
    StoreUnavailable,
    UpdateRefused,
)
from kzgov.core.limits import ResultLimits, check_query_length
from kzgov.core.namespaces import ASSERTED_GRAPH
from kzgov.core.serialize import FORM_TO_MEDIA_TYPES, MEDIA_TYPE_TO_RDFLIB, QueryAnswer
from kzgov.store.base import Store
from kzgov.web.answer_channel import SENT, pass_channel, send_reply, socket_of, take_channel
from kzgov.web.clients import current_client
from kzgov.web.guards import admit_query
from kzgov.web.large_buffers import keep_heap_top
from kzgov.web.memory_cap import (
    MEMORY_SAMPLE_SECONDS,
    QueryOutgrewMemory,
    default_limit_mb,
    over_limit,
    query_outgrew_memory,
)
from kzgov.web.worker_upkeep import Upkeep
from kzgov.web.zygote_warmup import warm_parser

__all__ = [
    "MEDIA_TYPE_TO_RDFLIB",
    "Executor",
    "ExecutorSettings",
    "InProcessExecutor",
    "QueryAnswer",
    "QueryFailed",
    "QueryRejected",
    "QueryTimedOut",
    "QueueFull",
    "ResultTooLarge",
    "StartedZygote",
    "UpdateRefused",
    "WorkerPool",
    "available_graphs",
    "start_executor",
]

log = logging.getLogger("kzgov.executor")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
SPAWN = b"S"
KILL = b"K"
KILLED = b"k"
PID_BYTES = 8
# How long the zygote has to fork or kill a worker; past it, it is taken for stuck.
ZYGOTE_REPLY_SECONDS = 20.0

# The errors a worker reports back by name; anything else becomes QueryFailed.
ERROR_KINDS: dict[str, type[KzgovError]] = {
    kind.__name__: kind
    for kind in (
        QueryRejected,
        UpdateRefused,
        ResultTooLarge,
        QueryTooLong,
        QueryFailed,
        QueryTimedOut,
        StoreUnavailable,
    )
}

Job = tuple[str, str, tuple[str, ...], tuple[str, ...]]
# What a worker is sent: a job, and whether a channel to reply on follows it
# (kzgov.web.answer_channel).
JobMessage = tuple[Job, bool]


class Executor(Protocol):
    """Runs queries for the HTTP layer (see the module docstring for the contract)."""

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryAnswer:
        """Admit, evaluate and serialize one query."""

    def close(self) -> None:
        """Stop the workers and release their resources."""


@dataclass(frozen=True)
class ExecutorSettings:
    """How many workers run queries, and the limits they enforce.

    Attributes:
        workers: query worker processes; 0 evaluates in the calling thread, without a
            deadline (for debugging only).
        query_timeout_seconds: the deadline of one query, and the longest a query
            waits for a free worker.
        max_pending_queries: queries waiting for a worker before QueueFull.
        max_query_bytes: the longest query text accepted.
        limits: the row and byte caps of a result.
        worker_memory_growth_kb: a worker whose own memory grew by more than this since
            it started is replaced after its answer (0: never).
        worker_memory_limit_mb: a worker whose own memory passes this while it runs a
            query is killed, and the query gets 503 (0: no limit).
        client_workers: the most queries one client (kzgov.web.clients) runs at once.
        client_pending: the most queries one client has waiting for a worker.
    """

    workers: int
    query_timeout_seconds: float
    max_pending_queries: int
    max_query_bytes: int
    limits: ResultLimits
    worker_memory_growth_kb: int = 0
    worker_memory_limit_mb: int = 0
    client_workers: int = 1_000_000
    client_pending: int = 1_000_000

    @classmethod
    def from_config(cls, config: ServerConfig) -> ExecutorSettings:
        """The executor's part of the server settings."""
        return cls(
            workers=config.workers,
            query_timeout_seconds=config.query_timeout_seconds,
            max_pending_queries=config.max_pending_queries,
            max_query_bytes=config.max_query_bytes,
            limits=ResultLimits(config.max_result_rows, config.max_result_bytes),
            worker_memory_growth_kb=config.worker_memory_growth_mb * 1024,
            worker_memory_limit_mb=config.worker_memory_limit_mb
            or default_limit_mb(config.workers),
            client_workers=config.client_workers or max(1, (config.workers + 1) // 2),
            client_pending=config.client_pending or max(1, config.max_pending_queries // 4),
        )


def query_timed_out(seconds: float) -> QueryTimedOut:
    """The error for a query that passed its deadline."""
    return QueryTimedOut(
        f"the query did not finish within {seconds:g} s and was stopped;"
        " narrow it (fewer unbound patterns, a LIMIT) and try again"
    )


def no_worker_free(seconds: float) -> QueryTimedOut:
    """The error for a query that waited its whole deadline for a free worker."""
    return QueryTimedOut(
        f"the server is busy: no query worker became free within {seconds:g} s; try again later"
    )


def queue_full(pending: int) -> QueueFull:
    """The error for a query that arrives when the waiting queue is full."""
    return QueueFull(f"too many queries are waiting ({pending}); try again in a few seconds")


def client_queue_full(pending: int) -> QueueFull:
    """The error for a query from a client that already has its share of waiting queries."""
    return QueueFull(
        f"you already have {pending} queries waiting for a worker; wait for their answers,"
        " or try again in a few seconds"
    )


def worker_stopped(pid: int) -> QueryFailed:
    """The error for a query whose worker process died while running it."""
    return QueryFailed(
        f"the worker process running the query ({pid}) stopped unexpectedly"
        " (out of memory?); it has been replaced"
    )


def zygote_not_answering(pid: int) -> QueryFailed:
    """The error for a worker that cannot be forked because the zygote no longer answers."""
    return QueryFailed(
        f"cannot start a query worker: the workers' zygote ({pid}) did not answer within"
        f" {ZYGOTE_REPLY_SECONDS:g} s; restart the server"
    )


def pool_closed() -> QueryFailed:
    """The error for a query that arrives while the server is stopping."""
    return QueryFailed("the server is stopping and no longer runs queries")


def available_graphs(store: Store) -> frozenset[URIRef]:
    """The graph names a query may use: the build's named graphs and `kzg:asserted`."""
    return frozenset(store.graph_sizes()) | {ASSERTED_GRAPH}


def answer_job(
    store: Store, available: Collection[URIRef], job: Job, settings: ExecutorSettings
) -> QueryAnswer:
    """Admit, evaluate and serialize one query (in whichever process runs it).

    Raises:
        QueryTooLong, UpdateRefused, QueryRejected, ResultTooLarge: as their names say.
    """
    text, media_type, default_graph_uris, named_graph_uris = job
    check_query_length(text, settings.max_query_bytes)
    admitted = admit_query(text, default_graph_uris, named_graph_uris, available)
    fitting = FORM_TO_MEDIA_TYPES[admitted.form]
    if media_type not in fitting:
        # The HTTP process guessed the form from the text (kzgov.web.query_form) and
        # guessed wrong: answer in the form's first media type rather than fail.
        media_type = fitting[0]
    return store.answer(admitted.parsed, admitted.dataset, media_type, settings.limits)


def failure_of(error: Exception) -> QueryFailed:
    """The error for an exception rdflib raised while evaluating a query."""
    return QueryFailed(f"the query failed while running: {type(error).__name__}: {error}")


def answer_reply(answer: QueryAnswer) -> tuple[object, ...]:
    """An answer as it goes back over a pipe (from a worker, or from the dispatcher)."""
    return ("answer", answer.form, answer.media_type, answer.body)


def error_reply(
    error: KzgovError, kinds: Collection[str] | None = ERROR_KINDS
) -> tuple[object, ...]:
    """An error as it goes back over a pipe: its kind by name, and its message.

    A kind not among `kinds` goes as QueryRejected (None: every kind by its own name,
    which the receiver maps to QueryFailed if it does not know it).
    """
    kind = type(error).__name__
    if kinds is not None and kind not in kinds:
        kind = QueryRejected.__name__
    return ("error", kind, str(error))


def answer_of_reply(
    reply: tuple[object, ...], kinds: Mapping[str, type[KzgovError]] = ERROR_KINDS
) -> QueryAnswer:
    """The answer a reply carries.

    Raises:
        KzgovError: the error it carries (QueryFailed for a kind not in `kinds`).
    """
    if reply[0] == "answer":
        _tag, form, answered_type, body = reply
        return QueryAnswer(form=str(form), media_type=str(answered_type), body=bytes(body))  # type: ignore[call-overload]
    _tag, kind, message = reply
    raise kinds.get(str(kind), QueryFailed)(str(message))


class InProcessExecutor:
    """Evaluates queries in the calling thread: no deadline, no queue (debugging only)."""

    def __init__(self, store: Store, settings: ExecutorSettings) -> None:
        """Serve queries over a loaded store.

        Args:
            store: the loaded store.
            settings: the limits to enforce.
        """
        self.store = store
        self.settings = settings
        self.available = available_graphs(store)
        self.lock = threading.Lock()

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryAnswer:
        """Admit, evaluate and serialize a query (see the module docstring)."""
        job: Job = (query_text, media_type, tuple(default_graph_uris), tuple(named_graph_uris))
        with self.lock:  # rdflib's memory store is not safe for concurrent readers and writers
            try:
                return answer_job(self.store, self.available, job, self.settings)
            except KzgovError:
                raise
            except Exception as error:
                raise failure_of(error) from error

    def close(self) -> None:
        """Nothing to release."""


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere, do nothing)."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def serve_queries(
    connection: Connection,
    store: Store,
    available: Collection[URIRef],
    settings: ExecutorSettings,
) -> None:
    """The loop of a worker: answer each job from the server until it hangs up.

    Each reply goes as (retiring, reply); for a job sent with a channel
    (kzgov.web.answer_channel) the reply goes on the channel, and the server is sent
    (retiring, SENT) once it is written. After a heavy job (a large answer, or one that
    may have left memory behind: kzgov.web.worker_upkeep) the worker hands freed heap
    back to the system; if its own memory has grown by more than
    `settings.worker_memory_growth_kb` since it started, it says it is retiring and
    exits once the reply is sent; the pool forks a fresh worker in its place.
    """
    keep_heap_top()
    upkeep = Upkeep.starting(settings.worker_memory_growth_kb)
    descriptors = socket_of(connection)
    while True:
        try:
            message: JobMessage = connection.recv()
            job, channelled = message
            channel = take_channel(descriptors) if channelled else None
        except (EOFError, OSError):
            return
        if channelled and channel is None:
            return
        fatal = False
        answer: QueryAnswer | None = None
        answer_bytes = 0
        try:
            answer = answer_job(store, available, job, settings)
            answer_bytes = len(answer.body)
            reply = answer_reply(answer)
        except KzgovError as error:
            reply = error_reply(error)
        except MemoryError:
            reply = ("error", "QueryFailed", "the query ran out of memory and was stopped")
            fatal = True
        except Exception as error:
            reply = ("error", "QueryFailed", str(failure_of(error)))
        heavy, retiring = upkeep.after_job(answer_bytes)
        if channel is not None:
            with channel, contextlib.suppress(OSError):  # OSError: the HTTP thread is gone
                send_reply(channel, reply)
            reply = SENT
        try:
            connection.send((retiring, reply))
        except (OSError, ValueError):
            return
        if fatal or retiring:
            return
        answer = None
        reply = ()
        if heavy:
            return_free_heap()


def reap(children: set[int]) -> None:
    """Forget the children that have exited, collecting their exit status."""
    for pid in list(children):
        with contextlib.suppress(ChildProcessError):
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                continue
        children.discard(pid)


def stop_children(children: set[int]) -> None:
    """Kill and collect every child still running."""
    reap(children)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    children.clear()


def run_zygote(
    control: socket.socket,
    store: Store,
    available: Collection[URIRef],
    settings: ExecutorSettings,
) -> NoReturn:
    """The loop of the zygote: fork a worker or kill one on request; stop on hang-up.

    Only this process's children are ever killed, and only before they are
    collected, so a stale process id can never hit another process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    warm_parser(available)  # the workers share the parser's grammar (kzgov.web.zygote_warmup)
    gc.freeze()  # keep the garbage collector from touching (and so copying) the shared graph
    children: set[int] = set()
    while True:
        try:
            request = control.recv(1 + PID_BYTES)
        except OSError:
            request = b""
        reap(children)
        if request[:1] == SPAWN:
            worker_end, server_end = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                control.close()
                server_end.close()
                die_with_parent()
                try:
                    serve_queries(Connection(worker_end.detach()), store, available, settings)
                finally:
                    os._exit(0)
            worker_end.close()
            children.add(pid)
            socket.send_fds(control, [pid.to_bytes(PID_BYTES, "big")], [server_end.fileno()])
            server_end.close()
        elif request[:1] == KILL:
            pid = int.from_bytes(request[1:], "big")
            if pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                children.discard(pid)
            control.sendall(KILLED)
        else:
            stop_children(children)
            os._exit(0)


@dataclass(frozen=True)
class StartedZygote:
    """A running zygote, a child of this process, as its pool sees it.

    Attributes:
        pid: its process id.
        control: the datagram socket it takes requests on.
        process: the zygote started as a fresh program (kzgov.web.reloaded_zygote), or
            None for one forked from this process.
    """

    pid: int
    control: socket.socket
    process: subprocess.Popen[bytes] | None = None


class Ticket:
    """A query waiting for a worker, for the client that sent it."""

    def __init__(self, client: str) -> None:
        """Record who waits."""
        self.client = client


@dataclass
class Worker:
    """A query worker as the server sees it.

    Attributes:
        pid: its process id.
        connection: the socket to send it jobs on.
        descriptors: the same socket, to pass it a channel to reply on
            (kzgov.web.answer_channel).
    """

    pid: int
    connection: Connection
    descriptors: socket.socket

    @classmethod
    def reached_at(cls, pid: int, fd: int) -> Worker:
        """The worker of a process id, reached on a socket's descriptor (now owned)."""
        connection = Connection(fd)
        return cls(pid=pid, connection=connection, descriptors=socket_of(connection))

    def hang_up(self) -> None:
        """Close the socket to the worker (a worker reading it then stops)."""
        self.descriptors.close()
        self.connection.close()


class WorkerPool:
    """Query workers forked from a zygote that holds the loaded store."""

    def __init__(
        self, store: Store, settings: ExecutorSettings, zygote: StartedZygote | None = None
    ) -> None:
        """Fork the zygote (unless one is given) and the workers.

        Call this before the HTTP server starts its threads, or give a zygote started
        as a fresh process (kzgov.web.reloaded_zygote).

        Args:
            store: the loaded store.
            settings: the number of workers and the limits.
            zygote: a zygote already running, a child of this process.
        """
        self.settings = settings
        self.available = available_graphs(store)
        self.zygote_lock = threading.Lock()
        self.slots = threading.Condition()
        self.idle: list[Worker] = []
        self.busy: set[int] = set()
        # Fair admission: the queries waiting, first come first served among clients
        # below their share, and how many each client runs and has waiting.
        self.queue: list[Ticket] = []
        self.running: Counter[str] = Counter()
        self.queued: Counter[str] = Counter()
        self.closed = False
        if zygote is None:
            # Datagrams keep each request and reply whole, and can carry a worker's socket.
            server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            pid = os.fork()
            if pid == 0:
                server_end.close()
                run_zygote(zygote_end, store, self.available, settings)
            zygote_end.close()
            zygote = StartedZygote(pid, server_end)
        self.zygote = zygote
        self.zygote_pid = zygote.pid
        server_end = zygote.control
        # A zygote that stops answering (stopped, or stuck on a lock a thread of this
        # process held when it was forked) must not hang the thread that asks it forever.
        server_end.settimeout(ZYGOTE_REPLY_SECONDS)
        self.control = server_end
        self.zygote_stuck = False
        try:
            for _ in range(settings.workers):
                self.idle.append(self.spawn())
        except QueryFailed:
            self.close()
            raise

    def spawn(self) -> Worker:
        """Have the zygote fork a new worker.

        Raises:
            QueryFailed: the zygote no longer answers.
        """
        with self.zygote_lock:
            if self.zygote_stuck:
                raise zygote_not_answering(self.zygote_pid)
            try:
                self.control.sendall(SPAWN)
                message, fds, _flags, _address = socket.recv_fds(self.control, PID_BYTES, 1)
            except TimeoutError as error:
                self.given_up_on_zygote()
                raise zygote_not_answering(self.zygote_pid) from error
            except OSError as error:
                raise QueryFailed(f"cannot start a query worker: {error}") from error
        if not fds:
            raise QueryFailed("cannot start a query worker: the zygote has stopped")
        return Worker.reached_at(int.from_bytes(message, "big"), fds[0])

    def kill(self, worker: Worker) -> None:
        """Have the zygote kill a worker, and close our end of its socket.

        With the zygote stuck, the worker is left to end when it reads the closed socket,
        or with the zygote when the pool closes (it dies with its parent).
        """
        with self.zygote_lock:
            if not self.zygote_stuck:
                try:
                    self.control.sendall(KILL + worker.pid.to_bytes(PID_BYTES, "big"))
                    self.control.recv(len(KILLED))
                except TimeoutError:
                    self.given_up_on_zygote()
                except OSError:
                    pass
        worker.hang_up()

    def given_up_on_zygote(self) -> None:
        """Stop asking a zygote that did not answer in time (the caller holds zygote_lock).

        Its reply may still come: the control socket is not read again, so that no
        later request takes it for its own. The zygote is killed when the pool closes.
        """
        self.zygote_stuck = True
        log.error(
            "the query workers' zygote (%d) did not answer within %g s: no more workers"
            " will be started; restart the server",
            self.zygote_pid,
            ZYGOTE_REPLY_SECONDS,
        )

    def replace(self, worker: Worker) -> Worker | None:
        """Kill a worker and fork another in its place (None if that fails)."""
        self.kill(worker)
        if self.closed:
            return None
        try:
            return self.spawn()
        except QueryFailed as error:
            log.error("could not replace query worker %d: %s", worker.pid, error)
            return None

    def next_in_line(self) -> Ticket | None:
        """The first waiting query whose client is below its share of workers."""
        limit = self.settings.client_workers
        return next((t for t in self.queue if self.running[t.client] < limit), None)

    def take(self, client: str) -> Worker:
        """Hand an idle worker to a client (the caller holds `slots`)."""
        worker = self.idle.pop()
        self.busy.add(worker.pid)
        self.running[client] += 1
        return worker

    def acquire(self, client: str, deadline: float) -> Worker:
        """An idle worker for a client's query, waiting in the fair queue if need be.

        A query runs at once if a worker is idle, its client runs fewer than
        `client_workers` queries and no query waits ahead of it whose client may run;
        otherwise it waits, first come first served among the clients below their share.

        Args:
            client: who asks (kzgov.web.clients).
            deadline: the query's deadline (time.monotonic()); waiting counts against it.

        Raises:
            QueueFull: the server's queue, or the client's share of it, is full.
            QueryTimedOut: no worker became free before the deadline.
            QueryFailed: the pool is closed.
        """
        settings = self.settings
        with self.slots:
            if self.closed:
                raise pool_closed()
            if (
                self.idle
                and self.running[client] < settings.client_workers
                and self.next_in_line() is None
            ):
                return self.take(client)
            if len(self.queue) >= settings.max_pending_queries:
                raise queue_full(len(self.queue))
            if self.queued[client] >= settings.client_pending:
                raise client_queue_full(self.queued[client])
            ticket = Ticket(client)
            self.queue.append(ticket)
            self.queued[client] += 1
            try:
                while not (self.idle and self.next_in_line() is ticket):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise no_worker_free(settings.query_timeout_seconds)
                    self.slots.wait(remaining)
                    if self.closed:
                        raise pool_closed()
                return self.take(client)
            finally:
                self.queue.remove(ticket)
                self.queued[client] -= 1
                if not self.queued[client]:
                    del self.queued[client]
                self.slots.notify_all()  # who is next in line may have changed

    def release(self, worker: Worker | None, busy_pid: int, client: str) -> None:
        """Give a worker (or its replacement) back to the idle list."""
        with self.slots:
            self.busy.discard(busy_pid)
            self.running[client] -= 1
            if self.running[client] <= 0:
                del self.running[client]
            if worker is not None:
                if self.closed:
                    worker.hang_up()
                else:
                    self.idle.append(worker)
            self.slots.notify_all()

    def ask(
        self, worker: Worker, job: Job, deadline: float, channel: socket.socket | None
    ) -> tuple[bool, tuple[object, ...]]:
        """Send a job to a worker and wait for its reply until the deadline.

        While it waits, it samples the worker's own memory (kzgov.web.memory_cap).

        Args:
            worker: an idle worker, taken for the job.
            job: the query.
            deadline: when to give up on it (time.monotonic()).
            channel: where the worker is to write its reply (kzgov.web.answer_channel),
                or None to have it here.

        Returns:
            Whether the worker is retiring (see `serve_queries`), and its reply (SENT
            when it wrote it on the channel).

        Raises:
            QueryTimedOut: no reply by the deadline, or the worker passed its memory
                limit (QueryOutgrewMemory).
            EOFError, OSError: the worker died.
        """
        limit_mb = self.settings.worker_memory_limit_mb
        message: JobMessage = (job, channel is not None)
        worker.connection.send(message)
        if channel is not None:
            pass_channel(worker.descriptors, channel)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise query_timed_out(self.settings.query_timeout_seconds)
            wait = min(remaining, MEMORY_SAMPLE_SECONDS) if limit_mb > 0 else remaining
            if worker.connection.poll(wait):
                break
            if over_limit(worker.pid, limit_mb * 1024):
                raise query_outgrew_memory(limit_mb)
        retiring, reply = worker.connection.recv()
        return bool(retiring), reply

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryAnswer:
        """Run one query on a worker (see the module docstring for the contract).

        The deadline is end to end: the time the query waits for a worker counts.
        """
        job: Job = (query_text, media_type, tuple(default_graph_uris), tuple(named_graph_uris))
        return answer_of_reply(self.reply_to(job, None))

    def run_replying(
        self,
        channel: socket.socket,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> None:
        """Run one query on a worker that writes its reply on a channel (kzgov.web.answer_channel).

        Returns once the reply is written (it may be an error the worker found).

        Raises:
            The errors of `run` that the worker could not write itself: QueueFull,
            QueryTimedOut (also QueryOutgrewMemory) and QueryFailed.
        """
        job: Job = (query_text, media_type, tuple(default_graph_uris), tuple(named_graph_uris))
        reply = self.reply_to(job, channel)
        if reply != SENT:
            answer_of_reply(reply)  # raises the error it carries
            raise QueryFailed("the query worker replied out of turn")

    def reply_to(self, job: Job, channel: socket.socket | None) -> tuple[object, ...]:
        """A worker's reply to a job (SENT when written on the channel), under the deadline."""
        deadline = time.monotonic() + self.settings.query_timeout_seconds
        client = current_client()
        worker = self.acquire(client, deadline)
        pid = worker.pid
        returned: Worker | None = worker
        try:
            retiring, reply = self.ask(worker, job, deadline, channel)
            if retiring:
                log.info("query worker %d outgrew its memory; replacing it", pid)
                returned = self.replace(worker)
        except QueryOutgrewMemory:
            log.warning("query worker %d passed its memory limit; replacing it", pid)
            returned = self.replace(worker)
            raise
        except QueryTimedOut:
            log.warning("query worker %d passed the deadline; replacing it", pid)
            returned = self.replace(worker)
            raise
        except (EOFError, OSError, ValueError) as error:
            returned = self.replace(worker)
            if self.closed:
                raise pool_closed() from error
            raise worker_stopped(pid) from error
        finally:
            self.release(returned, pid, client)
        return reply

    def status(self) -> dict[str, int]:
        """How many workers are idle and busy, and how many queries wait."""
        with self.slots:
            return {"idle": len(self.idle), "busy": len(self.busy), "waiting": len(self.queue)}

    def worker_pids(self) -> list[int]:
        """The process ids of the zygote and of the idle and busy workers."""
        with self.slots:
            return [self.zygote_pid, *(w.pid for w in self.idle), *self.busy]

    def close(self) -> None:
        """Stop the zygote and every worker, and wait for the zygote to exit."""
        with self.slots:
            if self.closed:
                return
            self.closed = True
            idle, self.idle = self.idle, []
            self.slots.notify_all()
        with self.zygote_lock:
            self.control.close()
            if self.zygote_stuck:  # it would never see the hang-up
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.zygote_pid, signal.SIGKILL)
        for worker in idle:
            worker.hang_up()
        if self.zygote.process is not None:
            self.zygote.process.wait()
        else:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.zygote_pid, 0)


def start_executor(store: Store, settings: ExecutorSettings) -> Executor:
    """The executor the settings ask for: worker processes, or in-process if workers is 0.

    Args:
        store: the loaded store.
        settings: the number of workers and the limits.

    Returns:
        The executor; call `close` when the server stops.
    """
    if settings.workers <= 0:
        return InProcessExecutor(store, settings)
    return WorkerPool(store, settings)
