"""The stage cache: unchanged inputs are not redone, changed ones redo what depends on them.

Each test builds a scratch copy of the project with the fast reasoner (the reasoners give
the same closure: tests/test_infer_fast.py), changes one thing, builds again, and reads
from the summary which stages were reused. No timing is measured.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Dataset
from rdflib.term import Node

from kzgov.build.pipeline import CACHE_DIR, STAGES, BuildResult, build
from kzgov.build.stage_cache import StageCache
from kzgov.build.stage_entries import INFERRED_TRIPLES
from kzgov.core.errors import KzgovError, ValidationFailed
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.release import DATASET_NQUADS, SUMMARY_JSON, current_release

INPUT_FOLDERS = ("ontology", "data", "queries")


def reused(result: BuildResult) -> dict[str, bool]:
    """Whether each stage of a build was reused, as its summary says."""
    stages = result.summary["stages"]
    assert isinstance(stages, dict)
    return {stage: stages[stage]["reused"] for stage in STAGES}


def parsed_files(result: BuildResult) -> dict[str, str]:
    """For each input file, "parsed" or "reused", as the summary says."""
    stages = result.summary["stages"]
    assert isinstance(stages, dict)
    files = stages["parse"]["files"]
    assert isinstance(files, dict)
    return files


def append(path: Path, text: str) -> None:
    """Add text to the end of a file."""
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def release_quads(result: BuildResult) -> tuple[int, set[tuple[Node, ...]]]:
    """The released dataset, read back from its N-Quads dump: its size and its quads
    without blank nodes (which differ from one reading to the next)."""
    dataset = Dataset()
    dataset.parse(result.release_dir / DATASET_NQUADS, format="nquads")
    quads = list(dataset.quads((None, None, None, None)))
    ground = {q for q in quads if not any(isinstance(term, BNode) for term in q)}
    return len(quads), ground


def entry_dirs(layout: Layout, stage: str) -> list[Path]:
    """The cache entries of one stage."""
    return sorted(p for p in (layout.build_dir / CACHE_DIR / stage).iterdir() if p.is_dir())


@pytest.fixture()
def built_copy(tmp_path: Path) -> tuple[Layout, BuildResult]:
    """A scratch copy of the project's inputs, built once with the fast reasoner."""
    for folder in INPUT_FOLDERS:
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    layout = Layout(root=tmp_path, build_dir=tmp_path / "build")
    return layout, build(layout, reasoner="fast")


def test_first_build_runs_every_stage(built_copy: tuple[Layout, BuildResult]) -> None:
    _layout, first = built_copy
    assert reused(first) == dict.fromkeys(STAGES, False)
    assert set(parsed_files(first).values()) == {"parsed"}


