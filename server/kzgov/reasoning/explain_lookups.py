"""The dataset as one explanation reads it: each pattern looked up once, its answer reused.

An explanation asks the dataset hundreds of small questions about a handful of nodes: a
type inferred through many subclass and domain axioms tries each axiom's pattern on the
same subject (`?x rdf:type C1`, `?x kz:holds ?y`...) for the triple and again for each
inferred premise, then locates each premise. `ReadOnce` keeps the answer of each pattern
for one explanation (`session`), in the thread that asks: the HTTP server explains in
many threads at once, and the memory an explanation keeps ends with it. The answers and
their order are the dataset's own, so the explainer finds the same steps in the same
order (and, where it caps them, the same first ones) as when it asks each time.

Reading a node's statements whole instead (one lookup, then filtering in Python) was
tried and is slower on the Oxigraph store: decoding a quad costs more than a lookup
that finds nothing, and most of a node's statements are never asked about.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

from rdflib import URIRef
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]
Pattern = tuple[Node | None, Node | None, Node | None]


class Facts(Protocol):
    """The dataset as the explainer reads it (`kzgov.reasoning.explain.Facts`)."""

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Quad]:
        """The quads of the build's named graphs matching a pattern (None: any term)."""

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Triple]:
        """The distinct triples of the build's named graphs matching a pattern."""

    def schema(self) -> Iterable[Quad]:
        """The quads the rules are compiled from."""


class Memo:
    """What one explanation has read.

    Attributes:
        quads: the quads of each pattern asked.
        graph_quads: the quads of each pattern asked of one graph.
        triples: the distinct triples of each pattern asked.
        depth: how many nested sessions are open.
    """

    def __init__(self) -> None:
        """Start with nothing read."""
        self.quads: dict[Pattern, list[Quad]] = {}
        self.triples: dict[Pattern, list[Triple]] = {}
        self.graph_quads: dict[
            tuple[Node | None, Node | None, Node | None, URIRef], list[Quad]
        ] = {}
        self.depth = 0


class ReadOnce:
    """A dataset that, within a session, looks each pattern up once.

    Attributes:
        facts: the dataset it reads.
        local: the open session's memo, per thread.
    """

    def __init__(self, facts: Facts) -> None:
        """Read a dataset.

        Args:
            facts: the dataset.
        """
        self.facts = facts
        self.local = threading.local()

    @contextmanager
    def session(self) -> Iterator[None]:
        """Keep what is read, in this thread, until the (outermost) session ends."""
        memo: Memo | None = getattr(self.local, "memo", None)
        if memo is None:
            memo = Memo()
            self.local.memo = memo
        memo.depth += 1
        try:
            yield
        finally:
            memo.depth -= 1
            if memo.depth == 0:
                self.local.memo = None

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Quad]:
        """The quads matching a pattern, looked up once per session."""
        memo: Memo | None = getattr(self.local, "memo", None)
        if memo is None:
            return self.facts.quads(s, p, o)
        found = memo.quads.get((s, p, o))
        if found is None:
            found = memo.quads[(s, p, o)] = list(self.facts.quads(s, p, o))
        return found

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Triple]:
        """The distinct triples matching a pattern, looked up once per session."""
        memo: Memo | None = getattr(self.local, "memo", None)
        if memo is None:
            return self.facts.triples(s, p, o)
        found = memo.triples.get((s, p, o))
        if found is None:
            found = memo.triples[(s, p, o)] = list(self.facts.triples(s, p, o))
        return found

    def graph_quads(
        self, s: Node | None, p: Node | None, o: Node | None, graph: URIRef
    ) -> Iterable[Quad]:
        """The quads of one graph matching a pattern, looked up once per session.

        Read from that graph alone if the dataset can (`StoreFacts.graph_quads`), else
        filtered from the pattern's quads.
        """
        in_graph = getattr(self.facts, "graph_quads", None)
        memo: Memo | None = getattr(self.local, "memo", None)
        if in_graph is None:
            return [quad for quad in self.quads(s, p, o) if quad[3] == graph]
        if memo is None:
            return list(in_graph(s, p, o, graph))
        found = memo.graph_quads.get((s, p, o, graph))
        if found is None:
            found = memo.graph_quads[(s, p, o, graph)] = list(in_graph(s, p, o, graph))
        return found

    def canonical(self, term: Node) -> Node:
        """The dataset's own object for a term, if it keeps one (`StoreFacts.canonical`)."""
        canonical = getattr(self.facts, "canonical", None)
        return term if canonical is None else cast(Node, canonical(term))

    def schema(self) -> Iterable[Quad]:
        """The schema's quads, as the dataset gives them."""
        return self.facts.schema()

    def closure_graphs(self, triple: Triple) -> frozenset[URIRef]:
        """The closures holding a triple `standing` found held by them only; none if unknown."""
        closure_graphs = getattr(self.facts, "closure_graphs", None)
        return frozenset() if closure_graphs is None else frozenset(closure_graphs(triple))

    def standing(self, triple: Triple) -> Any:
        """The dataset's `standing` of a triple, if it can tell one cheaply; else None."""
        standing = getattr(self.facts, "standing", None)
        return None if standing is None else standing(triple)
