"""Rules that succeed one another: kz:replaces in the data, the closures, the queries and pages.

A succession never dates a rule the source leaves undated: a replaced rule is "not in
force" after its successor starts only when the source gives its end; without one it
stays "in force, dates unknown", however late the year asked.
"""

from __future__ import annotations

import urllib.request

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from conftest import LiveServer
from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.namespaces import KZ, TEMPORAL_GRAPH
from kzgov.core.queries import list_named_queries
from kzgov.core.sparql import evaluate, parse_query
from kzgov.reasoning.temporal import temporal_closure
from test_time import rows

ID = "https://w3id.org/kzgov/id/"
SOURCE = ox.NamedNode("https://w3id.org/kzgov/graph/test-source")
QUERIES = {q.name: q for q in list_named_queries(PROJECT_ROOT / "queries")}
PREFIXES = """
@prefix kz: <https://w3id.org/kzgov/ontology#> .
@prefix id: <https://w3id.org/kzgov/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
# Two offices whose superior changed in 1993: the source dates the end of the first
# office's old rule, and not that of the second's.
SUCCESSIONS = """
id:office-dated kz:subordinationRule id:dated-old , id:dated-new .
id:dated-old kz:superior id:council ; kz:validUntil "1993"^^xsd:gYear .
id:dated-new kz:superior id:president ; kz:validFrom "1993"^^xsd:gYear ;
    kz:replaces id:dated-old .
id:office-undated kz:subordinationRule id:undated-old , id:undated-new .
id:undated-old kz:superior id:council .
id:undated-new kz:superior id:president ;
    kz:startTime "1993-12-10T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 11 ;
    kz:replaces id:undated-old .
"""


def as_of(office: str, year: int) -> dict[str, str]:
    """What an office answers to in a year (accountability-chain-as-of on the closure)."""
    triples = ox.parse(input=(PREFIXES + SUCCESSIONS).encode(), format=ox.RdfFormat.TURTLE)
    quads = [ox.Quad(t.subject, t.predicate, t.object, SOURCE) for t in triples]
    store = ox.Store()
    graph = ox.NamedNode(str(TEMPORAL_GRAPH))
    store.extend(
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in temporal_closure(quads, frozenset({SOURCE}))
    )
    text = QUERIES["accountability-chain-as-of"].bind(
        {"post": f"<{ID}{office}>", "year": str(year)}
    )
    result = store.query(text)
    assert isinstance(result, ox.QuerySolutions)
    found: dict[str, str] = {}
    for row in result:
        principal, status = row["principal"], row["status"]
        assert isinstance(principal, ox.NamedNode) and isinstance(status, ox.Literal)
        found[principal.value.removeprefix(ID)] = status.value
    return found


def test_a_replaced_rule_whose_end_the_source_dates_is_not_in_force_after_its_successor_starts() -> (
    None
):
    assert as_of("office-dated", 1995) == {
        "council": "not in force",
        "president": "in force then",
    }
    assert as_of("office-dated", 1990) == {
        "council": "in force then",
        "president": "not in force",
    }


def test_a_replaced_rule_without_a_dated_end_stays_in_force_with_dates_unknown() -> None:
    assert as_of("office-undated", 1995) == {
        "council": "in force, dates unknown",
        "president": "in force then",
    }


def test_changes_of_1993_show_each_succession_before_and_after_with_both_quotes(
    built_dataset: Dataset,
) -> None:
    found = rows(built_dataset, "reform-changes", {"fromYear": "1993", "toYear": "1993"})
    successions = {
        (r["about"], r["before"], r["item"]): (r["when"], r["beforeQuote"], r["afterQuote"])
        for r in found
        if r["change"] == "rule replaced"
    }
    prefix = "rule/reforms-article-2022/"
    akim = (
        "post/akim",
        prefix + "akim-represents-the-people",
        prefix + "akim-represents-the-president",
    )
    president = (
        "post/president",
        prefix + "president-joint-governance",
        prefix + "president-highest-authority-1993",
    )
    assert set(successions) == {akim, president}
    when, before, after = successions[akim]
    assert when == "1993"
    assert "halk yerine Cumhurba" in before and before == after
    when, before, after = successions[president]
    assert when == "1993"
    assert before.startswith("Yeni anayasayla cumhurba") and "son verilmi" in before
    assert "devletin en yüksek otoritesi" in after


def test_every_change_that_ends_and_introduces_rules_of_one_subject_links_them(
    built_dataset: Dataset,
) -> None:
    found = evaluate(
        built_dataset,
        parse_query(f"""
PREFIX kz: <{KZ}>
SELECT ?change ?ended ?introduced WHERE {{
  GRAPH ?g {{
    ?change a kz:RuleEnding ; kz:endedRule ?ended ; kz:introducedRule ?introduced .
    ?subject ?hanging ?ended , ?introduced .
    FILTER (?hanging IN (kz:appointmentRule, kz:electionRule, kz:dismissalRule,
      kz:accountabilityRule, kz:subordinationRule, kz:fillingRule, kz:power))
    FILTER NOT EXISTS {{ ?introduced kz:replaces ?ended }}
  }}
}}"""),
    )
    assert list(found.bindings) == []
    endings = evaluate(
        built_dataset,
        parse_query(f"PREFIX kz: <{KZ}> SELECT ?c WHERE {{ GRAPH ?g {{ ?c a kz:RuleEnding }} }}"),
    )
    assert len(list(endings.bindings)) >= 2


def page(live_server: LiveServer, path: str) -> str:
    request = urllib.request.Request(live_server.base_url + path, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request) as response:
        text: str = response.read().decode("utf-8")
    return text


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
def test_a_rule_page_says_what_it_replaces_and_the_replaced_rule_what_replaced_it(
    live_server: LiveServer,
) -> None:
    html = page(live_server, "/id/rule/reforms-article-2022/akim-represents-the-president")
    infobox = html.split('class="infobox', 1)[1].split("</aside>", 1)[0]
    assert "<dt>Replaces</dt>" in infobox
    assert "/id/rule/reforms-article-2022/akim-represents-the-people" in infobox
    html = page(live_server, "/id/rule/reforms-article-2022/akim-represents-the-people")
    infobox = html.split('class="infobox', 1)[1].split("</aside>", 1)[0]
    assert "<dt>Replaced by</dt>" in infobox
    assert "/id/rule/reforms-article-2022/akim-represents-the-president" in infobox
