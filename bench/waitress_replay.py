"""The floor of a Python SPARQL front end on waitress: a bare WSGI app replaying answers.

Usage: python bench/waitress_replay.py --upstream URL --port PORT [--threads N]

A peer of bench/http_peers.py (`waitress-replay`), not a store: it serves the SPARQL
1.1 Protocol's POST form on waitress, with the thread count kzgov's server uses, and
answers each request from a dictionary keyed by the request's query string, `Accept`
header and body; a request it has not seen is forwarded once to the upstream endpoint
(an Oxigraph server on the same build) and its answer kept. Under load every answer
comes from the dictionary, so its throughput is what waitress itself allows a Python
application that does next to nothing: the ceiling of kzgov's result cache, which does
the same behind Flask. It runs until killed.
"""

from __future__ import annotations

import argparse
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any

import waitress

UPSTREAM_TIMEOUT_SECONDS = 120.0
Answer = tuple[str, str, bytes]


def make_app(upstream: str) -> Any:
    """A WSGI app that answers from kept answers, asking `upstream` for new ones."""
    answers: dict[tuple[str, str, bytes], Answer] = {}
    lock = threading.Lock()

    def ask_upstream(query_string: str, accept: str, content_type: str, body: bytes) -> Answer:
        """The upstream's status line, media type and body for one request."""
        url = upstream + (f"?{query_string}" if query_string else "")
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": content_type, "Accept": accept}
        )
        try:
            with urllib.request.urlopen(request, timeout=UPSTREAM_TIMEOUT_SECONDS) as response:
                return "200 OK", response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return f"{error.code} {error.reason}", "text/plain", error.read()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Answer one request from the kept answers (see the module docstring)."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        query_string = environ.get("QUERY_STRING", "")
        accept = environ.get("HTTP_ACCEPT", "")
        key = (query_string, accept, body)
        answer = answers.get(key)
        if answer is None:
            content_type = environ.get("CONTENT_TYPE", "application/sparql-query")
            answer = ask_upstream(query_string, accept, content_type, body)
            if answer[0] == "200 OK":
                with lock:
                    answers[key] = answer
        status, media_type, payload = answer
        start_response(
            status, [("Content-Type", media_type), ("Content-Length", str(len(payload)))]
        )
        return [payload]

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="the SPARQL endpoint that answers first")
    parser.add_argument("--port", type=int, required=True, help="the port of 127.0.0.1 to serve on")
    parser.add_argument("--threads", type=int, default=38, help="waitress threads (default 38)")
    args = parser.parse_args(argv)
    waitress.serve(
        make_app(args.upstream), host="127.0.0.1", port=args.port, threads=args.threads, ident=None
    )


if __name__ == "__main__":
    main()
