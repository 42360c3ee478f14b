"""Serving the app: granian's HTTP processes in front, one pool of query workers behind.

The main process loads the build, forks the query workers' zygote (kzgov.web.executor)
and listens for queries on a private Unix socket (kzgov.web.dispatcher). granian, a
production HTTP server written in Rust, then runs `--http-processes` HTTP processes
that read requests asynchronously (kzgov.web.front) and hand every query to that one
pool. SIGINT and SIGTERM stop granian, then the pool; SIGHUP serves the newer release
(`ReloadingServer`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import multiprocessing
import os
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from granian.constants import HTTPModes, Interfaces, Loops, RuntimeModes
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import MPServer

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError
from kzgov.core.shown_paths import shown_path
from kzgov.store.base import release_or_fail
from kzgov.web.dispatcher import KnownFacts, QueryDispatcher
from kzgov.web.front import FRONT_SETTINGS, FrontSettings, front_settings_text
from kzgov.web.large_buffers import map_large_buffers
from kzgov.web.served_releases import ServedRelease, ServedReleases

Announce = Callable[[str], None]

FRONT_TARGET = "kzgov.web.rsgi_front:rsgi_app"
# How long the server waits for its HTTP processes to listen before it gives up.
START_SECONDS = 60.0
# Enough file descriptors for many slow connections (each costs one).
WANTED_OPEN_FILES = 65_536
# Connections the kernel holds for the HTTP processes before they accept them.
BACKLOG = 4096
# Seconds past the longest answer in flight that an HTTP process has to stop.
HTTP_PROCESS_STOP_MARGIN_SECONDS = 5


class CannotListen(KzgovError):
    """The address and port cannot be listened on."""


def cannot_listen(host: str, port: int, error: OSError) -> CannotListen:
    """The error for an address the server cannot listen on (most often: the port is taken)."""
    if error.errno == errno.EADDRINUSE:
        return CannotListen(
            f"port {port} on {host} is already in use: stop what listens there, or choose"
            " another port with --port (0 picks a free one)"
        )
    return CannotListen(f"cannot listen on {host} port {port}: {error.strerror or error}")


def to_stdout(message: str) -> None:
    """Print a line on standard output at once (a supervisor may be reading it)."""
    print(message, flush=True)


def configure_logging() -> None:
    """Send the access log and the server's warnings to standard error."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def raise_open_file_limit() -> None:
    """Raise this process's open-file limit towards its hard limit (for many sockets)."""
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = (
            WANTED_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, WANTED_OPEN_FILES)
        )
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@contextlib.contextmanager
def reserved_port(host: str, port: int) -> Iterator[int]:
    """The port to listen on, held until the HTTP processes listen on it.

    Port 0 picks a free port; a socket bound to it with SO_REUSEPORT (which granian's
    listeners also use) keeps it from being taken meanwhile. A given port is checked
    to be free with an ordinary bind, so that two servers never share one.

    Raises:
        CannotListen: the port is taken or the address is not this machine's.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    holder = socket.socket(family, socket.SOCK_STREAM)
    try:
        try:
            if port == 0:
                holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            holder.bind((host, port))
        except OSError as error:
            raise cannot_listen(host, port, error) from error
        chosen = int(holder.getsockname()[1])
        if port != 0:
            holder.close()
        yield chosen
    finally:
        holder.close()


def wait_until_listening(host: str, port: int, server: MPServer) -> bool:
    """Whether the HTTP processes accept connections on the port before START_SECONDS."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and not server.interrupt_signal:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1.0):
            return True
        time.sleep(0.05)
    return False


def http_processes(config: ServerConfig) -> int:
    """The number of HTTP processes."""
    return max(1, config.http_processes)


def announcement(config: ServerConfig, store: KnownFacts, port: int) -> str:
    """The line that says what is served, where, and with which limits."""
    workers = f"{config.workers} query worker{'s' if config.workers != 1 else ''}"
    if config.workers <= 0:
        workers = "queries in-process (no deadline)"
    processes = http_processes(config)
    host = f"[{config.host}]" if ":" in config.host else config.host
    return (
        f"kzgov: serving {store.triple_count()} distinct triples"
        f" ({sum(store.graph_sizes().values())} quads over {len(store.graph_sizes())} graphs)"
        f" from {shown_path(release_or_fail(config.layout))} on http://{host}:{port}/sparql"
        f" ({workers}, {processes} HTTP process{'es' if processes != 1 else ''}"
        f" of {config.http_threads} HTTP threads,"
        f" deadline {config.query_timeout_seconds:g} s, store {config.store},"
        f" result cache {config.cache})"
    )


