"""Shared fixtures: one real build of the project per test session, and scratch copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset

from kzgov.build import BuildResult, build
from kzgov.layout import PROJECT_ROOT, Layout
from kzgov.store import open_dataset

INPUT_FOLDERS = ("ontology", "data", "queries")


@pytest.fixture(scope="session")
def real_layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The real project, building into a folder of its own (never the user's build/)."""
    return Layout(root=PROJECT_ROOT, build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def real_build(real_layout: Layout) -> BuildResult:
    """A real build of the real ontology and data."""
    return build(real_layout)


@pytest.fixture(scope="session")
def built_dataset(real_build: BuildResult, real_layout: Layout) -> Dataset:
    """The built dataset, as the query command and the server open it."""
    return open_dataset(real_layout)


def copy_project(into: Path) -> Layout:
    """Copy the project's inputs into a scratch folder, to break them safely."""
    for folder in INPUT_FOLDERS:
        shutil.copytree(PROJECT_ROOT / folder, into / folder)
    return Layout(root=into, build_dir=into / "build")


@pytest.fixture()
def scratch_project(tmp_path: Path) -> Iterator[Layout]:
    """A copy of the project's inputs with a good build in it, to break and rebuild."""
    layout = copy_project(tmp_path / "project")
    build(layout)
    yield layout


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --regenerate-expected, the only way to rewrite the named queries' expected answers."""
    parser.addoption(
        "--regenerate-expected",
        action="store_true",
        help="rewrite queries/*.srj from the current build (review the diff before committing)",
    )


@pytest.fixture(scope="session")
def regenerate_expected(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the expected answers of the named queries."""
    return bool(request.config.getoption("--regenerate-expected"))
