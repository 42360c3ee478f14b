"""`SELECT *` gives its columns in the order the query first names the variables, on every store."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import LiveServer, query_url, send
from kzgov.core.projection import in_written_order, selects_star

WRITTEN_ORDER_QUERIES = [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 2", ["s", "p", "o"]),
    (
        "SELECT DISTINCT * WHERE { ?zeta a ?alpha . ?zeta ?mid ?alpha } LIMIT 2",
        ["zeta", "alpha", "mid"],
    ),
    (
        "# ?comment is not a variable\nSELECT * WHERE { ?post a kz:Post ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name"
        ' FILTER(?name != "?b") } LIMIT 2',
        ["post", "name"],
    ),
]


@pytest.mark.parametrize(("query", "columns"), WRITTEN_ORDER_QUERIES)
@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
)
def test_select_star_columns_come_in_the_order_the_query_names_them(
    live_server: LiveServer, query: str, columns: list[str], accept: str
) -> None:
    response = send("GET", query_url(live_server.endpoint, query=query), headers={"Accept": accept})
    assert response.status == 200, response.text
    if accept.endswith("json"):
        head = json.loads(response.text)["head"]["vars"]
    elif accept.endswith("xml"):
        head = [part.split('"')[1] for part in response.text.split("<variable ")[1:]]
    else:
        head = next(csv.reader(io.StringIO(response.text)))
    assert head == columns


def test_an_explicit_projection_keeps_its_own_order(live_server: LiveServer) -> None:
    query = "SELECT ?o ?s WHERE { ?s ?p ?o } LIMIT 1"
    response = send(
        "GET",
        query_url(live_server.endpoint, query=query),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert json.loads(response.text)["head"]["vars"] == ["o", "s"]


def test_only_the_outer_select_star_is_reordered() -> None:
    assert selects_star("PREFIX a: <http://x/?y>\nselect  reduced * { ?b ?a ?c }")
    assert not selects_star("SELECT ?c { SELECT * { ?b ?a ?c } }")
    assert in_written_order("SELECT * { ?b ?a ?c }", ["a", "b", "c"]) == ["b", "a", "c"]
    assert in_written_order("SELECT ?a ?c ?b { ?b ?a ?c }", ["a", "c", "b"]) == ["a", "c", "b"]
