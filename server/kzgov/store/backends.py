"""Choosing a store backend by its specification: memory, oxigraph[:PATH] or sparql:URL."""

from __future__ import annotations

from pathlib import Path

from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout
from kzgov.store.base import Store
from kzgov.store.memory import MemoryStore

MEMORY_STORE = "memory"


def unknown_store(spec: str) -> KzgovError:
    """The error for a store specification this version does not know."""
    return KzgovError(f"unknown store {spec!r}: use memory, oxigraph, oxigraph:PATH or sparql:URL")


def open_store(spec: str, layout: Layout, query_timeout_seconds: float | None = None) -> Store:
    """The store a specification names, not yet loaded.

    Args:
        spec: "oxigraph" (an on-disk Oxigraph store beside the current build, the
            default) or "oxigraph:PATH" (one at PATH), written from the build when
            first opened; "memory" (rdflib in the server process); "sparql:URL" (a
            SPARQL 1.1 query endpoint holding the build as `kzgov publish` writes it).
        layout: the project and its build folder.
        query_timeout_seconds: the query deadline; a "sparql:URL" store waits for its
            endpoint a little longer, so that the worker's deadline stops a query first.

    Returns:
        The store.

    Raises:
        KzgovError: the specification names no known backend.
    """
    # Oxigraph and the HTTP client load only for the backend chosen.
    kind, _, argument = spec.partition(":")
    if spec == MEMORY_STORE:
        return MemoryStore(layout)
    if kind == "oxigraph":
        from kzgov.store.oxigraph import OxigraphStore

        return OxigraphStore(layout, Path(argument).resolve() if argument else None)
    if kind == "sparql" and argument:
        from kzgov.store.remote import RemoteStore, remote_timeout, store_url_of

        return RemoteStore(layout, store_url_of(spec), remote_timeout(query_timeout_seconds))
    raise unknown_store(spec)
