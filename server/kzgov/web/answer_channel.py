"""A query's answer sent straight to the HTTP thread that asked, around the main process.

Under `kzgov serve` a query goes from an HTTP thread to the main process (which admits
it: kzgov.web.dispatcher) and on to a query worker (kzgov.web.executor). The answer need
not take the same way back: the HTTP thread makes a socket pair for each query and
passes one end along with the query (a descriptor sent over a Unix socket,
SCM_RIGHTS); the main process passes it on to the worker and closes its own copy; the
worker writes its reply on it, closes it, and tells the main process only that it has
replied. The main process, which keeps the deadline, the memory limit and the pool,
then tells the HTTP thread whether the reply stands ("sent") or gives the error that
overrides it (the query passed its deadline or its memory limit; the worker died). So
the answer's bytes cross one socket instead of two and are never pickled, and the main
process handles a few hundred bytes per query however large the answer.

A reply on the channel: four bytes (big-endian) giving the length of its head, the
head as a JSON array, then for an answer its body as raw bytes. The head of an answer is
("answer", form, media type, body length); an error's head is the error reply itself
(kzgov.web.executor.error_reply). A reply cut short (the worker was killed while it
wrote) reads as None.
"""

from __future__ import annotations

import json
import socket
import struct
from multiprocessing.connection import Connection

# What the main process tells the HTTP thread when the reply on the channel stands.
SENT: tuple[object, ...] = ("sent",)
HEAD_LENGTH = struct.Struct("!I")
# The byte that carries a passed descriptor.
PASSED = b"R"


def socket_of(connection: Connection) -> socket.socket:
    """A socket on the same Unix connection, to pass descriptors on (a duplicate: close it too)."""
    return socket.fromfd(connection.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)


def pass_channel(over: socket.socket, channel: socket.socket) -> None:
    """Send a copy of a channel's descriptor over a Unix socket (after the message it goes with).

    Raises:
        OSError: the other end is gone.
    """
    socket.send_fds(over, [PASSED], [channel.fileno()])


def take_channel(over: socket.socket) -> socket.socket | None:
    """The channel passed over a Unix socket (None if the other end hung up instead).

    Raises:
        OSError: the socket cannot be read.
    """
    _message, fds, _flags, _address = socket.recv_fds(over, len(PASSED), 1)
    if not fds:
        return None
    return socket.socket(fileno=fds[0])


def send_reply(channel: socket.socket, reply: tuple[object, ...]) -> None:
    """Write a reply (kzgov.web.executor.answer_reply or error_reply) on a channel.

    Raises:
        OSError: the HTTP thread is gone.
    """
    body = b""
    head: tuple[object, ...] = reply
    if reply[0] == "answer":
        tag, form, media_type, answer_body = reply
        body = bytes(answer_body)  # type: ignore[call-overload]  # bytes already: no copy
        head = (tag, form, media_type, len(body))
    encoded = json.dumps(head).encode()
    channel.sendall(HEAD_LENGTH.pack(len(encoded)) + encoded)
    if body:
        channel.sendall(body)


def read_exactly(channel: socket.socket, size: int) -> bytes | None:
    """The next `size` bytes of a channel, read into one buffer (None at an early end)."""
    data = channel.recv(size, socket.MSG_WAITALL)
    if len(data) == size:
        return data
    parts, got = [data], len(data)
    while got < size:
        chunk = channel.recv(size - got, socket.MSG_WAITALL)
        if not chunk:
            return None
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def read_reply(channel: socket.socket) -> tuple[object, ...] | None:
    """The reply written on a channel, as `send_reply` had it (None if cut short or absent).

    Raises:
        OSError: the channel cannot be read.
    """
    length = read_exactly(channel, HEAD_LENGTH.size)
    if length is None:
        return None
    encoded = read_exactly(channel, HEAD_LENGTH.unpack(length)[0])
    if encoded is None:
        return None
    head = json.loads(encoded)
    if not isinstance(head, list) or not head:
        return None
    if head[0] != "answer":
        return tuple(head)
    tag, form, media_type, size = head
    body = read_exactly(channel, int(size)) if size else b""
    if body is None:
        return None
    return (tag, form, media_type, body)
