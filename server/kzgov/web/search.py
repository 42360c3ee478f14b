"""Finding entities by their labels in any language and script, ignoring case and accents.

The search is a SPARQL query run through the executor. The user's text never enters
the query as syntax: it is folded (accents and case removed), turned into a regular
expression whose every letter also matches its accented forms, and written as an
escaped SPARQL string literal.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from kzgov.core.namespaces import INFERRED_GRAPH, KZ
from kzgov.web.describe import fetch_labels
from kzgov.web.linking import short_name
from kzgov.web.lookup import Executor, select, string_literal, values_clause
from kzgov.web.transliteration import spelling_pattern

# The shortest text searched for: one letter would match nearly every label.
MIN_QUERY_CHARACTERS = 2
# The longest text searched for.
MAX_QUERY_CHARACTERS = 200
# The most matching labels read; the entities they name are what the page lists.
MAX_MATCHED_LABELS = 500

SEARCHED_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, DCTERMS.title)

# Letters and the accented forms that match them (the Latin letters of Turkish,
# Kazakh Latin and the common Western European accents). Case is left to the
# regular expression's "i" flag.
LETTER_TO_VARIANTS = {
    "a": "aàáâäãåāăą",
    "c": "cçćč",
    "e": "eèéêëēėęě",
    "g": "gğ",
    "i": "iìíîïī\u0131įİ",  # \u0131: the dotless i
    "n": "nñńň",
    "o": "oòóôöõōø",
    "s": "sşśšș",
    "t": "tţț",
    "u": "uùúûüūů",
    "y": "yýÿ",
    "z": "zžźż",
}

# Letters that do not decompose into a base letter and a combining mark.
UNDECOMPOSED_TO_BASE = str.maketrans({"\u0131": "i", "ø": "o", "İ": "i"})


@dataclass(frozen=True)
class Hit:
    """An entity whose label matched.

    Attributes:
        iri: the entity.
        label: its display label (English if it has one).
        matched: the labels that matched, with their language tags.
        types: its kzgov classes, as short names.
        rank: lower is better: an exact match, then a prefix, then a word start, then any.
        matches_at_rank: how many of its labels match at that rank.
    """

    iri: URIRef
    label: str
    matched: tuple[Literal, ...]
    types: tuple[URIRef, ...]
    rank: int
    matches_at_rank: int = 1


def fold(text: str) -> str:
    """Text without case or accents: "Cumhurbaşkan\u0131" -> "cumhurbaskani"."""
    decomposed = unicodedata.normalize("NFD", text.translate(UNDECOMPOSED_TO_BASE))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).lower()


def accent_pattern(text: str) -> str:
    """A regular expression that matches the text with or without accents.

    Args:
        text: what the user typed.

    Returns:
        The pattern: each letter also matches its accented forms and its spellings in
        the other script and language (kzgov.transliteration), each regular-expression
        special character is escaped, runs of spaces match any whitespace.
    """
    return spelling_pattern(" ".join(fold(text).split()), LETTER_TO_VARIANTS)


def search_query(text: str) -> str:
    """The SELECT of the labels that contain the text, case- and accent-insensitively.

    Args:
        text: what the user typed.

    Returns:
        The query; the text only appears inside an escaped string literal.
    """
    properties = " ".join(f"<{p}>" for p in SEARCHED_PROPERTIES)
    pattern = string_literal(accent_pattern(text))
    return (
        "SELECT DISTINCT ?entity ?label WHERE {\n"
        f"  VALUES ?property {{ {properties} }}\n"
        "  ?entity ?property ?label .\n"
        f'  FILTER(isIRI(?entity) && isLiteral(?label) && REGEX(STR(?label), {pattern}, "i"))\n'
        "}\n"
        f"LIMIT {MAX_MATCHED_LABELS}"
    )


def types_query(iris: list[str]) -> str:
    """The SELECT of the kzgov classes stated (not inferred) for some entities."""
    return (
        "SELECT DISTINCT ?x ?type WHERE {\n"
        f"  {values_clause('x', iris)}\n"
        f"  GRAPH ?g {{ ?x <{RDF.type}> ?type }}\n"
        f'  FILTER(?g != <{INFERRED_GRAPH}> && STRSTARTS(STR(?type), "{KZ}"))\n'
        "}"
    )


def label_ranks(text: str, labels: list[Literal]) -> list[int]:
    """How well each label matches: 0 exact, 1 prefix, 2 word start, 3 anywhere else.

    The labels are compared with the search pattern, so a label in the other script or
    language ranks as its own spelling would ("Senat" is an exact match for "Сенат").
    """
    pattern = re.compile(accent_pattern(text), re.IGNORECASE)
    ranks = []
    for label in labels:
        spaced = " ".join(str(label).split())
        if pattern.fullmatch(spaced):
            ranks.append(0)
        elif pattern.match(spaced):
            ranks.append(1)
        elif any(
            m.start() == 0 or not spaced[m.start() - 1].isalnum() for m in pattern.finditer(spaced)
        ):
            ranks.append(2)
        else:
            ranks.append(3)
    return ranks


def rank_of(text: str, labels: list[Literal]) -> int:
    """How well the best of an entity's labels matches: 0 exact, 1 prefix, 2 word start, 3 any."""
    return min(label_ranks(text, labels), default=3)


def order_key(hit: Hit) -> tuple[int, int, int, str]:
    """The order of the hits: the best rank first, then the entity more of whose labels match at it.

    So "Сенат" lists the Senate, whose Russian and English names begin with it, before the
    Chair of the Senate, whose Kazakh name alone does; then shorter labels first.
    """
    return (hit.rank, -hit.matches_at_rank, len(hit.label), hit.label.lower())


def is_searchable(text: str) -> bool:
    """Whether a text is long enough, and short enough, to search for."""
    stripped = " ".join(text.split())
    return MIN_QUERY_CHARACTERS <= len(stripped) <= MAX_QUERY_CHARACTERS


def find_entities(executor: Executor, text: str) -> list[Hit]:
    """Find the entities with a label that contains the text.

    Args:
        executor: the query executor.
        text: what the user typed (at least MIN_QUERY_CHARACTERS).

    Returns:
        The entities, best matches first.

    Raises:
        KzgovError: the executor refused or stopped a query.
    """
    matched: dict[URIRef, list[Literal]] = defaultdict(list)
    for row in select(executor, search_query(text)):
        entity, label = row.get("entity"), row.get("label")
        if isinstance(entity, URIRef) and isinstance(label, Literal):
            matched[entity].append(label)
    if not matched:
        return []
    types: dict[Node, list[URIRef]] = defaultdict(list)
    for row in select(executor, types_query([str(i) for i in matched])):
        kind = row.get("type")
        if isinstance(kind, URIRef):
            types[row["x"]].append(kind)
    labels = fetch_labels(executor, matched)
    hits = []
    for iri, found in matched.items():
        ranks = label_ranks(text, sorted(set(found)))
        hits.append(
            Hit(
                iri=iri,
                label=labels.get(iri) or short_name(iri),
                matched=tuple(sorted(found, key=lambda lit: (lit.language or "", str(lit)))),
                types=tuple(sorted(types.get(iri, []))),
                rank=min(ranks),
                matches_at_rank=ranks.count(min(ranks)),
            )
        )
    return sorted(hits, key=order_key)
