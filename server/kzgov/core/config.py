"""The server's settings: defaults, command-line options and KZGOV_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout

QUERY_TIMEOUT_SECONDS = 10.0
MAX_QUERY_BYTES = 100 * 1024
MAX_RESULT_ROWS = 10_000
MAX_RESULT_BYTES = 50 * 1024 * 1024
MAX_PENDING_QUERIES = 32
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
HTTP_THREADS_FOR_PAGES = 4
# HTTP processes by default: one per core, up to this many (the query workers do the work).
MAX_DEFAULT_HTTP_PROCESSES = 4
REQUEST_READ_SECONDS = 10.0
# granian reads request heads with a deadline of at most a minute.
MAX_REQUEST_READ_SECONDS = 60.0
CLIENT_REQUESTS = 64
# Room in a request body for a form-encoded query of the largest size, and not much more.
REQUEST_BODY_BYTES_PER_QUERY_BYTE = 4
MIN_REQUEST_BODY_BYTES = 1024 * 1024
# A query worker whose own memory grew past this since it started is replaced after its
# answer: a little more than the largest answer it may hold (MAX_RESULT_BYTES).
WORKER_MEMORY_GROWTH_MB = 64
CACHE_SWITCH = ("on", "off")
CACHE_MAX_ENTRIES = 1024
CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_AGE_SECONDS = 60
MAX_PORT = 65_535
# Settings that must be at least 1 (the rest: port in 0..MAX_PORT, workers and threads >= 0).
POSITIVE_SETTINGS = (
    "query_timeout_seconds",
    "max_query_bytes",
    "max_result_rows",
    "max_result_bytes",
    "max_pending_queries",
    "cache_max_entries",
    "cache_max_bytes",
    "http_processes",
    "request_read_seconds",
    "client_requests",
)
TYPE_TO_EXPECTED = {int: "a whole number", float: "a number"}


class BadSetting(KzgovError):
    """A server setting (an option or a KZGOV_* variable) with a value it cannot take."""


def available_cores() -> int:
    """The number of cores this process may run on (the default worker count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def bad_setting(name: str, value: object, expected: str) -> BadSetting:
    """The error for a setting whose value is wrong, naming the setting and what it takes."""
    return BadSetting(f"{name}={value!r}: expected {expected}")


@dataclass
class ServerConfig:
    """What the server serves and the limits it enforces.

    Each field can be set by an environment variable KZGOV_<FIELD NAME IN CAPITALS>
    (for example KZGOV_QUERY_TIMEOUT_SECONDS=5) or a `kzgov serve` option.

    Attributes:
        layout: the project and its build folder.
        host: the address to listen on.
        port: the port to listen on (0 picks a free one).
        workers: query worker processes (default: the number of cores).
        threads: HTTP threads of each HTTP process (0: one per worker and per queued
            query, plus HTTP_THREADS_FOR_PAGES, so that the queue bound is what
            limits waiting queries).
        http_processes: HTTP processes that read requests and run the pages (default:
            one per core, at most MAX_DEFAULT_HTTP_PROCESSES); they share one pool of
            query workers.
        request_read_seconds: the total time a client has to send a request's head,
            and again its body (408 or a closed connection past it).
        client_requests: the most requests one client (address, or X-API-Key) has in
            progress at once, being read or answered (429 past it).
        query_timeout_seconds: the deadline of one query; past it the worker is killed.
        max_query_bytes: the longest query accepted (413 past it).
        max_result_rows: the most rows a SELECT returns.
        max_result_bytes: the largest serialized result.
        max_pending_queries: queries waiting for a worker before 429.
        worker_memory_growth_mb: a query worker whose own memory grew by more than this
            since it started is replaced by a fresh one after its answer (0: never).
        worker_memory_limit_mb: a query worker whose own memory passes this while it
            runs a query is killed and the query gets 503 (0: half the machine's
            memory shared by the workers, at least 512 MB).
        client_workers: the most queries one client (its address, or its X-API-Key)
            runs at once (0: half the workers, at least 1).
        client_pending: the most queries one client has waiting for a worker (0: a
            quarter of max_pending_queries, at least 1).
        store: the store backend: oxigraph (the default), oxigraph:PATH, memory or
            sparql:URL (see kzgov.store.backends.open_store).
        cache: "on" keeps answers in the result cache and sends ETag and
            Cache-Control; "off" computes every answer afresh and asks clients not
            to reuse one without asking (KZGOV_CACHE=off, --no-cache).
        cache_max_entries: the most answers the result cache keeps.
        cache_max_bytes: the most bytes of answers the result cache keeps.
        cache_max_age_seconds: how long a client may reuse an answer (Cache-Control).
    """

    layout: Layout = field(default_factory=Layout.default)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = field(default_factory=lambda: available_cores())
    threads: int = 0
    http_processes: int = field(
        default_factory=lambda: min(available_cores(), MAX_DEFAULT_HTTP_PROCESSES)
    )
    request_read_seconds: float = REQUEST_READ_SECONDS
    client_requests: int = CLIENT_REQUESTS
    query_timeout_seconds: float = QUERY_TIMEOUT_SECONDS
    max_query_bytes: int = MAX_QUERY_BYTES
    max_result_rows: int = MAX_RESULT_ROWS
    max_result_bytes: int = MAX_RESULT_BYTES
    max_pending_queries: int = MAX_PENDING_QUERIES
    worker_memory_growth_mb: int = WORKER_MEMORY_GROWTH_MB
    worker_memory_limit_mb: int = 0
    client_workers: int = 0
    client_pending: int = 0
    store: str = "oxigraph"
    cache: str = "on"
    cache_max_entries: int = CACHE_MAX_ENTRIES
    cache_max_bytes: int = CACHE_MAX_BYTES
    cache_max_age_seconds: int = CACHE_MAX_AGE_SECONDS

    @property
    def http_threads(self) -> int:
        """The WSGI server's thread count: `threads`, or enough for workers and queue."""
        if self.threads > 0:
            return self.threads
        return max(self.workers, 1) + self.max_pending_queries + HTTP_THREADS_FOR_PAGES

    @property
    def max_request_body_bytes(self) -> int:
        """The largest request body the server reads (a larger one gets 413)."""
        return max(MIN_REQUEST_BODY_BYTES, self.max_query_bytes * REQUEST_BODY_BYTES_PER_QUERY_BYTE)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> ServerConfig:
        """Settings from KZGOV_* environment variables over the defaults.

        Args:
            environ: the environment to read (default: os.environ).

        Returns:
            The settings, not yet checked (see `check`).

        Raises:
            BadSetting: a variable holds a value of the wrong type; the message names it.
        """
        environ = dict(os.environ if environ is None else environ)
        config = cls()
        for item in fields(cls):
            if item.name == "layout":
                continue
            key = f"KZGOV_{item.name.upper()}"
            if key not in environ:
                continue
            current = getattr(config, item.name)
            try:
                setattr(config, item.name, type(current)(environ[key]))
            except ValueError as error:
                expected = TYPE_TO_EXPECTED.get(type(current), type(current).__name__)
                raise bad_setting(key, environ[key], expected) from error
        return config

    def check(self) -> None:
        """Check that every setting is in its range, before the server starts.

        Raises:
            BadSetting: a setting is out of range; the message names it.
        """
        if not 0 <= self.port <= MAX_PORT:
            raise bad_setting("port", self.port, f"a port number from 0 to {MAX_PORT}")
        for name in (
            "workers",
            "threads",
            "worker_memory_growth_mb",
            "worker_memory_limit_mb",
            "client_workers",
            "client_pending",
        ):
            if getattr(self, name) < 0:
                raise bad_setting(name, getattr(self, name), "0 or more")
        if self.request_read_seconds > MAX_REQUEST_READ_SECONDS:
            raise bad_setting(
                "request_read_seconds",
                self.request_read_seconds,
                f"at most {MAX_REQUEST_READ_SECONDS:g} seconds",
            )
        if self.cache not in CACHE_SWITCH:
            raise bad_setting("cache", self.cache, "on or off")
        if self.cache_max_age_seconds < 0:
            raise bad_setting("cache_max_age_seconds", self.cache_max_age_seconds, "0 or more")
        for name in POSITIVE_SETTINGS:
            if not getattr(self, name) > 0:
                raise bad_setting(name, getattr(self, name), "a number above 0")
