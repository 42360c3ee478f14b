"""The Oxigraph store backend: the build in an on-disk pyoxigraph store, read-only per worker.

`--store oxigraph` serves the store kept beside the current build, in
`build/current/oxigraph/`; `--store oxigraph:PATH` serves the one at PATH. Either is
written from the build's N-Quads dump the first time it is opened (or, for PATH, when
it holds another build), into a temporary folder that is then renamed into place, so
a reader never sees half a store. The writing runs in a fresh process, so the server
process never runs RocksDB's threads before it forks its query workers. The store
holds the build's graphs and the derived graphs of `kzgov.store.stored_dataset`, and a
`kzgov-store.json` that says which build it holds and how many triples each graph has.

Every query worker opens the store itself, read-only, on its first query: the data is
read from disk through the page cache, which the workers share, so memory does not
grow with the number of workers. Queries run on Oxigraph's engine. SELECT and ASK
answers in SPARQL JSON or XML are written by Oxigraph's own serializers, through a
sink that stops at the byte cap, and their rows are then counted against the row cap;
other answers are turned into rdflib terms and written by `kzgov.core.serialize`, like the
memory store's. Both ways keep the same row and byte caps.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef, Variable

from kzgov.core.errors import KzgovError, QueryFailed, QueryRejected, ResultTooLarge
from kzgov.core.layout import Layout
from kzgov.core.limits import ResultLimits, over_byte_cap, too_many_rows
from kzgov.core.namespaces import QUERY_PREFIXES, UNION_GRAPH
from kzgov.core.oxigraph_terms import TermConverter
from kzgov.core.projection import selects_star
from kzgov.core.release import SUMMARY_JSON
from kzgov.core.serialize import (
    SPARQL_RESULTS_JSON,
    SPARQL_RESULTS_XML,
    QueryAnswer,
)
from kzgov.core.sparql import ParsedQuery
from kzgov.store.base import QueryDataset, release_or_fail, written_answer
from kzgov.store.rdflib_guards import refuse_any_nested_aggregate
from kzgov.store.stored_dataset import (
    DERIVED_GRAPHS,
    StoredGraphs,
    build_quads,
    stored_graphs,
    stored_quads,
)

log = logging.getLogger("kzgov.store.oxigraph")

OXIGRAPH_DIR = "oxigraph"
STORE_METADATA = "kzgov-store.json"
STORE_FORMAT = 1

# Run by `write_in_fresh_process` in a new interpreter.
WRITE_STORE_SCRIPT = (
    "import sys\n"
    "from kzgov.store.oxigraph import write_from_command_line\n"
    "sys.exit(write_from_command_line(sys.argv[1:]))\n"
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

PREFIX_TO_IRI = {prefix: str(namespace) for prefix, namespace in QUERY_PREFIXES.items()}

# The results formats Oxigraph writes itself (the others go through kzgov.core.serialize).
NATIVE_RESULTS_FORMATS = {
    SPARQL_RESULTS_JSON: ox.QueryResultsFormat.JSON,
    SPARQL_RESULTS_XML: ox.QueryResultsFormat.XML,
}
# Each solution of Oxigraph's SPARQL XML is one <result> element; "<" in a value is
# written &lt;, so its end tag counts the rows exactly.
XML_RESULT_END = b"</result>"
# Where the solutions begin in Oxigraph's SPARQL JSON.
JSON_BINDINGS_START = '"bindings":['
JSON_ROW_START = b",{"


def not_a_kzgov_store(path: Path) -> KzgovError:
    """The error for a folder that exists but holds no store kzgov wrote."""
    return KzgovError(
        f"{path} is not an Oxigraph store written by kzgov (it has no {STORE_METADATA}):"
        " remove it, or name a new folder, and kzgov writes the store there from the build"
    )


def cannot_write_store(path: Path, error: object) -> KzgovError:
    """The error for a store that could not be written from the build."""
    return KzgovError(
        f"cannot write the Oxigraph store {path} from the build: {error}"
        " (name a writable folder with --store oxigraph:PATH)"
    )


def oxigraph_syntax_error(error: SyntaxError) -> QueryRejected:
    """The error for a query rdflib parsed but Oxigraph's stricter parser refuses."""
    return QueryRejected(f"SPARQL syntax error (Oxigraph): {error}")


