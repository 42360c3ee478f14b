"""The W3C SPARQL 1.0 and 1.1 query tests on each store: no pass is lost, the guards cost none.

`sparql_conformance` runs each test through the code a query worker runs for /sparql
(admission, guards, the store's answer) on its own dataset, and on the bare engine; the
sparql:URL store gets each dataset by `kzgov publish`'s code, on a real Oxigraph server.
The committed tests/w3c-expected.json lists the tests each store passes; a test that
passed and now fails fails here by name (rewrite the file with
`.venv/bin/python tests/sparql_conformance.py --write-expected` when a count goes up).
"""

from __future__ import annotations

import pytest

from sparql_conformance import (
    ADMISSION_GAPS,
    STORE_TO_ENGINE,
    STORES,
    SUITE_DIR,
    W3CTest,
    load_tests,
    passed_on_engine,
    passed_on_store,
    read_expected,
)


@pytest.fixture(scope="module")
def w3c_tests() -> list[W3CTest]:
    """The tests run: approved or without an approval status."""
    return load_tests()


@pytest.fixture(scope="module", params=STORES)
def store_results(request: pytest.FixtureRequest, w3c_tests: list[W3CTest]) -> tuple[str, set[str]]:
    """A store and the tests it passes through kzgov."""
    store: str = request.param
    return store, passed_on_store(store, w3c_tests)


def test_the_suite_copy_is_whole_and_licensed(w3c_tests: list[W3CTest]) -> None:
    assert (SUITE_DIR / "LICENSE.md").is_file()
    assert (SUITE_DIR / "sparql10" / "LICENSE").is_file()
    kinds = {test.kind for test in w3c_tests}
    assert kinds == {"evaluation", "positive", "negative"}
    assert len(w3c_tests) > 750
    assert all(test.query.is_file() for test in w3c_tests)


def test_no_store_passes_fewer_tests_than_recorded(store_results: tuple[str, set[str]]) -> None:
    store, passed = store_results
    recorded = set(read_expected()[store])
    lost = sorted(recorded - passed)
    assert not lost, f"--store {store} no longer passes: {lost}"
    assert len(passed) >= len(recorded)


@pytest.fixture(scope="module")
def engine_results(w3c_tests: list[W3CTest]) -> dict[str, set[str]]:
    """The tests each bare engine passes."""
    engines = sorted(set(STORE_TO_ENGINE.values()))
    return {engine: passed_on_engine(engine, w3c_tests) for engine in engines}


def test_kzgov_costs_no_test_its_engine_passes(
    store_results: tuple[str, set[str]], engine_results: dict[str, set[str]]
) -> None:
    store, passed = store_results
    bare = engine_results[STORE_TO_ENGINE[store]]
    known = set(read_expected()[ADMISSION_GAPS][store])
    assert sorted(bare - passed) == sorted(known)
