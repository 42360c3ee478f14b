"""Who is asking: the client a query is counted against for fair admission.

A client is its API key when the request carries one (header `X-API-Key`, for several
users behind one address), else its address. The pool of query workers
(kzgov.web.executor.WorkerPool) bounds how many queries one client runs at once and
how many it has waiting, so that one client's heavy queries cannot starve another's
light ones. Keys are not checked: they only separate clients that share an address;
the server-wide queue bound holds whatever keys are sent.

The client of the request being served is kept in a context variable, set before each
request, so that every query a request runs (the endpoint's, or a page's) counts
against it without passing it through each call.
"""

from __future__ import annotations

from contextvars import ContextVar

from flask import Flask, request

API_KEY_HEADER = "X-API-Key"
# Longer keys are cut: a key is a name, and names are kept while their queries wait.
MAX_KEY_CHARACTERS = 128
UNKNOWN_CLIENT = "-"

CURRENT_CLIENT: ContextVar[str] = ContextVar("kzgov_client", default=UNKNOWN_CLIENT)


def client_of(remote_address: str | None, api_key: str | None) -> str:
    """The client a request counts against: `key:KEY` if it has an API key, else its address."""
    if api_key and api_key.strip():
        return "key:" + api_key.strip()[:MAX_KEY_CHARACTERS]
    return "address:" + (remote_address or UNKNOWN_CLIENT)


def current_client() -> str:
    """The client of the request being served (UNKNOWN_CLIENT outside a request)."""
    return CURRENT_CLIENT.get()


def install_client_identity(app: Flask) -> None:
    """Set the current client before each request of an app."""

    @app.before_request
    def remember_client() -> None:
        CURRENT_CLIENT.set(client_of(request.remote_addr, request.headers.get(API_KEY_HEADER)))