def oxigraph_cannot_evaluate(error: Exception) -> QueryRejected:
    """The error for a query Oxigraph parsed but refuses to evaluate (an unknown function)."""
    return QueryRejected(f"Oxigraph cannot evaluate this query: {error}")


def oxigraph_failed(error: OSError) -> QueryFailed:
    """The error for a store that could not be read while answering.

    The client is not told the server's paths: the whole error goes to the server's log.
    """
    log.error("the Oxigraph store could not be read: %s", error)
    return QueryFailed(
        "the Oxigraph store could not be read (its files are missing or damaged);"
        " the operator can check /healthz and reload the server on the current build"
    )


def read_metadata(path: Path) -> dict[str, Any] | None:
    """What a store written by kzgov says about itself, or None if it says nothing."""
    try:
        metadata: dict[str, Any] = json.loads((path / STORE_METADATA).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return metadata


def build_identity(release: Path) -> dict[str, Any]:
    """What identifies a build: its release folder, version and time of building."""
    summary = json.loads((release / SUMMARY_JSON).read_text(encoding="utf-8"))
    return {
        "release": release.name,
        "build_version": summary.get("build_version"),
        "built_at": summary.get("built_at"),
    }


def holds_build(metadata: Mapping[str, Any] | None, release: Path) -> bool:
    """Whether a store's metadata says it holds this build, in this format."""
    if metadata is None or metadata.get("format") != STORE_FORMAT:
        return False
    return all(metadata.get(k) == v for k, v in build_identity(release).items())


def counted(quads: Iterator[ox.Quad], sizes: Counter[str]) -> Iterator[ox.Quad]:
    """Pass quads through, counting them per graph."""
    for quad in quads:
        sizes[str(quad.graph_name.value)] += 1  # type: ignore[union-attr]
        yield quad


def swap_into_place(written: Path, path: Path) -> None:
    """Rename a written store to its path, replacing an older store there."""
    if path.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        os.replace(path, retired / path.name)
        os.replace(written, path)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(written, path)


def write_oxigraph_store(release_dir: Path, into: Path | None = None) -> Path:
    """Write a build into an on-disk Oxigraph store, atomically.

    The store holds the build's named graphs and the derived graphs of
    `kzgov.store.stored_dataset`, with a kzgov-store.json of its build and counts. It is
    written into a temporary folder beside its path and renamed into place.

    Args:
        release_dir: the release folder (build/current).
        into: where the store goes (default: release_dir/oxigraph).

    Returns:
        The store's folder.

    Raises:
        KzgovError: the store could not be written.
    """
    path = into or release_dir / OXIGRAPH_DIR
    path.parent.mkdir(parents=True, exist_ok=True)
    written = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    try:
        sizes: Counter[str] = Counter()
        store = ox.Store(str(written))
        store.bulk_extend(stored_quads(counted(build_quads(release_dir), sizes)))
        store.optimize()
        union = ox.NamedNode(str(UNION_GRAPH))
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, union))
        del store  # closes the database before it is renamed
        metadata = {
            "format": STORE_FORMAT,
            **build_identity(release_dir),
            "triples": count,
            "graphs": dict(sorted(sizes.items())),
        }
        (written / STORE_METADATA).write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        if not holds_build(read_metadata(path), release_dir):
            swap_into_place(written, path)
    except OSError as error:
        raise cannot_write_store(path, error) from error
    finally:
        shutil.rmtree(written, ignore_errors=True)
    return path


