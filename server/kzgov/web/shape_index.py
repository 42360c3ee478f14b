"""Reading the SHACL shapes for /shapes: every shape with its target, path and message.

The shapes are not part of the served dataset (the build validates with them and
keeps only the data), so /shapes reads the shape files of the project; they are
parsed once per change of the files.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kzgov.core.namespaces import KZSH
from kzgov.web.linking import short_name

SHAPE_FILES_CACHED = 4

KIND_NAMES = {
    SH.NodeShape: "node shape",
    SH.PropertyShape: "property shape",
    SH.SPARQLConstraint: "SPARQL constraint",
}


@dataclass
class ShapeEntry:
    """One shape or constraint as the page lists it.

    Attributes:
        iri: its IRI.
        anchor: its local name, the anchor of /shapes#<anchor>.
        kind: node shape, property shape or SPARQL constraint.
        name: its sh:name.
        message: its sh:message.
        target: its sh:targetClass (node shapes).
        path: its sh:path, briefly (property shapes).
        select: its sh:select (SPARQL constraints).
        parts: the property shapes and constraints of a node shape.
    """

    iri: URIRef
    anchor: str
    kind: str
    name: str = ""
    message: str = ""
    target: Node | None = None
    path: str = ""
    select: str = ""
    parts: list[ShapeEntry] = field(default_factory=list)


def text_of(graph: Graph, subject: Node, predicate: URIRef) -> str:
    """The first value of a property as text, or ""."""
    value = graph.value(subject, predicate)
    return str(value) if value is not None else ""


def entry_for(graph: Graph, iri: URIRef) -> ShapeEntry:
    """The page entry of one shape or constraint."""
    kinds = [
        KIND_NAMES[k]
        for k in graph.objects(iri, RDF.type)
        if isinstance(k, URIRef) and k in KIND_NAMES
    ]
    path = graph.value(iri, SH.path)
    return ShapeEntry(
        iri=iri,
        anchor=str(iri)[len(str(KZSH)) :],
        kind=kinds[0] if kinds else "shape",
        name=text_of(graph, iri, SH.name),
        message=text_of(graph, iri, SH.message),
        target=graph.value(iri, SH.targetClass),
        path=short_name(path) if path is not None else "",
        select=text_of(graph, iri, SH.select).strip(),
    )


@functools.lru_cache(maxsize=SHAPE_FILES_CACHED)
def parse_shapes(files: tuple[tuple[Path, float], ...]) -> tuple[Graph, list[ShapeEntry]]:
    """Parse shape files (keyed by path and modification time) into a graph and an index."""
    graph = Graph()
    for path, _modified in files:
        graph.parse(path, format="turtle")
    in_namespace = sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KZSH))}
    )
    entries = {iri: entry_for(graph, iri) for iri in in_namespace}
    placed: set[URIRef] = set()
    node_shapes = [entries[i] for i in in_namespace if (i, RDF.type, SH.NodeShape) in graph]
    for shape in node_shapes:
        placed.add(shape.iri)
        for predicate in (SH.property, SH.sparql):
            for part in sorted(graph.objects(shape.iri, predicate), key=str):
                if isinstance(part, URIRef) and part in entries:
                    shape.parts.append(entries[part])
                    placed.add(part)
    others = [entries[i] for i in in_namespace if i not in placed]
    if others:
        node_shapes.append(
            ShapeEntry(
                iri=URIRef(str(KZSH)),
                anchor="shared",
                kind="shared",
                name="shared constraints",
                parts=others,
            )
        )
    return graph, node_shapes


def read_shapes(files: Sequence[Path]) -> tuple[Graph, list[ShapeEntry]]:
    """The shapes of the project, as one graph and as an index of node shapes.

    Args:
        files: the shape files.

    Returns:
        The union of the files, and each node shape with its property shapes and
        constraints (shapes used by no node shape come last, as "shared constraints").
    """
    return parse_shapes(tuple((p, p.stat().st_mtime) for p in files))
