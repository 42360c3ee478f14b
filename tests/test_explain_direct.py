"""/explain's JSON answered without Flask (kzgov.web.explain_direct).

`GET /explain?s=&p=&o=` with `Accept: application/json` is answered in a thread of the
HTTP process without Flask when the server reads the Oxigraph store in place; any other
request to /explain goes through Flask. Either way the client gets the same status,
headers and body, and the access log says which way it went.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from conftest import HttpResponse, LiveServer, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.store.base import release_or_fail
from kzgov.web.explain import written
from kzgov.web.explain_direct import DirectExplanations
from test_explain import Build

JSON_ACCEPT = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def seed(real_build: BuildResult, real_layout: Layout) -> Build:
    return Build(release_or_fail(real_layout))


def headers_of(response: HttpResponse) -> list[tuple[str, str]]:
    """A response's headers, less the Date."""
    return sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() != "date")


def explain_lines(server: LiveServer) -> list[str]:
    """The access-log lines of /explain."""
    return [line for line in server.log().splitlines() if "GET /explain " in line]


def test_the_answer_without_flask_is_flasks(
    live_server: LiveServer, backend: str, seed: Build
) -> None:
    inferred = seed.inferred
    for triple in (inferred[0], inferred[len(inferred) // 2], inferred[-1]):
        s, p, o = triple
        query = urlencode({"s": str(s), "p": str(p), "o": written(o)})
        asked, line = ask_until_direct(live_server, query, backend == "oxigraph")
        # `format=json` is another shape: Flask answers it, with the same representation.
        by_flask = send("GET", f"{live_server.base_url}/explain?{query}&format=json")
        assert asked.status == by_flask.status == 200, asked.text[:300]
        assert asked.body == by_flask.body
        assert headers_of(asked) == headers_of(by_flask)
        assert json.loads(asked.body)["triple"]["s"]["value"] == str(s)
        # On the Oxigraph store, read in place, the first went around Flask.
        assert line.endswith(" direct") == (backend == "oxigraph"), line
        assert not explain_lines(live_server)[-1].endswith(" direct")


def ask_until_direct(server: LiveServer, query: str, direct: bool) -> tuple[HttpResponse, str]:
    """Ask /explain as JSON; if `direct`, until an answer went around Flask (each HTTP
    process makes its explainer as it starts, and Flask answers until it has one)."""
    for _attempt in range(50):
        answer = send("GET", f"{server.base_url}/explain?{query}", headers=JSON_ACCEPT)
        line = explain_lines(server)[-1]
        if not direct or line.endswith(" direct"):
            return answer, line
        time.sleep(0.1)
    return answer, line


def test_errors_and_other_shapes_are_flasks(live_server: LiveServer, seed: Build) -> None:
    s, p, _o = seed.inferred[0]
    base = f"{live_server.base_url}/explain?"
    missing = send(
        "GET",
        base + urlencode({"s": str(s), "p": str(p), "o": "https://example.org/nothing"}),
        headers=JSON_ACCEPT,
    )
    assert missing.status == 404 and "holds no triple" in missing.text
    bad = send(
        "GET", base + urlencode({"s": "not a term", "p": str(p), "o": "x"}), headers=JSON_ACCEPT
    )
    assert bad.status == 400 and "subject" in bad.text
    assert not any(line.endswith(" direct") for line in explain_lines(live_server)[-2:])


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("s=a&p=b&o=c", {"accept": "text/html"}),
        ("s=a&p=b&o=c", {"accept": "application/json, text/html"}),
        ("s=a&p=b&o=c&format=json", {"accept": "application/json"}),
        ("s=a&p=b", {"accept": "application/json"}),
        ("s=a&p=b&o=c&o=d", {"accept": "application/json"}),
        ("s=a&p=b&o=c", {"accept": "application/json", "accept-encoding": "gzip"}),
        ("s=a&p=b&o=c", {"accept": "application/json", "if-none-match": '"x"'}),
        ("s=a&p=b&o=c", {"accept": "application/json", "if-modified-since": "Sun, 06 Dec 2026"}),
        ("s=a&p=b&o=c", {}),
    ],
)
def test_only_one_shape_is_answered_without_flask(query: str, headers: dict[str, str]) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/explain",
        "query_string": query.encode("ascii"),
        "headers": [
            (name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()
        ],
    }
    direct = DirectExplanations.__new__(DirectExplanations)  # `wanted` reads no app
    assert direct.wanted(scope) is None
    accepted = {
        **scope,
        "query_string": b"s=a&p=b&o=c",
        "headers": [(b"accept", b"application/json")],
    }
    assert direct.wanted(accepted) == ("a", "b", "c")
    assert direct.wanted({**accepted, "method": "POST"}) is None
    twice = [(b"accept", b"application/json"), (b"Accept", b"application/json")]
    assert direct.wanted({**accepted, "headers": twice}) is None
    plain = [(b"Accept", b" application/json "), (b"accept-encoding", b"identity")]
    assert direct.wanted({**accepted, "headers": plain}) == ("a", "b", "c")
