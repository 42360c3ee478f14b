"""The releases the main process of `kzgov serve` serves: one current, old ones draining.

The main process owns the store: it pins the current release (`kzgov.core.release`:
builds never prune a pinned release), loads it and forks its query workers' zygote
(kzgov.web.executor) while it is still single-threaded. On SIGHUP (granian's reload, run
in the main thread) `reload()` pins the newer release and starts its zygote as a new
program that loads the release itself (kzgov.web.reloaded_zygote: by then the main
process runs threads, and must not fork), then switches: a query runs on the release
its HTTP process serves while that release is served, else on the current one, and
each query runs whole on one release.
granian then replaces the HTTP processes with ones that serve the new release; once the
old ones are gone, `retire()` waits for the old release's last query, stops its workers
and lets its pin go.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError, MissingBuild
from kzgov.core.release import ReleasePin, current_release, pin_current_release
from kzgov.store.backends import open_store
from kzgov.store.base import Store
from kzgov.web.dispatcher import KnownFacts
from kzgov.web.executor import Executor, ExecutorSettings, WorkerPool, start_executor
from kzgov.web.reloaded_zygote import start_reloaded_zygote
from kzgov.web.result_cache import CachingExecutor, result_cache_of

log = logging.getLogger("kzgov.reload")

# How long a replaced release may keep answering its last queries before it is closed.
DRAIN_SECONDS_BEYOND_DEADLINE = 30.0
DRAIN_POLL_SECONDS = 0.05


@dataclasses.dataclass
class ServedRelease:
    """One pinned, loaded release with its query workers."""

    config: ServerConfig  # its layout names the release (served_release)
    pin: ReleasePin
    store: Store
    uncached: Executor
    executor: Executor  # behind the result cache when the cache is on
    in_flight: int = 0

    @property
    def name(self) -> str:
        """The release folder's name."""
        return self.pin.path.name

    def facts(self) -> KnownFacts:
        """What the HTTP processes need to know of the store."""
        location = getattr(self.store, "location", None)
        return KnownFacts(
            sizes=dict(self.store.graph_sizes()),
            triples=self.store.triple_count(),
            location=location if isinstance(location, Path) else None,
        )

    def close(self) -> None:
        """Stop the workers and let the release go."""
        try:
            self.uncached.close()
        finally:
            self.pin.close()


def pinned(config: ServerConfig) -> tuple[ServerConfig, ReleasePin]:
    """Pin the current release; the settings naming it as the served release, and the pin.

    Raises:
        MissingBuild: there is no build.
    """
    pin = pin_current_release(config.layout.build_dir)
    if pin is None:
        raise MissingBuild(str(config.layout.build_dir))
    served = dataclasses.replace(config.layout, served_release=pin.path)
    return dataclasses.replace(config, layout=served), pin


def pin_and_start(config: ServerConfig) -> tuple[ServerConfig, ReleasePin, Store, Executor]:
    """Pin the current release, load it and start its query workers.

    Returns:
        The settings naming the pinned release, the pin, the loaded store and its
        executor (no result cache in front); on an error the pin is let go.

    Raises:
        MissingBuild: there is no build.
        KzgovError: the release cannot be loaded.
    """
    config, pin = pinned(config)
    try:
        store = open_store(config.store, config.layout, config.query_timeout_seconds)
        store.load()
        executor: Executor = start_executor(store, ExecutorSettings.from_config(config))
    except BaseException:
        pin.close()
        raise
    return config, pin, store, executor


def pin_and_start_afresh(config: ServerConfig) -> tuple[ServerConfig, ReleasePin, Store, Executor]:
    """`pin_and_start`, the store loaded by a zygote started as a new program.

    For a process that runs threads and so must not fork (kzgov.web.reloaded_zygote);
    without worker processes the store is loaded here, as by `pin_and_start`.

    Raises:
        MissingBuild: there is no build.
        KzgovError: the release cannot be loaded.
    """
    settings = ExecutorSettings.from_config(config)
    if settings.workers <= 0:
        return pin_and_start(config)
    config, pin = pinned(config)
    try:
        zygote, store = start_reloaded_zygote(config, settings)
        executor: Executor = WorkerPool(store, settings, zygote)
    except BaseException:
        pin.close()
        raise
    return config, pin, store, executor


def open_current(config: ServerConfig, afresh: bool = False) -> ServedRelease:
    """Pin, load and start the workers of the current release.

    Args:
        config: the server's settings.
        afresh: start the zygote as a new program (`pin_and_start_afresh`), not a fork.

    Raises:
        MissingBuild: there is no build.
        KzgovError: the release cannot be loaded.
    """
    config, pin, store, uncached = (pin_and_start_afresh if afresh else pin_and_start)(config)
    executor = uncached
    if config.cache == "on":  # one result cache for the whole server, before the pool
        executor = CachingExecutor(uncached, result_cache_of(config))
    return ServedRelease(config, pin, store, uncached, executor)


class ServedReleases:
    """The current release and the replaced ones still answering their last queries."""

    def __init__(self, config: ServerConfig) -> None:
        """Serve the current release.

        Raises:
            MissingBuild: there is no build.
        """
        self.config = config
        self.current = open_current(config)
        self.by_name: dict[str, ServedRelease] = {self.current.name: self.current}
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def job(self, release: str, cached: bool) -> Iterator[Executor]:
        """The executor for one query of an HTTP process serving a release."""
        with self.lock:
            served = self.by_name.get(release, self.current)
            served.in_flight += 1
        try:
            yield served.executor if cached else served.uncached
        finally:
            with self.lock:
                served.in_flight -= 1

    def reload(self) -> ServedRelease | None:
        """Serve the current release if it is not the one served (call from the main thread).

        Returns:
            The release replaced (to `retire` once no HTTP process serves it), or None.

        Raises:
            KzgovError: the new release cannot be served (the old one stays).
        """
        served = self.current.pin.path
        if current_release(self.config.layout.build_dir) == served:
            log.info("reload: release %s is already served", served.name)
            return None
        new = open_current(self.config, afresh=True)  # this process must not fork now
        with self.lock:
            old, self.current = self.current, new
            self.by_name[new.name] = new
        log.info("reload: serving release %s", new.name)
        return old

    def reload_or_log(self) -> ServedRelease | None:
        """`reload`, logging a failure (the old release stays served)."""
        try:
            return self.reload()
        except KzgovError as error:
            log.error("reload failed, still serving the previous release: %s", error)
        except Exception:  # the server's loop must go on
            log.exception("reload failed, still serving the previous release")
        return None

    def retire(self, old: ServedRelease) -> None:
        """Close a replaced release once its queries are done (or after a bound)."""
        deadline = time.monotonic() + self.config.query_timeout_seconds
        deadline += DRAIN_SECONDS_BEYOND_DEADLINE
        while time.monotonic() < deadline:
            with self.lock:
                if old.in_flight == 0:
                    self.by_name.pop(old.name, None)
                    break
            time.sleep(DRAIN_POLL_SECONDS)
        with self.lock:
            self.by_name.pop(old.name, None)
        # A process forked while the old zygote's control socket was open holds a copy,
        # and the old zygote would never see the hang-up: it is stopped here.
        if isinstance(old.uncached, WorkerPool):
            with contextlib.suppress(ProcessLookupError):
                os.kill(old.uncached.zygote_pid, signal.SIGTERM)
        old.close()

    def close(self) -> None:
        """Close every release still served."""
        with self.lock:
            releases = list(self.by_name.values())
            self.by_name.clear()
        for served in releases:
            served.close()
