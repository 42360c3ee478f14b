"""Each named query returns its expected answer (queries/<name>.srj beside it).

Regenerate the answers only on purpose, and review the diff:
    .venv/bin/pytest tests/test_queries.py --regenerate-expected
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from kzgov.core.formats import with_project_prefixes
from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.queries import NamedQuery, list_named_queries
from kzgov.core.sparql import evaluate, parse_query

NAMED_QUERIES = list_named_queries(PROJECT_ROOT / "queries")
KZID = "https://w3id.org/kzgov/id/"


def rows_of(result: Result) -> list[tuple[object, ...]]:
    """The rows of a SELECT result as tuples in variable order (None where unbound)."""
    variables = list(result.vars or [])
    return [tuple(binding.get(v) for v in variables) for binding in result.bindings]


def describe_rows(rows: list[tuple[object, ...]]) -> str:
    return "\n".join("  " + " | ".join("" if v is None else str(v) for v in row) for row in rows)


def test_there_are_at_least_fifteen_named_queries() -> None:
    assert len(NAMED_QUERIES) >= 15


@pytest.mark.parametrize("query", NAMED_QUERIES, ids=[q.name for q in NAMED_QUERIES])
def test_named_query_returns_expected_answer(
    query: NamedQuery, built_dataset: Dataset, regenerate_expected: bool
) -> None:
    assert query.title and query.description, "the header needs a title and a description"
    result = evaluate(built_dataset, parse_query(query.bind({})))
    expected_path: Path = query.expected_path
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        if regenerate_expected:
            # Written with kzgov's prefixes (post:, wd:, ps:...), as `kzgov query` prints it.
            with_project_prefixes(result.graph).serialize(expected_path, format="turtle")
        expected = Graph().parse(expected_path, format="turtle")
        assert isomorphic(result.graph, expected)
        return
    if regenerate_expected:
        expected_path.write_bytes(result.serialize(format="json") or b"")
        _pretty_print_json(expected_path)
    with expected_path.open("rb") as answer:
        expected = Result.parse(answer, format="json")
    if query.form == "ASK":
        assert result.askAnswer == expected.askAnswer
        return
    actual_rows = rows_of(result)
    expected_rows = rows_of(expected)
    assert actual_rows, f"{query.name} returned no rows"
    if "ORDER BY" in query.text.upper():
        assert actual_rows == expected_rows, (
            f"rows differ from {expected_path.name} (in order)\n"
            f"got:\n{describe_rows(actual_rows)}\nexpected:\n{describe_rows(expected_rows)}"
        )
    else:
        missing = Counter(expected_rows) - Counter(actual_rows)
        extra = Counter(actual_rows) - Counter(expected_rows)
        assert not missing and not extra, (
            f"missing:\n{describe_rows(list(missing.elements()))}\n"
            f"extra:\n{describe_rows(list(extra.elements()))}"
        )


def _pretty_print_json(path: Path) -> None:
    import json

    path.write_text(
        json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )


def test_wikidata_style_p748_query_finds_the_president_as_appointer(built_dataset: Dataset) -> None:
    query = next(q for q in NAMED_QUERIES if q.name == "wikidata-appointed-by")
    result = evaluate(built_dataset, parse_query(query.bind({})))
    pairs = {(str(row[0]), str(row[2])) for row in rows_of(result)}
    president = KZID + "post/president"
    assert (KZID + "post/prime-minister", president) in pairs
    assert (KZID + "post/oblast-akim", president) in pairs


def test_named_query_parameters_change_the_answer(built_dataset: Dataset) -> None:
    query = next(q for q in NAMED_QUERIES if q.name == "who-appoints-post")
    default = rows_of(evaluate(built_dataset, parse_query(query.bind({}))))
    other = rows_of(
        evaluate(built_dataset, parse_query(query.bind({"post": f"<{KZID}post/oblast-akim>"})))
    )
    assert default and other and default != other
    assert URIRef(KZID + "post/president") in {row[0] for row in other}
