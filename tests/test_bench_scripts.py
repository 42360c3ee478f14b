"""Every benchmark script imports and answers --help; their reports share one header.

`make bench` runs for many minutes, so a script that no longer imports (a name moved
in kzgov) would otherwise be found only at the end of a long run, or not at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
# Modules the scripts import, not scripts themselves.
MODULES = {"bench_report.py", "process_cpu.py"}
SCRIPTS = sorted(path for path in BENCH.glob("*.py") if path.name not in MODULES)
HELP_SECONDS = 120


def test_the_bench_folder_has_scripts() -> None:
    assert {"suite.py", "http_peers.py", "http_latency.py"} <= {path.name for path in SCRIPTS}


def run_script(script: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run a bench script from the bench folder, as `make bench` does; what it did."""
    return subprocess.run(
        [sys.executable, str(script), *arguments],
        capture_output=True,
        text=True,
        cwd=BENCH,
        timeout=HELP_SECONDS,
        check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_a_bench_script_imports_and_answers_help(script: Path) -> None:
    done = run_script(script, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:"), done.stdout
    assert "Traceback" not in done.stderr


def test_every_report_says_how_and_where_it_was_measured(tmp_path: Path) -> None:
    output = tmp_path / "results" / "figures.json"
    program = (
        "import sys; from pathlib import Path; from bench_report import write_report;"
        f" write_report(Path({str(output)!r}), 'join-cpu', {{'runs': [1, 2]}})"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, "--rounds", "3"],
        capture_output=True,
        text=True,
        cwd=BENCH,
        timeout=HELP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {output}\n"
    report = json.loads(output.read_text(encoding="utf-8"))
    assert list(report)[:4] == ["benchmark", "command", "measured_at", "machine"]
    assert report["benchmark"] == "join-cpu"
    assert report["command"] == "python bench/-c --rounds 3"
    assert report["machine"]["cpus"] == os.cpu_count()
    assert report["runs"] == [1, 2]


def test_a_target_measured_in_rounds_reports_its_median_round() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from http_peers import Measurement, median_round
    finally:
        sys.path.remove(str(BENCH))

    def measured(per_second: float, p99: float) -> Measurement:
        return Measurement(
            "kzgov-oxigraph", "3-way join", throughput_per_second=per_second, p99_ms=p99
        )

    chosen = median_round([measured(71.0, 1.0), measured(79.5, 2.0), measured(64.2, 3.0)])
    assert (chosen.throughput_per_second, chosen.p99_ms) == (71.0, 1.0)
    assert chosen.round_throughputs == [71.0, 79.5, 64.2]
    # Of an even number of rounds, the lower of the middle two (never flattering).
    assert median_round([measured(80.0, 1.0), measured(70.0, 2.0)]).throughput_per_second == 70.0
    # A failed round is reported rather than hidden behind the others.
    failed = Measurement("kzgov-oxigraph", "3-way join", error="connection refused")
    assert median_round([measured(80.0, 1.0), failed]).error == "connection refused"


@pytest.mark.parametrize("script", ["http_peers.py", "suite.py"])
def test_a_load_of_no_rounds_is_refused_before_anything_runs(script: str) -> None:
    done = run_script(BENCH / script, "--rounds", "0")
    assert done.returncode == 2, done.stderr
    assert "--rounds" in done.stderr and "must be positive" in done.stderr
    assert "Traceback" not in done.stderr
