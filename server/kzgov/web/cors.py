"""Cross-origin access: the data and the endpoint are public, so any web page may read them."""

from __future__ import annotations

from flask import Flask, Response

# Headers a script on another origin may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "Retry-After, Content-Length"


def allow_any_origin(response: Response) -> Response:
    """Let scripts on any origin read the response (no credentials are ever used)."""
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    response.headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
    return response


def install_cors(app: Flask) -> None:
    """Add the CORS headers to every response of an app."""
    app.after_request(allow_any_origin)
