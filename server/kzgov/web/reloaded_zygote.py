"""The query workers' zygote of a reloaded release: a new program, never a fork of the server.

At startup the main process of `kzgov serve` is single-threaded when it forks the
query workers' zygote (kzgov.web.executor). By the time of a SIGHUP reload it runs
threads (the dispatcher's, the pools', granian's, the memory sampling). A child forked
then starts with every lock in the state some other thread held it at that instant: a
Python lock with a fork hook (kzgov.core.sparql's parser lock, logging's) makes the
fork itself wait until that thread lets it go, and one without a hook, or one inside a
C library (the allocator, RocksDB, a Rust runtime), stays held for ever in a child
that has no thread to release it. Either way the reload, or the new zygote, could
block for ever.

So the zygote of a reloaded release is started as a new program,
`python -m kzgov.web.reloaded_zygote FD`, by `subprocess` (fork and exec, with no
Python code and no lock taken in between: the one safe way for a multi-threaded
process to start another). It is a child of the main process like the startup zygote,
so it dies with it and the pool waits for it as before. It reads what to serve (the
server's settings naming the pinned release, and the executor's settings) from its
control socket, opens and loads that release's store itself, answers with what the
main process needs to know of the store (`LoadedElsewhere`), warms the parser and
becomes a zygote like the startup one (`run_zygote`): single-threaded, holding
nothing it did not open itself. A release that cannot be loaded gives its message
back, and the reload fails with it, the old release still served. The main process
never forks during a reload; the startup path is unchanged (nothing else runs yet
when the startup zygote is forked, and it shares the loaded store with it).

What a reload costs instead: a fresh interpreter and its imports, about 0.5 s of CPU
and 55 MB resident (`/usr/bin/time -v python -c "import kzgov.web.reloaded_zygote"`),
not shared with the main process: some 20 MB more in all than the forking reload
(`bench/reload_memory.py`, README design notes). The memory store's graph of a
reloaded release is loaded in its zygote only (before, the main process loaded it and
the zygote shared it copy-on-write): the main process no longer holds a copy of any
reloaded release's graph, and the workers share the zygote's copy-on-write as they
always did. The Oxigraph store is opened by each worker, as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from rdflib import URIRef

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError, QueryFailed
from kzgov.core.limits import ResultLimits
from kzgov.core.serialize import QueryAnswer
from kzgov.core.shown_paths import shown_path
from kzgov.core.sparql import ParsedQuery
from kzgov.store.backends import open_store
from kzgov.store.base import QueryDataset, Store
from kzgov.web.executor import (
    ExecutorSettings,
    StartedZygote,
    available_graphs,
    die_with_parent,
    run_zygote,
)
from kzgov.web.large_buffers import map_large_buffers

MODULE = "kzgov.web.reloaded_zygote"
# How long a new zygote has to load its release (the memory store parses the dump).
LOAD_SECONDS = 300.0
# The largest request or reply: the settings, or the graph sizes (a few kilobytes).
MESSAGE_BYTES = 1 << 20

Reply = tuple[object, ...]


@dataclass(frozen=True)
class LoadedElsewhere:
    """What the main process knows of a store its zygote loaded: its sizes and folder.

    It stands for the store in the main process, which only tells the HTTP processes
    about it (kzgov.web.served_releases); the queries run in the workers.
    """

    sizes: Mapping[URIRef, int]
    triples: int
    location: Path | None

    def load(self) -> None:
        """Nothing to load: the zygote has loaded the store."""

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""
        return dict(self.sizes)

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""
        return self.triples

    def answer(
        self,
        parsed: ParsedQuery,
        dataset: QueryDataset,
        media_type: str,
        limits: ResultLimits,
    ) -> QueryAnswer:
        """Never: the store is in the zygote, and queries run in its workers.

        Raises:
            QueryFailed: always.
        """
        raise QueryFailed("this release's store is loaded in its query workers' zygote only")


def zygote_stopped(process: subprocess.Popen[bytes]) -> KzgovError:
    """The error for a new zygote that stopped before it said it had loaded its release."""
    return KzgovError(
        f"the new release's query zygote ({process.pid}) stopped before it loaded the"
        f" release (exit code {process.poll()})"
    )


def zygote_too_slow(process: subprocess.Popen[bytes]) -> KzgovError:
    """The error for a new zygote that did not load its release in time."""
    return KzgovError(
        f"the new release's query zygote ({process.pid}) did not load the release within"
        f" {LOAD_SECONDS:g} s and was stopped"
    )


def start_reloaded_zygote(
    config: ServerConfig, settings: ExecutorSettings
) -> tuple[StartedZygote, LoadedElsewhere]:
    """Start a zygote as a new program and have it load the release `config` names.

    Args:
        config: the server's settings, their layout naming the release pinned.
        settings: the executor's settings.

    Returns:
        The running zygote (for kzgov.web.executor.WorkerPool) and what it loaded.

    Raises:
        KzgovError: the release cannot be loaded (the zygote's own message), or the
            zygote stopped or did not answer within LOAD_SECONDS; it is stopped.
    """
    # Datagrams keep each request and reply whole, and can carry a worker's socket.
    server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # This interpreter finds kzgov where this process found it.
    package_parent = str(Path(__file__).resolve().parents[2])
    search_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    try:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
            [sys.executable, "-m", MODULE, str(zygote_end.fileno())],
            stdin=subprocess.DEVNULL,
            pass_fds=[zygote_end.fileno()],
            env={**os.environ, "PYTHONPATH": search_path},
        )
    except BaseException:
        server_end.close()
        raise
    finally:
        zygote_end.close()
    try:
        server_end.settimeout(LOAD_SECONDS)
        server_end.sendall(pickle.dumps((config, settings)))
        message = server_end.recv(MESSAGE_BYTES)
        if not message:
            raise zygote_stopped(process)
        reply: Reply = pickle.loads(message)  # noqa: S301 - our own child's reply
        if reply[0] != "ready":
            raise KzgovError(str(reply[1]))
        _tag, sizes, triples, location = reply
    except BaseException as error:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait()
        server_end.close()
        if isinstance(error, TimeoutError):
            raise zygote_too_slow(process) from error
        if isinstance(error, (OSError, EOFError, pickle.UnpicklingError)):
            raise zygote_stopped(process) from error
        raise
    facts = LoadedElsewhere(
        sizes={URIRef(str(name)): int(size) for name, size in dict(sizes).items()},  # type: ignore[call-overload]
        triples=int(triples),  # type: ignore[call-overload]
        location=Path(str(location)) if location is not None else None,
    )
    return StartedZygote(pid=process.pid, control=server_end, process=process), facts


def loaded_reply(config: ServerConfig) -> tuple[Reply, Store | None]:
    """Open and load the store `config` names: the reply to the server, and the store."""
    try:
        store = open_store(config.store, config.layout, config.query_timeout_seconds)
        store.load()
        location = getattr(store, "location", None)
        sizes = {str(name): size for name, size in store.graph_sizes().items()}
        where = str(location) if isinstance(location, Path) else None
        return ("ready", sizes, store.triple_count(), where), store
    except KzgovError as error:
        return ("error", str(error)), None
    except Exception as error:  # the server must hear of it, not wait
        return ("error", f"the new release cannot be loaded: {without_paths(error, config)}"), None


def without_paths(error: Exception, config: ServerConfig) -> str:
    """An unexpected error's kind and message, the build's folders shown relative."""
    text = f"{type(error).__name__}: {error}"
    for folder in (config.layout.served_release, config.layout.build_dir):
        if folder is not None:
            text = text.replace(str(folder), shown_path(folder))
    return text


def main(arguments: Sequence[str]) -> NoReturn:
    """Be the zygote of a reloaded release, on the control socket whose number is given."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when to stop
    control = socket.socket(fileno=int(arguments[0]))
    die_with_parent()
    map_large_buffers()  # as the main process does before it forks the startup zygote
    try:
        config, settings = pickle.loads(control.recv(MESSAGE_BYTES))  # noqa: S301 - our parent's
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        os._exit(1)
    reply, store = loaded_reply(config)
    try:
        control.sendall(pickle.dumps(reply))
    except OSError:
        os._exit(1)
    if reply[0] != "ready" or store is None:
        os._exit(1)
    run_zygote(control, store, available_graphs(store), settings)


if __name__ == "__main__":
    main(sys.argv[1:])