def write_from_command_line(arguments: Sequence[str]) -> int:
    """Write a store as `write_in_fresh_process` asks: RELEASE_DIR STORE_DIR.

    Returns:
        The exit code: 0, or 1 with the error on standard error.
    """
    release, path = arguments
    try:
        write_oxigraph_store(Path(release), Path(path))
    except KzgovError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def write_in_fresh_process(release: Path, path: Path) -> None:
    """Write a store in a newly started interpreter, and wait for it.

    RocksDB starts threads; a process that later forks (the server forks its query
    workers) must not have run them, so the writing happens in another process, which
    exits when it is done.

    Raises:
        KzgovError: the store could not be written.
    """
    package_parent = str(Path(__file__).resolve().parents[2])
    search_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-c", WRITE_STORE_SCRIPT, str(release), str(path)]
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script, our own paths)
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": search_path},
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise cannot_write_store(path, lines[-1] if lines else f"exit code {done.returncode}")


class OxigraphStore:
    """The build in an on-disk Oxigraph store, opened read-only by each query process."""

    def __init__(self, layout: Layout, path: Path | None = None) -> None:
        """Prepare to serve a build from an Oxigraph store (call `load` before querying).

        Args:
            layout: the project and its build folder.
            path: the store's folder (default: oxigraph/ in the current release).
        """
        self.layout = layout
        self.path = path
        self._sizes: dict[URIRef, int] = {}
        self._triples = 0
        self._location: Path | None = None
        self._store: ox.Store | None = None
        self._opened_by = 0
        self._merged: ox.Store | None = None
        self._merged_for: tuple[int, object] = (0, None)

    def load(self) -> None:
        """Find the store of the current build, writing it first if need be.

        The store is not opened here: each process opens its own on its first query.

        Raises:
            MissingBuild: there is no build.
            KzgovError: the path holds something else, or the store cannot be written.
        """
        release = release_or_fail(self.layout)
        path = self.path or release / OXIGRAPH_DIR
        metadata = read_metadata(path)
        if metadata is None and path.exists() and any(path.iterdir()):
            raise not_a_kzgov_store(path)
        if metadata is None or not holds_build(metadata, release):
            write_in_fresh_process(release, path)
            metadata = read_metadata(path)
        if metadata is None:
            raise not_a_kzgov_store(path)
        derived = {str(name) for name in DERIVED_GRAPHS}
        self._sizes = {
            URIRef(name): int(size)
            for name, size in sorted(metadata["graphs"].items())
            if name not in derived
        }
        self._triples = int(metadata["triples"])
        self._location = path

    @property
    def location(self) -> Path:
        """The store's folder.

        Raises:
            KzgovError: `load` was not called.
        """
        if self._location is None:
            raise KzgovError("the Oxigraph store is not loaded yet")
        return self._location

    @property
    def store(self) -> ox.Store:
        """This process's read-only handle on the store, opened on first use.

        Raises:
            QueryFailed: the store cannot be opened.
        """
        if self._store is None or self._opened_by != os.getpid():
            try:
                self._store = ox.Store.read_only(str(self.location))
            except OSError as error:
                raise oxigraph_failed(error) from error
            self._opened_by = os.getpid()
        return self._store

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""
        return dict(self._sizes)

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""
        return self._triples

    def merged(self, graphs: StoredGraphs) -> ox.Store:
        """An in-memory store whose default graph is the set merge of several graphs.

        Oxigraph merges a default graph of several graphs as a multiset; SPARQL (and
        the memory store) as a set. For such a dataset, the graphs are copied into a
        store of their own, the default graph once per triple and the named graphs as
        they are; the copy is kept for the next queries on the same graphs. The copy
        costs time in proportion to the graphs, within the query's deadline.
        """
        key = (graphs.default, graphs.named)
        if self._merged_for != (os.getpid(), key) or self._merged is None:
            merged = ox.Store()
            default = ox.DefaultGraph()
            for name in graphs.default:
                quads = self.store.quads_for_pattern(None, None, None, ox.NamedNode(str(name)))
                merged.bulk_extend(
                    ox.Quad(q.subject, q.predicate, q.object, default) for q in quads
                )
            for name in graphs.named:
                merged.bulk_extend(
                    self.store.quads_for_pattern(None, None, None, ox.NamedNode(str(name)))
                )
            self._merged = merged
            self._merged_for = (os.getpid(), key)
        return self._merged

    def answer(
        self,
        parsed: ParsedQuery,
        dataset: QueryDataset,
        media_type: str,
        limits: ResultLimits,
    ) -> QueryAnswer:
        """Evaluate a query with Oxigraph on some graphs and serialize its result.

        The query's own FROM / FROM NAMED are overridden by `dataset`, which is given
        to Oxigraph as explicit lists of graphs (`kzgov.store.stored_dataset`).

        Args:
            parsed: the query, admitted by `kzgov.web.guards`.
            dataset: the graphs it runs on.
            media_type: a media type that fits the query form.
            limits: the row and byte caps of the result.

        Returns:
            The serialized result.

        Raises:
            ResultTooLarge: the result passes a cap.
            QueryRejected: Oxigraph's parser refuses the query, or it cannot evaluate it.
            QueryFailed: the store cannot be read.
        """
        refuse_any_nested_aggregate(parsed.query.algebra)  # Oxigraph answers an empty row
        graphs = stored_graphs(dataset, self._sizes)
        named: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(str(g)) for g in graphs.named]
        try:
            if len(graphs.default) > 1:
                result = self.merged(graphs).query(
                    parsed.text,
                    prefixes=PREFIX_TO_IRI,
                    default_graph=ox.DefaultGraph(),
                    named_graphs=named,
                )
            else:
                result = self.store.query(
                    parsed.text,
                    prefixes=PREFIX_TO_IRI,
                    default_graph=[ox.NamedNode(str(g)) for g in graphs.default],
                    named_graphs=named,
                )
            # Oxigraph writes `SELECT *` columns sorted by name: those answers are
            # written here instead, in the query's order (kzgov.core.projection).
            native = media_type in NATIVE_RESULTS_FORMATS and not selects_star(parsed.text)
            if native and not isinstance(result, ox.QueryTriples):
                return written_by_oxigraph(result, media_type, limits)
            outcome = outcome_of(result, limits)
        except SyntaxError as error:
            raise oxigraph_syntax_error(error) from error
        except OSError as error:
            raise oxigraph_failed(error) from error
        except (RuntimeError, ValueError, TypeError) as error:
            raise oxigraph_cannot_evaluate(error) from error
        return written_answer(parsed, outcome, media_type, limits)


