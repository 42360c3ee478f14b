"""The build: parse, validate, materialize, write; errors say where; failures keep the last good build."""

from __future__ import annotations

import weakref
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL

from conftest import run_kzgov
from kzgov.build.pipeline import BuildResult, build
from kzgov.core.collector import garbage_collection_paused, release_memory
from kzgov.core.errors import InputSyntaxError, MissingBuild, ValidationFailed
from kzgov.core.layout import Layout
from kzgov.core.namespaces import INFERRED_GRAPH, KZG, ONTOLOGY_GRAPH
from kzgov.core.release import CURRENT_LINK, DATASET_NQUADS, current_release
from kzgov.store.memory import open_dataset


def release_fingerprint(layout: Layout) -> tuple[Path, bytes]:
    """The current release folder and its N-Quads dump, to prove a failed build left them alone."""
    release = current_release(layout.build_dir)
    assert release is not None
    return release, (release / DATASET_NQUADS).read_bytes()


def test_build_writes_asserted_and_inferred_graphs_apart(real_build: BuildResult) -> None:
    graphs = real_build.summary["graphs"]
    assert isinstance(graphs, dict)
    assert graphs[str(INFERRED_GRAPH)] > 0
    assert graphs[str(ONTOLOGY_GRAPH)] > 0
    assert graphs[str(KZG["reforms-article-2022"])] > 0
    for name in ("kzgov.trig", "kzgov.nq", "kzgov.ttl", "summary.json", "validation-report.txt"):
        assert (real_build.release_dir / name).is_file(), name


def test_inferred_graph_has_no_reflexive_sameas_and_no_literal_subjects(built_dataset) -> None:
    inferred = built_dataset.graph(INFERRED_GRAPH)
    assert len(inferred) > 0
    assert not [(s, o) for s, o in inferred.subject_objects(OWL.sameAs) if s == o]
    assert not [t for t in inferred if isinstance(t[0], Literal)]
    assert not [t for t in inferred if not isinstance(t[1], URIRef)]


def test_inferred_graph_holds_no_asserted_triple(built_dataset) -> None:
    inferred = built_dataset.graph(INFERRED_GRAPH)
    for graph in built_dataset.graphs():
        if graph.identifier == INFERRED_GRAPH:
            continue
        overlap = [t for t in graph if t in inferred and not isinstance(t[0], BNode)]
        assert not overlap[:5], f"asserted in {graph.identifier} and also in the inferred graph"


def test_turtle_syntax_error_names_file_and_line_and_keeps_last_build(
    scratch_project: Layout,
) -> None:
    before = release_fingerprint(scratch_project)
    broken = scratch_project.data_dir / "country-report-2023.ttl"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines.insert(20, 'post:broken rdfs:label "unterminated .')
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputSyntaxError) as caught:
        build(scratch_project)
    assert caught.value.path == "data/country-report-2023.ttl"
    assert caught.value.line == 21
    assert release_fingerprint(scratch_project) == before
    finished = run_kzgov(scratch_project, "build", "--quiet")
    assert finished.returncode == 1
    assert "data/country-report-2023.ttl:21:" in finished.stderr
    assert "syntax error" in finished.stderr
    assert release_fingerprint(scratch_project) == before


def test_unknown_prefix_is_named_with_its_file_and_line(scratch_project: Layout) -> None:
    broken = scratch_project.data_dir / "astana-times-corps-a.ttl"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text + '\nnosuchprefix:thing rdfs:label "x"@en .\n', encoding="utf-8")
    with pytest.raises(InputSyntaxError) as caught:
        build(scratch_project)
    assert 'Prefix "nosuchprefix:" not bound' in str(caught.value)
    assert caught.value.line == text.count("\n") + 2


def test_shacl_violation_names_focus_path_message_and_file_and_keeps_last_build(
    scratch_project: Layout,
) -> None:
    before = release_fingerprint(scratch_project)
    broken = scratch_project.data_dir / "aplus-analytics-2022.ttl"
    broken.write_text(
        broken.read_text(encoding="utf-8")
        + "\n<https://w3id.org/kzgov/id/post/unlabelled-test-post>"
        " a <https://w3id.org/kzgov/ontology#Post> .\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        build(scratch_project)
    report = str(caught.value)
    assert "focus node: <https://w3id.org/kzgov/id/post/unlabelled-test-post>" in report or (
        "post:unlabelled-test-post" in report
    )
    assert "rdfs:label" in report
    assert "English label" in report
    assert "in file:    data/aplus-analytics-2022.ttl" in report
    assert release_fingerprint(scratch_project) == before
    finished = run_kzgov(scratch_project, "build", "--quiet")
    assert finished.returncode == 2
    assert "data/aplus-analytics-2022.ttl" in finished.stderr


def test_successful_rebuild_swaps_the_current_link(scratch_project: Layout) -> None:
    first, _ = release_fingerprint(scratch_project)
    second = build(scratch_project).release_dir
    assert second != first
    assert (scratch_project.build_dir / CURRENT_LINK).resolve() == second


def test_query_without_build_says_to_run_build(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path, build_dir=tmp_path / "nothing-here")
    with pytest.raises(MissingBuild, match="run `kzgov build`"):
        open_dataset(layout)
    finished = run_kzgov(layout, "query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert finished.returncode == 1
    assert "run `kzgov build` first" in finished.stderr


class Cyclic:
    """An object that points at itself, as an rdflib graph and its namespace manager do."""

    def __init__(self) -> None:
        self.itself = self


def test_release_memory_frees_cycles_while_collection_is_paused() -> None:
    with garbage_collection_paused():
        garbage = Cyclic()
        alive = weakref.ref(garbage)
        del garbage
        assert alive() is not None  # reference counting alone cannot free a cycle
        assert release_memory() >= 1
        assert alive() is None
