"""The `kzgov` command line: build, validate, query, list the named queries, and serve."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rdflib import Dataset

from kzgov import __version__
from kzgov.build.build_summary import build_summary
from kzgov.build.pipeline import (
    ALONGSIDE_MIN_TRIPLES,
    DEFAULT_REASONER,
    DEFAULT_VALIDATOR,
    REASONERS,
    VALIDATORS,
    build,
    quiet,
    to_stderr,
    validate_only,
)
from kzgov.build.validation_summary import terminal_report
from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError
from kzgov.core.formats import GRAPH_FORMATS, TABULAR_FORMATS, render
from kzgov.core.layout import Layout
from kzgov.core.parameter_check import instances_query, resolve
from kzgov.core.projection import in_written_order
from kzgov.core.queries import NamedQuery, find_named_query, list_named_queries
from kzgov.core.release import CURRENT_LINK, current_release
from kzgov.core.sparql import ParsedQuery, QuerySyntaxError, evaluate, parse_query
from kzgov.store.base import release_or_fail
from kzgov.store.memory import open_dataset
from kzgov.web.guards import refuse_service

# 128 + SIGPIPE: what a shell reports for a command whose reader closed the pipe.
SIGPIPE_EXIT_CODE = 141
# A command line argparse cannot read is bad input, like any other (README: exit codes).
USAGE_EXIT_CODE = 1


def layout_from(args: argparse.Namespace) -> Layout:
    """The project layout, with --root and --build-dir applied."""
    layout = Layout.default()
    root = Path(args.root) if args.root else layout.root
    build_dir = (
        Path(args.build_dir)
        if args.build_dir
        else (layout.build_dir if not args.root else root / "build")
    )
    return Layout(root=root, build_dir=build_dir)


def command_build(args: argparse.Namespace) -> int:
    """Build the graph and print its summary."""
    layout = layout_from(args)
    result = build(
        layout,
        progress=quiet if args.quiet else to_stderr,
        reasoner=args.reasoner,
        validator=args.validator,
        alongside=args.alongside,
    )
    if args.json:
        print(json.dumps(result.summary, indent=2))
    else:
        current = layout.build_dir / CURRENT_LINK
        print(build_summary(result.summary, result.warnings, result.release_dir, current), end="")
    return 0


def command_validate(args: argparse.Namespace) -> int:
    """Validate the data and print the human-readable report."""
    results, _report = validate_only(layout_from(args))
    print(terminal_report(results, args.verbose, where="`kzgov validate --verbose`"), end="")
    return 2 if any(r.is_violation for r in results) else 0


def read_query_argument(layout: Layout, argument: str, parameters: list[str]) -> str:
    """The query text for a name from queries/, a .rq file, or a query string."""
    values = {}
    for item in parameters:
        name, sep, value = item.partition("=")
        if not sep:
            raise KzgovError(f"--param {item!r}: write it as name=value")
        values[name] = value
    if argument.endswith(".rq"):
        if not Path(argument).is_file():
            raise KzgovError(f"{argument}: no such query file")
        return Path(argument).read_text(encoding="utf-8")
    if "{" in argument or " " in argument:
        return argument
    named = find_named_query(layout.queries_dir, argument)
    named.bind(values)  # a value that is no SPARQL term is refused before the build is read
    return named.bind(resolve_instances(layout, named, values))


def resolve_instances(layout: Layout, named: NamedQuery, values: dict[str, str]) -> dict[str, str]:
    """Read bare slugs by their parameter's kinds; refuse a value naming no entity in the build."""
    if not values:
        return values
    opened: list[Dataset] = []

    def instances_of(kind: str) -> list[str]:
        if not opened:
            opened.append(open_dataset(layout))
        rows = evaluate(opened[0], parse_query(instances_query(kind)))
        return [str(row[0]) for row in rows]  # type: ignore[index]

    return resolve(named, values, instances_of)


def parse_in_file(text: str, argument: str) -> ParsedQuery:
    """Parse the query; a syntax error in a .rq file names the file, as given, line and column."""
    try:
        return parse_query(text)
    except QuerySyntaxError as error:
        if argument.endswith(".rq"):
            raise error.in_file(argument) from error
        raise


def command_query(args: argparse.Namespace) -> int:
    """Run a query against the built graph and print the result."""
    layout = layout_from(args)
    text = read_query_argument(layout, args.query, args.param)
    parsed = parse_in_file(text, args.query)
    refuse_service(parsed)  # the command line calls no other endpoint either
    if parsed.broken_rule is not None:  # rdflib evaluates here, as on the memory store
        where = f"{args.query}: " if args.query.endswith(".rq") else ""
        raise KzgovError(f"{where}SPARQL syntax error: {parsed.broken_rule}")
    dataset = open_dataset(layout)
    try:
        result = evaluate(dataset, parsed)
        if result.type == "SELECT" and result.vars:
            result.vars = in_written_order(text, result.vars)
        output = render(result, args.format)
    except KzgovError:
        raise
    except Exception as error:  # rdflib raises plain exceptions for what it cannot evaluate
        raise KzgovError(f"the query cannot be evaluated: {error}") from error
    sys.stdout.write(output)
    return 0


