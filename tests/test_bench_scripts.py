"""Every benchmark script imports and answers --help (bench/ has no other test).

`make bench` runs for many minutes, so a script that no longer imports (a name moved
in kzgov) would otherwise be found only at the end of a long run, or not at all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))
HELP_SECONDS = 120


def test_the_bench_folder_has_scripts() -> None:
    assert {"suite.py", "http_peers.py", "http_latency.py"} <= {path.name for path in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_a_bench_script_imports_and_answers_help(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        cwd=BENCH,
        timeout=HELP_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:"), done.stdout
    assert "Traceback" not in done.stderr
