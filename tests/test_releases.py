"""A running server pins its release: builds never prune it, SIGHUP moves to the newer one.

Against the real server over HTTP and the real `kzgov build`, on the memory and the
Oxigraph store (the stores that read the release folder; the sparql:URL store reads
its remote store). Also: /healthz really asks the store and looks at the release's
files, and its problems, like every error, show no absolute path.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import LiveServer, copy_project, query_url, running_server, send
from kzgov.build.pipeline import RELEASES_KEPT
from kzgov.core.layout import Layout
from kzgov.core.release import current_release

RELEASE_STORES = ("memory", "oxigraph")
RELOAD_WAIT_SECONDS = 120.0


def kzgov_build(layout: Layout) -> None:
    """Run `kzgov build` (the real CLI) on a project; every run publishes a new release."""
    command = [sys.executable, "-m", "kzgov", "--root", str(layout.root),
               "--build-dir", str(layout.build_dir), "build", "--quiet"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def health(server: LiveServer) -> tuple[int, dict[str, object]]:
    """The status and report of /healthz."""
    response = send("GET", f"{server.base_url}/healthz")
    report: dict[str, object] = json.loads(response.body)
    return response.status, report


def fresh_ask(server: LiveServer, n: int) -> int:
    """The status of a query no cache has seen (it must reach a worker and the store)."""
    query = f"ASK {{ ?s ?p ?o FILTER({n} = {n}) }}"
    return send("GET", query_url(server.endpoint, query=query)).status


@pytest.fixture()
def project(tmp_path: Path) -> Layout:
    """A copy of the project with one build."""
    layout = copy_project(tmp_path / "project")
    kzgov_build(layout)
    return layout


@pytest.mark.parametrize("store", RELEASE_STORES)
def test_builds_never_prune_the_release_a_server_serves(
    project: Layout, store: str, tmp_path: Path
) -> None:
    served = current_release(project.build_dir)
    assert served is not None
    with running_server(project, tmp_path / "server.log", "--store", store) as server:
        for _ in range(RELEASES_KEPT + 1):
            kzgov_build(project)
        assert current_release(project.build_dir) != served
        assert served.is_dir()
        assert fresh_ask(server, 77) == 200
        assert send("GET", f"{server.base_url}/dumps/kzgov.nq").status == 200
        status, report = health(server)
        assert (status, report["status"], report["release"]) == (200, "ok", served.name)
    kzgov_build(project)  # the server has stopped: its release is an old one like any other
    assert not served.exists()


@pytest.mark.parametrize("store", RELEASE_STORES)
def test_sighup_serves_the_new_release_without_refusing_a_request(
    project: Layout, store: str, tmp_path: Path
) -> None:
    first = current_release(project.build_dir)
    assert first is not None
    with running_server(project, tmp_path / "server.log", "--store", store) as server:
        kzgov_build(project)
        newer = current_release(project.build_dir)
        assert newer is not None and newer != first
        statuses: list[int] = []
        stop = threading.Event()

        def ask_all_along() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                statuses.append(fresh_ask(server, n))

        asking = threading.Thread(target=ask_all_along)
        asking.start()
        try:
            time.sleep(0.5)
            server.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + RELOAD_WAIT_SECONDS
            while health(server)[1]["release"] != newer.name:
                assert time.monotonic() < deadline, server.log()
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            stop.set()
            asking.join()
        assert len(statuses) > 2
        assert set(statuses) == {200}, statuses
        assert f"reload: serving release {newer.name}" in server.log()
        status, report = health(server)
        assert (status, report["status"]) == (200, "ok")
        # The old release is let go: once builds pass it, it is pruned.
        deadline = time.monotonic() + RELOAD_WAIT_SECONDS
        while first.exists():
            assert time.monotonic() < deadline, "the old release stayed pinned"
            kzgov_build(project)
        assert newer.is_dir()
        assert fresh_ask(server, 10_001) == 200
        dump = send("GET", f"{server.base_url}/dumps/kzgov.nq")
        assert dump.status == 200 and dump.body.startswith(b"<")


def test_sighup_without_a_newer_build_keeps_serving(project: Layout, tmp_path: Path) -> None:
    served = current_release(project.build_dir)
    assert served is not None
    with running_server(project, tmp_path / "server.log") as server:
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_WAIT_SECONDS
        while "already served" not in server.log():
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        assert health(server)[1]["release"] == served.name
        assert fresh_ask(server, 5) == 200


@pytest.mark.parametrize(
    ("store", "damage"),
    [("memory", "kzgov.nq"), ("oxigraph", "kzgov.nq"), ("oxigraph", "oxigraph")],
)
def test_healthz_is_503_when_the_release_is_damaged_and_shows_no_path(
    project: Layout, store: str, damage: str, tmp_path: Path
) -> None:
    served = current_release(project.build_dir)
    assert served is not None
    with running_server(project, tmp_path / "server.log", "--store", store) as server:
        assert health(server)[0] == 200
        target = served / damage
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
        status, report = health(server)
        assert status == 503
        assert report["status"] == "unavailable"
        assert damage in str(report["problem"])
        for response in (
            send("GET", f"{server.base_url}/healthz"),
            send("GET", query_url(server.endpoint, query="SELECT * { ?s ?p ?o } LIMIT 3")),
            send("GET", f"{server.base_url}/id/post/president"),
        ):
            text = urllib.parse.unquote(response.body.decode("utf-8", errors="replace"))
            assert str(tmp_path) not in text
            assert str(served) not in text


@pytest.mark.parametrize("store", RELEASE_STORES)
def test_shapes_and_named_queries_are_the_builds_not_the_working_trees(
    project: Layout, store: str, tmp_path: Path
) -> None:
    shape_file = sorted((project.root / "ontology" / "shapes").glob("*.ttl"))[0]
    query_file = project.root / "queries" / "who-appoints-post.rq"
    with running_server(project, tmp_path / "server.log", "--store", store) as server:
        shapes_before = send("GET", f"{server.base_url}/shapes")
        assert shapes_before.status == 200
        with shape_file.open("a", encoding="utf-8") as shapes:
            shapes.write("\nthis is { not turtle\n")  # `kzgov build` refuses it
        shutil.copyfile(query_file, project.root / "queries" / "zz-new.rq")
        query_file.write_text("# broken header\n" + query_file.read_text(encoding="utf-8"))
        shapes_after = send("GET", f"{server.base_url}/shapes")
        assert shapes_after.status == 200
        assert shapes_after.body == shapes_before.body
        assert send("GET", f"{server.base_url}/queries/zz-new").status == 404
        listing = send("GET", f"{server.base_url}/queries")
        assert listing.status == 200 and b"zz-new" not in listing.body
        page = send("GET", f"{server.base_url}/queries/who-appoints-post")
        assert page.status == 200