class CappedSink(io.BytesIO):
    """A byte buffer for what Oxigraph writes, up to a number of bytes.

    Past the cap it keeps the bytes that fit and raises, which stops Oxigraph's writer.
    """

    def __init__(self, max_bytes: int) -> None:
        """Start empty.

        Args:
            max_bytes: the most bytes kept; one more raises ResultTooLarge.
        """
        super().__init__()
        self.max_bytes = max_bytes
        self.size = 0

    def write(self, data: ReadableBuffer, /) -> int:
        """Keep a chunk.

        Raises:
            ResultTooLarge: the chunks kept pass the cap (Oxigraph stops writing).
        """
        if isinstance(data, bytes) and self.size + len(data) <= self.max_bytes:
            self.size += len(data)  # what Oxigraph writes, within the cap: kept as it is
            return super().write(data)
        chunk = memoryview(data).cast("B")
        room = max(0, self.max_bytes - self.size)
        super().write(chunk[:room])
        self.size += len(chunk)  # once over the cap, any later write keeps nothing
        if self.size > self.max_bytes:
            raise over_byte_cap(self.max_bytes)
        return len(chunk)


def more_rows_than(body: bytes, media_type: str, max_rows: int) -> bool:
    """Whether a SELECT result Oxigraph wrote as SPARQL JSON or XML has more rows than a cap.

    Every solution takes at least two bytes of JSON (`{}`) and holds one `</result>` in
    XML, so a body shorter than that many rows past the cap is within it, unread. In
    Oxigraph's compact JSON the first solution begins with `[{` and every other one
    with `,{`, and a value may hold `,{` too: one more than the count of `,{` bounds
    the solutions from above, so the JSON is parsed only when that bound passes the cap.
    The count of `{` is a looser bound, but quicker to count, so it is looked at first.
    """
    if media_type != SPARQL_RESULTS_JSON:
        if len(body) < len(XML_RESULT_END) * (max_rows + 1):
            return False
        return body.count(XML_RESULT_END) > max_rows
    if len(body) < len(b"{}") * (max_rows + 1):
        return False
    if body.count(b"{") <= max_rows:  # each solution opens one; a one-byte count is quicker
        return False
    if body.count(JSON_ROW_START) + 1 <= max_rows:
        return False
    return len(json.loads(body)["results"]["bindings"]) > max_rows


