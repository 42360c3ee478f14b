"""The memory store: the build in an rdflib Dataset inside the server process (`--store memory`).

It implements `kzgov.store.base.Store`; a query's dataset (`QueryDataset`) becomes a
view over the shared rdflib store, nothing copied.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from typing import Any

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.paths import Path as PropertyPath
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.sparql import QueryContext
from rdflib.term import Node

from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout
from kzgov.core.limits import ResultLimits
from kzgov.core.namespaces import ASSERTED_GRAPH, CLOSURE_GRAPHS
from kzgov.core.release import DATASET_NQUADS
from kzgov.core.serialize import QueryAnswer
from kzgov.core.sparql import ParsedQuery
from kzgov.store.base import QueryDataset, release_or_fail, written_answer
from kzgov.store.rdflib_guards import evaluation_refused, guard_algebra, refuse_broken_rule

TriplePattern = tuple[Any, Any, Any]


def open_dataset(layout: Layout) -> Dataset:
    """Load the current build into memory, with the union of all graphs as default graph.

    Args:
        layout: the project and its build folder.

    Returns:
        The dataset of asserted and inferred named graphs.

    Raises:
        MissingBuild: there is no build yet.
    """
    release = release_or_fail(layout)
    dataset = Dataset(default_union=True)
    dataset.parse(release / DATASET_NQUADS, format="nquads")
    return dataset


def context_name(context: Any) -> Node:
    """The name of a graph as rdflib's memory store reports it (a Graph or its name)."""
    name: Node = context.identifier if isinstance(context, Graph) else context
    return name


class GraphUnion(Graph):
    """A read-only merge of some named graphs of a store, each triple given once.

    Used for a default graph made of several graphs, and for `kzg:asserted`; nothing
    is copied: each match is read from the shared store and kept if one of the
    graphs it sits in is a member.
    """

    def __init__(self, dataset: Dataset, members: frozenset[URIRef], identifier: URIRef) -> None:
        """Merge some graphs of a dataset.

        Args:
            dataset: the loaded dataset whose store holds the graphs.
            members: the names of the graphs to merge.
            identifier: the name this merge answers to.
        """
        super().__init__(store=dataset.store, identifier=identifier)
        self.members = members

    def triples(self, triple: TriplePattern) -> Generator[TriplePattern, None, None]:
        """The triples of the member graphs that match a pattern, without repeats."""
        subject, predicate, obj = triple
        if isinstance(predicate, PropertyPath):
            for s, o in predicate.eval(self, subject, obj):
                yield s, predicate, o
            return
        for found, contexts in self.store.triples((subject, predicate, obj), context=None):
            if any(context_name(c) in self.members for c in contexts):
                yield found

    def __len__(self) -> int:
        """The number of distinct triples in the member graphs."""
        return sum(1 for _ in self.triples((None, None, None)))


class DatasetView(Dataset):
    """A dataset restricted to some graphs of a loaded dataset, for one query.

    The default graph and the named graphs are views on the shared store: selecting
    graphs copies no triples, and never loads anything from outside.
    """

    def __init__(self, default: Graph, named: Mapping[URIRef, Graph]) -> None:
        """Present a default graph and some named graphs as a dataset.

        Args:
            default: the default graph.
            named: the named graphs by name.
        """
        super().__init__(store=default.store, default_union=False)
        self.default = default
        self.named = dict(named)

    @property
    def default_context(self) -> Graph:
        """The default graph (rdflib's GRAPH ?g skips it when listing named graphs)."""
        return self.default

    @default_context.setter
    def default_context(self, value: Graph) -> None:
        self.default = value

    def triples(  # type: ignore[override]
        self, triple: TriplePattern, context: Any = None
    ) -> Generator[TriplePattern, None, None]:
        """The triples of the default graph that match a pattern."""
        yield from self.default.triples(triple)

    def contexts(self, triple: Any = None) -> Generator[Graph, None, None]:
        """The named graphs."""
        yield from self.named.values()

    def get_context(self, identifier: Any, quoted: bool = False, base: Any = None) -> Graph:
        """A named graph by name; an empty graph for a name outside this dataset."""
        graph = self.named.get(identifier)
        if graph is None:
            return Graph(identifier=identifier)
        return graph

    def __len__(self) -> int:
        """The number of triples in the default graph."""
        return len(self.default)


