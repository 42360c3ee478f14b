"""Oxigraph's own SPARQL JSON and XML writers, as the oxigraph store uses them: same caps.

The oxigraph store hands SELECT and ASK answers in SPARQL JSON or XML to Oxigraph's
serializers (`kzgov.store.oxigraph.written_by_oxigraph`); these tests hold it to the
row and byte caps every store keeps, and to the same answers as rdflib's writers.
"""

from __future__ import annotations

import json
from io import BytesIO

import pyoxigraph as ox
import pytest
from rdflib.query import Result

from kzgov.core.errors import ResultTooLarge
from kzgov.core.limits import ResultLimits
from kzgov.store.oxigraph import more_rows_than, rows_begun, written_by_oxigraph

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
ROWS = 50
ALL = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """ROWS triples whose objects are literals with markup, quotes and newlines."""
    store = ox.Store()
    predicate = ox.NamedNode("http://example.org/p")
    for i in range(ROWS):
        value = ox.Literal(f'<result> "{i}" }},{{\n', language="en")
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i:03}"), predicate, value))
    return store


def answer(store: ox.Store, query: str, media_type: str, rows: int, size: int) -> bytes:
    """The body Oxigraph writes for a query, within caps of rows and bytes."""
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean)
    return written_by_oxigraph(result, media_type, ResultLimits(rows, size)).body


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_answer_reads_back_as_the_same_rows(store: ox.Store, media_type: str) -> None:
    body = answer(store, ALL, media_type, ROWS, 10**6)
    rows = list(Result.parse(source=BytesIO(body), format=media_type.split("+")[1]))
    assert len(rows) == ROWS
    assert str(rows[7][1]) == '<result> "7" },{\n'
    assert rows[7][1].language == "en"


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_one_row_over_the_cap_is_refused(store: ox.Store, media_type: str) -> None:
    assert answer(store, ALL, media_type, ROWS, 10**6)
    with pytest.raises(ResultTooLarge, match=f"more than {ROWS - 1} rows"):
        answer(store, ALL, media_type, ROWS - 1, 10**6)


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_an_answer_over_the_byte_cap_is_refused(store: ox.Store, media_type: str) -> None:
    size = len(answer(store, ALL, media_type, ROWS, 10**6))
    assert answer(store, ALL, media_type, ROWS, size)
    with pytest.raises(ResultTooLarge, match=f"more than the {size - 1} bytes"):
        answer(store, ALL, media_type, ROWS, size - 1)


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_rows_past_the_row_cap_before_the_byte_cap_say_rows(
    store: ox.Store, media_type: str
) -> None:
    size = len(answer(store, ALL, media_type, ROWS, 10**6))
    with pytest.raises(ResultTooLarge, match="more than 3 rows"):
        answer(store, ALL, media_type, 3, size // 2)


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_rows_begun_counts_only_complete_rows(store: ox.Store, media_type: str) -> None:
    body = answer(store, ALL, media_type, ROWS, 10**6)
    assert rows_begun(body, media_type) == ROWS
    cut_in_second_row = body.index(b"s001") + 4
    assert rows_begun(body[:cut_in_second_row], media_type) == 1
    assert rows_begun(body[: len(body) // 2], media_type) in range(ROWS // 2 - 2, ROWS // 2 + 2)


def test_ask_is_written_as_a_boolean(store: ox.Store) -> None:
    body = answer(store, "ASK { ?s ?p ?o }", JSON, 0, 10**6)
    assert json.loads(body)["boolean"] is True


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_more_rows_than_is_exact(store: ox.Store, media_type: str) -> None:
    body = answer(store, ALL, media_type, ROWS, 10**6)
    assert not more_rows_than(body, media_type, ROWS)
    assert more_rows_than(body, media_type, ROWS - 1)
    # Each value holds "},{": the quick bound of the JSON counts every row twice.
    three = answer(store, ALL + " LIMIT 3", media_type, ROWS, 10**6)
    assert not more_rows_than(three, media_type, 3)
    assert more_rows_than(three, media_type, 2)


@pytest.mark.parametrize("media_type", [JSON, XML])
def test_more_rows_than_counts_the_shortest_rows(store: ox.Store, media_type: str) -> None:
    # Solutions that bind nothing are the shortest rows there are (`{}`, `<result></result>`):
    # the bound taken from the body's length must not let one row past the cap through.
    body = answer(store, "SELECT ?unbound WHERE { ?s ?p ?o }", media_type, ROWS, 10**6)
    assert not more_rows_than(body, media_type, ROWS)
    assert more_rows_than(body, media_type, ROWS - 1)
    assert not more_rows_than(body[:1], media_type, 0)
