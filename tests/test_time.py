"""Time on rules and relations: precision, unknown is not always, and changes in a span of years."""

from __future__ import annotations

from rdflib import Dataset

from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.queries import list_named_queries
from kzgov.core.sparql import evaluate, parse_query

ID = "https://w3id.org/kzgov/id/"
QUERIES = {q.name: q for q in list_named_queries(PROJECT_ROOT / "queries")}


def rows(dataset: Dataset, name: str, values: dict[str, str]) -> list[dict[str, str]]:
    result = evaluate(dataset, parse_query(QUERIES[name].bind(values)))
    names = [str(v) for v in result.vars or []]
    return [
        {n: str(b[n]).removeprefix(ID) for n in names if b.get(n) is not None}  # type: ignore[call-overload]
        for b in result.bindings
    ]


def test_day_precise_rule_start_admits_its_year_and_excludes_the_year_before(
    built_dataset: Dataset,
) -> None:
    president = f"<{ID}post/president>"
    in_1990 = rows(built_dataset, "who-filled-post-in-year", {"post": president, "year": "1990"})
    in_1989 = rows(built_dataset, "who-filled-post-in-year", {"post": president, "year": "1989"})
    assert [(r["validFrom"], r["status"]) for r in in_1990] == [("1990-04-24", "in force then")]
    assert [r["status"] for r in in_1989] == ["not in force"]


def test_undated_rule_is_in_force_with_dates_unknown_never_simply_in_force(
    built_dataset: Dataset,
) -> None:
    oblast_akim = f"<{ID}post/oblast-akim>"
    for year in ("1800", "2022"):
        found = rows(built_dataset, "who-filled-post-in-year", {"post": oblast_akim, "year": year})
        assert {r["status"] for r in found} == {"in force, dates unknown"}
        assert {r["source"] for r in found} == {
            "source/reforms-article-2022",
            "source/country-report-2023",
        }


def test_changes_of_1991_list_the_rule_that_ended_and_the_one_that_began(
    built_dataset: Dataset,
) -> None:
    found = rows(built_dataset, "reform-changes", {"fromYear": "1991", "toYear": "1991"})
    changes = {(r["when"], r["change"], r["item"]) for r in found}
    assert (
        "1991",
        "rule ended",
        "rule/reforms-article-2022/soviet-local-councils-subordinate-to-centre",
    ) in changes
    assert (
        "1991-02-15",
        "rule began",
        "rule/reforms-article-2022/soviet-local-executive-organs-subordinate-to-councils",
    ) in changes
    assert all(r["when"].startswith("1991") for r in found)


def test_changes_of_2021_2022_are_the_acts_the_sources_date(built_dataset: Dataset) -> None:
    found = rows(built_dataset, "reform-changes", {})
    assert {r["item"] for r in found} == {
        "act/public-administration-development-2030-resolution-2021",
        "act/de-bureaucratization-decree-2022",
    }
    assert {"act regulates", "act establishes", "act adopted"} == {r["change"] for r in found}
