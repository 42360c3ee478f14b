"""A query worker whose own memory outgrew its bound is replaced after its answer.

Each runs on every store backend, on a real server with one query worker: a large
answer (a heavy job) is answered in full, and then the worker is, or is not, a new
process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LiveServer, running_server, send, store_option
from kzgov.cli import make_parser, server_config_from
from kzgov.core.config import BadSetting, ServerConfig
from kzgov.core.layout import Layout

# Every quad of the build: over a megabyte of SPARQL JSON, so a heavy job for a worker.
EVERY_QUAD = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
JSON_QUERY = {
    "Content-Type": "application/sparql-query",
    "Accept": "application/sparql-results+json",
}
ROOM_FOR_EVERY_QUAD = ("--max-result-rows", "1000000")


@pytest.fixture()
def server_with_growth(
    request: pytest.FixtureRequest, served_layout: Layout, backend: str, tmp_path: Path
) -> Iterator[LiveServer]:
    """One worker, room for every quad, and the worker memory bound of the test's param."""
    options = ("--workers", "1", *ROOM_FOR_EVERY_QUAD, "--worker-memory-growth", request.param)
    with (
        store_option(backend, served_layout, tmp_path) as store,
        running_server(served_layout, tmp_path / "server.log", *options, *store) as server,
    ):
        yield server


def every_quad_rows(server: LiveServer) -> int:
    """Ask for every quad; the rows of the answer, which must be 200."""
    response = send("POST", server.endpoint, EVERY_QUAD, JSON_QUERY)
    assert response.status == 200, response.text
    body = response.body
    assert len(body) > 1024 * 1024
    return len(json.loads(body)["results"]["bindings"])


@pytest.mark.parametrize("server_with_growth", ["1"], indirect=True)
def test_worker_past_its_memory_bound_is_replaced_after_a_full_answer(
    server_with_growth: LiveServer,
) -> None:
    before = server_with_growth.worker_pids()
    first = every_quad_rows(server_with_growth)
    after = server_with_growth.worker_pids()
    assert len(before) == len(after) == 2  # the zygote and one worker
    assert len(before & after) == 1  # the zygote stayed, the worker is new
    assert "outgrew its memory; replacing it" in server_with_growth.log()
    assert every_quad_rows(server_with_growth) == first  # the new worker answers the same


@pytest.mark.parametrize("server_with_growth", ["0"], indirect=True)
def test_worker_memory_bound_0_never_replaces_a_worker(server_with_growth: LiveServer) -> None:
    before = server_with_growth.worker_pids()
    every_quad_rows(server_with_growth)
    every_quad_rows(server_with_growth)
    assert server_with_growth.worker_pids() == before
    assert "outgrew its memory" not in server_with_growth.log()


def test_worker_memory_growth_is_64_mb_by_default_and_set_by_option_or_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServerConfig().worker_memory_growth_mb == 64
    monkeypatch.setenv("KZGOV_WORKER_MEMORY_GROWTH_MB", "32")
    assert ServerConfig.from_environment().worker_memory_growth_mb == 32
    args = make_parser().parse_args(["serve", "--worker-memory-growth", "16"])
    assert server_config_from(args).worker_memory_growth_mb == 16


def test_negative_worker_memory_growth_is_refused_naming_it() -> None:
    with pytest.raises(BadSetting, match="worker_memory_growth_mb=-1"):
        ServerConfig(worker_memory_growth_mb=-1).check()
