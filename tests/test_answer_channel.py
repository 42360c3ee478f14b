"""A query's answer goes from the query worker to the HTTP thread around the main process.

kzgov.web.answer_channel: the reply's framing on real socket pairs, a channel passed as a
descriptor, and, on a live server, what the main process reads per query (Linux's
/proc/PID/io counts every byte a process reads, sockets included): an answer from a
worker passes it by; one from the result cache's miss passes through it as before.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LiveServer, query_url, running_server, send
from kzgov.core.layout import Layout
from kzgov.web.answer_channel import (
    HEAD_LENGTH,
    pass_channel,
    read_reply,
    send_reply,
    take_channel,
)

JSON_RESULTS = "application/sparql-results+json"
# 9,000 rows of the real build: an answer of well over a megabyte. Two patterns, so that
# a worker answers it (an HTTP process answers one pattern itself: kzgov.web.direct_answers).
LARGE_ANSWER_QUERY = "SELECT ?s ?p ?o ?t WHERE { ?s ?p ?o . ?s a ?t } LIMIT 9000"
LARGE_ANSWER_BYTES = 1_000_000


@pytest.fixture
def channel_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """The two ends of a channel: the HTTP thread's, and the one passed on."""
    mine, theirs = socket.socketpair()
    with mine, theirs:
        yield mine, theirs


def test_an_answer_and_an_error_read_back_as_sent(
    channel_pair: tuple[socket.socket, socket.socket],
) -> None:
    mine, theirs = channel_pair
    body = bytes(range(256)) * 5000  # larger than a socket's buffer: written while read
    answer = ("answer", "SELECT", JSON_RESULTS, body)
    error = ("error", "QueryRejected", "the query has a syntax error at line 1, column 8")
    send_reply(theirs, error)
    assert read_reply(mine) == error
    writer = theirs.dup()
    with writer:
        # A second thread writes while this one reads, as worker and HTTP thread do.
        thread = threading.Thread(target=send_reply, args=(writer, answer))
        thread.start()
        assert read_reply(mine) == answer
        thread.join()


def test_a_reply_cut_short_reads_as_none(
    channel_pair: tuple[socket.socket, socket.socket],
) -> None:
    mine, theirs = channel_pair
    head = json.dumps(["answer", "SELECT", JSON_RESULTS, 1000]).encode()
    theirs.sendall(HEAD_LENGTH.pack(len(head)) + head + b"x" * 999)
    theirs.close()
    assert read_reply(mine) is None


@pytest.mark.parametrize("written", [b"", b"\x00\x00", HEAD_LENGTH.pack(40) + b'["answ'])
def test_a_channel_closed_before_its_head_is_whole_reads_as_none(
    channel_pair: tuple[socket.socket, socket.socket], written: bytes
) -> None:
    mine, theirs = channel_pair
    theirs.sendall(written)
    theirs.close()
    assert read_reply(mine) is None


def test_a_channel_shut_down_by_another_holder_ends_the_read(
    channel_pair: tuple[socket.socket, socket.socket],
) -> None:
    # The main process ends a channel that a worker it gave up on still holds open.
    mine, theirs = channel_pair
    still_held = theirs.dup()
    with still_held:
        theirs.shutdown(socket.SHUT_RDWR)
        mine.settimeout(5)
        assert read_reply(mine) is None


def test_a_passed_channel_reaches_the_one_who_asked() -> None:
    sender, receiver = socket.socketpair()
    mine, theirs = socket.socketpair()
    with sender, receiver, mine:
        with theirs:
            pass_channel(sender, theirs)
        passed = take_channel(receiver)
        assert passed is not None
        with passed:
            send_reply(passed, ("answer", "ASK", JSON_RESULTS, b'{"boolean":true}'))
        assert read_reply(mine) == ("answer", "ASK", JSON_RESULTS, b'{"boolean":true}')
        sender.close()
        assert take_channel(receiver) is None  # the other end hung up


def bytes_read_by(pid: int) -> int:
    """All the bytes a process has read so far, from files and sockets alike."""
    for line in Path(f"/proc/{pid}/io").read_text(encoding="ascii").splitlines():
        name, _, value = line.partition(":")
        if name == "rchar":
            return int(value)
    raise AssertionError(f"/proc/{pid}/io has no rchar")


def large_answer_read_by_main(server: LiveServer) -> tuple[int, int]:
    """The size of a large answer, and what the main process read while it was asked."""
    url = query_url(server.endpoint, query=LARGE_ANSWER_QUERY)
    before = bytes_read_by(server.process.pid)
    response = send("GET", url, headers={"Accept": JSON_RESULTS})
    read = bytes_read_by(server.process.pid) - before
    assert response.status == 200, response.text
    assert len(json.loads(response.body)["results"]["bindings"]) == 9000
    assert len(response.body) > LARGE_ANSWER_BYTES
    return len(response.body), read


def test_an_answer_from_a_worker_goes_around_the_main_process(
    served_layout: Layout, tmp_path: Path
) -> None:
    options = ("--workers", "1", "--no-cache")
    with running_server(served_layout, tmp_path / "serve.log", *options) as server:
        size, read = large_answer_read_by_main(server)
    assert read < size // 10, f"the main process read {read} bytes for an answer of {size}"


def test_an_answer_the_cache_keeps_passes_through_the_main_process(
    served_layout: Layout, tmp_path: Path
) -> None:
    # The result cache lives in the main process: a miss's answer goes there to be kept.
    # The contrast shows the measure above sees an answer that passes the main process.
    with running_server(served_layout, tmp_path / "serve.log", "--workers", "1") as server:
        size, read = large_answer_read_by_main(server)
    assert read >= size
