"""The `kzgov` command line: build, validate, query and list the named queries."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from kzgov import __version__
from kzgov.build import build, quiet, to_stderr, validate_only
from kzgov.errors import KzgovError
from kzgov.formats import GRAPH_FORMATS, TABULAR_FORMATS, render
from kzgov.layout import Layout
from kzgov.queries import find_named_query, list_named_queries
from kzgov.sparql import evaluate, parse_query
from kzgov.store import open_dataset


def layout_from(args: argparse.Namespace) -> Layout:
    """The project layout, with --root and --build-dir applied."""
    layout = Layout.default()
    root = Path(args.root) if args.root else layout.root
    build_dir = Path(args.build_dir) if args.build_dir else (
        layout.build_dir if not args.root else root / "build"
    )
    return Layout(root=root, build_dir=build_dir)


def command_build(args: argparse.Namespace) -> int:
    """Build the graph and print its summary."""
    layout = layout_from(args)
    result = build(layout, progress=quiet if args.quiet else to_stderr)
    summary = result.summary
    triples = summary["triples"]
    assert isinstance(triples, dict)
    print(f"Built {triples['total']} triples ({triples['inferred']} inferred) into {result.release_dir}")
    print(json.dumps({k: summary[k] for k in ("graphs", "sources", "classes")}, indent=2))
    warnings = [w for w in result.warnings if not w.is_violation]
    if warnings:
        print(f"{len(warnings)} SHACL warning(s); see validation-report.txt", file=sys.stderr)
    return 0


def command_validate(args: argparse.Namespace) -> int:
    """Validate the data and print the human-readable report."""
    results, report = validate_only(layout_from(args))
    print(report, end="")
    return 2 if any(r.is_violation for r in results) else 0


def read_query_argument(layout: Layout, argument: str, parameters: list[str]) -> str:
    """The query text for a name from queries/, a .rq file, or a query string."""
    values = {}
    for item in parameters:
        name, sep, value = item.partition("=")
        if not sep:
            raise KzgovError(f"--param {item!r}: write it as name=value")
        values[name] = value
    if argument.endswith(".rq") and Path(argument).is_file():
        return Path(argument).read_text(encoding="utf-8")
    if "{" in argument or " " in argument:
        return argument
    named = find_named_query(layout.queries_dir, argument)
    return named.bind(values)


def command_query(args: argparse.Namespace) -> int:
    """Run a query against the built graph and print the result."""
    layout = layout_from(args)
    text = read_query_argument(layout, args.query, args.param)
    parsed = parse_query(text)
    dataset = open_dataset(layout)
    result = evaluate(dataset, parsed)
    sys.stdout.write(render(result, args.format))
    return 0


def command_queries(args: argparse.Namespace) -> int:
    """List the named queries with their titles and parameters."""
    for query in list_named_queries(layout_from(args).queries_dir):
        params = ", ".join(f"{p.name}={p.default}" for p in query.parameters)
        print(f"{query.name}\n    {query.title}" + (f"\n    parameters: {params}" if params else ""))
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the kzgov command."""
    parser = argparse.ArgumentParser(
        prog="kzgov", description="The knowledge graph of Kazakhstan's public administration."
    )
    parser.add_argument("--version", action="version", version=f"kzgov {__version__}")
    parser.add_argument("--root", help="the project folder (default: this checkout)")
    parser.add_argument("--build-dir", help="the build folder (default: ROOT/build, or $KZGOV_BUILD_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)

    build_parser = commands.add_parser("build", help="parse, validate, materialize, check and write")
    build_parser.add_argument("--quiet", action="store_true", help="no progress output")
    build_parser.set_defaults(run=command_build)

    validate_parser = commands.add_parser("validate", help="validate the data against the shapes")
    validate_parser.set_defaults(run=command_validate)

    query_parser = commands.add_parser("query", help="run a SPARQL query on the built graph")
    query_parser.add_argument("query", help="a named query from queries/, a .rq file, or a query string")
    query_parser.add_argument(
        "--format",
        default="table",
        choices=sorted(set(TABULAR_FORMATS) | set(GRAPH_FORMATS)),
        help="output format (default: table; Turtle for graph results)",
    )
    query_parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="set a named query's parameter"
    )
    query_parser.set_defaults(run=command_query)

    list_parser = commands.add_parser("queries", help="list the named queries")
    list_parser.set_defaults(run=command_queries)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the kzgov command.

    Args:
        argv: the arguments (default: sys.argv[1:]).

    Returns:
        The exit code: 0 on success, non-zero with a message on standard error otherwise.
    """
    args = make_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KzgovError as error:
        print(f"kzgov: {error}", file=sys.stderr)
        return error.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
