"""What acts did, the powers they gave, and every disagreement of the sources, on the real build."""

from __future__ import annotations

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF

from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.namespaces import KZ
from kzgov.core.queries import list_named_queries
from kzgov.core.sparql import evaluate, parse_query

KZID = "https://w3id.org/kzgov/id/"
KZG = "https://w3id.org/kzgov/graph/"
QUERIES = {q.name: q for q in list_named_queries(PROJECT_ROOT / "queries")}
CONFLICTS_FILE = PROJECT_ROOT / "data" / "conflicts.ttl"


def run(dataset: Dataset, name: str, **values: str) -> list[dict[str, object]]:
    """The rows of a named query, each as a dict of its bound variables."""
    result = evaluate(dataset, parse_query(QUERIES[name].bind(values)))
    return [{str(k): v for k, v in row.items()} for row in result.bindings]


def test_every_disagreement_in_the_data_is_a_row_of_conflicting_claims(
    built_dataset: Dataset,
) -> None:
    conflicts = Graph().parse(CONFLICTS_FILE, format="turtle")
    rows = run(built_dataset, "conflicting-claims")
    listed = {(row["subject"], row["claim"]) for row in rows}
    written = {
        (conflicts.value(d, KZ.disagreementAbout), conflicts.value(d, KZ.disagreementAspect))
        for d in conflicts.subjects(RDF.type, KZ.Disagreement)
    }
    assert len(written) >= 7
    assert written <= listed, written - listed


def test_a_disagreement_inside_one_source_is_listed_with_that_source_twice(
    built_dataset: Dataset,
) -> None:
    rows = run(built_dataset, "conflicting-claims")
    agency = URIRef(KZID + "body/agency-for-civil-service-affairs")
    source = URIRef(KZID + "source/reforms-article-2022")
    [row] = [r for r in rows if r["subject"] == agency]
    assert row["sourceA"] == row["sourceB"] == source
    assert {str(row["valueA"])[:10], str(row["valueB"])[:10]} == {"founded by", "created by"}


def test_each_claim_points_at_a_quoting_statement_in_its_own_source_graph(
    built_dataset: Dataset,
) -> None:
    conflicts = Graph().parse(CONFLICTS_FILE, format="turtle")
    for claim in conflicts.subjects(RDF.type, KZ.Claim):
        source = conflicts.value(claim, KZ.claimSource)
        statement = conflicts.value(claim, KZ.claimStatement)
        graph = built_dataset.graph(URIRef(KZG + str(source).rsplit("/", 1)[1]))
        assert graph.value(statement, KZ.sourcePassage) is not None, (claim, statement)


def test_the_agencys_two_founding_acts_are_two_changes_each_with_its_own_quote(
    built_dataset: Dataset,
) -> None:
    graph = built_dataset.graph(URIRef(KZG + "reforms-article-2022"))
    agency = URIRef(KZID + "body/agency-for-civil-service-affairs")
    changes = set(graph.subjects(KZ.createdThing, agency))
    acts = {graph.value(c, KZ.changeMadeBy) for c in changes}
    assert acts == {
        URIRef(KZID + "act/state-bodies-optimisation-resolution-1998"),
        URIRef(KZID + "act/civil-service-law-1999"),
    }
    quotes = {str(graph.value(c, KZ.sourcePassage)) for c in changes}
    assert len(quotes) == 2
    assert not any(graph.triples((None, KZ.establishes, agency)))


def test_the_2022_decree_changed_the_drafting_power_of_deputy_heads(
    built_dataset: Dataset,
) -> None:
    rows = run(built_dataset, "what-an-act-changed")
    power = URIRef(KZID + "rule/aplus-analytics-2022/deputy-head-draft-agreement")
    assert any(r["kind"] == KZ.PowerGrant and r.get("affected") == power for r in rows)


def test_an_act_is_inferred_to_establish_what_its_creation_change_created(
    built_dataset: Dataset,
) -> None:
    act = URIRef(KZID + "act/state-bodies-optimisation-resolution-1998")
    agency = URIRef(KZID + "body/agency-for-civil-service-affairs")
    inferred = built_dataset.graph(URIRef(KZG + "inferred"))
    assert (act, KZ.establishes, agency) in inferred
    assert (act, KZ.changed, agency) in inferred


def test_which_act_gave_the_maslikhat_a_power_names_the_1993_constitution(
    built_dataset: Dataset,
) -> None:
    rows = run(built_dataset, "act-granting-power")
    assert any(
        r["act"] == URIRef(KZID + "act/constitution-1993")
        and r["kind"] == URIRef(KZID + "power-kind/decision-making")
        for r in rows
    )


def test_powers_over_time_lists_the_presidents_veto_and_dated_powers_first(
    built_dataset: Dataset,
) -> None:
    rows = run(built_dataset, "powers-over-time")
    kinds = [r["kind"] for r in rows]
    assert URIRef(KZID + "power-kind/veto") in kinds
    years = [str(r["validFrom"]) for r in rows if "validFrom" in r]
    assert years and years == sorted(years)
    first_undated = next(i for i, r in enumerate(rows) if "validFrom" not in r)
    assert all("validFrom" not in r for r in rows[first_undated:])
    assert Literal("veto", lang="en") in {r.get("kindLabel") for r in rows}
