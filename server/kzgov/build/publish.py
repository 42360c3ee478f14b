"""Publishing a build to a SPARQL 1.1 store with the Graph Store HTTP Protocol.

Each graph is sent as N-Triples by `PUT URL?graph=IRI`, which replaces that graph in
the store (https://www.w3.org/TR/sparql11-http-rdf-update/#http-put): first the
build's named graphs, then the derived graphs of `kzgov.store.stored_dataset` (the union
and the asserted union that the `sparql:URL` backend queries), so that queries
through kzgov see the new build whole only once every graph has arrived. Graphs the
store holds from earlier builds but this build lacks are left as they are; kzgov's
queries never name them.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kzgov.core.errors import KzgovError
from kzgov.store.stored_dataset import DERIVED_GRAPHS, load_stored_dataset

N_TRIPLES = "application/n-triples"
PUBLISH_TIMEOUT_SECONDS = 600.0
ERROR_EXCERPT_CHARS = 500
USER_AGENT = "kzgov"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class PublishedGraph:
    """One graph sent to the store.

    Attributes:
        name: the graph's IRI.
        triples: how many triples were sent.
        status: the store's HTTP status.
    """

    name: str
    triples: int
    status: int


def put_failed(url: str, graph: str, status: int, reason: str, body: str) -> KzgovError:
    """The error for a graph the store refused."""
    return KzgovError(
        f"publishing graph <{graph}> to {url} failed: HTTP {status} {reason}: {body.strip()}"
    )


def store_unreachable(url: str, graph: str, reason: object) -> KzgovError:
    """The error for a store that cannot be reached."""
    return KzgovError(f"cannot reach the Graph Store at {url} to publish graph <{graph}>: {reason}")


def not_http(url: str) -> KzgovError:
    """The error for a Graph Store URL that is not http(s)."""
    return KzgovError(f"--to {url}: the Graph Store endpoint must be an http:// or https:// URL")


def graph_url(url: str, graph: str) -> str:
    """The Graph Store URL of one graph: `?graph=` with the IRI (indirect identification)."""
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}{urllib.parse.urlencode({'graph': graph})}"


def put_graph(url: str, graph: str, body: bytes) -> int:
    """Replace one graph of the store.

    Args:
        url: the Graph Store endpoint.
        graph: the graph's IRI.
        body: the graph as N-Triples.

    Returns:
        The HTTP status (2xx).

    Raises:
        KzgovError: the store cannot be reached or refuses the graph.
    """
    request = urllib.request.Request(  # noqa: S310 (the URL is checked to be http(s))
        graph_url(url, graph),
        data=body,
        method="PUT",
        headers={"Content-Type": N_TRIPLES, "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=PUBLISH_TIMEOUT_SECONDS) as response:  # noqa: S310
            status: int = response.status
    except urllib.error.HTTPError as error:
        text = error.read(ERROR_EXCERPT_CHARS).decode("utf-8", errors="replace")
        raise put_failed(url, graph, error.code, str(error.reason), text) from error
    except urllib.error.URLError as error:
        raise store_unreachable(url, graph, error.reason) from error
    except OSError as error:
        raise store_unreachable(url, graph, error) from error
    return status


def publish_build(release: Path, url: str, progress: Progress) -> list[PublishedGraph]:
    """Send every graph of a build, and the derived graphs, to a Graph Store.

    Args:
        release: the release folder (kzgov.store.base.release_or_fail).
        url: the store's Graph Store endpoint (for Oxigraph server, http://HOST:PORT/store).
        progress: where to report each graph sent.

    Returns:
        The graphs sent, in order.

    Raises:
        KzgovError: the URL is not http(s), or the store cannot be reached or refuses
            a graph (the message names the graph and the HTTP status).
    """
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise not_http(url)
    store = ox.Store()
    load_stored_dataset(store, release)
    derived = [ox.NamedNode(str(name)) for name in DERIVED_GRAPHS]
    build_graphs = sorted(
        (g for g in store.named_graphs() if g not in derived), key=lambda g: g.value
    )
    published = []
    for graph in [*build_graphs, *derived]:
        started = time.monotonic()
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""
        triples = body.count(b"\n")
        status = put_graph(url, graph.value, body)
        seconds = time.monotonic() - started
        progress(
            f"PUT <{graph.value}>: {triples} triples, {len(body) / 1024:.0f} KiB,"
            f" HTTP {status} in {seconds:.2f} s"
        )
        published.append(PublishedGraph(name=graph.value, triples=triples, status=status))
    return published