def command_queries(args: argparse.Namespace) -> int:
    """List the named queries with their titles and parameters."""
    for query in list_named_queries(layout_from(args).queries_dir):
        params = ", ".join(f"{p.name}={p.default}" for p in query.parameters)
        print(
            f"{query.name}\n    {query.title}" + (f"\n    parameters: {params}" if params else "")
        )
    return 0


def command_explain(args: argparse.Namespace) -> int:
    """Print why a triple holds: its proof tree, or its sources if it is stated."""
    from kzgov.reasoning.explain import explain_in_build  # Oxigraph loads only for this command

    return explain_in_build(
        release_or_fail(layout_from(args)), args.subject, args.predicate, args.object, args.format
    )


def server_config_from(args: argparse.Namespace) -> ServerConfig:
    """The server settings: defaults, then KZGOV_* variables, then command-line options."""
    config = ServerConfig.from_environment()
    config.layout = layout_from(args)
    for name in (
        "host",
        "port",
        "workers",
        "threads",
        "query_timeout_seconds",
        "max_query_bytes",
        "max_result_rows",
        "max_result_bytes",
        "max_pending_queries",
        "worker_memory_growth_mb",
        "worker_memory_limit_mb",
        "client_workers",
        "client_pending",
        "http_processes",
        "request_read_seconds",
        "client_requests",
        "store",
        "cache",
        "cache_max_entries",
        "cache_max_bytes",
        "cache_max_age_seconds",
    ):
        value = getattr(args, name)
        if value is not None:
            setattr(config, name, value)
    return config


def command_serve(args: argparse.Namespace) -> int:
    """Build the graph if there is no build yet, then serve it over HTTP until stopped."""
    from kzgov.web.serve import serve  # the web stack loads only for this command

    config = server_config_from(args)
    if current_release(config.layout.build_dir) is None:
        print(f"No build in {config.layout.build_dir}: building first.", file=sys.stderr)
        build(config.layout, progress=to_stderr)
    serve(config)
    return 0


