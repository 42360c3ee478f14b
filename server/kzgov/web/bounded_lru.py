"""A least-recently-used map bounded by its entries and by the bytes of its values.

The result cache (kzgov.web.result_cache) and the replay in front of Flask
(kzgov.web.replayed_answers) each keep answers this way; it is safe to share between the
server's threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class BoundedLru(Generic[Key, Value]):
    """Values by key, least recently used out first past either bound; hits and misses counted.

    A value larger than the byte bound is not kept at all.
    """

    def __init__(self, max_entries: int, max_bytes: int, size_of: Callable[[Value], int]) -> None:
        """Start empty.

        Args:
            max_entries: the most values kept.
            max_bytes: the most bytes kept, as `size_of` counts them.
            size_of: the bytes of a value.
        """
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size_of = size_of
        self.lock = threading.Lock()
        self.values: OrderedDict[Key, Value] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Value | None:
        """The value kept under a key, now the most recently used; None if none."""
        with self.lock:
            value = self.values.get(key)
            if value is None:
                self.misses += 1
                return None
            self.values.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Key, value: Value) -> None:
        """Keep a value, dropping the least recently used ones past the bounds."""
        size = self.size_of(value)
        if size > self.max_bytes:
            return
        with self.lock:
            previous = self.values.pop(key, None)
            if previous is not None:
                self.bytes -= self.size_of(previous)
            self.values[key] = value
            self.bytes += size
            while len(self.values) > self.max_entries or self.bytes > self.max_bytes:
                _key, dropped = self.values.popitem(last=False)
                self.bytes -= self.size_of(dropped)

    def status(self) -> dict[str, int]:
        """How many values and bytes are kept, and the hits and misses so far."""
        with self.lock:
            return {
                "entries": len(self.values),
                "bytes": self.bytes,
                "hits": self.hits,
                "misses": self.misses,
            }
