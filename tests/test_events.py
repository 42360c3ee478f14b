"""Office events and tenures: who held a post on a date, who appointed them, Wikidata's shape.

The real build holds the few persons the sources date; the appointer's holder is derived
from tenures, which the sources never give for an appointment, so that part runs on a small
hypothetical dataset written here (never in data/), on rdflib and on Oxigraph alike.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.queries import NamedQuery, list_named_queries
from kzgov.core.sparql import evaluate, parse_query

ID = "https://w3id.org/kzgov/id/"
QUERIES = {q.name: q for q in list_named_queries(PROJECT_ROOT / "queries")}
PRESIDENT = f"<{ID}post/president>"
PRIME_MINISTER = f"<{ID}post/prime-minister>"

# Hypothetical, for the test only: a PM appointed by the President on a day, and another
# appointment known only to the year, in a year the presidency changed hands.
HYPOTHETICAL = """
@prefix kz: <https://w3id.org/kzgov/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/kzgov/id/> .

<https://w3id.org/kzgov/graph/test-source> {
  id:person-a kz:tenure id:a-president .
  id:a-president kz:tenureOf <https://w3id.org/kzgov/id/post/president> ;
    kz:startTime "1990-01-01T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 9 ;
    kz:endTime "2019-03-20T00:00:00Z"^^xsd:dateTime ; kz:endPrecision 11 .
  id:person-b kz:tenure id:b-president .
  id:b-president kz:tenureOf <https://w3id.org/kzgov/id/post/president> ;
    kz:startTime "2019-03-20T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 11 .
  id:person-c kz:tenure id:c-pm .
  id:c-pm kz:tenureOf <https://w3id.org/kzgov/id/post/prime-minister> ;
    kz:startTime "2019-02-25T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 11 ;
    kz:startedBy id:c-appointed .
  id:c-appointed a kz:AppointmentEvent ;
    kz:eventPerson id:person-c ; kz:eventPost <https://w3id.org/kzgov/id/post/prime-minister> ;
    kz:eventTime "2019-02-25T00:00:00Z"^^xsd:dateTime ; kz:eventTimePrecision 11 ;
    kz:appointingPost <https://w3id.org/kzgov/id/post/president> .
  id:person-d kz:tenure id:d-pm .
  id:d-pm kz:tenureOf <https://w3id.org/kzgov/id/post/prime-minister> ;
    kz:startTime "2019-01-01T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 9 ;
    kz:endTime "2020-01-01T00:00:00Z"^^xsd:dateTime ; kz:endPrecision 9 ;
    kz:startedBy id:d-appointed ; kz:endCause kz:Resignation .
  id:d-appointed a kz:AppointmentEvent ;
    kz:eventPerson id:person-d ; kz:eventPost <https://w3id.org/kzgov/id/post/prime-minister> ;
    kz:eventTime "2019-01-01T00:00:00Z"^^xsd:dateTime ; kz:eventTimePrecision 9 ;
    kz:appointingPost <https://w3id.org/kzgov/id/post/president> .
}
<https://w3id.org/kzgov/graph/test-source> prov:wasDerivedFrom id:source-test .
"""

Rows = list[dict[str, str]]


def rows_in_memory(text: str, dataset: Dataset) -> Rows:
    result = evaluate(dataset, parse_query(text))
    variables = [str(v) for v in result.vars or []]
    return [
        {name: str(b[name]) for name in variables if b.get(name) is not None}  # type: ignore[call-overload]
        for b in result.bindings
    ]


def rows_in_oxigraph(text: str, trig: str) -> Rows:
    store = ox.Store()
    store.load(trig.encode(), ox.RdfFormat.TRIG)
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


@pytest.fixture(scope="module")
def hypothetical() -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.parse(data=HYPOTHETICAL, format="trig")
    return dataset


def run_both(query: NamedQuery, values: dict[str, str], dataset: Dataset) -> Rows:
    """The query's rows on rdflib; asserts Oxigraph gives the same rows."""
    text = query.bind(values)
    memory = rows_in_memory(text, dataset)
    oxigraph = rows_in_oxigraph(text, HYPOTHETICAL)

    def key(r: dict[str, str]) -> str:
        return repr(sorted((k, v.replace("+00:00", "Z")) for k, v in r.items()))

    assert sorted(map(key, memory)) == sorted(map(key, oxigraph))
    return memory


