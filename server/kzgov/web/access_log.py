"""One access-log line per request: method, path, status, duration and the query's hash."""

from __future__ import annotations

import hashlib
import logging
import time

from flask import Flask, Response, g, request

ACCESS_LOGGER = "kzgov.access"
QUERY_HASH_CHARACTERS = 12

log = logging.getLogger(ACCESS_LOGGER)


def query_fingerprint(text: str | None) -> str:
    """A short SHA-256 prefix that tells queries apart in the log without logging them."""
    if text is None:
        return "-"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:QUERY_HASH_CHARACTERS]


def start_timer() -> None:
    """Note when the request started."""
    g.request_started = time.perf_counter()


def log_request(response: Response) -> Response:
    """Write the request's line to the `kzgov.access` logger.

    A view that runs a query sets `g.query_text` so that its hash is logged.
    """
    started = g.get("request_started", time.perf_counter())
    milliseconds = (time.perf_counter() - started) * 1000
    log.info(
        "%s %s %d %.1fms query=%s",
        request.method,
        request.path,
        response.status_code,
        milliseconds,
        query_fingerprint(g.get("query_text")),
    )
    return response


def install_access_log(app: Flask) -> None:
    """Log every request of an app, whatever blueprint serves it."""
    app.before_request(start_timer)
    app.after_request(log_request)
