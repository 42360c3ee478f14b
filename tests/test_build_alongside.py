"""Validation and the closure stages in two forked processes at once (kzgov.build.alongside).

A build that validates in one child while another runs materialize, check and write must give
what a build running every stage in turn gives: the same dumps (the same quads; blank
node labels and the order of a dump may differ between any two builds), the same
validation report and the same summary counts, on the seed project and on a synthetic
one; and fail as that build fails, with the same message, leaving the last good build and
no process behind. The outputs are compared by bench/compare_builds.py, which is also
tested here to notice a changed quad.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kzgov.build.pipeline import ALONGSIDE_MIN_TRIPLES, BuildResult, build, runs_alongside
from kzgov.core.errors import CheckFailed, InconsistentClosure, ValidationFailed
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.release import DATASET_NQUADS, current_release

SYNTHETIC_TRIPLES = 20_000


def bench_module(name: str) -> ModuleType:
    """A script of bench/ as a module."""
    path = PROJECT_ROOT / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"kzgov_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


compare_builds = bench_module("compare_builds")


def build_both_ways(root: Path, builds: Path) -> tuple[BuildResult, BuildResult]:
    """Build a project every stage in turn, then with the closure stages alongside."""
    in_turn = build(Layout(root=root, build_dir=builds / "in-turn"), alongside=False)
    alongside = build(Layout(root=root, build_dir=builds / "alongside"), alongside=True)
    return in_turn, alongside


def assert_same_outputs(in_turn: BuildResult, alongside: BuildResult) -> None:
    verdicts = compare_builds.compare_releases(in_turn.release_dir, alongside.release_dir)
    assert set(verdicts) == {
        "kzgov.nq",
        "kzgov.trig",
        "kzgov.ttl",
        "validation-report.txt",
        "summary.json",
    }
    assert not [v for v in verdicts.values() if v.startswith("DIFFERENT")], verdicts
    assert verdicts["validation-report.txt"] == "identical bytes"
    assert in_turn.summary["triples"] == alongside.summary["triples"]
    assert in_turn.summary["conflicts"] == alongside.summary["conflicts"]


def test_seed_project_gives_the_same_outputs_with_the_closure_stages_alongside(
    tmp_path: Path,
) -> None:
    in_turn, alongside = build_both_ways(PROJECT_ROOT, tmp_path)
    assert_same_outputs(in_turn, alongside)
    stages = alongside.summary["stages"]
    assert isinstance(stages, dict)
    assert {name for name, stage in stages.items() if "alongside" in stage} == {
        "validate",
        "materialize",
        "check",
        "write",
    }
    in_turn_stages = in_turn.summary["stages"]
    assert isinstance(in_turn_stages, dict)
    assert not any("alongside" in stage for stage in in_turn_stages.values())
    assert multiprocessing.active_children() == []


def test_synthetic_project_gives_the_same_outputs_with_the_closure_stages_alongside(
    tmp_path: Path,
) -> None:
    generator = bench_module("generate")
    generator.generate(tmp_path / "project", triples=SYNTHETIC_TRIPLES, seed=0)
    in_turn, alongside = build_both_ways(tmp_path / "project", tmp_path)
    assert_same_outputs(in_turn, alongside)
    inferred = alongside.summary["graphs"]
    assert isinstance(inferred, dict)
    assert inferred["https://w3id.org/kzgov/graph/temporal"] > 0


def test_the_comparison_notices_a_changed_quad(real_build: BuildResult, tmp_path: Path) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(real_build.release_dir, changed)
    dump = changed / DATASET_NQUADS
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    ground = next(i for i, line in enumerate(lines) if '"' in line and "_:" not in line)
    lines[ground] = lines[ground].replace('"', '"changed ', 1)
    dump.write_text("".join(lines), encoding="utf-8")
    verdicts = compare_builds.compare_releases(real_build.release_dir, changed)
    assert verdicts["kzgov.nq"].startswith("DIFFERENT quads without blank nodes")
    assert verdicts["kzgov.ttl"] == "identical bytes"


def test_the_comparison_notices_a_changed_blank_node_quad(
    real_build: BuildResult, tmp_path: Path
) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(real_build.release_dir, changed)
    dump = changed / DATASET_NQUADS
    lines = dump.read_text(encoding="utf-8").splitlines(keepends=True)
    with_blank = next(i for i, line in enumerate(lines) if line.startswith("_:"))
    del lines[with_blank]
    dump.write_text("".join(lines), encoding="utf-8")
    verdicts = compare_builds.compare_releases(real_build.release_dir, changed)
    assert verdicts["kzgov.nq"].startswith("DIFFERENT quads with blank nodes")


def copy_with_good_build(into: Path) -> Layout:
    """A scratch copy of the project's inputs, with a good build made in turn."""
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, into / folder)
    layout = Layout(root=into, build_dir=into / "build")
    build(layout, alongside=False)
    return layout


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def failure_both_ways(tmp_path: Path, breaks: object, error: type[Exception]) -> list[str]:
    """Break two copies the same way; the message of each build (alongside, then in turn).

    Each copy keeps its last good build and no process is left running.
    """
    messages = []
    for name, alongside in (("alongside", True), ("in-turn", False)):
        layout = copy_with_good_build(tmp_path / name)
        before = current_release(layout.build_dir)
        assert before is not None
        dump = (before / DATASET_NQUADS).read_bytes()
        assert callable(breaks)
        breaks(layout)
        with pytest.raises(error) as caught:
            build(layout, alongside=alongside)
        messages.append(str(caught.value).replace(str(layout.root), "ROOT"))
        assert current_release(layout.build_dir) == before
        assert (before / DATASET_NQUADS).read_bytes() == dump
        assert multiprocessing.active_children() == []
    return messages


