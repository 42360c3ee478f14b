"""Bad data files that rdflib reads but Oxigraph refuses end in file:line, not a traceback.

The real `kzgov build` on a scratch copy of the project, with the three files of the
reliability review (F8): an IRI with a space, an IRI with an escaped NUL, a 60 MB literal.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project
from kzgov.core.release import current_release

DATA_FILE = "data/aplus-analytics-2022.ttl"


def build_with(tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    """Add text to a data file (or write a new one) and run `kzgov build`."""
    layout = copy_project(tmp_path / "project")
    path = layout.root / name
    with path.open("a", encoding="utf-8") as data:
        data.write(text)
    command = [sys.executable, "-m", "kzgov", "--root", str(layout.root),
               "--build-dir", str(layout.build_dir), "build", "--quiet"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert current_release(layout.build_dir) is None
    return done


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('\n<http://a b/c> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n', "Invalid IRI"),
        ('\n<http://a/\\u0000> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n', "IRI"),
    ],
)
def test_iri_that_rdflib_takes_and_rdf_forbids_names_file_and_line(
    tmp_path: Path, text: str, reason: str
) -> None:
    done = build_with(tmp_path, DATA_FILE, text)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    said = done.stderr.strip().splitlines()
    lines = len((Path(__file__).parents[1] / DATA_FILE).read_text(encoding="utf-8").splitlines())
    assert said[-1].startswith(f"kzgov: {DATA_FILE}:{lines + 2}:1: syntax error:"), said
    assert reason in said[-1]
    # rdflib's own warning ("... does not look like a valid URI"), without a file or a
    # line, no longer comes before kzgov's message: the message is the whole output.
    assert len(said) == 1, said


def test_literal_too_long_to_parse_names_the_file(tmp_path: Path) -> None:
    text = '<http://a/b> <http://a/c> "' + "x" * (60 * 1024 * 1024) + '" .\n'
    done = build_with(tmp_path, "data/zz-huge-literal.ttl", text)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("kzgov: data/zz-huge-literal.ttl: syntax error: a term"), last
    assert "too long" in last


def test_a_control_character_the_parser_quotes_is_shown_escaped(tmp_path: Path) -> None:
    # Rerun of review F8 against 4de2cb9: the message quoted the NUL itself, raw.
    text = '\n<http://a/\\u0000> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'
    done = build_with(tmp_path, DATA_FILE, text)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "\x00" not in done.stderr
    assert "'\\u0000'" in last, last
