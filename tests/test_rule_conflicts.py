"""Conflicts between rules: two sources (or passages) filling one post differently at one time."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kzgov.build.pipeline import BuildResult, build
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.queries import list_named_queries
from kzgov.core.sparql import evaluate, parse_query
from test_infer_fast import load_generator

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


def test_a_synthetic_build_lists_its_conflicts_with_sources_from_the_catalog(
    tmp_path: Path,
) -> None:
    # Graph kzg:temporal says prov:wasDerivedFrom of thousands of derivations here; the
    # query must name each graph's source from the catalog, not pair those derivations up.
    load_generator().generate(tmp_path / "project", triples=10_000, seed=7)
    layout = Layout(root=tmp_path / "project", build_dir=tmp_path / "build")
    listed = build(layout).summary["conflicts"]
    assert isinstance(listed, list)
    filling = [line for line in listed if "#fillingRule" in line]
    assert filling, "the synthetic akims appointed until 2021 and elected from 2021 conflict"
    for line in listed:
        sources = re.findall(r"source[AB]=(\S+?)(?:,|$)", line)
        assert len(sources) == 2 and all(s.startswith("<" + ID + "source/") for s in sources), line