def test_shacl_violation_stops_the_closure_process_with_the_same_report(tmp_path: Path) -> None:
    def unlabelled_post(layout: Layout) -> None:
        append(
            layout.data_dir / "aplus-analytics-2022.ttl",
            "\n<https://w3id.org/kzgov/id/post/unlabelled-test-post>"
            " a <https://w3id.org/kzgov/ontology#Post> .\n",
        )

    alongside, in_turn = failure_both_ways(tmp_path, unlabelled_post, ValidationFailed)
    assert "unlabelled-test-post" in alongside
    assert alongside == in_turn


def test_inconsistent_closure_in_the_closure_process_fails_with_its_message(
    tmp_path: Path,
) -> None:
    def same_and_different(layout: Layout) -> None:
        append(
            layout.ontology_dir / "kzgov.ttl",
            "\n<https://w3id.org/kzgov/test#x> <http://www.w3.org/2002/07/owl#sameAs>"
            " <https://w3id.org/kzgov/test#y> .\n<https://w3id.org/kzgov/test#y>"
            " <http://www.w3.org/2002/07/owl#differentFrom> <https://w3id.org/kzgov/test#x> .\n",
        )

    alongside, in_turn = failure_both_ways(tmp_path, same_and_different, InconsistentClosure)
    assert "test#x" in alongside or "test#y" in alongside
    assert alongside == in_turn


def test_failed_quality_check_in_the_closure_process_fails_with_its_rows(tmp_path: Path) -> None:
    def check_that_fails(layout: Layout) -> None:
        layout.checks_dir.mkdir(parents=True, exist_ok=True)
        (layout.checks_dir / "no-posts-at-all.rq").write_text(
            "SELECT ?post WHERE { ?post a <https://w3id.org/kzgov/ontology#Post> } LIMIT 1\n",
            encoding="utf-8",
        )

    alongside, in_turn = failure_both_ways(tmp_path, check_that_fails, CheckFailed)
    assert "no-posts-at-all.rq: post=<https://w3id.org/kzgov/" in alongside
    assert alongside == in_turn


def test_a_large_graph_runs_alongside_unless_told_otherwise() -> None:
    def counted() -> int:
        raise AssertionError("the store is loaded only to decide")

    assert runs_alongside(True, counted) and not runs_alongside(False, counted)
    assert runs_alongside(None, lambda: ALONGSIDE_MIN_TRIPLES, cores=2)
    assert not runs_alongside(None, lambda: ALONGSIDE_MIN_TRIPLES - 1, cores=2)
    assert not runs_alongside(None, lambda: ALONGSIDE_MIN_TRIPLES, cores=1)  # one core: in turn


def test_the_command_line_builds_the_seed_in_turn_unless_asked_for_alongside(
    tmp_path: Path,
) -> None:
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    kzgov = Path(sys.executable).with_name("kzgov")
    environment = {**os.environ, "KZGOV_ROOT": str(tmp_path)}
    marked = []
    for options in ([], ["--alongside"], ["--in-turn"]):
        shutil.rmtree(tmp_path / "build", ignore_errors=True)
        done = subprocess.run(
            [str(kzgov), "build", "--json", "--quiet", *options],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        stages = json.loads(done.stdout)["stages"]
        marked.append(sorted(name for name, stage in stages.items() if "alongside" in stage))
    assert marked == [[], ["check", "materialize", "validate", "write"], []]
