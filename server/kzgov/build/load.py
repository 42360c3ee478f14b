"""Parsing the ontology and data files into named graphs, with errors that name file and line."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from kzgov.core.errors import InputSyntaxError
from kzgov.core.namespaces import ONTOLOGY_GRAPH


def display_path(path: Path, root: Path | None = None) -> str:
    """The path as a user would type it: relative to the project root where possible."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def syntax_error_from(error: BadSyntax, path: str) -> InputSyntaxError:
    """Turn rdflib's BadSyntax into an error naming the file, line and column.

    Args:
        error: the exception rdflib's Turtle parser raised.
        path: the file as shown to the user.

    Returns:
        An InputSyntaxError with a 1-based line and column.
    """
    text = getattr(error, "_str", b"")
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    offset = getattr(error, "_i", None)
    line = getattr(error, "lines", None)
    column = None
    if isinstance(offset, int) and isinstance(text, str):
        line_start = text.rfind("\n", 0, offset) + 1
        column = offset - line_start + 1
        line = text.count("\n", 0, offset)
    reason = getattr(error, "_why", None) or str(error)
    return InputSyntaxError(path, None if line is None else int(line) + 1, column, str(reason))


def parse_turtle(path: Path, into: Graph, root: Path | None = None) -> None:
    """Parse one Turtle file into a graph.

    Args:
        path: the Turtle file.
        into: the graph that receives the triples.
        root: the project root, to show paths relative to it.

    Raises:
        InputSyntaxError: the file is not valid Turtle (naming file, line and column),
            or cannot be read.
    """
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputSyntaxError(shown, None, None, f"cannot read the file: {error}") from error
    try:
        into.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as error:
        raise syntax_error_from(error, shown) from error
    except Exception as error:  # rdflib raises plain exceptions for some bad terms
        raise InputSyntaxError(shown, None, None, str(error)) from error


def load_inputs(
    ontology_files: list[Path], data_files: list[Path], graph_of: dict[Path, URIRef], root: Path
) -> Dataset:
    """Parse the ontology into its graph and each data file into its own named graph.

    Args:
        ontology_files: the ontology modules, all loaded into the ontology graph.
        data_files: the data files.
        graph_of: the named graph of each data file.
        root: the project root, to show paths relative to it.

    Returns:
        A dataset with one named graph per data file plus the ontology graph.

    Raises:
        InputSyntaxError: a file does not parse.
    """
    dataset = Dataset()
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    for path in ontology_files:
        parse_turtle(path, ontology, root)
    for path in data_files:
        parse_turtle(path, dataset.graph(graph_of[path]), root)
    return dataset
