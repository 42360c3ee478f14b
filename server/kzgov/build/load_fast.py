"""Parsing input files with Oxigraph's parser, rdflib's only for the errors it words.

Oxigraph parses Turtle an order of magnitude faster than rdflib. When it refuses a file,
the file goes to `kzgov.build.load.parse_turtle`, whose errors name the file, line and column
in the words the tests and users know; if rdflib accepts what Oxigraph refused, rdflib's
reading is used. Blank nodes get random, unique labels either way, so that the graphs of
several files can share a store without merging their blank nodes. Parsed graphs are kept
as N-Triples (the parse stage's cache entries).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kzgov.build.load import parse_turtle
from kzgov.core.oxigraph_terms import TermConverter


def parse_turtle_fast(path: Path, root: Path | None = None) -> list[ox.Triple]:
    """Parse one Turtle file, relative IRIs resolved against the file's own URI.

    Args:
        path: the Turtle file.
        root: the project root, to show paths relative to it in errors.

    Returns:
        The file's triples, as Oxigraph terms, blank nodes with unique labels.

    Raises:
        InputSyntaxError: the file is not valid Turtle (naming file, line and column),
            or cannot be read.
    """
    base = path.resolve().as_uri()
    try:
        return [
            ox.Triple(quad.subject, quad.predicate, quad.object)
            for quad in ox.parse(
                path=path, format=ox.RdfFormat.TURTLE, base_iri=base, rename_blank_nodes=True
            )
        ]
    except (SyntaxError, OSError, UnicodeDecodeError):
        graph = Graph()
        parse_turtle(path, graph, root)  # raises with rdflib's file:line:column message
        converter = TermConverter()
        return [
            ox.Triple(quad.subject, quad.predicate, quad.object)
            for quad in converter.oxigraph_quads(graph, ox.DefaultGraph())
        ]


def write_ntriples(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write triples to a file as N-Triples."""
    ox.serialize(triples, path, format=ox.RdfFormat.N_TRIPLES)


def read_ntriples(path: Path) -> Iterator[ox.Triple]:
    """Read the triples of an N-Triples file."""
    for quad in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES):
        yield ox.Triple(quad.subject, quad.predicate, quad.object)
