"""`kzgov publish --to URL` pushes the build into a SPARQL store with the Graph Store Protocol.

Tested against a real Oxigraph server (`oxigraph serve`, from the `oxigraph` package)
on 127.0.0.1, started by the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ConnectionRecorder, free_port, oxigraph_server, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import ASSERTED_GRAPH, UNION_GRAPH
from kzgov.store.base import release_or_fail

FORM = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/sparql-results+json",
}
CLI_TIMEOUT_SECONDS = 120


def publish(layout: Layout, url: str) -> subprocess.CompletedProcess[str]:
    """Run `kzgov publish --to URL` on a layout's build."""
    command = [
        sys.executable, "-m", "kzgov", "--root", str(layout.root), "--build-dir",
        str(layout.build_dir), "publish", "--to", url,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT_SECONDS)


def graph_sizes_at(query_url: str) -> dict[str, int]:
    """The triple count of each named graph a SPARQL endpoint holds."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = send("POST", query_url, f"query={query}", FORM)
    assert response.status == 200, response.text
    rows = json.loads(response.body)["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_publish_puts_every_graph_and_the_derived_unions_with_a_line_each(
    real_build: BuildResult, served_layout: Layout, tmp_path: Path
) -> None:
    summary = json.loads((release_or_fail(served_layout) / "summary.json").read_text("utf-8"))
    with oxigraph_server(tmp_path / "store", tmp_path / "oxigraph.log") as remote:
        finished = publish(served_layout, remote.store_url)
        sizes = graph_sizes_at(remote.query_url)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    graphs = summary["graphs"]
    assert len([line for line in lines if line.startswith("PUT <")]) == len(graphs) + 2
    for graph, size in graphs.items():
        assert f"PUT <{graph}>: {size} triples" in finished.stdout
        assert sizes[graph] == size
    assert lines[-1].startswith(f"Published {len(graphs) + 2} graphs")
    assert remote.store_url in lines[-1]
    assert sizes[str(ASSERTED_GRAPH)] < sizes[str(UNION_GRAPH)] < sum(graphs.values())


def test_publish_to_a_store_that_refuses_names_the_graph_and_the_status(
    real_build: BuildResult, served_layout: Layout, listener: ConnectionRecorder
) -> None:
    finished = publish(served_layout, listener.url)
    assert finished.returncode == 1
    assert "publishing graph <https://w3id.org/kzgov/graph/" in finished.stderr
    assert f"to {listener.url} failed: HTTP 404" in finished.stderr
    assert listener.connections[0].startswith("PUT /?graph=https%3A%2F%2Fw3id.org")


def test_publish_to_nothing_listening_names_the_url(
    real_build: BuildResult, served_layout: Layout
) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    finished = publish(served_layout, url)
    assert finished.returncode == 1
    assert f"cannot reach the Graph Store at {url}" in finished.stderr


def test_publish_without_a_build_says_to_build_first(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path, build_dir=tmp_path / "build")
    finished = publish(layout, "http://127.0.0.1:9/store")
    assert finished.returncode == 1
    assert "run `kzgov build` first" in finished.stderr
