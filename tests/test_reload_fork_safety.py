"""A SIGHUP reload never forks the threaded main process: no lock a thread holds can hang it.

By the time of a reload, the main process of `kzgov serve` runs threads; a child forked
then inherits their locks held (or, for a lock with a fork hook, the fork waits for
it). Here a thread of the real server's main process, started by a `sitecustomize`
module, takes kzgov.core.sparql's parser lock and keeps it, as a thread would that
parses for ever; then SIGHUP must still serve the new release (before, the fork of the
new zygote waited for that lock for ever), and the new release's zygote must be a
single-threaded program of its own (kzgov.web.reloaded_zygote), the main process's
child, with the query workers its children. On both stores that read the release.
A release the new zygote cannot load fails the reload with its message, and the old
release stays served.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from conftest import LiveServer, copy_project, running_server
from kzgov.core.layout import Layout
from kzgov.core.release import DATASET_NQUADS, current_release
from test_releases import RELOAD_WAIT_SECONDS, fresh_ask, health, kzgov_build

HOLD_VARIABLE = "TEST_HOLD_PARSER_LOCK_WHEN"
# Started in every interpreter that has the variable; acts in the server's main process only.
HOLDING_SITECUSTOMIZE = f'''
import os, threading, time
from pathlib import Path


def _main_process_of_serve():
    words = Path("/proc/self/cmdline").read_bytes().split(b"\\0")
    return b"serve" in words and not any(b"multiprocessing" in word for word in words)


def _hold_the_parser_lock_when_asked():
    trigger = Path(os.environ["{HOLD_VARIABLE}"])
    while not trigger.exists():
        time.sleep(0.05)
    from kzgov.core.sparql import PARSER_LOCK

    PARSER_LOCK.acquire()
    trigger.with_suffix(".held").write_text(str(os.getpid()))
    threading.Event().wait()


if "{HOLD_VARIABLE}" in os.environ and _main_process_of_serve():
    threading.Thread(target=_hold_the_parser_lock_when_asked, daemon=True).start()
'''


@pytest.fixture()
def project_with_build(tmp_path: Path) -> Layout:
    """A copy of the project with one build."""
    layout = copy_project(tmp_path / "project")
    kzgov_build(layout)
    return layout


def status_field(pid: int, name: str) -> str:
    """A field of /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == name:
            return value.strip()
    raise AssertionError(f"no {name} in /proc/{pid}/status")


def parent_of(pid: int) -> int:
    """A process's parent."""
    return int(status_field(pid, "PPid"))


def wait_for(path: Path, server: LiveServer) -> None:
    """Wait until a file exists (the holding thread writes it)."""
    deadline = time.monotonic() + RELOAD_WAIT_SECONDS
    while not path.exists():
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_sighup_reloads_while_a_thread_of_the_main_process_holds_a_lock(
    project_with_build: Layout, store: str, tmp_path: Path
) -> None:
    project = project_with_build
    first = current_release(project.build_dir)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOLDING_SITECUSTOMIZE, encoding="utf-8")
    trigger = tmp_path / "hold"
    environ = {"PYTHONPATH": str(hooks), HOLD_VARIABLE: str(trigger)}
    with running_server(
        project, tmp_path / "server.log", "--store", store, "--workers", "2", environ=environ
    ) as server:
        kzgov_build(project)
        newer = current_release(project.build_dir)
        assert newer is not None and newer != first
        before = server.worker_pids()
        trigger.touch()
        held = trigger.with_suffix(".held")
        wait_for(held, server)
        main = server.process.pid
        assert held.read_text() == str(main)  # the lock is held in the main process
        assert int(status_field(main, "Threads")) > 1

        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_WAIT_SECONDS
        while health(server)[1]["release"] != newer.name:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.2)
        assert f"reload: serving release {newer.name}" in server.log()
        assert fresh_ask(server, 4242) == 200

        started = server.worker_pids() - before
        zygotes = [pid for pid in started if parent_of(pid) == main]
        assert len(zygotes) == 1, (started, before)
        zygote = zygotes[0]
        assert status_field(zygote, "Threads") == "1"
        command = Path(f"/proc/{zygote}/cmdline").read_bytes().split(b"\0")
        assert b"kzgov.web.reloaded_zygote" in command
        workers = {pid for pid in started if parent_of(pid) == zygote}
        assert len(workers) >= 2  # the two query workers, forked by the new zygote


def test_a_release_the_new_zygote_cannot_load_fails_the_reload_and_keeps_the_old(
    project_with_build: Layout, tmp_path: Path
) -> None:
    project = project_with_build
    first = current_release(project.build_dir)
    assert first is not None
    with running_server(project, tmp_path / "server.log", "--store", "memory") as server:
        kzgov_build(project)
        broken = current_release(project.build_dir)
        assert broken is not None and broken != first
        with (broken / DATASET_NQUADS).open("a", encoding="utf-8") as dump:
            dump.write("<https://example.org/s> <https://example.org/p> not-a-term .\n")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_WAIT_SECONDS
        while "reload failed" not in server.log():
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        failure = next(line for line in server.log().splitlines() if "reload failed" in line)
        assert "still serving the previous release: the new release cannot be loaded" in failure
        assert "ParserError" in failure
        assert str(tmp_path) not in failure
        assert health(server)[1]["release"] == first.name
        assert fresh_ask(server, 31) == 200
        assert not [
            pid
            for pid in server.worker_pids()
            if b"reloaded_zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        kzgov_build(project)  # a good build after the broken one is served
        newer = current_release(project.build_dir)
        assert newer is not None
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_WAIT_SECONDS
        while health(server)[1]["release"] != newer.name:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.2)
        assert fresh_ask(server, 32) == 200
