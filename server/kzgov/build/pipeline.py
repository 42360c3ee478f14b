"""The build: parse, validate, materialize, check, and write the last good build atomically.

Each stage's result is kept in the stage cache (`kzgov.build.stage_cache`, formats in
`kzgov.build.stage_entries`), under a key that hashes everything it depends on, and reused
while that key stays the same:

- parse, one entry per input file, keyed by the file's bytes, name and graph: an edited
  file is the only one parsed again;
- validate (the SHACL results and report), keyed by the parsed files, the shapes and the
  validator;
- materialize (the inferred triples), keyed by the parsed files and the reasoner;
- check (the failing rows of the quality rules), keyed by the closure and the rules;
- write (the dumps and the counts of the summary), keyed by the closure.

Every key also holds the code's fingerprint. The graph is held in an Oxigraph store
(`kzgov.build.build_store`) and loaded only if a stage must run: when every stage is reused,
the build reads no triple. summary.json says, for each stage, whether it was reused.
After a heavy stage the build hands the memory it used back to the system
(`kzgov.core.collector.release_memory`), so that its peak is its largest stage's, not their sum.
Whatever the cache holds, a release is written to a new folder and swapped in only when
every stage has passed, so a failed build leaves the last good one in place.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF

from kzgov import __version__
from kzgov.build.alongside import Alongside, Stages
from kzgov.build.build_store import BuildStore
from kzgov.build.data_checks import check_files as data_check_files
from kzgov.build.data_checks import run_data_checks
from kzgov.build.load import display_path, parse_turtle
from kzgov.build.load_fast import parse_turtle_fast, write_ntriples
from kzgov.build.progress import Reporter, StageProgress, quiet, stage_progress, to_stderr
from kzgov.build.stage_cache import (
    StageCache,
    cache_key,
    code_fingerprint,
    file_digest,
    link_or_copy,
)
from kzgov.build.stage_entries import (
    CHECK_FAILURES,
    INFERRED_TRIPLES,
    PARSED_PREFIXES,
    PARSED_TRIPLES,
    SUMMARY_COUNTS,
    TEMPORAL_TRIPLES,
    VALIDATION_REPORT,
    read_json,
    read_validation,
    write_json,
    write_validation,
)
from kzgov.build.validate import Violation, class_hierarchy, load_shapes, validate_graph
from kzgov.build.validate_fast import validate_quads
from kzgov.build.validation_summary import full_report, terminal_report
from kzgov.build.void_figures import gather_void_figures
from kzgov.core.collector import garbage_collection_paused, release_memory
from kzgov.core.errors import CheckFailed, KzgovError, ValidationFailed
from kzgov.core.layout import Layout, graph_for_data_file, is_source_file
from kzgov.core.namespaces import (
    INFERRED_GRAPH,
    KZ,
    MANIFEST_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    TEMPORAL_GRAPH,
)
from kzgov.core.oxigraph_terms import TermConverter
from kzgov.core.release import (
    CURRENT_LINK,
    DATASET_NQUADS,
    DATASET_TRIG,
    PIN_FILE,
    RELEASE_QUERIES,
    RELEASE_SHAPES,
    SUMMARY_JSON,
    UNION_TURTLE,
    current_release,
    unpinned,
)
from kzgov.core.void_statistics import SUMMARY_KEY as VOID_SUMMARY_KEY
from kzgov.reasoning.infer import materialize
from kzgov.reasoning.infer_fast import FastReasoner

RELEASES_DIR = "releases"
RELEASES_KEPT = 3
CACHE_DIR = "cache"
DUMPS = (DATASET_TRIG, DATASET_NQUADS, UNION_TURTLE)

# The named query whose rows the build lists as conflicts between sources (summary.json).
CONFLICTS_QUERY = "conflicting-claims.rq"

STAGES = ("parse", "validate", "materialize", "check", "write")
# From this many asserted quads on, a build runs validation beside the closure stages
# unless told otherwise: below it the stages take a few seconds, and forking costs more
# than it saves (the seed build must stay under 2 s).
ALONGSIDE_MIN_TRIPLES = 100_000
# The stages after validation, which need only the parsed data: they run beside it.
CLOSURE_STAGES = ("materialize", "check", "write")


def materialize_owlrl(store: BuildStore) -> int:
    """Materialize with owlrl, the reference, into the store's inferred graph.

    Args:
        store: the asserted graphs and the manifest.

    Returns:
        The number of inferred triples.

    Raises:
        InconsistentClosure: the closure is inconsistent.
    """
    return store.add_inferred(materialize(store.rdflib_triples(store.asserted_graphs())))


def materialize_fast(store: BuildStore) -> int:
    """Materialize with the fast reasoner (owlrl's rules on Oxigraph), into the store.

    The asserted triples go to the reasoner, and the inferred ones come back, as Oxigraph
    terms: no rdflib graph is made. Input that uses a construct only owlrl handles is
    left to owlrl (`kzgov.reasoning.infer_fast.FALLBACK_PREDICATES`).

    Args:
        store: the asserted graphs and the manifest.

    Returns:
        The number of inferred triples.

    Raises:
        InconsistentClosure: the closure is inconsistent.
    """
    reasoner = FastReasoner()
    reasoner.load(store.quads(store.asserted_graphs()))
    if reasoner.needs_owlrl:
        del reasoner
        return materialize_owlrl(store)
    reasoner.saturate()
    return store.add_inferred_terms(reasoner.inferred())


# The reasoners: owlrl is the reference; fast gives the same cleaned closure
# (tests/test_infer_fast.py) in a fraction of the time and memory.
REASONERS: dict[str, Callable[[BuildStore], int]] = {
    "owlrl": materialize_owlrl,
    "fast": materialize_fast,
}
DEFAULT_REASONER = "fast"
# The validators: pyshacl runs pySHACL alone; fast runs the SPARQL-based constraints on
# Oxigraph, with the same results (tests/test_validate_fast.py).
VALIDATORS = ("fast", "pyshacl")
DEFAULT_VALIDATOR = "fast"

Progress = Reporter

__all__ = [
    "BuildResult",
    "build",
    "current_release",
    "parse_turtle",
    "quiet",
    "to_stderr",
    "validate_only",
]


@dataclass
class BuildResult:
    """What a successful build produced.

    Attributes:
        release_dir: the folder the build was written to (now the current build).
        summary: counts per graph, class and source, the timings of each stage, and
            whether each stage was reused from the cache.
        warnings: SHACL results of severity below violation.
    """

    release_dir: Path
    summary: dict[str, object]
    warnings: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class InputFile:
    """One ontology or data file, the graph it is parsed into, and its parse key.

    Attributes:
        path: the file.
        shown: its path as the user sees it.
        graph: the named graph it is loaded into.
        key: the key of its parse stage.
    """

    path: Path
    shown: str
    graph: URIRef
    key: str

    @property
    def is_source(self) -> bool:
        """Whether the file holds a source's facts (so the manifest lists its graph)."""
        return self.graph != ONTOLOGY_GRAPH and is_source_file(self.path)


@dataclass(frozen=True)
class StageKeys:
    """The cache key of every stage of one build, computed from the inputs alone.

    Attributes:
        files: the ontology then data files, each with its parse key.
        validate: the validation stage's key.
        materialize: the materialization stage's key.
        check: the quality checks' key.
        write: the dumps' key.
    """

    files: tuple[InputFile, ...]
    validate: str
    materialize: str
    check: str
    write: str


@dataclass
class StageLog:
    """For the summary: each stage's seconds, whether it was reused, and the memory peak.

    The peak is the largest resident set of the build's process up to the end of the
    stage (getrusage's ru_maxrss), so the stage where it grows is the one that needed it.
    """

    timings: dict[str, float] = field(default_factory=dict)
    stages: dict[str, dict[str, object]] = field(default_factory=dict)

    def record(self, stage: str, progress: StageProgress, reused: bool, **details: object) -> None:
        """Note a finished stage's time, how its result was obtained, and the peak so far."""
        self.timings[stage] = round(progress.elapsed, 3)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        self.stages[stage] = {"reused": reused, "peak_memory_mb": peak_mb, **details}


def choose(value: str, choices: Iterable[str], what: str) -> None:
    """Refuse an option value that is not one of the choices.

    Raises:
        KzgovError: the value is unknown; the message lists the choices.
    """
    if value not in choices:
        raise KzgovError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")


def check_files(layout: Layout) -> list[Path]:
    """The quality-rule queries run on the closure."""
    return sorted(layout.checks_dir.glob("*.rq"))


def conflict_files(layout: Layout) -> list[Path]:
    """The named query whose rows the build lists as conflicts between sources, if present."""
    path = layout.queries_dir / CONFLICTS_QUERY
    return [path] if path.exists() else []


def list_conflicts(layout: Layout, store: BuildStore) -> list[str]:
    """The conflicts between sources (or passages) the conflicting-claims query finds.

    Args:
        layout: the project.
        store: the asserted and inferred graphs.

    Returns:
        One line per conflict, naming each column's value.

    Raises:
        KzgovError: the conflicts query is not a SELECT query.
    """
    lines = []
    for path in conflict_files(layout):
        try:
            names, rows = store.select(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError) as error:
            shown = display_path(path, layout.root)
            raise KzgovError(f"{shown}: must be a SELECT query: {error}") from error
        lines += [", ".join(f"{n}={row[n]}" for n in names if n in row) for row in rows]
    return lines


def input_digest(layout: Layout) -> str:
    """A hash of every input file's name and bytes: the build's version."""
    files = (
        layout.ontology_files() + layout.shape_files() + layout.data_files() + check_files(layout)
    )
    parts = [f"{display_path(p, layout.root)} {file_digest(p)}" for p in files]
    return cache_key(*parts)[:16]


def input_files(layout: Layout, code: str) -> tuple[InputFile, ...]:
    """The ontology modules (all in the ontology graph), then the data files, with their keys."""
    placed = [(p, ONTOLOGY_GRAPH) for p in layout.ontology_files()]
    placed += [(p, graph_for_data_file(p)) for p in layout.data_files()]
    files = []
    for path, graph in placed:
        shown = display_path(path, layout.root)
        base = path.resolve().as_uri()  # relative IRIs resolve against it
        key = cache_key("parse", code, shown, str(graph), base, file_digest(path))
        files.append(InputFile(path=path, shown=shown, graph=graph, key=key))
    return tuple(files)


def stage_keys(layout: Layout, reasoner: str, validator: str) -> StageKeys:
    """Compute every stage's key from the input files, the options and the code.

    Args:
        layout: the project.
        reasoner: the reasoner's name.
        validator: the validator's name.

    Returns:
        The keys.
    """
    code = code_fingerprint()
    files = input_files(layout, code)
    parsed = cache_key("dataset", code, *(f.key for f in files))

    def digests(paths: list[Path]) -> list[str]:
        return [f"{display_path(p, layout.root)} {file_digest(p)}" for p in paths]

    shapes = digests(layout.shape_files())
    materialize_key = cache_key("materialize", code, reasoner, parsed)
    return StageKeys(
        files=files,
        validate=cache_key(
            "validate",
            code,
            validator,
            parsed,
            *shapes,
            *digests(data_check_files(layout.data_checks_dir)),
        ),
        materialize=materialize_key,
        check=cache_key("check", code, materialize_key, *digests(check_files(layout))),
        write=cache_key("write", code, materialize_key, *digests(conflict_files(layout))),
    )


# -- Parsing ---------------------------------------------------------------------------


def declared_prefixes(path: Path) -> dict[str, str]:
    """The prefixes a Turtle file declares, for readable reports (none if it does not parse)."""
    try:
        parser = ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        for _quad in parser:
            pass
        return dict(parser.prefixes)
    except (SyntaxError, OSError, UnicodeDecodeError):
        return {}


def parse_stage(
    files: Iterable[InputFile], cache: StageCache, root: Path, progress: StageProgress
) -> tuple[dict[InputFile, Path], dict[str, str]]:
    """Parse each input file whose parse entry is missing or unsound, and store its entry.

    Args:
        files: the input files.
        cache: the stage cache.
        root: the project root, for error messages.
        progress: counts the triples parsed.

    Returns:
        The parse entry of each file, and for each file (as shown) "reused" or "parsed".

    Raises:
        InputSyntaxError: a file does not parse.
    """
    entries: dict[InputFile, Path] = {}
    statuses: dict[str, str] = {}
    for file in files:
        entry = cache.lookup("parse", file.key)
        statuses[file.shown] = "reused"
        if entry is None:
            triples = parse_turtle_fast(file.path, root)
            prefixes = declared_prefixes(file.path)

            def write(
                folder: Path,
                triples: list[ox.Triple] = triples,
                prefixes: dict[str, str] = prefixes,
            ) -> None:
                write_ntriples(triples, folder / PARSED_TRIPLES)
                write_json(folder / PARSED_PREFIXES, prefixes)

            entry = cache.store("parse", file.key, write)
            statuses[file.shown] = "parsed"
            progress.advance(len(triples))
        entries[file] = entry
    return entries, statuses


class WorkingGraph:
    """The build's dataset, loaded from the parse entries only when a stage needs it."""

    def __init__(self, entries: dict[InputFile, Path]) -> None:
        """Remember where the parsed files are, without loading them.

        Args:
            entries: the parse entry of each input file.
        """
        self.entries = entries
        self.loaded: BuildStore | None = None

    @property
    def store(self) -> BuildStore:
        """The asserted graphs and the manifest, loaded on first use."""
        if self.loaded is None:
            store = BuildStore()
            for file, entry in self.entries.items():
                store.load_ntriples(entry / PARSED_TRIPLES, file.graph)
            store.add_manifest((f.graph, f.shown) for f in self.entries if f.is_source)
            self.loaded = store
        return self.loaded

    def unload(self) -> None:
        """Drop the loaded store and hand its memory back (the stages that need it ran elsewhere)."""
        self.loaded = None
        release_memory()

    def report_prefixes(self) -> Graph:
        """A graph whose prefixes (the files' own, then kzgov's) shorten IRIs in reports."""
        return prefix_graph(read_json(e / PARSED_PREFIXES) for e in self.entries.values())


def load_dataset(layout: Layout) -> Dataset:
    """Parse the ontology and every data file into an rdflib dataset, plus the manifest.

    The build itself works on an Oxigraph store; this is the same asserted dataset in
    rdflib, for tests and benchmarks that hand it to rdflib-based code.

    Args:
        layout: the project.

    Returns:
        The asserted dataset, one named graph per data file plus the ontology and
        manifest graphs.

    Raises:
        InputSyntaxError: a file does not parse.
    """
    dataset = Dataset(default_union=True)
    files = input_files(layout, code_fingerprint())
    for file in files:
        converter = TermConverter()  # each file's blank nodes are its own
        graph = dataset.graph(file.graph)
        triples = converter.rdflib_triples(parse_turtle_fast(file.path, layout.root))
        graph.addN((s, p, o, graph) for s, p, o in triples)
    manifest = dataset.graph(MANIFEST_GRAPH)
    for file in files:
        if file.is_source:
            manifest.add((file.graph, RDF.type, KZ.SourceGraph))
            manifest.add((file.graph, KZ.fileName, Literal(file.shown)))
    return dataset


def data_union(dataset: Dataset) -> Graph:
    """The asserted data of every graph except the ontology, as one rdflib graph."""
    union = Graph()
    for graph in dataset.graphs():
        name = graph.identifier
        if name in (ONTOLOGY_GRAPH, INFERRED_GRAPH, DATASET_DEFAULT_GRAPH_ID):
            continue
        union.addN((s, p, o, union) for s, p, o in graph)
    return union


# -- Validation and checks -------------------------------------------------------------


def validate_store(store: BuildStore, layout: Layout, validator: str) -> list[Violation]:
    """Validate the asserted data against the shapes, with the ontology's hierarchy mixed in.

    Args:
        store: the asserted graphs and the manifest.
        layout: the project (for shapes and file names).
        validator: "fast" (Oxigraph for the SPARQL constraints) or "pyshacl".

    Returns:
        Every SHACL result, each with the data files that describe its focus node.
    """
    shapes = load_shapes(layout.shape_files())
    converter = TermConverter()
    ontology = store.rdflib_graph([ONTOLOGY_GRAPH], TermConverter())
    if validator == "fast":
        # Oxigraph holds the union; rdflib gets a copy only if pySHACL must run.
        hierarchy = class_hierarchy(ontology)
        results = validate_quads(store.quads(store.data_graphs()), hierarchy, shapes, converter)
    else:
        data = store.rdflib_graph(store.data_graphs(), converter)
        results = validate_graph(data, shapes, ontology)
    file_of_graph = {
        graph_for_data_file(p): display_path(p, layout.root) for p in layout.data_files()
    }
    described: list[Violation] = []
    for r in results:
        graphs = store.graphs_describing(r.focus, converter)
        files = tuple(sorted(file_of_graph[g] for g in graphs if g in file_of_graph))
        described.append(
            Violation(
                focus=r.focus,
                path=r.path,
                shape=r.shape,
                message=r.message,
                severity=r.severity,
                value=r.value,
                files=files,
            )
        )
    return described


def refuse_bad_data(layout: Layout, store: BuildStore) -> None:
    """Run the data checks (queries/data-checks) on the asserted graphs; any row fails.

    Args:
        layout: the project.
        store: the asserted graphs.

    Raises:
        ValidationFailed: a check found rows; the message names each file and line.
    """
    file_of_graph = {str(graph_for_data_file(p)): p for p in layout.data_files()}
    problems = run_data_checks(
        data_check_files(layout.data_checks_dir), store, file_of_graph, layout.root
    )
    if problems:
        listed = "\n".join(f"  - {problem.describe()}" for problem in problems)
        raise ValidationFailed(
            f"the data failed a check; the last good build is unchanged.\n{listed}"
        )


def prefix_graph(declared: Iterable[dict[str, str]]) -> Graph:
    """A graph that shortens IRIs in reports with the files' own prefixes and kzgov's."""
    graph = Graph()
    for prefixes in declared:
        for prefix, namespace in prefixes.items():
            if prefix:
                graph.bind(prefix, namespace, override=False)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def report_text(results: list[Violation], graph: Graph) -> str:
    """The human-readable validation report (violations first; kzgov.build.validation_summary)."""
    return full_report(results)


def run_checks(layout: Layout, store: BuildStore) -> list[str]:
    """Run each quality-rule query on the closure (the union of all graphs); a row fails.

    Args:
        layout: the project.
        store: the asserted and inferred graphs.

    Returns:
        One line per failing row, naming the check and the row; a row repeated because
        its triples sit in several graphs is listed once.

    Raises:
        KzgovError: a check is not a SELECT query.
    """
    failures: dict[str, None] = {}
    for path in check_files(layout):
        shown = display_path(path, layout.root)
        try:
            names, rows = store.select(path.read_text(encoding="utf-8"))
        except (SyntaxError, ValueError) as error:
            raise KzgovError(f"{shown}: a check must be a SELECT query: {error}") from error
        for row in rows:
            cells = ", ".join(f"{name}={row[name]}" for name in names if name in row)
            failures[f"{shown}: {cells}"] = None
    return list(failures)


# -- Writing ---------------------------------------------------------------------------


def publish_release(build_dir: Path, staging: Path) -> Path:
    """Make a fully written release the current build, atomically, and prune old ones.

    The swap is a rename of a symlink over the old one, so a reader sees either the
    old build or the new one, never a half-written folder. Pruning keeps the
    RELEASES_KEPT newest releases and every release a running server pins
    (`kzgov.core.release.pin_current_release`).

    Args:
        build_dir: the build folder.
        staging: a complete release folder inside build_dir/releases.

    Returns:
        The path of the published release.
    """
    link = build_dir / CURRENT_LINK
    temporary_link = build_dir / f".{CURRENT_LINK}.{os.getpid()}"
    if temporary_link.is_symlink() or temporary_link.exists():
        temporary_link.unlink()
    temporary_link.symlink_to(Path(RELEASES_DIR) / staging.name)
    os.replace(temporary_link, link)
    releases = sorted((build_dir / RELEASES_DIR).iterdir(), key=lambda p: p.stat().st_mtime)
    for old in releases[:-RELEASES_KEPT]:
        if old.resolve() == staging.resolve():
            continue
        with unpinned(old) as removable:
            if removable:  # a running server's release stays until the server lets it go
                shutil.rmtree(old, ignore_errors=True)
    return staging


def copy_into(files: list[Path], folder: Path) -> None:
    """Copy files into a new folder of the release."""
    folder.mkdir()
    for path in files:
        shutil.copyfile(path, folder / path.name)


def stage_release(layout: Layout, digest: str, dumps: Path, report: str) -> Path:
    """Stage a release folder: the dumps, the validation report, the shapes and queries.

    The dumps are linked from the cache; the shapes and named queries are those it was
    built with (which the server shows).

    The summary is added by the caller; the folder is not yet the current build.

    Args:
        layout: the project and its build folder.
        digest: the build version, part of the folder's name.
        dumps: the write stage's cache entry.
        report: the validation report.

    Returns:
        The new release folder.
    """
    releases = layout.build_dir / RELEASES_DIR
    releases.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    staging = Path(tempfile.mkdtemp(prefix=f"{stamp}-{digest}-", dir=releases))
    try:
        link_or_copy((dumps / name for name in DUMPS), staging)
        (staging / VALIDATION_REPORT).write_text(report, encoding="utf-8")
        (staging / PIN_FILE).touch()  # servers pin the release by locking it
        copy_into(layout.shape_files(), staging / RELEASE_SHAPES)
        copy_into(sorted(layout.queries_dir.glob("*.rq")), staging / RELEASE_QUERIES)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


# -- The build -------------------------------------------------------------------------


def build(
    layout: Layout,
    progress: Reporter = quiet,
    *,
    reasoner: str = DEFAULT_REASONER,
    validator: str = DEFAULT_VALIDATOR,
    alongside: bool | None = None,
) -> BuildResult:
    """Parse, validate, materialize, check and write the graph; publish only on success.

    Args:
        layout: the project and its build folder.
        progress: where to report the stages that take over a second (`to_stderr`).
        reasoner: "owlrl" (the reference) or "fast".
        validator: "fast" (Oxigraph for the SPARQL constraints) or "pyshacl".
        alongside: run the closure stages in a forked process beside validation when
            both must run (`kzgov.build.alongside`: faster on two cores); False runs
            every stage here, in turn; None, the default, runs them alongside from
            ALONGSIDE_MIN_TRIPLES asserted triples on (see `runs_alongside`).

    Returns:
        The published release and its summary.

    Raises:
        KzgovError: an unknown reasoner or validator.
        InputSyntaxError: an input file does not parse.
        ValidationFailed: the asserted data breaks a shape.
        InconsistentClosure: the closure is inconsistent.
        CheckFailed: a quality-rule query found rows.
    """
    choose(reasoner, REASONERS, "reasoner")
    choose(validator, VALIDATORS, "validator")
    with garbage_collection_paused():
        return run_stages(layout, progress, reasoner, validator, alongside)


def run_stages(
    layout: Layout,
    progress: Reporter,
    reasoner: str,
    validator: str,
    alongside: bool | None = None,
) -> BuildResult:
    """The stages of `build`, in order, each reused from the cache when its key matches.

    Args:
        layout: the project and its build folder.
        progress: where to report the stages that take over a second.
        reasoner: a key of REASONERS.
        validator: one of VALIDATORS.
        alongside: run the closure stages beside validation when both must run (None:
            if the graph is large enough, `runs_alongside`).

    Returns:
        The published release and its summary.
    """
    cache = StageCache(layout.build_dir / CACHE_DIR)
    keys = stage_keys(layout, reasoner, validator)
    digest = input_digest(layout)
    log = StageLog()
    cached = {
        "validate": cache.lookup("validate", keys.validate),
        "materialize": cache.lookup("materialize", keys.materialize),
        "check": cache.lookup("check", keys.check),
        "write": cache.lookup("write", keys.write),
    }

    with stage_progress("parse", progress) as step:
        entries, parsed = parse_stage(keys.files, cache, layout.root, step)
        step.note = f"{sum(v == 'parsed' for v in parsed.values())} of {len(parsed)} files parsed"
        graph = WorkingGraph(entries)
        if any(entry is None for entry in cached.values()):
            step.note += f", {len(graph.store):,} triples loaded"
    log.record("parse", step, reused=all(v == "reused" for v in parsed.values()), files=parsed)

    closure_work = functools.partial(closure_stages, layout, graph, cache, keys, cached, reasoner)

    def validate_work(stages: Stages) -> tuple[list[Violation], str]:
        with stages.stage("validate") as step:
            entry = cached["validate"]
            if entry is None:
                step.size = len(graph.store)
                refuse_bad_data(layout, graph.store)
                results = validate_store(graph.store, layout, validator)
                report = report_text(results, graph.report_prefixes())
                cache.store(
                    "validate",
                    keys.validate,
                    lambda folder: write_validation(folder, results, report),
                )
                release_memory()  # the rdflib copy of the data, for the next stages
            else:
                results, report = read_validation(entry)
        stages.record("validate", step, reused=entry is not None, validator=validator)
        return results, report

    closure_child = validation_child = None
    both_run = cached["validate"] is None and any(cached[s] is None for s in CLOSURE_STAGES)
    if both_run and runs_alongside(alongside, lambda: len(graph.store)):
        graph.store  # noqa: B018 - loaded before the forks, so that the processes share it
        closure_child = Alongside(closure_work, gated=True)
        validation_child = Alongside(validate_work)
        # The children hold it now. Here its pages would count again wherever the closure
        # child writes to its copy, as it adds the closures (about the asserted data's size).
        graph.unload()

    def record_child(
        name: str, step: StageProgress, reused: bool, peak_mb: int, details: dict[str, object]
    ) -> None:
        # An upper bound of the processes' peak together: this one's plus the child's.
        log.record(name, step, reused, **details, alongside=True)
        stage = log.stages[name]
        stage["peak_memory_mb"] = int(str(stage["peak_memory_mb"])) + peak_mb

    try:
        if validation_child is None:
            results, report = validate_work(LocalStages(progress, log))
        else:
            validated = validation_child.replay(progress, record_child)
            results, report = cast(tuple[list[Violation], str], validated)
        if any(r.is_violation for r in results):
            shown = terminal_report(results, where="`kzgov validate --verbose`")
            raise ValidationFailed(
                f"SHACL validation failed; the last good build is unchanged.\n\n{shown}"
            )
    except BaseException:
        for child in (validation_child, closure_child):
            if child is not None:
                child.stop()
        raise

    if closure_child is None:
        counts, entry, _reused = closure_work(LocalStages(progress, log))
    else:
        closure_child.open_gate()  # validation's memory is back: the closure may grow
        outcome = closure_child.replay(progress, record_child)
        counts, entry, _reused = cast(tuple[dict[str, object], Path, bool], outcome)
    release = stage_release(layout, digest, entry, report)
    conflicts = counts.get("conflicts", [])
    if isinstance(conflicts, list) and conflicts:
        progress(
            f"{len(conflicts)} conflict(s) between sources or passages"
            " (kzgov query conflicting-claims; listed in summary.json)"
        )

    summary: dict[str, object] = {
        "kzgov_version": __version__,
        "build_version": digest,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **counts,
        "timings_seconds": log.timings,
        "stages": log.stages,
        "options": {"reasoner": reasoner, "validator": validator},
    }
    try:
        write_json(release / SUMMARY_JSON, summary)
        publish_release(layout.build_dir, release)
    except BaseException:
        if current_release(layout.build_dir) != release.resolve():
            shutil.rmtree(release, ignore_errors=True)
        raise
    cache.prune()
    progress(
        "stages: "
        + ", ".join(
            f"{stage} {'reused' if log.stages[stage]['reused'] else 'ran'}" for stage in STAGES
        )
    )
    return BuildResult(release_dir=release, summary=summary, warnings=results)


def runs_alongside(
    asked: bool | None, asserted_triples: Callable[[], int], cores: int | None = None
) -> bool:
    """Whether validation and the closure stages run at once, in two processes.

    Args:
        asked: True or False as the user asked, or None to decide by the graph's size.
        asserted_triples: counts the asserted quads (loads the store: asked only if None).
        cores: the cores this process may use (by default, as Linux says).

    Returns:
        As asked; else True on two cores or more from ALONGSIDE_MIN_TRIPLES asserted
        quads on, where the two processes save far more than forking them costs.
    """
    if asked is not None:
        return asked
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return cores >= 2 and asserted_triples() >= ALONGSIDE_MIN_TRIPLES


class LocalStages:
    """The closure stages' `Stages` when they run in the build's own process."""

    def __init__(self, progress: Reporter, log: StageLog) -> None:
        """Report to progress, and note each stage in the log."""
        self.progress = progress
        self.log = log

    def stage(self, name: str, unit: str = "triples") -> AbstractContextManager[StageProgress]:
        """Follow a stage with `stage_progress`."""
        return stage_progress(name, self.progress, unit)

    def record(self, name: str, step: StageProgress, reused: bool, **details: object) -> None:
        """Note a finished stage in the log."""
        self.log.record(name, step, reused, **details)

    def wait_for_validation(self) -> None:
        """Validation ran before, in this process: nothing to wait for."""


def closure_stages(
    layout: Layout,
    graph: WorkingGraph,
    cache: StageCache,
    keys: StageKeys,
    cached: dict[str, Path | None],
    reasoner: str,
    stages: Stages,
) -> tuple[dict[str, object], Path, bool]:
    """The stages after validation: materialize, check and write, each reused when cached.

    They run in the build's process, or in a child forked beside validation
    (`kzgov.build.alongside`); either way each stores its own cache entry.

    Args:
        layout: the project.
        graph: the parsed dataset.
        cache: the stage cache.
        keys: every stage's key.
        cached: each stage's cache entry, or None where it must run.
        reasoner: a key of REASONERS.
        stages: where each stage's start and end are said.

    Returns:
        The summary's counts, the write stage's cache entry, and whether it was reused.

    Raises:
        InconsistentClosure: the closure is inconsistent.
        CheckFailed: a quality-rule query found rows.
    """
    with stages.stage("materialize") as step:
        entry = cached["materialize"]
        if entry is None:
            store = graph.store
            step.size = len(store)
            step.note = f"{REASONERS[reasoner](store):,} inferred"
            release_memory()  # the reasoner's working store
            stages.wait_for_validation()  # the temporal closure's memory would add to it
            step.note += f", {store.add_temporal():,} temporal"

            def write_closures(folder: Path) -> None:
                store.write_graph(INFERRED_GRAPH, folder / INFERRED_TRIPLES)
                store.write_graph(TEMPORAL_GRAPH, folder / TEMPORAL_TRIPLES)

            cache.store("materialize", keys.materialize, write_closures)
            release_memory()  # the reasoner's working store
        elif graph.loaded is not None:
            graph.loaded.load_ntriples(entry / INFERRED_TRIPLES, INFERRED_GRAPH)
            graph.loaded.load_ntriples(entry / TEMPORAL_TRIPLES, TEMPORAL_GRAPH)
            step.note = "reused"
    stages.record("materialize", step, reused=entry is not None, reasoner=reasoner)

    with stages.stage("check") as step:
        entry = cached["check"]
        if entry is None:
            failures = run_checks(layout, graph.store)
            cache.store(
                "check", keys.check, lambda folder: write_json(folder / CHECK_FAILURES, failures)
            )
        else:
            failures = read_json(entry / CHECK_FAILURES)
    stages.record("check", step, reused=entry is not None)
    if failures:
        listed = "\n".join(f"  - {line}" for line in failures)
        raise CheckFailed(f"quality checks failed on the closure:\n{listed}")

    with stages.stage("write", unit="quads") as step:
        entry = cached["write"]
        reused = entry is not None
        if entry is None:
            store = graph.store
            step.size = len(store)
            counts = store.counts(count_distinct=False)  # the union Turtle counts them
            counts["conflicts"] = list_conflicts(layout, store)
            counts[VOID_SUMMARY_KEY] = gather_void_figures(store).to_summary()
            prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}

            def write_outputs(folder: Path) -> None:
                distinct = store.write_dumps(
                    folder / DATASET_TRIG, folder / DATASET_NQUADS, folder / UNION_TURTLE, prefixes
                )
                triples = cast(dict[str, object], counts["triples"])
                triples["distinct"] = distinct
                write_json(folder / SUMMARY_COUNTS, counts)

            entry = cache.store("write", keys.write, write_outputs)
        else:
            counts = read_json(entry / SUMMARY_COUNTS)
    stages.record("write", step, reused=reused)
    return counts, entry, reused


def validate_only(
    layout: Layout, validator: str = DEFAULT_VALIDATOR
) -> tuple[list[Violation], str]:
    """Parse and validate without building (nor reading or writing the cache).

    Args:
        layout: the project.
        validator: "fast" or "pyshacl".

    Returns:
        The SHACL results and the human-readable report.

    Raises:
        KzgovError: an unknown validator.
        InputSyntaxError: an input file does not parse.
    """
    choose(validator, VALIDATORS, "validator")
    store = BuildStore()
    files = input_files(layout, code_fingerprint())
    for file in files:
        store.add_triples(file.graph, parse_turtle_fast(file.path, layout.root))
    store.add_manifest((f.graph, f.shown) for f in files if f.is_source)
    results = validate_store(store, layout, validator)
    declared = (declared_prefixes(file.path) for file in files)
    return results, report_text(results, prefix_graph(declared))
