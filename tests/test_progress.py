"""Progress lines: said only for stages over a second, with counts and rate; --quiet says nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kzgov.build.progress import StageProgress
from kzgov.core.layout import PROJECT_ROOT, Layout


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def follow(stage: str) -> tuple[StageProgress, FakeClock, list[str]]:
    """A stage's progress on a fake clock, and the lines it reports."""
    clock, lines = FakeClock(), []
    return StageProgress(stage, lines.append, clock=clock), clock, lines


def test_stage_within_a_second_reports_nothing() -> None:
    progress, clock, lines = follow("check")
    progress.advance(5_000)
    clock.now += 0.4
    progress.tick()
    progress.finish()
    assert lines == []


def test_long_stage_reports_its_count_and_rate_after_a_second_and_at_the_end() -> None:
    progress, clock, lines = follow("parse")
    progress.advance(150_000)
    clock.now += 1.5
    progress.tick()
    progress.tick()  # not due again so soon
    progress.advance(150_000)
    clock.now += 1.5
    progress.note = "16 of 16 files parsed"
    progress.finish()
    assert lines == [
        "parse: 150,000 triples so far, 1.5 s (100,000 triples/s)",
        "parse: 300,000 triples, 16 of 16 files parsed in 3.0 s (100,000 triples/s)",
    ]


def test_stage_of_known_size_reports_its_size_while_running() -> None:
    progress, clock, lines = follow("materialize")
    progress.size = 40_000
    clock.now += 2.0
    progress.tick()
    clock.now += 2.0
    progress.note = "9,000 inferred"
    progress.finish()
    assert lines == [
        "materialize: 40,000 triples, running for 2.0 s",
        "materialize: 40,000 triples, 9,000 inferred in 4.0 s (10,000 triples/s)",
    ]


def run_build(layout: Layout, *options: str) -> subprocess.CompletedProcess[str]:
    """Run `kzgov build` on a project as a user would."""
    command = [sys.executable, "-m", "kzgov", "--root", str(layout.root),
               "--build-dir", str(layout.build_dir), "build", "--reasoner", "fast", *options]  # fmt: skip
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(command, capture_output=True, text=True, check=False, env=environment)


def test_build_reports_its_stages_on_stderr_and_quiet_silences_them(tmp_path: Path) -> None:
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    layout = Layout(root=tmp_path, build_dir=tmp_path / "build")
    first = run_build(layout, "--quiet")
    assert first.returncode == 0, first.stderr
    talkative = run_build(layout)
    assert talkative.returncode == 0, talkative.stderr
    assert "stages: parse reused, validate reused, materialize reused, check reused," in (
        talkative.stderr
    )
    assert "Built " in talkative.stdout
    silent = run_build(layout, "--quiet")
    assert silent.returncode == 0
    assert "stages:" not in silent.stderr
    assert "Built " in silent.stdout