class ReloadingServer(MPServer):
    """granian, whose SIGHUP also moves the main process to the newer release.

    granian handles SIGHUP in its main loop, in the main thread (the new query workers'
    zygote is forked from there): the kzgov release is reloaded first, then granian
    replaces its HTTP processes one by one, and the old release is retired once the
    last HTTP process serving it has stopped.
    """

    def __init__(
        self,
        settings: dict[str, Any],
        releases: ServedReleases,
        tell: Callable[[ServedRelease], None],
    ) -> None:
        """A granian server with the given settings, reloading `releases` on SIGHUP."""
        super().__init__(FRONT_TARGET, **settings)
        self.kzgov_releases = releases
        self.kzgov_tell = tell

    def _reload(self, spawn_target: Any, target_loader: Any) -> Any:
        old = self.kzgov_releases.reload_or_log()
        if old is None:  # nothing newer (or it failed): the HTTP processes stay
            self.reload_signal = False
            self.main_loop_interrupt.clear()
            return None
        try:
            self.kzgov_tell(self.kzgov_releases.current)
            return super()._reload(spawn_target, target_loader)  # type: ignore[no-untyped-call]
        finally:
            self.kzgov_releases.retire(old)


def granian_settings(config: ServerConfig, port: int) -> dict[str, Any]:
    """The settings for granian to run the HTTP processes on a port."""
    return dict(
        address=config.host,
        port=port,
        interface=Interfaces.RSGI,
        workers=http_processes(config),
        runtime_mode=RuntimeModes.st,
        loop=Loops.asyncio,
        http=HTTPModes.http1,
        backlog=BACKLOG,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(config.request_read_seconds * 1000),
            keep_alive=True,
        ),
        log_enabled=True,
        log_level=LogLevels.warning,
        factory=True,
        respawn_failed_workers=True,
        workers_kill_timeout=http_process_stop_seconds(config),
    )


def http_process_stop_seconds(config: ServerConfig) -> int:
    """How long granian waits for an HTTP process to stop before it kills it.

    Without a bound, an HTTP process that never ends (granian issue #875: a worker stuck
    at the end of its shutdown) keeps `kzgov serve` from ever stopping. The bound also
    applies to the old HTTP processes of a SIGHUP reload, so it leaves room for the
    longest answer in flight: a request's head and body read, then the query's deadline.
    """
    longest = 2 * config.request_read_seconds + config.query_timeout_seconds
    return math.ceil(longest) + HTTP_PROCESS_STOP_MARGIN_SECONDS


def serve(config: ServerConfig, announce: Announce = to_stdout) -> None:
    """Load the build, start the query workers and serve HTTP until stopped.

    Ctrl-C (SIGINT) and SIGTERM stop the server; the query workers stop with it. SIGHUP
    serves the current build if it is newer than the one served
    (`kzgov.web.served_releases`, then granian replaces its HTTP processes), without a
    restart and without refusing a request.

    Args:
        config: what to serve, where, and with which limits.
        announce: where to say where the server listens (default: standard output).

    Raises:
        BadSetting: a setting is out of range.
        MissingBuild: there is no build to serve.
        CannotListen: the address and port cannot be listened on.
    """
    config.check()
    configure_logging()
    raise_open_file_limit()
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(reserved_port(config.host, config.port))  # fail fast
        serve_on(config, port, announce)


def serve_on(config: ServerConfig, port: int, announce: Announce) -> None:
    """Load the build, start the workers and run granian on a reserved port until stopped."""
    # Before the store is loaded and the zygote forked, so that every process of the
    # server (the HTTP processes set it for themselves) hands large answers back.
    map_large_buffers()
    releases = ServedReleases(config)
    folder = Path(tempfile.mkdtemp(prefix="kzgov-serve-"))
    dispatcher = QueryDispatcher(releases, folder)
    try:
        front = FrontSettings(
            body_seconds=config.request_read_seconds,
            max_body_bytes=config.max_request_body_bytes,
            # Each HTTP process keeps its own count: the share is split between them.
            client_requests=max(1, math.ceil(config.client_requests / http_processes(config))),
            threads=config.http_threads,
        )

        def tell_http_processes(served: ServedRelease) -> None:
            # HTTP processes started from now on serve this release.
            os.environ[FRONT_SETTINGS] = front_settings_text(
                served.config, front, served.facts(), dispatcher.address, dispatcher.authkey
            )

        tell_http_processes(releases.current)
        # HTTP processes start afresh: none inherits the loaded store or these threads.
        multiprocessing.set_start_method("spawn", force=True)
        server = ReloadingServer(granian_settings(config, port), releases, tell_http_processes)

        def announce_when_listening() -> None:
            # granian handles SIGINT, SIGTERM and SIGHUP before its HTTP processes listen.
            if wait_until_listening(config.host, port, server):
                current = releases.current
                announce(announcement(current.config, current.facts(), port))

        threading.Thread(target=announce_when_listening, daemon=True).start()
        server.serve()
    finally:
        os.environ.pop(FRONT_SETTINGS, None)
        dispatcher.close()
        releases.close()
        shutil.rmtree(folder, ignore_errors=True)
