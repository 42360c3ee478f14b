"""The store interface: what a query backend provides, and the dataset a query sees.

The HTTP layer and the query workers see only the `Store` interface, so a faster
backend can be put behind it without touching them. The backends are
`kzgov.store.memory` (rdflib in memory), `kzgov.store.oxigraph`
(Oxigraph on disk, the default) and `kzgov.store.remote` (a SPARQL 1.1 endpoint over HTTP), chosen
by `kzgov.store.backends.open_store`; each imports this module, never the reverse.

The dataset a query sees (SPARQL 1.1 Query, section 13, "RDF Dataset"):

- By default, the default graph is the union of every graph of the build, asserted
  and inferred, and the named graphs are the build's named graphs.
- FROM / FROM NAMED in the query, or the protocol's `default-graph-uri` /
  `named-graph-uri`, select among the build's own named graphs; the protocol's
  parameters replace the query's clauses.
- The graph name <https://w3id.org/kzgov/graph/asserted> (`kzg:asserted`, not stored)
  stands for the union of every graph except `kzg:inferred`: use it as
  `default-graph-uri` or in FROM to query asserted triples only.

Importing this module turns off rdflib's loading of graphs named in FROM / FROM NAMED
from the web or the file system.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import rdflib.plugins.sparql
from rdflib import URIRef

from kzgov.core.errors import MissingBuild
from kzgov.core.layout import Layout
from kzgov.core.limits import ResultLimits
from kzgov.core.projection import with_written_order
from kzgov.core.release import DATASET_NQUADS, SUMMARY_JSON, current_release
from kzgov.core.serialize import QueryAnswer, serialize_answer
from kzgov.core.sparql import ParsedQuery

# FROM <x> must never make rdflib fetch x over HTTP or read it from disk.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
# Without a dataset clause, the default graph is the union of the named graphs.
rdflib.plugins.sparql.SPARQL_DEFAULT_GRAPH_UNION = True


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset one query runs on, as graph names of the build.

    Attributes:
        default_graphs: the graphs merged into the default graph; None for the union
            of every graph.
        named_graphs: the graphs GRAPH can reach; None for every named graph.
    """

    default_graphs: tuple[URIRef, ...] | None = None
    named_graphs: tuple[URIRef, ...] | None = None

    @property
    def is_whole_build(self) -> bool:
        """Whether this is the default dataset: every graph, and their union as default."""
        return self.default_graphs is None and self.named_graphs is None


WHOLE_BUILD = QueryDataset()


class Store(Protocol):
    """What a query backend provides to the server.

    A store is loaded once, before the query workers start; the workers then ask it
    for answers. Implementations must honour `QueryDataset` (ignoring the query's own
    FROM / FROM NAMED, which the caller has already resolved into it) and the limits.
    """

    def load(self) -> None:
        """Load the current build.

        Raises:
            MissingBuild: there is no build.
        """

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""

    def answer(
        self,
        parsed: ParsedQuery,
        dataset: QueryDataset,
        media_type: str,
        limits: ResultLimits,
    ) -> QueryAnswer:
        """Evaluate a query and serialize its result.

        Args:
            parsed: the query, already admitted by `kzgov.web.guards`.
            dataset: the graphs it runs on.
            media_type: a media type from `kzgov.core.serialize` that fits the query form.
            limits: the row and byte caps of the result.

        Returns:
            The serialized result.

        Raises:
            ResultTooLarge: the result passes a cap.
            QueryFailed: the evaluation failed.
        """


def release_or_fail(layout: Layout) -> Path:
    """The release folder served: the one the server pinned, or else the current one.

    Raises:
        MissingBuild: there is no build yet; the message says to run `kzgov build`.
    """
    release = layout.served_release or current_release(layout.build_dir)
    if release is None or not (release / DATASET_NQUADS).exists():
        raise MissingBuild(str(layout.build_dir))
    return release


def read_summary(layout: Layout) -> dict[str, object]:
    """The summary of the current build: counts, sources, timings and version.

    Raises:
        MissingBuild: there is no build yet.
    """
    release = release_or_fail(layout)
    summary: dict[str, object] = json.loads((release / SUMMARY_JSON).read_text(encoding="utf-8"))
    return summary


def written_answer(
    parsed: ParsedQuery, outcome: Mapping[str, Any], media_type: str, limits: ResultLimits
) -> QueryAnswer:
    """An evaluated query's outcome serialized as every store answers: within the caps.

    Args:
        parsed: the query.
        outcome: rdflib's result mapping (`type_` with `vars_` and `bindings`,
            `askAnswer`, or `graph`), whichever engine computed it.
        media_type: a media type that fits the query form.
        limits: the row and byte caps of the result.

    Returns:
        The serialized answer: a graph labelled with the query's form (CONSTRUCT or
        DESCRIBE), the columns of `SELECT *` in the query's order
        (kzgov.core.projection).

    Raises:
        ResultTooLarge: the result passes a cap.
    """
    if "graph" in outcome and parsed.form in ("CONSTRUCT", "DESCRIBE"):
        outcome = {**outcome, "type_": parsed.form}
    return serialize_answer(with_written_order(parsed.text, outcome), media_type, limits)
