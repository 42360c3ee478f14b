"""Serving a newer release without a restart: one app per release, swapped on SIGHUP.

`ReloadingApp` is the WSGI callable the HTTP server runs. It hands each request, whole,
to the app of one release (`kzgov.web.app.create_app`: its pin, store, query workers
and caches). `reload()` builds the app of the current release beside the old one,
then swaps the reference: a request runs on the old app or on the new one, never on a
mix, and none is refused. The old app is closed (its workers stopped and its release
unpinned, so that a later build may prune it) once its last request has finished.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from flask import Flask
from werkzeug.wsgi import ClosingIterator

from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError
from kzgov.core.release import current_release
from kzgov.web.app import close_app, create_app
from kzgov.web.executor import WorkerPool

log = logging.getLogger("kzgov.reload")

# How long a replaced app may keep answering its last requests before it is closed.
DRAIN_SECONDS_BEYOND_DEADLINE = 30.0
DRAIN_POLL_SECONDS = 0.05

StartResponse = Callable[..., Any]


class ReloadingApp:
    """The WSGI app of the release served now, replaced by `reload()`."""

    def __init__(self, config: ServerConfig) -> None:
        """Create the app of the current release.

        Raises:
            MissingBuild: there is no build.
        """
        self.config = config
        self.app = create_app(config)
        self.in_flight: dict[int, int] = {}
        self.counting = threading.Lock()
        self.reloading = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request on the current app."""
        with self.counting:
            app = self.app
            self.in_flight[id(app)] = self.in_flight.get(id(app), 0) + 1
        try:
            body = app(environ, start_response)
        except BaseException:
            self.finished(app)
            raise
        return ClosingIterator(body, lambda: self.finished(app))

    def finished(self, app: Flask) -> None:
        """Count a request of an app as done (its body has been sent)."""
        with self.counting:
            self.in_flight[id(app)] -= 1

    def busy(self, app: Flask) -> int:
        """How many requests an app is still answering."""
        with self.counting:
            return self.in_flight.get(id(app), 0)

    def reload(self) -> bool:
        """Serve the current release, if it is not the one served; close the old app later.

        Call it from the main thread (the SIGHUP handler runs there): the new query
        workers are forked from the calling thread, and Linux stops them when the thread
        that forked them ends. Requests keep being answered by the old app meanwhile.

        Returns:
            Whether a newer release is now served.

        Raises:
            KzgovError: the new release cannot be served (the old one stays).
        """
        with self.reloading:
            served = self.app.extensions["kzgov.config"].layout.served_release
            if current_release(self.config.layout.build_dir) == served:
                log.info("reload: release %s is already served", served.name if served else "?")
                return False
            app = create_app(self.config)  # kzgov.core.sparql keeps its lock fork-safe
            with self.counting:
                old, self.app = self.app, app
        release = app.extensions["kzgov.config"].layout.served_release
        log.info("reload: serving release %s", release.name if release else "?")
        threading.Thread(target=self.retire, args=(old,), name="kzgov-retire", daemon=True).start()
        return True

    def retire(self, old: Flask) -> None:
        """Close an app once its requests are done (or after a bound)."""
        deadline = time.monotonic() + self.config.query_timeout_seconds
        deadline += DRAIN_SECONDS_BEYOND_DEADLINE
        while self.busy(old) > 0 and time.monotonic() < deadline:
            time.sleep(DRAIN_POLL_SECONDS)
        # The new app's zygote was forked while the old one's control socket was open, and
        # holds a copy: the old zygote would never see the hang-up, so it is stopped here.
        executor = old.extensions["kzgov.uncached_executor"]
        if isinstance(executor, WorkerPool):
            with contextlib.suppress(ProcessLookupError):
                os.kill(executor.zygote_pid, signal.SIGTERM)
        close_app(old)
        with self.counting:
            self.in_flight.pop(id(old), None)

    def reload_on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        """The SIGHUP handler: reload, logging a failure (the old release stays served)."""
        try:
            self.reload()
        except KzgovError as error:
            log.error("reload failed, still serving the previous release: %s", error)
        except Exception:  # a signal handler must not stop the server's loop
            log.exception("reload failed, still serving the previous release")

    def close(self) -> None:
        """Close the current app."""
        close_app(self.app)
