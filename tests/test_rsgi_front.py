"""granian's RSGI interface in front of the request reader (kzgov.web.rsgi_front).

The request reader (kzgov.web.front) reads ASGI's scope, receive and send; through RSGI
they are built from granian's protocol. A body in chunks without a length, a body over
the bound, an answer streamed in pieces and the client's address all go through them.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator

import pytest

from conftest import LiveServer, running_server, send
from kzgov.core.config import MIN_REQUEST_BODY_BYTES
from kzgov.core.layout import Layout
from kzgov.web.front import BODY_CHUNK_BYTES
from kzgov.web.rsgi_direct import client_host
from kzgov.web.rsgi_front import host_and_port

QUERY = "SELECT ?p ?o WHERE { <https://w3id.org/kzgov/id/post/president> ?p ?o } LIMIT 5"
HEADERS = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(served_layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One HTTP process and one worker on the Oxigraph store."""
    folder = tmp_path_factory.mktemp("rsgi")
    options = ("--store", "oxigraph", "--workers", "1", "--http-processes", "1", "--no-cache")
    with running_server(served_layout, folder / "server.log", *options) as live:
        yield live


def post_in_chunks(url: str, chunks: list[bytes]) -> tuple[int, bytes]:
    """POST a body in chunks (Transfer-Encoding: chunked, no Content-Length)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=60)
    try:
        connection.request(
            "POST", parts.path, body=iter(chunks), headers=HEADERS, encode_chunked=True
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_an_address_is_read_as_host_and_port() -> None:
    assert host_and_port("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert host_and_port("[::1]:443") == ("::1", 443)
    assert host_and_port("unix-socket") == ("unix-socket", 0)
    # The direct answers' shortcut reads the client's host as the request reader does.
    for address in ("127.0.0.1:8000", "[::1]:443", "unix-socket"):
        assert client_host(address) == host_and_port(address)[0]


def test_a_body_in_chunks_is_the_same_query(server: LiveServer) -> None:
    whole = send("POST", server.endpoint, QUERY, HEADERS)
    text = QUERY.encode("utf-8")
    status, body = post_in_chunks(server.endpoint, [text[:20], text[20:41], text[41:]])
    assert whole.status == status == 200
    assert body == whole.body
    assert len(json.loads(body)["results"]["bindings"]) == 5


def test_a_body_in_chunks_over_the_bound_is_refused(server: LiveServer) -> None:
    piece = b"#" * (64 * 1024)
    status, body = post_in_chunks(
        server.endpoint, [piece] * (MIN_REQUEST_BODY_BYTES // len(piece) + 2)
    )
    assert status == 413
    assert b"too large" in body


def test_an_answer_larger_than_a_piece_is_streamed_whole(
    server: LiveServer, served_layout: Layout
) -> None:
    dump = (served_layout.build_dir / "current" / "kzgov.nq").resolve()
    assert dump.stat().st_size > 2 * BODY_CHUNK_BYTES
    answer = send("GET", server.base_url + "/dumps/kzgov.nq")
    assert answer.status == 200
    assert answer.body == dump.read_bytes()


def test_a_query_answer_larger_than_a_piece_arrives_whole_with_its_length(
    server: LiveServer,
) -> None:
    # Flask gives a query's answer in one piece: it goes to granian in one call.
    every = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 4000"
    answer = send("POST", server.endpoint, every, HEADERS)
    assert answer.status == 200
    assert len(answer.body) > BODY_CHUNK_BYTES
    assert int(answer.headers["Content-Length"]) == len(answer.body)
    assert len(json.loads(answer.body)["results"]["bindings"]) == 4000
