"""Slow and idle clients cost the server a socket, not a thread (review F2), over real HTTP.

Each test opens hundreds of sockets on 127.0.0.1 that send a request slowly (or not at
all), for a bounded time, and asserts that a new client is answered meanwhile, and
that the server ends the slow requests itself: a head not sent within the read
deadline closes the connection; a body not sent within it gets 408; requests past one
client's share get 429 at once.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from conftest import LiveServer, environment_without_kzgov_variables, running_server, send
from kzgov.core.layout import Layout

READ_SECONDS = 3
CLIENT_REQUESTS = 64
SLOW_SOCKETS = 200
TRICKLE_SECONDS = 1.0
# How long the tests keep trickling: past the read deadline, so the server must act.
ATTACK_SECONDS = READ_SECONDS + 3
PROBE = {"X-API-Key": "probe", "Content-Type": "application/sparql-query"}


@pytest.fixture()
def front_server(served_layout: Layout, tmp_path: Path) -> Iterator[LiveServer]:
    """One HTTP process (so one client's share is exact), a 3 s read deadline."""
    options = ("--workers", "2", "--http-processes", "1",
               "--request-read-timeout", str(READ_SECONDS),
               "--client-requests", str(CLIENT_REQUESTS))  # fmt: skip
    with running_server(served_layout, tmp_path / "server.log", *options) as server:
        yield server


def port_of(server: LiveServer) -> int:
    """The server's port."""
    return int(server.base_url.rsplit(":", 1)[1])


def open_sockets(
    server: LiveServer, count: int, first_bytes: bytes, stack: ExitStack
) -> list[socket.socket]:
    """Open sockets that each sent the first bytes of a request."""
    sockets = []
    for _ in range(count):
        connection = stack.enter_context(socket.create_connection(("127.0.0.1", port_of(server))))
        connection.sendall(first_bytes)
        sockets.append(connection)
    return sockets


def trickle(sockets: list[socket.socket], data: bytes) -> None:
    """Send a few more bytes on each socket still open."""
    for connection in sockets:
        try:
            connection.sendall(data)
        except OSError:
            continue


def answer_on(connection: socket.socket) -> bytes:
    """What the server sent on a socket so far (b"" if it closed it without a word)."""
    connection.settimeout(0.2)
    received = b""
    try:
        while chunk := connection.recv(4096):
            received += chunk
    except (TimeoutError, OSError):
        pass
    return received


def probe(server: LiveServer, number: int) -> tuple[int, int]:
    """A new client's static asset and uncached query: their two statuses.

    On 127.0.0.1 every socket has one address: the new client is told apart by its key.
    """
    asset = send("GET", f"{server.base_url}/assets/kzgov.css", headers={"X-API-Key": "probe"})
    query = send("POST", server.endpoint, f"ASK {{ FILTER({number} = {number}) }}", PROBE)
    return asset.status, query.status


def test_slow_request_heads_do_not_lock_out_a_new_client_and_are_closed(
    front_server: LiveServer,
) -> None:
    with ExitStack() as stack:
        slow = open_sockets(front_server, SLOW_SOCKETS, b"GET / HTTP/1.1\r\nHost: x\r\n", stack)
        statuses = []
        started = time.monotonic()
        while time.monotonic() - started < ATTACK_SECONDS:
            statuses.append(probe(front_server, len(statuses)))
            trickle(slow, b"X-a: b\r\n")
            time.sleep(TRICKLE_SECONDS)
        assert statuses and set(statuses) == {(200, 200)}
        # Past the read deadline for the whole head, the server closed every slow socket.
        assert sum(1 for c in slow if is_closed(c)) == SLOW_SOCKETS


def is_closed(connection: socket.socket) -> bool:
    """Whether the server closed a socket (a read gives end of file, or the socket failed)."""
    connection.settimeout(0.2)
    try:
        while connection.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def test_slow_request_bodies_get_429_past_the_share_then_408_and_a_new_client_is_answered(
    front_server: LiveServer,
) -> None:
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100000\r\n\r\nA"
    )
    with ExitStack() as stack:
        slow = open_sockets(front_server, CLIENT_REQUESTS + 46, head, stack)
        statuses = []
        started = time.monotonic()
        while time.monotonic() - started < ATTACK_SECONDS:
            statuses.append(probe(front_server, 100 + len(statuses)))
            trickle(slow, b"S")
            time.sleep(TRICKLE_SECONDS)
        assert statuses and set(statuses) == {(200, 200)}
        answers = [answer_on(c) for c in slow]
    status_lines = sorted(a.split(b"\r\n", 1)[0] for a in answers)
    assert status_lines.count(b"HTTP/1.1 429 Too Many Requests") == 46
    assert status_lines.count(b"HTTP/1.1 408 Request Timeout") == CLIENT_REQUESTS
    timed_out = next(a for a in answers if a.startswith(b"HTTP/1.1 408"))
    assert f"did not arrive within {READ_SECONDS} s".encode() in timed_out


def test_hundreds_of_idle_keep_alive_connections_do_not_lock_out_a_new_client(
    front_server: LiveServer,
) -> None:
    with ExitStack() as stack:
        idle = []
        for _ in range(SLOW_SOCKETS):
            connection = http.client.HTTPConnection("127.0.0.1", port_of(front_server), timeout=30)
            stack.callback(connection.close)
            connection.request("GET", "/assets/kzgov.css")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            idle.append(connection)
        # Every connection stays open, idle; a new client is served all the same.
        assert probe(front_server, 7) == (200, 200)
        # And the idle connections still work.
        idle[0].request("GET", "/assets/kzgov.css")
        assert idle[0].getresponse().status == 200


def test_a_port_in_use_is_refused_with_a_message(served_layout: Layout) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            sys.executable, "-m", "kzgov", "--root", str(served_layout.root),
            "--build-dir", str(served_layout.build_dir), "serve",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120,
            env=environment_without_kzgov_variables(),
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr
