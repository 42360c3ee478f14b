"""`kzgov coverage`: every quote is verbatim in its own source and its locator is right."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kzgov.build.coverage import default_sources_dir, measure_coverage, read_quotes
from kzgov.core.layout import PROJECT_ROOT, Layout

SEEDS = default_sources_dir(Layout.default())


def run_coverage(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kzgov", "coverage", *options],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Layout:
    """A copy of the project's data, to spoil."""
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    return Layout(root=tmp_path, build_dir=tmp_path / "build")


def spoil(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_coverage_of_the_real_sources_finds_every_quote_in_place() -> None:
    result = run_coverage()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    rows = re.findall(
        r"^\| ([a-z0-9-]+) \| (\S+\.txt) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$",
        result.stdout,
        re.M,
    )
    assert len(rows) == 5
    for _slug, _file, sentences, quoted, no_fact, uncovered, _quotes in rows:
        assert int(quoted) > 0
        assert int(quoted) + int(no_fact) + int(uncovered) == int(sentences)
    quotes, _locators = read_quotes(Layout.default())
    assert sum(int(row[6]) for row in rows) == len(quotes) > 250


def test_readme_shows_the_coverage_table_the_command_prints() -> None:
    result = run_coverage()
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert result.stdout.strip() in readme


def test_every_quote_carries_the_locator_of_its_sentences() -> None:
    report = measure_coverage(Layout.default(), SEEDS, "../shared/seeds")
    assert report.problems == []
    assert sum(len(locators) for locators in report.locators.values()) >= 240


def test_a_quote_changed_by_one_word_is_not_verbatim(project: Layout) -> None:
    spoil(
        project.data_dir / "country-report-2023.ttl",
        "altı yıllığına seçilmektedir",  # noqa: RUF001
        "beş yıllığına seçilmektedir",  # noqa: RUF001
    )
    problems = measure_coverage(project, SEEDS, "../shared/seeds").problems
    assert any(
        "data/country-report-2023.ttl" in p
        and "regional-senator-election" in p
        and "quote not verbatim in 004_4f4fe4d4a6b35f0a.txt" in p
        for p in problems
    ), problems


def test_a_quote_from_another_source_is_named_as_such(project: Layout) -> None:
    quote = "Kırk yedi üyeli senatonun otuz iki üyesi altı yıllığına seçilmektedir."  # noqa: RUF001
    path = project.data_dir / "aplus-analytics-2022.ttl"
    path.write_text(
        path.read_text(encoding="utf-8")
        + f'\n<https://w3id.org/kzgov/id/rule/aplus-analytics-2022/borrowed> kz:sourcePassage "{quote}"@tr .\n',
        encoding="utf-8",
    )
    problems = measure_coverage(project, SEEDS, "../shared/seeds").problems
    assert any(
        "borrowed" in p and "it is in country-report-2023, another source" in p for p in problems
    ), problems


def test_a_wrong_locator_is_reported(project: Layout) -> None:
    spoil(
        project.data_dir / "country-report-2023.ttl",
        'kz:sourceLocator "s2" ;',
        'kz:sourceLocator "s3" ;',
    )
    problems = measure_coverage(project, SEEDS, "../shared/seeds").problems
    assert any(
        "regional-senator-election" in p and "['s3']" in p and "['s2']" in p for p in problems
    ), problems


def test_a_no_fact_entry_that_does_not_fit_its_sentence_is_reported(project: Layout) -> None:
    spoil(
        project.data_dir / "no-fact-sentences.csv", "abai-kaznpu-2025,s22,", "abai-kaznpu-2025,s23,"
    )
    problems = measure_coverage(project, SEEDS, "../shared/seeds").problems
    assert any(
        p.startswith("data/no-fact-sentences.csv:") and "s23 begins" in p for p in problems
    ), problems


def test_no_fact_entries_each_give_a_reason_and_are_few() -> None:
    report = measure_coverage(Layout.default(), SEEDS, "../shared/seeds")
    sentences = sum(c.sentences for c in report.sources)
    assert 0 < report.no_fact_entries <= sentences // 10
    assert sum(len(c.no_fact) for c in report.sources) == report.no_fact_entries


def test_a_missing_sources_folder_is_a_clear_error() -> None:
    result = run_coverage("--sources", "no-such-folder")
    assert result.returncode == 1
    assert (
        result.stderr
        == "kzgov: no sources folder no-such-folder: give the documents' folder with --sources\n"
    )
    assert "Traceback" not in result.stderr
