"""The command line as a new user meets it: column order, pipes, usage errors, prefixes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Dataset
from rdflib.namespace import OWL, RDF

from conftest import LiveServer, run_kzgov, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import KZ, ONTOLOGY_GRAPH


def test_select_star_columns_come_in_written_order_on_the_command_line(
    real_build: BuildResult, real_layout: Layout
) -> None:
    for query, columns in [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", ["s", "p", "o"]),
        ("SELECT * WHERE { ?zeta ?mid ?alpha } LIMIT 1", ["zeta", "mid", "alpha"]),
    ]:
        for fmt in ("csv", "table"):
            for _ in range(3):
                done = run_kzgov(
                    real_layout, "query", query, "--format", fmt,
                    environment={"PYTHONHASHSEED": "random"},
                )  # fmt: skip
                assert done.returncode == 0, done.stderr
                first = done.stdout.splitlines()[0]
                head = next(csv.reader(io.StringIO(first))) if fmt == "csv" else first.split()
                assert head == columns


def test_a_closed_pipe_ends_every_command_quietly(
    real_build: BuildResult, real_layout: Layout
) -> None:
    for arguments in [
        ["explain", "post:oblast-akim", "kz:appointedBy", "post:president", "--format", "json"],
        ["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "csv"],
        ["queries"],
    ]:
        command = [sys.executable, "-m", "kzgov", "--root", str(real_layout.root),
                   "--build-dir", str(real_layout.build_dir), *arguments]  # fmt: skip
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            process.stdout.close()  # as `| head -c 0` does, before the command writes
            errors = process.stderr.read().decode()
            code = process.wait()
        assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
        assert code == 141, (arguments, code, errors)


TENURE_TRIPLE = ("tenure:abai-kaznpu-2025/tauke-khan", "kz:tenureOf", "post:kazakh-khan")


def test_explain_reads_every_prefix_a_query_may_use(
    real_build: BuildResult, real_layout: Layout
) -> None:
    done = run_kzgov(real_layout, "explain", *TENURE_TRIPLE)
    assert done.returncode == 5, done.stderr
    assert "stated, not inferred" in done.stderr
    refused = run_kzgov(real_layout, "explain", "post:oblast-akim", "nope:x", "post:president")
    assert refused.returncode == 1
    for prefix in ("tenure", "reform", "period", "figure", "level", "p", "dcat", "sh"):
        assert f" {prefix}," in refused.stderr or f" {prefix}\n" in refused.stderr


def test_the_explain_page_reads_every_prefix_a_query_may_use(live_server: LiveServer) -> None:
    s, p, o = TENURE_TRIPLE
    url = f"{live_server.base_url}/explain?" + urlencode({"s": s, "p": p, "o": o})
    response = send("GET", url, headers={"Accept": "application/json"})
    assert response.status == 200, response.text
    document = json.loads(response.body)
    assert document["inferred"] is False
    assert "kazakh-khan" in response.text


@pytest.mark.parametrize(("fmt", "media_type", "parser"), [
    ("trig", "application/trig", "trig"),
    ("nquads", "application/n-quads", "nquads"),
])  # fmt: skip
def test_the_ontology_page_serves_the_quad_downloads_it_offers(
    live_server: LiveServer, fmt: str, media_type: str, parser: str
) -> None:
    page = send("GET", f"{live_server.base_url}/ontology", headers={"Accept": "text/html"})
    assert f"format={fmt}" in page.text
    for url, headers in [
        (f"{live_server.base_url}/ontology?format={fmt}", {}),
        (f"{live_server.base_url}/ontology", {"Accept": media_type}),
    ]:
        response = send("GET", url, headers=headers)
        assert response.status == 200, response.text
        assert response.media_type == media_type
        quads = Dataset()
        quads.parse(data=response.text, format=parser)
        ontology = quads.graph(ONTOLOGY_GRAPH)
        assert (KZ.Post, RDF.type, OWL.Class) in ontology
        assert len(ontology) > 100


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.parametrize(("name", "media_type"), [
    ("kzgov.trig", "application/trig"),
    ("kzgov.nq", "application/n-quads"),
    ("kzgov.ttl", "text/turtle"),
])  # fmt: skip
def test_dumps_are_sent_whole_uncompressed_with_ranges_and_one_charset(
    live_server: LiveServer, name: str, media_type: str
) -> None:
    url = f"{live_server.base_url}/dumps/{name}"
    whole = send("GET", url, headers={"Accept-Encoding": "gzip, br"})
    assert whole.status == 200
    assert whole.header("Content-Encoding") is None
    assert whole.header("Accept-Ranges") == "bytes"
    content_type = whole.header("Content-Type") or ""
    assert content_type.split(";")[0] == media_type
    assert content_type.count("charset") <= 1, content_type
    assert int(whole.header("Content-Length") or 0) == len(whole.body) > 1000
    part = send("GET", url, headers={"Accept-Encoding": "gzip, br", "Range": "bytes=100-199"})
    assert part.status == 206 and part.header("Content-Encoding") is None
    assert part.body == whole.body[100:200]


@pytest.mark.parametrize(("arguments", "message"), [
    (["serve", "--port", "abc"], "kzgov serve: error: argument --port: invalid int value: 'abc'"),
    (["query", "SELECT * {}", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: command"),
])  # fmt: skip
def test_usage_errors_are_bad_input_with_one_line(
    real_layout: Layout, arguments: list[str], message: str
) -> None:
    done = run_kzgov(real_layout, *arguments)
    assert done.returncode == 1, done.stderr
    assert message in done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_help_and_version_still_exit_0(real_layout: Layout) -> None:
    assert run_kzgov(real_layout, "--version").returncode == 0
    assert run_kzgov(real_layout, "serve", "--help").returncode == 0


def test_a_data_check_failure_exits_2_as_the_readme_says(scratch_project: Layout) -> None:
    data_file = scratch_project.root / "data" / "aplus-analytics-2022.ttl"
    data_file.write_text(
        data_file.read_text(encoding="utf-8") + "\n<https://w3id.org/kzgov/id/post/president>"
        " <https://w3id.org/kzgov/ontology#appointedby> <https://w3id.org/kzgov/id/post/president> .\n",
        encoding="utf-8",
    )
    done = run_kzgov(scratch_project, "build", "--quiet")
    assert done.returncode == 2, done.stderr
    assert "kz:appointedby is not a term of the kzgov ontology" in done.stderr
    assert "data/aplus-analytics-2022.ttl" in done.stderr
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "2 SHACL violation or failed data check" in readme


def test_a_missing_build_is_named_without_an_absolute_path(
    real_layout: Layout, tmp_path: Path
) -> None:
    empty = tmp_path / "no-build-here"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "kzgov", "--root", str(real_layout.root), "--build-dir",
         str(empty), "query", "who-appoints-post"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    assert done.returncode != 0
    assert "no build found in no-build-here: run `kzgov build` first" in done.stderr
    assert str(tmp_path) not in done.stderr