def pick(rows: Rows, column: str) -> set[str]:
    return {r[column].removeprefix(ID) for r in rows if column in r}


def test_appointer_of_a_day_precise_appointment_is_the_president_holding_office_that_day(
    hypothetical: Dataset,
) -> None:
    rows = run_both(
        QUERIES["who-appointed-holder"],
        {"post": PRIME_MINISTER, "date": '"2019-06-01"'},
        hypothetical,
    )
    by_person = {r["person"].removeprefix(ID): r for r in rows if "person-c" in r["person"]}
    assert set(by_person) == {"person-c"}
    row = by_person["person-c"]
    assert row["appointingPerson"] == ID + "person-a"
    assert row["appointerBasis"] == "derived from tenures"
    assert row["how"] == "AppointmentEvent"


def test_year_precise_appointment_lists_every_president_of_that_year(
    hypothetical: Dataset,
) -> None:
    rows = run_both(
        QUERIES["who-appointed-holder"],
        {"post": PRIME_MINISTER, "date": '"2019"'},
        hypothetical,
    )
    d_rows = [r for r in rows if r["person"] == ID + "person-d"]
    assert pick(d_rows, "appointingPerson") == {"person-a", "person-b"}


def test_holder_whose_tenure_ended_before_the_date_is_not_listed(hypothetical: Dataset) -> None:
    rows = run_both(
        QUERIES["who-appointed-holder"],
        {"post": PRIME_MINISTER, "date": '"2021-05"'},
        hypothetical,
    )
    assert pick(rows, "person") == {"person-c"}


def test_real_build_president_in_1989_is_only_the_undated_tenures(
    built_dataset: Dataset,
) -> None:
    text = QUERIES["who-appointed-holder"].bind({"post": PRESIDENT, "date": '"1989"'})
    rows = rows_in_memory(text, built_dataset)
    assert {r["status"] for r in rows} == {"dates not stated"}
    assert ID + "source/reforms-article-2022" not in {r["source"] for r in rows}


def test_real_build_tokayev_is_shown_in_office_on_the_day_of_the_decree(
    built_dataset: Dataset,
) -> None:
    text = QUERIES["who-appointed-holder"].bind({"post": PRESIDENT, "date": '"2022-04-13"'})
    rows = rows_in_memory(text, built_dataset)
    tokayev = [r for r in rows if r["person"] == ID + "person/kassym-jomart-tokayev"]
    assert [(r["status"], r["how"], r["appointingPerson"]) for r in tokayev] == [
        ("held then", "not stated", "not stated")
    ]


def test_wikidata_statement_carries_start_end_appointer_and_end_cause(
    hypothetical: Dataset,
) -> None:
    result = evaluate(hypothetical, parse_query(QUERIES["officeholder-statements"].text))
    graph: Graph = result.graph  # type: ignore[assignment]
    tenure = URIRef(ID + "d-pm")
    pq = "http://www.wikidata.org/prop/qualifier/"
    assert (URIRef(ID + "person-d"), URIRef("http://www.wikidata.org/prop/P39"), tenure) in graph
    assert graph.value(tenure, URIRef(pq + "P748")) == URIRef(ID + "post/president")
    assert graph.value(tenure, URIRef(pq + "P1534")) == URIRef(
        "https://w3id.org/kzgov/ontology#Resignation"
    )
    end = graph.value(tenure, URIRef(pq + "P582"))
    assert isinstance(end, Literal) and end.datatype == XSD.dateTime
    value = graph.value(tenure, URIRef("http://www.wikidata.org/prop/qualifier/value/P582"))
    precision = graph.value(value, URIRef("http://wikiba.se/ontology#timePrecision"))
    assert precision == Literal(9)
