"""Parsing input files with Oxigraph's parser, rdflib's only for the errors it words.

Oxigraph parses Turtle an order of magnitude faster than rdflib. When it refuses a file,
the file goes to `kzgov.build.load.parse_turtle`, whose errors name the file, line and column
in the words the tests and users know; if rdflib accepts what Oxigraph refused, rdflib's
reading is used. Blank nodes get random, unique labels either way, so that the graphs of
several files can share a store without merging their blank nodes. Parsed graphs are kept
as N-Triples (the parse stage's cache entries).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kzgov.build.load import display_path, parse_turtle
from kzgov.core.errors import InputSyntaxError
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
            or cannot be read, or holds a term too long to parse (naming the file).
    """
    base = path.resolve().as_uri()
    try:
        return [
            ox.Triple(quad.subject, quad.predicate, quad.object)
            for quad in ox.parse(
                path=path, format=ox.RdfFormat.TURTLE, base_iri=base, rename_blank_nodes=True
            )
        ]
    except MemoryError as error:  # Oxigraph's buffer for one token is bounded
        raise too_large_a_token(path, root, error) from error
    except (SyntaxError, OSError, UnicodeDecodeError) as refused:
        graph = Graph()
        with rdflib_term_warnings_muted():
            parse_turtle(path, graph, root)  # raises with rdflib's file:line:column message
        converter = TermConverter()
        try:
            return [
                ox.Triple(quad.subject, quad.predicate, quad.object)
                for quad in converter.oxigraph_quads(graph, ox.DefaultGraph())
            ]
        except ValueError as error:  # rdflib took a term RDF does not allow (an IRI with a space)
            raise oxigraph_refused(path, root, refused) from error


@contextmanager
def rdflib_term_warnings_muted() -> Iterator[None]:
    """The warnings rdflib logs about the terms it makes, muted for the length of a block.

    rdflib takes an IRI RDF forbids (one with a space) with a warning on its logger
    ("... does not look like a valid URI"); where Oxigraph has already refused the file,
    kzgov says what and where itself (`oxigraph_refused`), so that warning would only
    come first, without a file or a line.
    """
    logger = logging.getLogger("rdflib.term")

    def muted(_record: logging.LogRecord) -> bool:
        return False

    logger.addFilter(muted)
    try:
        yield
    finally:
        logger.removeFilter(muted)


def oxigraph_refused(path: Path, root: Path | None, error: Exception) -> InputSyntaxError:
    """The error for a file rdflib reads but Oxigraph rightly refuses, with Oxigraph's position."""
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    reason = str(getattr(error, "msg", None) or error)
    reason = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", reason)
    return InputSyntaxError(display_path(path, root), line, column, reason)


def too_large_a_token(path: Path, root: Path | None, error: MemoryError) -> InputSyntaxError:
    """The error for a file with a term longer than Oxigraph's parser takes."""
    return InputSyntaxError(
        display_path(path, root),
        None,
        None,
        f"a term (a literal or an IRI) is too long to parse: {error}",
    )


def write_ntriples(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write triples to a file as N-Triples."""
    ox.serialize(triples, path, format=ox.RdfFormat.N_TRIPLES)


def read_ntriples(path: Path) -> Iterator[ox.Triple]:
    """Read the triples of an N-Triples file."""
    for quad in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES):
        yield ox.Triple(quad.subject, quad.predicate, quad.object)
