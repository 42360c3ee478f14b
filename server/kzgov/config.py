"""The server's settings: defaults, command-line options and KZGOV_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from kzgov.layout import Layout

QUERY_TIMEOUT_SECONDS = 10.0
MAX_QUERY_BYTES = 100 * 1024
MAX_RESULT_ROWS = 10_000
MAX_RESULT_BYTES = 50 * 1024 * 1024
MAX_PENDING_QUERIES = 32
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


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
        threads: HTTP threads of the WSGI server.
        query_timeout_seconds: the deadline of one query; past it the worker is killed.
        max_query_bytes: the longest query accepted (413 past it).
        max_result_rows: the most rows a SELECT returns.
        max_result_bytes: the largest serialized result.
        max_pending_queries: queries waiting for a worker before 429.
        store: the store backend ("memory").
    """

    layout: Layout = field(default_factory=Layout.default)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    threads: int = 8
    query_timeout_seconds: float = QUERY_TIMEOUT_SECONDS
    max_query_bytes: int = MAX_QUERY_BYTES
    max_result_rows: int = MAX_RESULT_ROWS
    max_result_bytes: int = MAX_RESULT_BYTES
    max_pending_queries: int = MAX_PENDING_QUERIES
    store: str = "memory"

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> ServerConfig:
        """Settings from KZGOV_* environment variables over the defaults.

        Raises:
            ValueError: a variable holds a value of the wrong type; the message names it.
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
                raise ValueError(f"{key}={environ[key]!r}: expected a {type(current).__name__}") from error
        return config