def test_second_build_with_no_input_change_reuses_every_stage(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, first = built_copy
    second = build(layout, reasoner="fast")
    assert reused(second) == dict.fromkeys(STAGES, True)
    assert set(parsed_files(second).values()) == {"reused"}
    written = json.loads((second.release_dir / SUMMARY_JSON).read_text(encoding="utf-8"))
    assert {stage: written["stages"][stage]["reused"] for stage in STAGES} == reused(second)
    assert second.release_dir != first.release_dir
    assert second.summary["graphs"] == first.summary["graphs"]
    assert second.summary["classes"] == first.summary["classes"]
    assert release_quads(second) == release_quads(first)


def test_changed_data_file_is_the_only_file_parsed_again_and_stages_after_parsing_rerun(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, _first = built_copy
    changed = layout.data_dir / "astana-times-corps-a.ttl"
    append(changed, "\n# An editor's note: the bytes change, the facts do not.\n")
    second = build(layout, reasoner="fast")
    files = parsed_files(second)
    assert files.pop("data/astana-times-corps-a.ttl") == "parsed"
    assert set(files.values()) == {"reused"}
    assert reused(second) == {
        "parse": False,
        "validate": False,
        "materialize": False,
        "check": False,
        "write": False,
    }


def test_changed_shape_file_reruns_validation_only(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, _first = built_copy
    append(layout.shapes_dir / "agents.ttl", "\n# A note on the agents' shapes.\n")
    second = build(layout, reasoner="fast")
    assert reused(second) == {
        "parse": True,
        "validate": False,
        "materialize": True,
        "check": True,
        "write": True,
    }


def test_new_quality_check_reruns_the_checks_only(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, _first = built_copy
    layout.checks_dir.mkdir(parents=True, exist_ok=True)
    (layout.checks_dir / "nothing-is-a-test-marker-violation.rq").write_text(
        "SELECT ?thing WHERE { ?thing a <https://w3id.org/kzgov/test#Marker> }\n",
        encoding="utf-8",
    )
    second = build(layout, reasoner="fast")
    assert reused(second) == {
        "parse": True,
        "validate": True,
        "materialize": True,
        "check": False,
        "write": True,
    }


def test_other_reasoner_reruns_materialization_and_the_stages_after_it(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, first = built_copy
    second = build(layout, reasoner="owlrl")
    assert reused(second) == {
        "parse": True,
        "validate": True,
        "materialize": False,
        "check": False,
        "write": False,
    }
    assert second.summary["options"] == {"reasoner": "owlrl", "validator": "fast"}
    assert release_quads(second) == release_quads(first)


def test_corrupt_cache_entry_is_rebuilt_not_trusted(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, first = built_copy
    (entry,) = entry_dirs(layout, "materialize")
    inferred = entry / INFERRED_TRIPLES
    lines = inferred.read_text(encoding="utf-8").splitlines(keepends=True)
    inferred.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    (write_entry,) = entry_dirs(layout, "write")
    shutil.rmtree(write_entry)  # so that the release is written from the recomputed closure
    second = build(layout, reasoner="fast")
    assert reused(second)["materialize"] is False
    assert len((entry / INFERRED_TRIPLES).read_text(encoding="utf-8").splitlines()) == len(lines)
    assert second.summary["triples"] == first.summary["triples"]
    assert release_quads(second) == release_quads(first)


def test_missing_cache_entry_is_rebuilt(built_copy: tuple[Layout, BuildResult]) -> None:
    layout, first = built_copy
    (entry,) = entry_dirs(layout, "validate")
    shutil.rmtree(entry)
    second = build(layout, reasoner="fast")
    assert reused(second)["validate"] is False
    assert entry.is_dir()
    assert len(second.warnings) == len(first.warnings)


def test_entry_with_an_unlisted_file_is_not_trusted(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, _first = built_copy
    (entry,) = entry_dirs(layout, "check")
    (entry / "stray.json").write_text("[]\n", encoding="utf-8")
    second = build(layout, reasoner="fast")
    assert reused(second)["check"] is False


def test_entry_whose_writer_fails_is_never_left_half_written(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")

    def write_then_fail(folder: Path) -> None:
        (folder / "half.nt").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        cache.store("materialize", "k" * 32, write_then_fail)
    assert cache.lookup("materialize", "k" * 32) is None
    assert list((tmp_path / "cache" / "materialize").iterdir()) == []


def test_cached_validation_failure_fails_again_and_keeps_the_last_good_build(
    built_copy: tuple[Layout, BuildResult],
) -> None:
    layout, first = built_copy
    append(
        layout.data_dir / "aplus-analytics-2022.ttl",
        "\n<https://w3id.org/kzgov/id/post/unlabelled-test-post>"
        " a <https://w3id.org/kzgov/ontology#Post> .\n",
    )
    with pytest.raises(ValidationFailed) as fresh:
        build(layout, reasoner="fast")
    with pytest.raises(ValidationFailed) as from_cache:
        build(layout, reasoner="fast")
    assert str(from_cache.value) == str(fresh.value)
    assert "unlabelled-test-post" in str(from_cache.value)
    assert current_release(layout.build_dir) == first.release_dir.resolve()


def test_unknown_reasoner_is_refused_with_the_choices(tmp_path: Path) -> None:
    layout = Layout(root=PROJECT_ROOT, build_dir=tmp_path / "build")
    with pytest.raises(KzgovError, match="unknown reasoner 'hermit': choose one of owlrl, fast"):
        build(layout, reasoner="hermit")