def rows_begun(partial: bytes, media_type: str) -> int:
    """The complete solutions at the start of SPARQL JSON or XML cut short at the byte cap."""
    if media_type != SPARQL_RESULTS_JSON:
        return partial.count(XML_RESULT_END)
    text = partial.decode("utf-8", errors="ignore")
    start = text.find(JSON_BINDINGS_START)
    if start < 0:
        return 0
    position = start + len(JSON_BINDINGS_START)
    decoder = json.JSONDecoder()
    rows = 0
    while True:
        try:
            _row, position = decoder.raw_decode(text, position)
        except ValueError:
            return rows
        rows += 1
        if not text.startswith(",", position):
            return rows
        position += 1


def written_by_oxigraph(
    result: ox.QuerySolutions | ox.QueryBoolean, media_type: str, limits: ResultLimits
) -> QueryAnswer:
    """A SELECT or ASK result written by Oxigraph's own serializer, within the caps.

    Args:
        result: what `pyoxigraph.Store.query` returned.
        media_type: one of NATIVE_RESULTS_FORMATS.
        limits: the byte cap (enforced while writing) and the row cap (on the rows written).

    Returns:
        The serialized answer.

    Raises:
        ResultTooLarge: the result passes a cap.
    """
    sink = CappedSink(limits.max_bytes)
    try:
        result.serialize(sink, format=NATIVE_RESULTS_FORMATS[media_type])
    except ResultTooLarge:
        # Say "rows" if the rows written before the byte cap already pass the row cap.
        if rows_begun(sink.getvalue(), media_type) > limits.max_rows:
            raise too_many_rows(limits.max_rows, "rows") from None
        raise
    body = sink.getvalue()
    if isinstance(result, ox.QueryBoolean):
        return QueryAnswer(form="ASK", media_type=media_type, body=body)
    if more_rows_than(body, media_type, limits.max_rows):
        raise too_many_rows(limits.max_rows, "rows")
    return QueryAnswer(form="SELECT", media_type=media_type, body=body)


def solutions_of(
    result: ox.QuerySolutions, variables: list[Variable], converter: TermConverter
) -> Iterator[dict[Variable, Any]]:
    """The solutions of a SELECT as rdflib bindings, read as they are asked for."""
    convert = converter.rdflib_term
    for solution in result:
        yield {
            variable: convert(value)
            for variable, value in zip(variables, solution, strict=True)
            if value is not None
        }


def graph_of(result: Iterable[ox.Triple], limits: ResultLimits, converter: TermConverter) -> Graph:
    """The triples of a CONSTRUCT or DESCRIBE as an rdflib graph, read up to the cap.

    Raises:
        ResultTooLarge: there are more distinct triples than the cap.
    """
    triples: set[tuple[Any, Any, Any]] = set()
    for triple in converter.rdflib_triples(result):
        triples.add(triple)
        if len(triples) > limits.max_rows:
            raise too_many_rows(limits.max_rows, "triples")
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def outcome_of(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, limits: ResultLimits
) -> dict[str, Any]:
    """Oxigraph's result in the shape `kzgov.core.serialize.serialize_answer` takes.

    Args:
        result: what `pyoxigraph.Store.query` returned.
        limits: the caps (a graph is read only up to its cap).

    Returns:
        rdflib's result mapping: `type_` with `vars_` and `bindings`, `askAnswer` or `graph`.
    """
    converter = TermConverter()
    if isinstance(result, ox.QueryBoolean):
        return {"type_": "ASK", "askAnswer": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        variables = [Variable(v.value) for v in result.variables]
        return {
            "type_": "SELECT",
            "vars_": variables,
            "bindings": solutions_of(result, variables, converter),
        }
    return {"type_": "CONSTRUCT", "graph": graph_of(result, limits, converter)}