class MemoryStore:
    """The build in an rdflib Dataset in memory: the embedded store."""

    def __init__(self, layout: Layout) -> None:
        """Prepare to serve the build of a project (call `load` before querying).

        Args:
            layout: the project and its build folder.
        """
        self.layout = layout
        self._dataset: Dataset | None = None
        self._sizes: dict[URIRef, int] = {}

    def load(self) -> None:
        """Load the current build into memory.

        Raises:
            MissingBuild: there is no build.
        """
        dataset = open_dataset(self.layout)
        sizes = {}
        for graph in dataset.graphs():
            name = graph.identifier
            if name != DATASET_DEFAULT_GRAPH_ID and isinstance(name, URIRef):
                sizes[name] = len(graph)
        self._dataset = dataset
        self._sizes = dict(sorted(sizes.items()))

    @property
    def dataset(self) -> Dataset:
        """The loaded dataset.

        Raises:
            KzgovError: `load` was not called.
        """
        if self._dataset is None:
            raise KzgovError("the memory store is not loaded yet")
        return self._dataset

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""
        return dict(self._sizes)

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""
        return len(self.dataset)

    def graph_named(self, name: URIRef) -> Graph:
        """A graph of the build by name, or the `kzg:asserted` union."""
        if name == ASSERTED_GRAPH:
            asserted = frozenset(g for g in self._sizes if g not in CLOSURE_GRAPHS)
            return GraphUnion(self.dataset, asserted, ASSERTED_GRAPH)
        return Graph(store=self.dataset.store, identifier=name)

    def default_graph_of(self, names: Iterable[URIRef], also_named: bool = False) -> Graph:
        """The merge of some graphs of the build, as one default graph.

        Args:
            names: the graphs merged.
            also_named: whether the one graph merged is also a named graph of the query;
                the default graph then gets a name of its own, since rdflib's GRAPH ?g
                skips a named graph that is the default graph.
        """
        members: set[URIRef] = set()
        for name in names:
            if name == ASSERTED_GRAPH:
                members.update(g for g in self._sizes if g not in CLOSURE_GRAPHS)
            else:
                members.add(name)
        if len(members) == 1 and not also_named:
            return self.graph_named(next(iter(members)))
        return GraphUnion(self.dataset, frozenset(members), DATASET_DEFAULT_GRAPH_ID)

    def view_of(self, dataset: QueryDataset) -> Dataset:
        """The rdflib dataset a query on these graphs evaluates against."""
        if dataset.is_whole_build:
            return DatasetView(self.dataset, {name: self.graph_named(name) for name in self._sizes})
        default_names = self._sizes if dataset.default_graphs is None else dataset.default_graphs
        named_names = self._sizes if dataset.named_graphs is None else dataset.named_graphs
        return DatasetView(
            self.default_graph_of(
                default_names, also_named=bool(set(default_names) & set(named_names))
            ),
            {name: self.graph_named(name) for name in named_names},
        )

    def answer(
        self,
        parsed: ParsedQuery,
        dataset: QueryDataset,
        media_type: str,
        limits: ResultLimits,
    ) -> QueryAnswer:
        """Evaluate a query on some graphs and serialize its result.

        The query's own FROM / FROM NAMED are not read here: `dataset` already says
        which graphs it runs on.

        Args:
            parsed: the query, admitted by `kzgov.web.guards`.
            dataset: the graphs it runs on.
            media_type: a media type that fits the query form.
            limits: the row and byte caps of the result.

        Returns:
            The serialized result.

        Raises:
            ResultTooLarge: the result passes a cap.
            QueryRejected: the query breaks a rule rdflib's parser does not enforce, or
                rdflib cannot evaluate it (`kzgov.store.rdflib_guards`).
        """
        refuse_broken_rule(parsed)
        guard_algebra(parsed.query.algebra)
        context = QueryContext(self.view_of(dataset), initBindings={})
        context.prologue = parsed.query.prologue
        try:
            outcome: Mapping[str, Any] = evalPart(context, parsed.query.algebra)
            return written_answer(parsed, outcome, media_type, limits)
        except (KzgovError, MemoryError):
            raise
        except Exception as error:  # rdflib raises any kind; none may become a 500
            raise evaluation_refused(error) from error