def add_serve_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `kzgov serve` subcommand and its options (each also a KZGOV_* variable)."""
    serve_parser = commands.add_parser(
        "serve",
        help="serve the graph over HTTP: SPARQL endpoint and pages (builds first if needed)",
        description="Serve the last good build with granian (HTTP processes in front of one pool of query workers). Every option can also be set"
        " by the environment variable named in its help (for example KZGOV_PORT=8080);"
        " options win over variables.",
    )
    option = serve_parser.add_argument
    option("--host", help="address to listen on (default 127.0.0.1; KZGOV_HOST)")
    option("--port", type=int, help="port, 0 for any free one (default 8000; KZGOV_PORT)")
    option("--workers", type=int, help="query processes (default: one per core; KZGOV_WORKERS)")
    option(
        "--threads",
        type=int,
        help="HTTP threads of each HTTP process (default: workers + queue + 4; KZGOV_THREADS)",
    )
    option(
        "--http-processes",
        type=int,
        metavar="N",
        help="HTTP processes, which share one pool of query workers (default: one per"
        " core, at most 4; KZGOV_HTTP_PROCESSES)",
    )
    option(
        "--request-read-timeout",
        dest="request_read_seconds",
        type=float,
        metavar="SECONDS",
        help="total time a client has to send a request's head, and again its body"
        " (default 10, at most 60; KZGOV_REQUEST_READ_SECONDS)",
    )
    option(
        "--client-requests",
        type=int,
        metavar="N",
        help="most requests one client (address, or X-API-Key) has in progress at once,"
        " past it 429 (default 64; KZGOV_CLIENT_REQUESTS)",
    )
    option(
        "--timeout",
        dest="query_timeout_seconds",
        type=float,
        metavar="SECONDS",
        help="deadline of one query (default 10; KZGOV_QUERY_TIMEOUT_SECONDS)",
    )
    option(
        "--max-query-bytes",
        type=int,
        help="longest query accepted (default 102400; KZGOV_MAX_QUERY_BYTES)",
    )
    option(
        "--max-result-rows",
        type=int,
        help="most rows or triples in a result (default 10000; KZGOV_MAX_RESULT_ROWS)",
    )
    option(
        "--max-result-bytes",
        type=int,
        help="largest serialized result (default 50 MiB; KZGOV_MAX_RESULT_BYTES)",
    )
    option(
        "--max-pending",
        dest="max_pending_queries",
        type=int,
        help="queries waiting for a worker before 429 (default 32; KZGOV_MAX_PENDING_QUERIES)",
    )
    option(
        "--worker-memory-growth",
        dest="worker_memory_growth_mb",
        type=int,
        metavar="MB",
        help="replace a query worker whose own memory grew by more than this after its"
        " answer, 0 never (default 64; KZGOV_WORKER_MEMORY_GROWTH_MB)",
    )
    option(
        "--worker-memory-limit",
        dest="worker_memory_limit_mb",
        type=int,
        metavar="MB",
        help="stop a query whose worker's own memory passes this (503) and replace the"
        " worker (default: half the machine's memory over the workers, at least 512;"
        " KZGOV_WORKER_MEMORY_LIMIT_MB)",
    )
    option(
        "--client-workers",
        type=int,
        metavar="N",
        help="most queries one client (address, or X-API-Key) runs at once"
        " (default: half the workers, at least 1; KZGOV_CLIENT_WORKERS)",
    )
    option(
        "--client-pending",
        type=int,
        metavar="N",
        help="most queries one client has waiting before 429"
        " (default: a quarter of --max-pending, at least 1; KZGOV_CLIENT_PENDING)",
    )
    option(
        "--store",
        help="query backend: oxigraph (an Oxigraph store beside the build, written on first"
        " use; the default), oxigraph:PATH, memory (rdflib in memory), or sparql:URL (a"
        " SPARQL endpoint holding the build, see `kzgov publish`) (KZGOV_STORE)",
    )
    option(
        "--no-cache",
        dest="cache",
        action="store_const",
        const="off",
        help="no result cache, no ETag: compute every answer afresh (KZGOV_CACHE=off)",
    )
    option(
        "--cache-max-entries",
        type=int,
        help="most answers the result cache keeps (default 1024; KZGOV_CACHE_MAX_ENTRIES)",
    )
    option(
        "--cache-max-bytes",
        type=int,
        help="most bytes the result cache keeps (default 64 MiB; KZGOV_CACHE_MAX_BYTES)",
    )
    option(
        "--cache-max-age",
        dest="cache_max_age_seconds",
        type=int,
        metavar="SECONDS",
        help="how long clients may reuse an answer (default 60; KZGOV_CACHE_MAX_AGE_SECONDS)",
    )
    serve_parser.set_defaults(run=command_serve)


def command_publish(args: argparse.Namespace) -> int:
    """Push the current build to a SPARQL store with the Graph Store HTTP Protocol."""
    from kzgov.build.publish import publish_build  # Oxigraph loads only for this command

    release = release_or_fail(layout_from(args))

    def report(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    published = publish_build(release, args.to, report)
    triples = sum(graph.triples for graph in published)
    print(f"Published {len(published)} graphs ({triples} triples) from {release} to {args.to}")
    return 0


def add_publish_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `kzgov publish` subcommand: the build into a SPARQL store, graph by graph."""
    publish_parser = commands.add_parser(
        "publish",
        help="push the build to a SPARQL store (Graph Store HTTP Protocol)",
        description="PUT each named graph of the current build, and the derived graphs"
        " kzg:union and kzg:asserted, to URL?graph=IRI. Then serve it with"
        " `kzgov serve --store sparql:QUERY-URL`.",
    )
    publish_parser.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the store's Graph Store endpoint (Oxigraph server: http://HOST:PORT/store)",
    )
    publish_parser.add_argument("--quiet", action="store_true", help="no line per graph")
    publish_parser.set_defaults(run=command_publish)


