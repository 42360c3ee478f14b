"""The result cache: serialized answers kept in each server process, and their ETags.

An answer is kept under its query text, its dataset (the `default-graph-uri` and
`named-graph-uri` values), its media type and the build it was computed on, so an
answer never outlives the build it came from. The cache is a least-recently-used map
bounded by entries and by bytes, in the memory of the process that serves HTTP (the
query workers never see it). Only answers are kept, never errors.

The same key gives the answer's entity tag: a weak ETag (the answer means the same,
its bytes may differ: blank node labels, row order without ORDER BY), derived from the
key and the build, so a new build changes every ETag and two servers on one build
agree. https://www.rfc-editor.org/rfc/rfc9110#name-etag
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kzgov.core.config import ServerConfig
from kzgov.core.serialize import QueryAnswer
from kzgov.store.base import read_summary
from kzgov.web.bounded_lru import BoundedLru
from kzgov.web.executor import Executor

ETAG_HEX_DIGITS = 32

CacheKey = tuple[str, str, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class CacheSettings:
    """How the result cache is bounded, and how long clients may keep an answer.

    Attributes:
        max_entries: the most answers kept.
        max_bytes: the most bytes of answers kept (a larger answer is not kept).
        max_age_seconds: the `max-age` of Cache-Control on a cacheable answer.
    """

    max_entries: int
    max_bytes: int
    max_age_seconds: int

    @classmethod
    def from_config(cls, config: ServerConfig) -> CacheSettings:
        """The cache's part of the server settings."""
        return cls(
            max_entries=config.cache_max_entries,
            max_bytes=config.cache_max_bytes,
            max_age_seconds=config.cache_max_age_seconds,
        )


def build_id_of(summary: Mapping[str, object]) -> str:
    """What identifies a build in ETags: its version (the inputs' hash) and when it was built.

    Args:
        summary: the build's summary (kzgov.store.base.read_summary).

    Returns:
        The build's identity, the same for every server serving that build.
    """
    return f"{summary.get('build_version')}@{summary.get('built_at')}"


def cache_key(
    query_text: str,
    media_type: str,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
) -> CacheKey:
    """The key of one answer (the build is added by the cache).

    Args:
        query_text: the query, as sent.
        media_type: the media type of the answer.
        default_graph_uris: the protocol's `default-graph-uri` values.
        named_graph_uris: the protocol's `named-graph-uri` values.

    Returns:
        The key.
    """
    return (query_text, media_type, tuple(default_graph_uris), tuple(named_graph_uris))


class ResultCache:
    """Answers of one build, least recently used first out, within entry and byte bounds."""

    def __init__(self, build_id: str, settings: CacheSettings) -> None:
        """Start an empty cache for the answers of one build.

        Args:
            build_id: what identifies the build being served (part of every ETag).
            settings: the bounds.
        """
        self.build_id = build_id
        self.settings = settings
        self.answers: BoundedLru[CacheKey, QueryAnswer] = BoundedLru(
            settings.max_entries, settings.max_bytes, lambda answer: len(answer.body)
        )

    def etag(self, key: CacheKey) -> str:
        """The opaque part of the weak ETag of an answer (send it with weak=True)."""
        digest = hashlib.sha256(self.build_id.encode("utf-8"))
        for part in (key[0], key[1], *key[2], "\x1f", *key[3]):
            digest.update(b"\x00" + part.encode("utf-8"))
        return digest.hexdigest()[:ETAG_HEX_DIGITS]

    def get(self, key: CacheKey) -> QueryAnswer | None:
        """The kept answer for a key, now the most recently used; None if not kept."""
        return self.answers.get(key)

    def put(self, key: CacheKey, answer: QueryAnswer) -> None:
        """Keep an answer, dropping the least recently used ones past the bounds."""
        self.answers.put(key, answer)

    def status(self) -> dict[str, int]:
        """How many answers and bytes are kept, and the hits and misses so far."""
        return self.answers.status()


class CachingExecutor:
    """An executor that answers from the result cache when it can (for pages and /sparql)."""

    def __init__(self, executor: Executor, cache: ResultCache) -> None:
        """Put a cache in front of an executor.

        Args:
            executor: the executor that evaluates queries.
            cache: where answers are kept.
        """
        self.executor = executor
        self.cache = cache

    def run(
        self,
        query_text: str,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryAnswer:
        """The kept answer, or the executor's, then kept (see kzgov.web.executor's contract)."""
        key = cache_key(query_text, media_type, default_graph_uris, named_graph_uris)
        answer = self.cache.get(key)
        if answer is None:
            answer = self.executor.run(query_text, media_type, default_graph_uris, named_graph_uris)
            self.cache.put(key, answer)
        return answer

    def close(self) -> None:
        """Stop the executor's workers."""
        self.executor.close()


def result_cache_of(config: ServerConfig) -> ResultCache:
    """An empty result cache for the build the settings serve."""
    return ResultCache(build_id_of(read_summary(config.layout)), CacheSettings.from_config(config))
