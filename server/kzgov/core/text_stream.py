"""Lines of text as a binary file that Oxigraph reads as it needs them.

Oxigraph's `Store.load` parses a file-like object in Rust, a chunk at a time. Handing it
the lines of N-Triples that Python writes, through this reader, adds a few million
triples to a store with none of Python's `Triple` and `Quad` objects made, and without
writing them all out first (neither to disk nor to one large string).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator


class LineStream(io.RawIOBase):
    """A read-only binary stream of some lines of text, encoded as UTF-8 when read."""

    def __init__(self, lines: Iterable[str]) -> None:
        """Read from lines (each ends with its own newline), made one by one as read."""
        super().__init__()
        self.lines: Iterator[str] = iter(lines)
        self.pending = b""

    def readable(self) -> bool:
        """A line stream is read, never written."""
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill the buffer with the next bytes; 0 at the end of the lines."""
        size = len(buffer)
        chunk = self.pending
        if len(chunk) < size:
            parts = [chunk]
            length = len(chunk)
            for line in self.lines:
                encoded = line.encode("utf-8")
                parts.append(encoded)
                length += len(encoded)
                if length >= size:
                    break
            chunk = b"".join(parts)
        buffer[: min(size, len(chunk))] = chunk[:size]
        self.pending = chunk[size:]
        return min(size, len(chunk))
