"""Rules run to a fixpoint on an Oxigraph store, as SPARQL updates, semi-naively.

A rule is a conjunction of triple patterns (its body) that gives one triple pattern (its
head), with a table of values (SPARQL's VALUES) for the variables that the schema fixes,
such as the pairs of classes of rdfs:subClassOf for cax-sco. The facts are every triple in
the store's named graphs: the input in one graph, and each round's derived triples in a
graph of their own, so that no triple is ever copied and each round's graph says what the
round added.

Round n runs each rule as an INSERT into round n's graph, once for each pattern of its
body, with that pattern matched in round n-1's graph only and the others in any graph:
semi-naive evaluation, since a rule instance that has not been applied yet has a triple
from the last round (https://en.wikipedia.org/wiki/Datalog#Evaluation). NOT EXISTS keeps
out the triples the store already holds. A rule, or a row of its table, that is new runs
once over all the graphs. Rows, and whole runs, that cannot match are left out beforehand,
from the predicates and the rdf:type objects each graph holds. The fixpoint is reached when
a round adds nothing.

A caller-given function may add triples and replace the rules before a round (the fast
reasoner computes the schema closure in Python there, and compiles the rules from it): it
is called before the first round, and again after each round that added a triple of the
vocabulary it says it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ROUND_GRAPH_PREFIX = "urn:kzgov:rule-engine:round:"

Token = str | ox.NamedNode  # a variable such as "?x", or an IRI
Pattern = tuple[Token, Token, Token]
Row = tuple[ox.NamedNode, ...]


@dataclass(frozen=True)
class Rule:
    """A rule: body patterns give the head; VALUES rows bind some of its variables.

    Attributes:
        name: the rule's name and, for rules compiled per schema axiom, the axiom's
            terms: it identifies the rule from one preparation to the next.
        head: the pattern of the triples it derives.
        body: the patterns its premises match.
        variables: the variables the rows bind, such as ("?c1", "?c2").
        rows: one tuple of IRIs per binding; a rule without variables has the empty row.
        condition: a SPARQL expression each solution must satisfy, or "".
    """

    name: str
    head: Pattern
    body: tuple[Pattern, ...]
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ((),)
    condition: str = ""


@dataclass
class Vocabulary:
    """The predicates, and the objects of rdf:type, that some graphs hold.

    Attributes:
        predicates: every predicate.
        types: every object of an rdf:type triple.
    """

    predicates: set[ox.NamedNode] = field(default_factory=set)
    types: set[ox.NamedNode] = field(default_factory=set)

    def update(self, other: Vocabulary) -> None:
        """Add another vocabulary's terms."""
        self.predicates |= other.predicates
        self.types |= other.types

    def can_match(self, pattern: Pattern, binding: dict[str, ox.NamedNode]) -> bool:
        """Whether a pattern, some of its variables bound, may match a triple here."""
        predicate = resolve(pattern[1], binding)
        if predicate is None:
            return bool(self.predicates)
        if predicate not in self.predicates:
            return False
        kind = resolve(pattern[2], binding)
        return predicate != RDF_TYPE or kind is None or kind in self.types


def resolve(token: Token, binding: dict[str, ox.NamedNode]) -> ox.NamedNode | None:
    """The IRI a token stands for, given a row's bindings; None for a free variable."""
    if isinstance(token, ox.NamedNode):
        return token
    return binding.get(token)


def render(token: Token) -> str:
    """A token in SPARQL syntax."""
    return str(token)


def render_pattern(pattern: Pattern) -> str:
    """A triple pattern in SPARQL syntax."""
    return " ".join(render(token) for token in pattern)


def vocabulary_of(store: ox.Store, graph: ox.NamedNode) -> Vocabulary:
    """The predicates and rdf:type objects of one graph of a store."""
    found = Vocabulary()
    for solution in select(store, f"SELECT DISTINCT ?p WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"):
        if isinstance(solution[0], ox.NamedNode):
            found.predicates.add(solution[0])
    if RDF_TYPE in found.predicates:
        query = f"SELECT DISTINCT ?o WHERE {{ GRAPH {graph} {{ ?s {RDF_TYPE} ?o }} }}"
        for solution in select(store, query):
            if isinstance(solution[0], ox.NamedNode):
                found.types.add(solution[0])
    return found


def select(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    """The solutions of a SELECT query."""
    answer = store.query(query)
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query}")
    yield from answer


def round_graph(number: int) -> ox.NamedNode:
    """The graph that holds the triples of one round (round 0: the input)."""
    return ox.NamedNode(f"{ROUND_GRAPH_PREFIX}{number}")


Prepare = Callable[[], tuple[Iterable[ox.Triple], list[Rule]]]


