"""`kzgov serve` builds when there is no build, says where it listens, and takes its settings.

Settings come from the defaults, then KZGOV_* environment variables, then options;
a value out of range stops the command with a message naming the setting.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    copy_project,
    environment_without_kzgov_variables,
    is_running,
    query_url,
    running_server,
    send,
)
from kzgov.cli import make_parser, server_config_from
from kzgov.core.config import DEFAULT_HOST, DEFAULT_PORT, QUERY_TIMEOUT_SECONDS, ServerConfig
from kzgov.core.layout import Layout
from kzgov.core.release import current_release
from kzgov.web.executor import ZYGOTE_REPLY_SECONDS

DIRECT_QUERY = {"Content-Type": "application/sparql-query"}
ANNOUNCEMENT = re.compile(
    r"serving (?P<triples>\d+) distinct triples \(\d+ quads over (?P<graphs>\d+) graphs\)"
    r" from (?P<release>[^/].+)"
    r" on http://127\.0\.0\.1:(?P<port>\d+)/sparql"
)


def count_triples(endpoint: str) -> int:
    """The number of distinct triples in the endpoint's default graph, by SPARQL."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    headers = {**DIRECT_QUERY, "Accept": "application/sparql-results+json"}
    response = send("POST", endpoint, query, headers)
    assert response.status == 200, response.text
    return int(json.loads(response.body)["results"]["bindings"][0]["n"]["value"])


def test_serve_builds_first_when_there_is_no_build_and_takes_kzgov_variables(
    tmp_path: Path,
) -> None:
    layout = copy_project(tmp_path / "project")
    assert current_release(layout.build_dir) is None
    environ = {
        "KZGOV_HOST": "127.0.0.1",
        "KZGOV_PORT": "0",
        "KZGOV_WORKERS": "1",
        "KZGOV_QUERY_TIMEOUT_SECONDS": "3",
        "KZGOV_MAX_PENDING_QUERIES": "5",
    }
    with running_server(layout, tmp_path / "server.log", listen=(), environ=environ) as server:
        assert current_release(layout.build_dir) is not None
        assert "building first" in server.log()
        announced = ANNOUNCEMENT.search(server.announcement)
        assert announced, server.announcement
        assert "1 query worker," in server.announcement
        assert "deadline 3 s" in server.announcement
        assert int(announced["triples"]) == count_triples(server.endpoint)
        assert int(announced["graphs"]) > 1


def test_options_win_over_kzgov_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KZGOV_QUERY_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("KZGOV_MAX_RESULT_ROWS", "77")
    monkeypatch.setenv("KZGOV_HOST", "0.0.0.0")  # noqa: S104  (read, never bound)
    args = make_parser().parse_args(["serve", "--timeout", "4", "--port", "8123"])
    config = server_config_from(args)
    assert config.query_timeout_seconds == 4.0
    assert config.port == 8123
    assert config.max_result_rows == 77
    assert config.host == "0.0.0.0"  # noqa: S104


def test_defaults_listen_on_localhost_8000_with_a_10_second_deadline() -> None:
    config = ServerConfig.from_environment({})
    assert (config.host, config.port) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8000)
    assert config.query_timeout_seconds == QUERY_TIMEOUT_SECONDS == 10.0
    assert config.max_query_bytes == 100 * 1024


def run_serve(layout: Layout, *options: str, environ: dict[str, str] | None = None) -> str:
    """Run `kzgov serve` expecting it to refuse to start; its standard error."""
    command = [
        sys.executable, "-m", "kzgov", "--root", str(layout.root),
        "--build-dir", str(layout.build_dir), "serve", *options,
    ]  # fmt: skip
    env = {**environment_without_kzgov_variables(), **(environ or {})}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def test_variable_of_the_wrong_type_is_refused_naming_it(served_layout: Layout) -> None:
    stderr = run_serve(served_layout, environ={"KZGOV_PORT": "eighty"})
    assert "KZGOV_PORT='eighty': expected a whole number" in stderr


@pytest.mark.parametrize(
    ("option", "named"),
    [
        (("--port", "70000"), "port=70000"),
        (("--timeout", "0"), "query_timeout_seconds=0.0"),
        (("--max-result-rows", "-1"), "max_result_rows=-1"),
    ],
)
def test_setting_out_of_range_is_refused_naming_it(
    served_layout: Layout, option: tuple[str, str], named: str
) -> None:
    assert named in run_serve(served_layout, *option)


def test_an_http_process_that_cannot_stop_is_killed_and_the_server_ends(
    served_layout: Layout, tmp_path: Path
) -> None:
    # A stopped process cannot act on SIGTERM: the real fault of granian issue #875 (an
    # HTTP process stuck at the end of its shutdown). granian must kill it after the
    # bound (here twice 1 s of reading, 1 s of deadline and the margin) and the server end.
    options = ("--request-read-timeout", "1", "--timeout", "1")
    with running_server(served_layout, tmp_path / "serve.log", *options) as server:
        stuck = min(
            pid
            for pid in server.http_pids()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
        os.kill(stuck, signal.SIGSTOP)
        try:
            assert server.stop(signal.SIGTERM) == 0
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(stuck, signal.SIGKILL)
        assert not is_running(stuck)


def parent_of(pid: int) -> int:
    """A process's parent's id (from /proc)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_zygote_that_stops_answering_costs_an_error_not_a_hang(
    served_layout: Layout, tmp_path: Path
) -> None:
    # A stopped zygote can neither kill nor fork a worker: the real fault of a zygote
    # stuck on a lock that another thread of the main process held when it was forked.
    # The query past its deadline must still get its 503, the log must say why no worker
    # replaces its own, and the server must stop (before, each waited for the zygote forever).
    options = ("--workers", "1", "--timeout", "1", "--no-cache")
    with running_server(served_layout, tmp_path / "serve.log", *options) as server:
        zygote = next(p for p in server.worker_pids() if parent_of(p) == server.process.pid)
        os.kill(zygote, signal.SIGSTOP)
        try:
            heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
            response = send("GET", query_url(server.endpoint, query=heavy))
            assert response.status == 503, response.body
            said = f"zygote ({zygote}) did not answer within {ZYGOTE_REPLY_SECONDS:g} s"
            assert said in server.log()
            assert "could not replace query worker" in server.log()
            assert "Traceback" not in server.log()
            assert server.stop(signal.SIGTERM) == 0
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(zygote, signal.SIGKILL)
    assert not is_running(zygote)
