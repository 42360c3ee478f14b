"""Conflicts between rules: two sources (or passages) filling one post differently at one time."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset

from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.queries import list_named_queries
from kzgov.core.sparql import evaluate, parse_query

ID = "https://w3id.org/kzgov/id/"
QUERY = {q.name: q for q in list_named_queries(PROJECT_ROOT / "queries")}["conflicting-claims"]

# Hypothetical, for the test only.
SOURCES = """
@prefix kz: <https://w3id.org/kzgov/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/kzgov/id/> .
@prefix g: <https://w3id.org/kzgov/graph/> .

g:source-a {
  id:governor kz:appointmentRule id:a-governor .
  id:a-governor kz:appointer id:president ;
    kz:validFrom "1995"^^xsd:gYear ; kz:validUntil "2007"^^xsd:gYear .
  id:mayor kz:appointmentRule id:a-mayor .
  id:a-mayor kz:appointer id:minister ; kz:validUntil "1990"^^xsd:gYear .
  id:speaker kz:electionRule id:a-speaker .
}
g:source-b {
  id:governor kz:electionRule id:b-governor .
  id:b-governor kz:electionMethod kz:DirectElection .
  id:mayor kz:appointmentRule id:b-mayor .
  id:b-mayor kz:appointer id:governor ;
    kz:startTime "1991-03-01T00:00:00Z"^^xsd:dateTime ; kz:startPrecision 11 .
  id:speaker kz:electionRule id:b-speaker .
  id:b-speaker kz:elector id:chamber .
}
g:catalog {
  g:source-a prov:wasDerivedFrom id:source-a .
  g:source-b prov:wasDerivedFrom id:source-b .
}
"""


def rule_conflicts() -> list[dict[str, str]]:
    store = ox.Store()
    store.load(SOURCES.encode(), ox.RdfFormat.TRIG)
    solutions = store.query(QUERY.text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    found = [{n: s[n].value for n in names if s[n] is not None} for s in solutions]
    return [r for r in found if r["claim"].endswith("#fillingRule")]


def test_appointed_in_one_source_and_elected_in_another_at_overlapping_times_is_a_conflict() -> (
    None
):
    [row] = [r for r in rule_conflicts() if r["subject"] == ID + "governor"]
    assert {row["valueA"], row["valueB"]} == {
        f"appointed by {ID}president",
        "elected (DirectElection)",
    }
    assert {row["yearA"], row["yearB"]} == {"1995-2007", "?-?"}
    assert {row["sourceA"], row["sourceB"]} == {ID + "source-a", ID + "source-b"}


def test_rules_whose_periods_never_overlap_are_succession_not_conflict() -> None:
    assert [r for r in rule_conflicts() if r["subject"] == ID + "mayor"] == []


def test_elector_left_unsaid_does_not_contradict_an_elector() -> None:
    assert [r for r in rule_conflicts() if r["subject"] == ID + "speaker"] == []


def test_build_lists_the_rule_conflict_of_two_passages_of_one_source(
    real_build: BuildResult, built_dataset: Dataset
) -> None:
    listed = real_build.summary["conflicts"]
    assert isinstance(listed, list)
    vali = [line for line in listed if "post/turkey-vali" in line]
    assert len(vali) == 1 and "fillingRule" in vali[0]
    result = evaluate(built_dataset, parse_query(QUERY.text))
    rows = [b for b in result.bindings if str(b.get("claim", "")).endswith("#fillingRule")]  # type: ignore[call-overload]
    assert {str(b["sourceA"]) for b in rows} == {ID + "source/abai-kaznpu-2025"}  # type: ignore[call-overload]