class Saturation:
    """Runs rules on a store until no round adds a triple.

    Attributes:
        store: the store; its graph round_graph(0) holds the input.
        prepare: gives triples to add and the rules to run; see the module's docstring.
        reads: the vocabulary whose new triples make `prepare` run again.
        rounds: the graphs of the rounds that added triples, in order.
        statements: the number of SPARQL updates run, for the curious.
    """

    def __init__(self, store: ox.Store, prepare: Prepare, reads: Vocabulary) -> None:
        """Set up the run; nothing is derived yet.

        Args:
            store: a store whose graph round_graph(0) holds the input; no other graph
                may start with ROUND_GRAPH_PREFIX.
            prepare: called before the first round and after each round that added a
                triple with a predicate of `reads`, or an rdf:type triple whose object
                is one of its types; gives triples to add in the coming round (they
                must not be in the store yet) and the rules to run from then on.
            reads: see `prepare`.
        """
        self.store = store
        self.prepare = prepare
        self.reads = reads
        self.rounds: list[ox.NamedNode] = []
        self.statements = 0

    def run(self) -> list[ox.NamedNode]:
        """Run the rounds to the fixpoint.

        Returns:
            The graphs of the rounds that added triples, in order.
        """
        held = vocabulary_of(self.store, round_graph(0))
        delta: Vocabulary | None = None  # what the last round added: None before round 1
        applied: dict[str, set[Row]] = {}
        rules: list[Rule] = []
        prepare = True
        number = 1
        while True:
            target = round_graph(number)
            if prepare:
                added, rules = self.prepare()
                self.store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in added)
                held.update(vocabulary_of(self.store, target))
            for rule in rules:
                done = applied.setdefault(rule.name, set())
                new_rows = tuple(row for row in rule.rows if row not in done)
                old_rows = tuple(row for row in rule.rows if row in done)
                if new_rows:
                    self.apply(rule, new_rows, target, held, None)
                if old_rows and delta is not None:
                    for index in range(len(rule.body)):
                        self.apply(rule, old_rows, target, held, (index, delta))
                done.update(new_rows)
            added_now = vocabulary_of(self.store, target)
            if not added_now.predicates:
                return self.rounds
            self.rounds.append(target)
            held.update(added_now)
            delta = added_now
            prepare = bool(added_now.predicates & self.reads.predicates) or (
                RDF_TYPE in added_now.predicates and bool(added_now.types & self.reads.types)
            )
            number += 1

    def apply(
        self,
        rule: Rule,
        rows: tuple[Row, ...],
        target: ox.NamedNode,
        held: Vocabulary,
        delta: tuple[int, Vocabulary] | None,
    ) -> None:
        """Run one rule, for the rows of its table that may match, into this round's graph.

        Args:
            rule: the rule.
            rows: the rows to run it for.
            target: the graph of this round.
            held: the vocabulary of the whole store.
            delta: the body pattern matched in the last round's graph only, with that
                graph's vocabulary; None to match every pattern in every graph.
        """
        kept = []
        for row in rows:
            binding = dict(zip(rule.variables, row, strict=True))
            if not all(held.can_match(pattern, binding) for pattern in rule.body):
                continue
            if delta is None or delta[1].can_match(rule.body[delta[0]], binding):
                kept.append(row)
        if not kept:
            return
        last = (delta[0], self.rounds[-1]) if delta is not None else None
        self.store.update(update_text(rule, tuple(kept), target, last))
        self.statements += 1


def update_text(
    rule: Rule,
    rows: tuple[Row, ...],
    target: ox.NamedNode,
    delta: tuple[int, ox.NamedNode] | None,
) -> str:
    """The SPARQL update that runs a rule once.

    Args:
        rule: the rule.
        rows: the rows of its table to use.
        target: the graph the derived triples go to.
        delta: the body pattern matched in one graph only (the last round's), and that
            graph; None to match every pattern in every graph.

    Returns:
        An INSERT ... WHERE update.
    """
    head = render_pattern(rule.head)
    lines = [f"INSERT {{ GRAPH {target} {{ {head} }} }}", "WHERE {"]
    if rule.variables:
        table = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
        lines.append(f"  VALUES ({' '.join(rule.variables)}) {{ {table} }}")
    order = list(range(len(rule.body)))
    if delta is not None:
        order.remove(delta[0])
        order.insert(0, delta[0])
    for index in order:
        graph = str(delta[1]) if delta is not None and index == delta[0] else f"?g{index}"
        lines.append(f"  GRAPH {graph} {{ {render_pattern(rule.body[index])} }}")
    if rule.condition:
        lines.append(f"  FILTER ({rule.condition})")
    lines.append(f"  FILTER NOT EXISTS {{ GRAPH ?held {{ {head} }} }}")
    lines.append("}")
    return "\n".join(lines)