def command_coverage(args: argparse.Namespace) -> int:
    """Print how much of each source the graph quotes; exit 1 on a misplaced quote."""
    from kzgov.build.coverage import coverage_table, default_sources_dir, measure_coverage

    layout = layout_from(args)
    sources = Path(args.sources) if args.sources else default_sources_dir(layout)
    report = measure_coverage(layout, sources, args.sources or "../shared/seeds")
    print(coverage_table(report))
    for problem in report.problems:
        print(f"kzgov: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


class Parser(argparse.ArgumentParser):
    """argparse's parser, but a usage error exits 1 (bad input): 2 means a SHACL violation."""

    def error(self, message: str) -> NoReturn:
        """Print argparse's one-line message (no usage block) and exit with USAGE_EXIT_CODE."""
        self.exit(USAGE_EXIT_CODE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the kzgov command (its subcommands' parsers are Parsers too)."""
    parser = Parser(
        prog="kzgov", description="The knowledge graph of Kazakhstan's public administration."
    )
    parser.add_argument("--version", action="version", version=f"kzgov {__version__}")
    parser.add_argument("--root", help="the project folder (default: this checkout)")
    parser.add_argument(
        "--build-dir", help="the build folder (default: ROOT/build, or $KZGOV_BUILD_DIR)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build_parser = commands.add_parser(
        "build",
        help="parse, validate, materialize, check and write",
        description="Build the graph into ROOT/build. Stages whose inputs did not change"
        " since an earlier build are reused from ROOT/build/cache; summary.json says which.",
    )
    build_parser.add_argument("--quiet", action="store_true", help="no progress output")
    build_parser.add_argument(
        "--json",
        action="store_true",
        help="print the full summary (summary.json: counts per graph, class and source,"
        " stage timings) instead of the short one",
    )
    build_parser.add_argument(
        "--reasoner",
        choices=sorted(REASONERS),
        default=DEFAULT_REASONER,
        help=f"OWL 2 RL reasoner: owlrl, the reference, or fast, which gives the same"
        f" closure much faster (default {DEFAULT_REASONER})",
    )
    build_parser.add_argument(
        "--validator",
        choices=sorted(VALIDATORS),
        default=DEFAULT_VALIDATOR,
        help=f"SHACL validator: pyshacl alone, or fast, which gives the same results with"
        f" the SPARQL constraints on Oxigraph (default {DEFAULT_VALIDATOR})",
    )
    at_once = build_parser.add_mutually_exclusive_group()
    at_once.add_argument(
        "--alongside",
        action="store_const",
        const=True,
        dest="alongside",
        help="validate and compute the closure at once, in two processes, whatever the"
        f" graph's size (the default from {ALONGSIDE_MIN_TRIPLES:,} asserted triples on:"
        " faster on two or more cores)",
    )
    at_once.add_argument(
        "--in-turn",
        action="store_const",
        const=False,
        dest="alongside",
        help="run every stage in turn, in one process (one core; the default for smaller graphs)",
    )
    build_parser.set_defaults(run=command_build)

    validate_parser = commands.add_parser(
        "validate",
        help="validate the data against the shapes",
        description="Print the SHACL results: counts per severity, every violation in"
        " full, the warnings counted per shape (all of them with --verbose). Exit code 2"
        " if there is a violation.",
    )
    validate_parser.add_argument(
        "--verbose", action="store_true", help="list every warning in full"
    )
    validate_parser.set_defaults(run=command_validate)

    query_parser = commands.add_parser("query", help="run a SPARQL query on the built graph")
    query_parser.add_argument(
        "query", help="a named query from queries/, a .rq file, or a query string"
    )
    query_parser.add_argument(
        "--format",
        default="table",
        choices=sorted(set(TABULAR_FORMATS) | set(GRAPH_FORMATS)),
        help="output format (default: table; Turtle for graph results)",
    )
    query_parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a named query's parameter",
    )
    query_parser.set_defaults(run=command_query)

    explain_parser = commands.add_parser(
        "explain",
        help="why an inferred triple holds: its derivation down to the sources",
        description="Print the proof of a triple of the build: the OWL 2 RL rule and its"
        " premises, recursively down to stated triples with their sources and quotes. Terms"
        " are IRIs, prefixed names (kz:appointedBy, post:president) or, for the object, a"
        ' literal ("1990"^^xsd:gYear). Exit code 0: inferred, proof printed; 1: not in the'
        " build or bad input; 5: stated, not inferred (its sources are printed).",
    )
    explain_parser.add_argument("subject")
    explain_parser.add_argument("predicate")
    explain_parser.add_argument("object")
    explain_parser.add_argument(
        "--format", default="text", choices=("text", "json", "turtle"), help="default: text"
    )
    explain_parser.set_defaults(run=command_explain)

    list_parser = commands.add_parser("queries", help="list the named queries")
    list_parser.set_defaults(run=command_queries)

    coverage_parser = commands.add_parser(
        "coverage",
        help="per source: sentences quoted, stating no fact, uncovered; check every quote",
        description="Split each source document into sentences, place every kz:sourcePassage"
        " in its own source and check its kz:sourceLocator. Exits 1 if a quote is not verbatim"
        " in its graph's source, a locator is wrong or a no-fact entry does not fit.",
    )
    coverage_parser.add_argument(
        "--sources", metavar="DIR", help="the source documents' folder (default ../shared/seeds)"
    )
    coverage_parser.set_defaults(run=command_coverage)

    add_serve_parser(commands)
    add_publish_parser(commands)
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
        sys.stdout.flush()
    except KzgovError as error:
        print(f"kzgov: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return reader_went_away()
    return code


def reader_went_away() -> int:
    """The reader of standard output (`| head`) closed it: stop quietly, as `cat` would.

    Standard output is pointed at /dev/null so that Python's final flush at exit does not
    raise again; the exit code is the shell's for a command ended by SIGPIPE.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return SIGPIPE_EXIT_CODE


if __name__ == "__main__":
    sys.exit(main())
