"""Serving the app with waitress, the production WSGI server, and stopping its workers cleanly."""

from __future__ import annotations

import errno
import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

import waitress.server

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError
from kzgov.store.base import Store, release_or_fail
from kzgov.web.reload import ReloadingApp

Announce = Callable[[str], None]


def to_stdout(message: str) -> None:
    """Print a line on standard output at once (a supervisor may be reading it)."""
    print(message, flush=True)


def stop_on_signal(signum: int, _frame: FrameType | None) -> NoReturn:
    """Turn SIGTERM into the same orderly stop as Ctrl-C."""
    raise SystemExit(128 + signum)


def cannot_listen(host: str, port: int, error: OSError) -> KzgovError:
    """The error for an address the server cannot listen on (most often: the port is taken)."""
    if error.errno == errno.EADDRINUSE:
        return KzgovError(
            f"port {port} on {host} is already in use: stop what listens there, or choose"
            " another port with --port (0 picks a free one)"
        )
    return KzgovError(f"cannot listen on {host} port {port}: {error.strerror or error}")


def configure_logging() -> None:
    """Send the access log and the server's warnings to standard error."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def serve(config: ServerConfig, announce: Announce = to_stdout) -> None:
    """Load the build, start the query workers and serve HTTP until stopped.

    Ctrl-C (SIGINT) and SIGTERM stop the server; the query workers stop with it. SIGHUP
    serves the current build if it is newer than the one served
    (`kzgov.web.reload.ReloadingApp`), without a restart and without refusing a request.

    Args:
        config: what to serve, where, and with which limits.
        announce: where to say where the server listens (default: standard output).

    Raises:
        BadSetting: a setting is out of range.
        MissingBuild: there is no build to serve.
    """
    config.check()
    configure_logging()
    reloading = ReloadingApp(config)
    app = reloading.app
    try:
        try:
            server = waitress.server.create_server(
                reloading,
                host=config.host,
                port=config.port,
                threads=config.http_threads,
                ident="kzgov",
                max_request_body_size=config.max_request_body_bytes,
            )
        except OSError as error:
            raise cannot_listen(config.host, config.port, error) from error
        store: Store = app.extensions["kzgov.store"]
        port = getattr(server, "effective_port", config.port)
        workers = f"{config.workers} query worker{'s' if config.workers != 1 else ''}"
        if config.workers <= 0:
            workers = "queries in-process (no deadline)"
        graphs = len(store.graph_sizes())
        host = f"[{config.host}]" if ":" in config.host else config.host
        previous = signal.signal(signal.SIGTERM, stop_on_signal)
        previous_hangup = signal.signal(signal.SIGHUP, reloading.reload_on_signal)
        try:
            # Said once the signals are handled: a supervisor may send SIGHUP at once.
            announce(
                f"kzgov: serving {store.triple_count()} triples in {graphs} graphs from"
                f" {release_or_fail(app.extensions['kzgov.config'].layout)} on http://{host}:{port}/sparql"
                f" ({workers}, {config.http_threads} HTTP threads,"
                f" deadline {config.query_timeout_seconds:g} s, store {config.store},"
                f" result cache {config.cache})"
            )
            server.run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGHUP, previous_hangup)
            server.close()
    finally:
        reloading.close()
