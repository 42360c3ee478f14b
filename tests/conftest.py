"""Shared fixtures: one real build per session, scratch copies of it, and live servers on it."""

from __future__ import annotations

import http.client
import os
import re
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from rdflib import BNode, Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from SPARQLWrapper import SPARQLWrapper

from kzgov.build.pipeline import BuildResult, build
from kzgov.build.publish import publish_build
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.store.base import release_or_fail
from kzgov.store.memory import open_dataset

INPUT_FOLDERS = ("ontology", "data", "queries")


@pytest.fixture(scope="session")
def real_layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The real project, building into a folder of its own (never the user's build/)."""
    return Layout(root=PROJECT_ROOT, build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def real_build(real_layout: Layout) -> BuildResult:
    """A real build of the real ontology and data."""
    return build(real_layout)


@pytest.fixture(scope="session")
def built_dataset(real_build: BuildResult, real_layout: Layout) -> Dataset:
    """The built dataset, as the query command and the server open it."""
    return open_dataset(real_layout)


def copy_project(into: Path) -> Layout:
    """Copy the project's inputs into a scratch folder, to break them safely."""
    for folder in INPUT_FOLDERS:
        shutil.copytree(PROJECT_ROOT / folder, into / folder)
    return Layout(root=into, build_dir=into / "build")


@pytest.fixture()
def scratch_project(tmp_path: Path) -> Iterator[Layout]:
    """A copy of the project's inputs with a good build in it, to break and rebuild."""
    layout = copy_project(tmp_path / "project")
    build(layout)
    yield layout


def run_kzgov(
    layout: Layout | None,
    *arguments: str,
    cwd: Path | None = None,
    environment: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run the real kzgov command as a user would: on `layout` (its root and build folder),
    or with no --root/--build-dir when `layout` is None; Python's warnings are kept off
    stderr so that tests read only what kzgov prints."""
    where = (
        [] if layout is None else ["--root", str(layout.root), "--build-dir", str(layout.build_dir)]
    )
    return subprocess.run(
        [sys.executable, "-m", "kzgov", *where, *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(environment or {})},
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --regenerate-expected, the only way to rewrite the named queries' expected answers."""
    parser.addoption(
        "--regenerate-expected",
        action="store_true",
        help="rewrite queries/*.srj from the current build (review the diff before committing)",
    )


@pytest.fixture(scope="session")
def regenerate_expected(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the expected answers of the named queries."""
    return bool(request.config.getoption("--regenerate-expected"))


# -- Live servers ----------------------------------------------------------------------

SERVER_START_SECONDS = 180.0
SERVER_STOP_SECONDS = 30.0
LISTENING_LINE = re.compile(r"on (http://127\.0\.0\.1:\d+)/sparql")


def descendants_of(pid: int) -> set[int]:
    """The process ids of every process below one, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def is_spawned(pid: int) -> bool:
    """Whether a process was started by multiprocessing's spawn (an HTTP process, or its helper)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing" in command


def is_running(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class LiveServer:
    """A `kzgov serve` process on 127.0.0.1, on a free port (granian HTTP processes).

    Attributes:
        process: the server process.
        base_url: http://127.0.0.1:PORT.
        log_path: the file its standard error (the access log) goes to.
        announcement: the line it printed to say where it listens.
    """

    process: subprocess.Popen[str]
    base_url: str
    log_path: Path
    announcement: str = ""

    @property
    def endpoint(self) -> str:
        """The SPARQL endpoint's URL."""
        return f"{self.base_url}/sparql"

    def worker_pids(self) -> set[int]:
        """The query processes the server started: the zygote and the query workers.

        The HTTP processes (started afresh by multiprocessing's spawn) are left out.
        """
        return {pid for pid in descendants_of(self.process.pid) if not is_spawned(pid)}

    def http_pids(self) -> set[int]:
        """The HTTP processes the server started."""
        return {pid for pid in descendants_of(self.process.pid) if is_spawned(pid)}

    def log(self) -> str:
        """What the server wrote to standard error so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Stop the server with a signal and wait for it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


LISTEN_ON_A_FREE_PORT = ("--host", "127.0.0.1", "--port", "0")


def environment_without_kzgov_variables() -> dict[str, str]:
    """This process's environment less KZGOV_* settings, so tests see the defaults."""
    return {name: value for name, value in os.environ.items() if not name.startswith("KZGOV_")}


def start_server(
    layout: Layout,
    log_path: Path,
    *options: str,
    listen: Sequence[str] = LISTEN_ON_A_FREE_PORT,
    environ: Mapping[str, str] | None = None,
) -> LiveServer:
    """Start `kzgov serve` on the build of a layout, on 127.0.0.1 and a free port.

    Args:
        layout: the project and its build.
        log_path: where the server's standard error goes.
        options: more `kzgov serve` options (workers, timeout, limits).
        listen: the options that say where to listen (none: the environment says).
        environ: KZGOV_* variables for the server (the tests' own are not passed on).

    Returns:
        The running server, once it listens.
    """
    command = [
        sys.executable, "-m", "kzgov", "--root", str(layout.root),
        "--build-dir", str(layout.build_dir), "serve", *listen, *options,
    ]  # fmt: skip
    log_file = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
        env={**environment_without_kzgov_variables(), **(environ or {})},
    )
    log_file.close()
    assert process.stdout is not None
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            line = process.stdout.readline()
            match = LISTENING_LINE.search(line)
            if match:
                return LiveServer(process, match.group(1), log_path, line.strip())
            if not line:
                break
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    process.stdout.close()
    raise AssertionError(f"kzgov serve did not start:\n{log_path.read_text(encoding='utf-8')}")


@contextmanager
def running_server(
    layout: Layout,
    log_path: Path,
    *options: str,
    listen: Sequence[str] = LISTEN_ON_A_FREE_PORT,
    environ: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    """A live server for the length of a block, stopped (with its workers) after it."""
    server = start_server(layout, log_path, *options, listen=listen, environ=environ)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def served_layout(real_build: BuildResult, real_layout: Layout) -> Layout:
    """The real project with its real build, as the servers serve it."""
    return real_layout


# -- Store backends ----------------------------------------------------------------------

# The store backends the server's protocol, safety, page and format tests run on.
BACKENDS = ("memory", "oxigraph", "sparql")
OXIGRAPH_BINARY = Path(sys.executable).with_name("oxigraph")
OXIGRAPH_START_SECONDS = 30.0


@dataclass
class OxigraphServer:
    """An `oxigraph serve` process on 127.0.0.1, a SPARQL store with the Graph Store Protocol.

    Attributes:
        process: the server process.
        base_url: http://127.0.0.1:PORT.
    """

    process: subprocess.Popen[bytes]
    base_url: str

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.base_url}/query"

    @property
    def store_url(self) -> str:
        """The Graph Store HTTP Protocol endpoint."""
        return f"{self.base_url}/store"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def accepts_connections(port: int) -> bool:
    """Whether something listens on a port of 127.0.0.1."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except OSError:
        return False
    return True


@contextmanager
def oxigraph_server(location: Path, log_path: Path) -> Iterator[OxigraphServer]:
    """A real Oxigraph server (from the `oxigraph` package) for the length of a block."""
    if not OXIGRAPH_BINARY.exists():
        raise AssertionError(
            f"no Oxigraph server at {OXIGRAPH_BINARY}: install the test dependencies"
            " (pip install -e '.[test]', which has the `oxigraph` package)"
        )
    port = free_port()
    command = [str(OXIGRAPH_BINARY), "serve", "--location", str(location),
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + OXIGRAPH_START_SECONDS
        while not accepts_connections(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"oxigraph serve did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
        yield OxigraphServer(process, f"http://127.0.0.1:{port}")
    finally:
        process.kill()
        process.wait()


@contextmanager
def store_option(backend: str, layout: Layout, folder: Path) -> Iterator[tuple[str, str]]:
    """The `--store` option of a server on a backend, with the SPARQL store it needs.

    For "sparql", an Oxigraph server of its own is started in `folder` (so a query
    the test leaves running there stops with it) and the build is published to it.
    """
    if backend != "sparql":
        yield ("--store", backend)
        return
    with oxigraph_server(folder / "oxigraph", folder / "oxigraph.log") as remote:
        publish_build(release_or_fail(layout), remote.store_url, progress=lambda _line: None)
        yield ("--store", f"sparql:{remote.query_url}")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend the servers of a test use (tests run on each)."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def live_server(
    served_layout: Layout, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The server on the real build with its default limits and two query workers."""
    folder = tmp_path_factory.mktemp(f"live-server-{backend}")
    with (
        store_option(backend, served_layout, folder) as store,
        running_server(served_layout, folder / "server.log", "--workers", "2", *store) as server,
    ):
        yield server


@pytest.fixture()
def strict_server(served_layout: Layout, backend: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server with a short deadline (2 s) and small result caps, to provoke them.

    One per test: on the sparql backend, a query past its deadline keeps the store
    busy (Oxigraph's server does not stop it), until the store stops with the test.
    """
    options = ("--workers", "2", "--timeout", "2", "--max-result-rows", "1000",
               "--max-result-bytes", "50000")  # fmt: skip
    with (
        store_option(backend, served_layout, tmp_path) as store,
        running_server(served_layout, tmp_path / "server.log", *options, *store) as server,
    ):
        yield server


@pytest.fixture()
def single_worker_server(
    served_layout: Layout, backend: str, tmp_path: Path
) -> Iterator[LiveServer]:
    """A server with one worker and room for one waiting query, to fill its queue."""
    options = ("--workers", "1", "--max-pending", "1", "--timeout", "2", "--threads", "4")
    with (
        store_option(backend, served_layout, tmp_path) as store,
        running_server(served_layout, tmp_path / "server.log", *options, *store) as server,
    ):
        yield server


@pytest.fixture()
def disposable_server(served_layout: Layout, backend: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server for one test, which may stop it."""
    with (
        store_option(backend, served_layout, tmp_path) as store,
        running_server(served_layout, tmp_path / "server.log", "--workers", "2", *store) as server,
    ):
        yield server


@pytest.fixture()
def sparql_client(live_server: LiveServer) -> Callable[[], SPARQLWrapper]:
    """A factory of SPARQLWrapper clients of the live server (one per query: they keep state)."""

    def client() -> SPARQLWrapper:
        return SPARQLWrapper(live_server.endpoint)

    return client


# -- Talking to a live server ----------------------------------------------------------

HTTP_TIMEOUT_SECONDS = 60.0


@dataclass
class HttpResponse:
    """What a server answered.

    Attributes:
        status: the HTTP status code.
        headers: the response headers (names in any case).
        body: the raw body.
    """

    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        """A response header, or None."""
        return self.headers.get(name)

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, in lower case."""
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8")


def send(
    method: str,
    url: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """Send one HTTP request as given (no redirects followed, no headers added but Host).

    Args:
        method: the HTTP method.
        url: the absolute http:// URL, with its query string.
        body: the request body, if any (text is sent as UTF-8).
        headers: the request headers.

    Returns:
        The response.
    """
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=HTTP_TIMEOUT_SECONDS)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        payload = body.encode("utf-8") if isinstance(body, str) else body
        connection.request(method, path, body=payload, headers=headers or {})
        response = connection.getresponse()
        return HttpResponse(response.status, response.headers, response.read())
    finally:
        connection.close()


def query_url(endpoint: str, **parameters: str | list[str]) -> str:
    """The endpoint's URL with parameters (a list repeats the parameter)."""
    pairs = [
        (name.replace("_", "-"), value)
        for name, values in parameters.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return f"{endpoint}?{urllib.parse.urlencode(pairs)}"


@pytest.fixture(scope="session")
def graph_witnesses(built_dataset: Dataset) -> dict[URIRef, str]:
    """For each graph, one triple (in SPARQL syntax) that is in it and in no other graph.

    Queries built from these show which graphs a request's dataset holds.
    """
    found: dict[URIRef, str] = {}
    for graph in built_dataset.graphs():
        name = graph.identifier
        if not isinstance(name, URIRef) or name == DATASET_DEFAULT_GRAPH_ID:
            continue
        for s, p, o in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
            if isinstance(s, BNode) or isinstance(o, BNode):
                continue
            holders = {c.identifier for c in built_dataset.graphs((s, p, o))}
            if holders - {DATASET_DEFAULT_GRAPH_ID} == {name}:
                found[name] = f"{s.n3()} {p.n3()} {o.n3()}"
                break
    return found


# -- A listener that must never be called ---------------------------------------------


class ConnectionRecorder(socketserver.ThreadingTCPServer):
    """A TCP listener on 127.0.0.1 that records each connection it gets and answers 404."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self.connections: list[str] = []
        super().__init__(("127.0.0.1", 0), RecordingHandler)

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT/."""
        return f"http://127.0.0.1:{self.server_address[1]}/"


class RecordingHandler(socketserver.StreamRequestHandler):
    """Note the connection and what was asked, then close it."""

    def handle(self) -> None:
        assert isinstance(self.server, ConnectionRecorder)
        self.server.connections.append(self.rfile.readline(4096).decode("latin-1").strip())
        self.wfile.write(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture()
def listener() -> Iterator[ConnectionRecorder]:
    """An HTTP listener on 127.0.0.1 that a query must never reach."""
    recorder = ConnectionRecorder()
    thread = threading.Thread(target=recorder.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield recorder
    finally:
        recorder.shutdown()
        recorder.server_close()
        thread.join()


# -- The browser -------------------------------------------------------------------------

# Playwright's own browser download is never used (no `playwright install`): the tests
# launch /usr/bin/chromium (tools/install-test-system-deps installs it) with the network
# features that would call out switched off.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_TIMEOUT_MILLISECONDS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian, one per test module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def browser_page(
    browser: Browser, width: int = 1280, height: int = 900, **options: object
) -> Iterator[Page]:
    """A page in a fresh browser context of the given window size (and Playwright's other
    context options, e.g. is_mobile or locale), with the tests' page timeout; the context
    is closed when the block ends."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MILLISECONDS)
        yield page
    finally:
        context.close()
