"""/explain's commonest request answered without Flask: a triple's proof as JSON.

Most requests to /explain are one shape: `GET /explain?s=&p=&o=` with
`Accept: application/json` (a script, or bench/http_latency.py --explain). Through Flask
such a request costs the request context, the hooks, content negotiation and a
response object around the proof search, about a tenth of its CPU. The HTTP process
(kzgov.web.front) asks `wanted` on its event loop whether a request is of exactly that
shape, then runs `answer` in one of its threads: the search takes its turn as under
Flask (kzgov.web.explain_turns), and the answer carries the same status, headers and
body as Flask's (tests/test_explain_direct.py compares them) and writes the same
access-log line, marked `direct`. Anything else (another Accept, `format=`, another
parameter, a compressed or conditional request, a store read by SPARQL, a triple that
is not in the dataset or has no derivation, any error) is answered by Flask unchanged.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import MutableMapping
from typing import Any

from flask import Flask

from kzgov.reasoning.explain import Explainer, parse_triple, proof_json
from kzgov.web.cors import EXPOSED_HEADERS
from kzgov.web.direct_answers import PLAIN_ENCODINGS, DirectAnswers
from kzgov.web.explain import EXPLAINER_KEY, TURNS_KEY
from kzgov.web.explain_turns import Turns
from kzgov.web.pages import JSON, SECURITY_HEADERS, content_type_header

quiet = logging.getLogger("kzgov.direct")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Asked = tuple[str, str, str]

EXPLAIN_PATH = "/explain"
# The parameters of the one shape answered here, each given once.
PARAMETERS = ("o", "p", "s")
# The one Accept answered here, the encodings that mean none, and conditional requests.
JSON_BYTES = JSON.encode("ascii")
PLAIN_BYTES = frozenset(encoding.encode("ascii") for encoding in PLAIN_ENCODINGS)
CONDITIONS = frozenset({b"if-none-match", b"if-modified-since"})


class DirectExplanations:
    """Answers `GET /explain?s=&p=&o=` as JSON without Flask (see the module).

    Attributes:
        app: the Flask app, whose explainer and turns (kzgov.web.explain) are used.
        after: the headers every answer ends with, as Flask's hooks add them.
    """

    def __init__(self, app: Flask) -> None:
        """Answer with an app's explainer, once it has made one."""
        self.app = app
        self.after = [
            *(
                (name.lower().encode("ascii"), value.encode("ascii"))
                for name, value in SECURITY_HEADERS.items()
            ),
            (b"access-control-allow-origin", b"*"),
            (b"access-control-expose-headers", EXPOSED_HEADERS.encode("ascii")),
        ]

    def wanted(self, scope: Scope) -> Asked | None:
        """The s, p and o asked, if a complete request is of the shape answered here."""
        if scope.get("method") != "GET" or scope.get("path") != EXPLAIN_PATH:
            return None
        if scope.get("root_path"):
            return None
        accept, encoding = [], []
        for raw_name, raw_value in scope.get("headers", ()):
            name = bytes(raw_name).lower()
            if name == b"accept":
                accept.append(bytes(raw_value))
            elif name == b"accept-encoding":
                encoding.append(bytes(raw_value))
            elif name in CONDITIONS:
                return None
        if len(accept) != 1 or accept[0].strip() != JSON_BYTES:
            return None
        if len(encoding) > 1 or (encoding and encoding[0].strip().lower() not in PLAIN_BYTES):
            return None
        query_string = bytes(scope.get("query_string", b"")).decode("latin-1")
        try:
            fields = urllib.parse.parse_qsl(
                query_string, keep_blank_values=True, strict_parsing=True
            )
        except ValueError:
            return None
        if tuple(sorted(name for name, _value in fields)) != PARAMETERS:
            return None
        values = dict(fields)
        return values["s"], values["p"], values["o"]

    def answer(self, asked: Asked, started: float) -> list[Message] | None:
        """The JSON proof of the triple asked (run in a thread), or None for Flask to answer."""
        extensions = self.app.extensions
        finder: Explainer | None = extensions.get(EXPLAINER_KEY)
        turns: Turns | None = extensions.get(TURNS_KEY)
        if finder is None or turns is None:
            return None  # not made yet, or a store read by SPARQL: Flask's path
        try:
            triple = parse_triple(*(value.strip() for value in asked))
            proof = turns.run(lambda: finder.explain(triple))
            body = json.dumps(proof_json(proof), ensure_ascii=False).encode("utf-8")
        except Exception as error:  # a bad term, no such triple...: Flask says what is wrong
            quiet.debug("/explain left to Flask: %s", error)
            return None
        headers = [
            (b"content-type", content_type_header(JSON).encode("ascii")),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"vary", b"Accept, Accept-Encoding"),
            *self.after,
        ]
        DirectAnswers.log("GET", EXPLAIN_PATH, 200, started, "-", "direct")
        return [
            {"type": "http.response.start", "status": 200, "headers": headers},
            {"type": "http.response.body", "body": body, "more_body": False},
        ]
