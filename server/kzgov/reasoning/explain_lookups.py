"""The dataset as one explanation reads it: each node's statements fetched once, then reused.

An explanation asks the dataset hundreds of small questions about a handful of nodes: a
type inferred through many subclass and domain axioms tries each axiom's pattern on the
same subject (`?x rdf:type C1`, `?x rdf:type C2`, `?x kz:holds ?y`...), then locates each
premise and reads its subject's source passages. `ReadOnce` answers a pattern with a
bound subject from all the statements of that subject, fetched at the first such
pattern, and one with a bound object only from all the statements naming that object;
any other pattern (or a node with more than `MAX_NODE_QUADS` statements, such as the
President's post as an object) is asked as is and its answer kept. The answers are kept
for one explanation (`session`) in the thread that asks: the HTTP server explains in
many threads at once, and the memory an explanation keeps ends with it.

The answers and their order are those of the dataset's own pattern lookup: a subject's
statements come in the dataset's order, and filtering keeps it, so the explainer finds
the same steps (and, where it caps them, the same first ones) as when it asks each pattern.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from rdflib import URIRef
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]

# A node with more statements than this (as subject, or as object) is not fetched whole:
# its patterns are asked one by one.
MAX_NODE_QUADS = 2000
# A node is fetched whole once this many patterns naming it have been asked one by one.
WHOLE_AFTER = 2


class Facts(Protocol):
    """The dataset as the explainer reads it (`kzgov.reasoning.explain.Facts`)."""

    def quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Quad]:
        """The quads of the build's named graphs matching a pattern (None: any term)."""

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Triple]:
        """The distinct triples of the build's named graphs matching a pattern."""

    def schema(self) -> Iterable[Quad]:
        """The quads the rules are compiled from."""


# A node's quads: all of them, in the dataset's order, under None; and those of each
# predicate, in the same order, under the predicate.
NodeQuads = dict[Node | None, list[Quad]]


class Memo:
    """What one explanation has read: nodes' statements, and the answers of other patterns.

    Attributes:
        subjects: each subject fetched whole, with its quads (None: too many to keep).
        objects: each object fetched whole, likewise.
        patterns: the quads of each pattern asked as is.
        met: how many patterns asked as is named each node (by the pattern that fetches
            it whole).
        depth: how many nested sessions are open.
    """

    def __init__(self) -> None:
        """Start with nothing read."""
        self.subjects: dict[Node, NodeQuads | None] = {}
        self.objects: dict[Node, NodeQuads | None] = {}
        self.patterns: dict[tuple[Node | None, Node | None, Node | None], list[Quad]] = {}
        self.met: dict[tuple[Node | None, Node | None, Node | None], int] = {}
        self.depth = 0


def by_predicate(quads: Iterable[Quad], limit: int) -> NodeQuads | None:
    """Some quads, all and by predicate, or None if there are more than `limit` of them."""
    found: NodeQuads = {None: []}
    every = found[None]
    for quad in quads:
        if len(every) == limit:
            return None
        every.append(quad)
        found.setdefault(quad[1], []).append(quad)
    return found


def distinct(quads: Iterable[Quad]) -> Iterator[Triple]:
    """The triples of some quads, each once, in the order they first come."""
    seen: set[Triple] = set()
    for qs, qp, qo, _graph in quads:
        triple = (qs, qp, qo)
        if triple not in seen:
            seen.add(triple)
            yield triple


class ReadOnce:
    """A dataset that, within a session, reads each node's statements once.

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
        """The quads matching a pattern, from what the session has read where it can."""
        memo: Memo | None = getattr(self.local, "memo", None)
        if memo is None:
            return self.facts.quads(s, p, o)
        pattern = (s, p, o)
        found = memo.patterns.get(pattern)
        if found is not None:
            return found
        if s is not None:
            whole = self.node(memo.subjects, s, (s, None, None))
            if whole is not None:
                some = whole.get(p, [])
                return some if o is None else [q for q in some if q[2] == o]
        elif o is not None:
            whole = self.node(memo.objects, o, (None, None, o))
            if whole is not None:
                return whole.get(p, [])
        found = list(self.facts.quads(s, p, o))
        memo.patterns[pattern] = found
        return found

    def node(
        self,
        fetched: dict[Node, NodeQuads | None],
        node: Node,
        pattern: tuple[Node | None, Node | None, Node | None],
    ) -> NodeQuads | None:
        """A node's quads (by a pattern naming it only), or None: not fetched, or too many.

        A node is fetched whole once WHOLE_AFTER other patterns have named it: a node met
        once or twice (the subject of a premise to locate, and its source passages) costs
        a lookup of each pattern, and one met often a single lookup.
        """
        if node in fetched:
            return fetched[node]
        memo: Memo = self.local.memo
        met = memo.met.get(pattern, 0)
        if met < WHOLE_AFTER:
            memo.met[pattern] = met + 1
            return None
        whole = fetched[node] = by_predicate(self.facts.quads(*pattern), MAX_NODE_QUADS)
        return whole

    def triples(self, s: Node | None, p: Node | None, o: Node | None) -> Iterable[Triple]:
        """The distinct triples matching a pattern."""
        if getattr(self.local, "memo", None) is None:
            return self.facts.triples(s, p, o)
        return distinct(self.quads(s, p, o))

    def schema(self) -> Iterable[Quad]:
        """The schema's quads, as the dataset gives them."""
        return self.facts.schema()
