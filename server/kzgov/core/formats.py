"""Serializing query results for the command line: table, CSV, TSV, JSON, XML and Turtle."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.query import Result

from kzgov.core.errors import KzgovError
from kzgov.core.namespaces import PREFIXES, QUERY_PREFIXES

TABULAR_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "nt", "json-ld", "xml", "trig")
FORMAT_TO_RDFLIB = {
    "csv": "csv",
    "tsv": "tsv",
    "json": "json",
    "xml": "xml",
    "turtle": "turtle",
    "nt": "nt",
    "json-ld": "json-ld",
    "trig": "trig",
}


# The prefixes a graph answer is written with: every prefix a query may use undeclared
# (kz:, post:, person:, wd:, p:, ps:, pq:...), and Wikidata's value-node prefix.
GRAPH_PREFIXES = {
    **QUERY_PREFIXES,
    "pqv": Namespace("http://www.wikidata.org/prop/qualifier/value/"),
}


def with_project_prefixes(graph: Graph) -> Graph:
    """The triples of a graph answer in a graph that names them with kzgov's prefixes.

    A CONSTRUCT answer's own graph keeps none of the query's PREFIX lines: rdflib would
    write `ns1:`, `ns2:`... Turtle writes only the prefixes the triples use.
    """
    named = Graph(bind_namespaces="core")
    for prefix, namespace in GRAPH_PREFIXES.items():
        named.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        named.add(triple)
    return named


def render_table(result: Result) -> str:
    """A plain-text table of SELECT rows (IRIs shortened with kzgov's prefixes), or the ASK answer."""
    if result.type == "ASK":
        return "yes\n" if result.askAnswer else "no\n"
    names = Graph()
    for prefix, namespace in PREFIXES.items():
        names.bind(prefix, namespace, override=True)
    variables = [str(v) for v in result.vars or []]
    rows = []
    for row in result:
        cells = []
        for value in row:  # type: ignore[union-attr]
            cells.append("" if value is None else value.n3(names.namespace_manager))
        rows.append(cells)
    widths = [len(v) for v in variables]
    for cells in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
    line = "  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += [
        "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() for cells in rows
    ]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def render(result: Result, fmt: str) -> str:
    """Serialize a result in a format the user asked for.

    Args:
        result: a SELECT, ASK, CONSTRUCT or DESCRIBE result.
        fmt: table, csv, tsv, json, xml for rows; turtle, nt, json-ld, xml, trig for graphs.

    Returns:
        The serialized result as text.

    Raises:
        KzgovError: the format does not fit the result's kind.
    """
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        if fmt == "table":
            fmt = "turtle"
        if fmt not in GRAPH_FORMATS:
            raise KzgovError(
                f"format {fmt!r} is for rows; a graph result can be: {', '.join(GRAPH_FORMATS)}"
            )
        graph = result.graph
        if graph is None:
            raise TypeError(f"a {result.type} result carries no graph")
        return with_project_prefixes(graph).serialize(format=FORMAT_TO_RDFLIB[fmt])
    if fmt == "table":
        return render_table(result)
    if fmt not in TABULAR_FORMATS:
        raise KzgovError(
            f"format {fmt!r} is for graphs; a {result.type} result can be: {', '.join(TABULAR_FORMATS)}"
        )
    data = result.serialize(format=FORMAT_TO_RDFLIB[fmt])
    if data is None:
        raise TypeError(f"rdflib wrote no {fmt} text for a {result.type} result")
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)
