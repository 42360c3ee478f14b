"""The conflicts page: each row of the named query `conflicting-claims`, its two claims side by side.

The page runs the named query as it is, whatever columns it has: a column whose name
ends in `A` and has a twin ending in `B` belongs to one claim each (`sourceA`/`sourceB`,
`valueA`/`valueB`, ...), the other columns (`subject`, `claim`, ...) to the conflict.
A claim's quotes are the `kz:sourcePassage` of the nodes of its source's graph that
state it: the subject itself, or a node linking to the subject (a figure, a period...)
that holds the claimed value or is linked by the claimed property. A query that returns
its own quote columns (`quoteA`/`quoteB` or `passageA`/`passageB`) is shown as it says,
a quote a line (`conflicting-claims` joins the passages of a claim's statement so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from kzgov.core.namespaces import KZ
from kzgov.web.describe import fetch_labels
from kzgov.web.linking import short_name
from kzgov.web.lookup import SPARQL_RESULTS_JSON, Executor, iri_ref, read_rows, select

QUOTE_COLUMNS = ("quote", "passage", "sourcePassage")
PROV_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"


@dataclass
class Claim:
    """One side of a conflict.

    Attributes:
        source: the source document that makes the claim, if the query names it.
        fields: (column, value) pairs of this side, the source and quotes aside.
        passages: the verbatim quotes that state the claim.
    """

    source: URIRef | None
    fields: list[tuple[str, Node]] = field(default_factory=list)
    passages: list[Literal] = field(default_factory=list)


@dataclass
class Conflict:
    """One row of `conflicting-claims`.

    Attributes:
        common: (column, value) pairs the two claims share (subject, claim...).
        claims: the two claims, A then B.
    """

    common: list[tuple[str, Node]]
    claims: tuple[Claim, Claim]

    @property
    def subject(self) -> Node | None:
        """The entity the claims are about (the `subject` column, else the first one)."""
        found = dict(self.common)
        return found.get("subject") or (self.common[0][1] if self.common else None)

    @property
    def claim(self) -> Node | None:
        """What the claims are about on the subject (the `claim` column)."""
        return dict(self.common).get("claim")


@dataclass
class Listing:
    """The conflicts, with the labels of what they link to.

    Attributes:
        conflicts: the rows of the query.
        labels: display labels of every IRI shown.
    """

    conflicts: list[Conflict]
    labels: dict[URIRef, str]

    def label(self, term: Node) -> str:
        """The display label of a term."""
        if isinstance(term, URIRef):
            return self.labels.get(term) or short_name(term)
        return str(term)


def passages_query(subject: URIRef, claim: Node | None, value: Node | None, source: URIRef) -> str:
    """The SELECT of the quotes, in a source's graphs, that state one claim about a subject."""
    tests = []
    if value is not None:
        value_test = f"EXISTS {{ ?n ?any {value.n3()} }}"
        if isinstance(claim, URIRef):
            value_test = (
                f"({value_test} && (NOT EXISTS {{ ?n <{KZ.measure}> ?m }}"
                f" || EXISTS {{ ?n <{KZ.measure}> {claim.n3()} }}))"
            )
        tests.append(value_test)
    if isinstance(claim, URIRef):
        tests.append(f"?link = {claim.n3()}")
    linked = ""
    if tests:
        linked = (
            f"UNION {{ ?n ?link {iri_ref(str(subject))} ; <{KZ.sourcePassage}> ?passage"
            f" FILTER({' || '.join(tests)}) }}"
        )
    # Quotes of a source's periods (or figures) come in their order in the source.
    return (
        "SELECT ?passage (MIN(?ordinal) AS ?order) WHERE {\n"
        f"  GRAPH ?g {{ {{ {iri_ref(str(subject))} <{KZ.sourcePassage}> ?passage }} {linked} }}\n"
        f"  OPTIONAL {{ ?n <{KZ.ordinal}> ?ordinal }}\n"
        f"  ?g <{PROV_DERIVED_FROM}> {iri_ref(str(source))} .\n"
        "} GROUP BY ?passage ORDER BY ?order ?passage"
    )


def quotes_in(column_value: Literal) -> list[Literal]:
    """The quotes of a quote column: one per line (a query joins several passages so).

    Each keeps the column's language, as the page marks every quote with its language.
    """
    return [
        Literal(line, lang=column_value.language)
        for line in str(column_value).split("\n")
        if line.strip()
    ]


def split_row(row: Mapping[str, Node | None], columns: list[str]) -> Conflict:
    """A result row as the conflict's shared columns and its two claims."""
    paired = [c[:-1] for c in columns if c.endswith("A") and c[:-1] + "B" in columns]
    common = [
        (c, term) for c in columns if c[:-1] not in paired and (term := row.get(c)) is not None
    ]
    sides = []
    for suffix in ("A", "B"):
        source = row.get("source" + suffix)
        claim = Claim(source if isinstance(source, URIRef) else None)
        for name in paired:
            term = row.get(name + suffix)
            if term is None or name == "source":
                continue
            if name in QUOTE_COLUMNS and isinstance(term, Literal):
                claim.passages.extend(quotes_in(term))
            else:
                claim.fields.append((name, term))
        sides.append(claim)
    return Conflict(common, (sides[0], sides[1]))


def conflicts_listing(
    executor: Executor,
    query_text: str,
    source_of_graph: Mapping[URIRef, URIRef],
    language: str = "en",
) -> Listing:
    """Run `conflicting-claims` and gather both claims of each row with their quotes.

    Args:
        executor: the query executor.
        query_text: the named query's text.
        source_of_graph: the source document of each source graph.
        language: the language of the labels.

    Returns:
        The conflicts in the query's order.

    Raises:
        KzgovError: the executor refused or stopped a query.
    """
    columns, rows = read_rows(executor.run(query_text, SPARQL_RESULTS_JSON).body)
    conflicts = [split_row(row, columns) for row in rows]
    names: set[URIRef] = set(source_of_graph.values())
    for conflict in conflicts:
        names.update(v for _c, v in conflict.common if isinstance(v, URIRef))
        subject, claim_property = conflict.subject, conflict.claim
        for claim in conflict.claims:
            names.update(v for _c, v in claim.fields if isinstance(v, URIRef))
            if claim.source is not None:
                names.add(claim.source)
            if claim.passages or claim.source is None or not isinstance(subject, URIRef):
                continue
            value = dict(claim.fields).get("value")
            for found in select(
                executor, passages_query(subject, claim_property, value, claim.source)
            ):
                passage = found.get("passage")
                if isinstance(passage, Literal):
                    claim.passages.append(passage)
    return Listing(conflicts, fetch_labels(executor, names, language))
