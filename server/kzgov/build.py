"""The build: parse, validate, materialize, check, and write the last good build atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from kzgov import __version__
from kzgov.errors import CheckFailed, ValidationFailed
from kzgov.infer import materialize
from kzgov.layout import Layout, graph_for_data_file, is_source_file
from kzgov.load import display_path, load_inputs, parse_turtle
from kzgov.namespaces import INFERRED_GRAPH, KZ, MANIFEST_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from kzgov.validate import Violation, load_shapes, validate_graph

CURRENT_LINK = "current"
RELEASES_DIR = "releases"
RELEASES_KEPT = 3
DATASET_TRIG = "kzgov.trig"
DATASET_NQUADS = "kzgov.nq"
UNION_TURTLE = "kzgov.ttl"
SUMMARY_JSON = "summary.json"
VALIDATION_REPORT = "validation-report.txt"

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """A progress reporter that says nothing."""


def to_stderr(message: str) -> None:
    """A progress reporter that writes each step to standard error."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class BuildResult:
    """What a successful build produced.

    Attributes:
        release_dir: the folder the build was written to (now the current build).
        summary: counts per graph, class and source, and the timings of each stage.
        warnings: SHACL results of severity below violation.
    """

    release_dir: Path
    summary: dict[str, object]
    warnings: list[Violation] = field(default_factory=list)


@contextmanager
def timed(timings: dict[str, float], stage: str, progress: Progress) -> Iterator[None]:
    """Time a stage, record its seconds, and report its start and end."""
    progress(f"{stage}...")
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    timings[stage] = round(seconds, 3)
    progress(f"{stage}: done in {seconds:.2f} s")


def input_digest(layout: Layout) -> str:
    """A hash of every input file's name and bytes: the build's version."""
    digest = hashlib.sha256()
    files = (
        layout.ontology_files() + layout.shape_files() + layout.data_files() + check_files(layout)
    )
    for path in files:
        digest.update(display_path(path, layout.root).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def check_files(layout: Layout) -> list[Path]:
    """The quality-rule queries run on the closure."""
    return sorted(layout.checks_dir.glob("*.rq"))


def load_dataset(layout: Layout) -> Dataset:
    """Parse the ontology and every data file into their named graphs, plus the manifest.

    The manifest graph types each source file's graph as a kz:SourceGraph, so that a
    shape can require every loaded source graph to be described in the catalogue.

    Args:
        layout: the project.

    Returns:
        The asserted dataset.

    Raises:
        InputSyntaxError: a file does not parse.
    """
    data_files = layout.data_files()
    graph_of = {path: graph_for_data_file(path) for path in data_files}
    dataset = load_inputs(layout.ontology_files(), data_files, graph_of, layout.root)
    manifest = dataset.graph(MANIFEST_GRAPH)
    for path in data_files:
        if is_source_file(path):
            graph = graph_of[path]
            manifest.add((graph, RDF.type, KZ.SourceGraph))
            manifest.add((graph, KZ.fileName, Literal(display_path(path, layout.root))))
    return dataset


def data_union(dataset: Dataset) -> Graph:
    """The asserted data of every graph except the ontology, as one graph."""
    union = Graph()
    for graph in dataset.graphs():
        if graph.identifier in (ONTOLOGY_GRAPH, INFERRED_GRAPH):
            continue
        for triple in graph:
            union.add(triple)
    return union


def files_describing(dataset: Dataset, layout: Layout) -> dict[object, tuple[str, ...]]:
    """For each subject, the data files that hold triples about it."""
    file_of_graph = {graph_for_data_file(p): display_path(p, layout.root) for p in layout.data_files()}
    where: dict[object, set[str]] = {}
    for s, _p, _o, g in dataset.quads((None, None, None, None)):
        name = file_of_graph.get(g.identifier if isinstance(g, Graph) else g)  # type: ignore[arg-type]
        if name is not None:
            where.setdefault(s, set()).add(name)
    return {s: tuple(sorted(files)) for s, files in where.items()}


def validate_dataset(dataset: Dataset, layout: Layout) -> list[Violation]:
    """Validate the asserted data against the shapes, with the ontology mixed in.

    Args:
        dataset: the asserted dataset.
        layout: the project (for shapes and file names).

    Returns:
        Every SHACL result, each with the data files that describe its focus node.
    """
    shapes = load_shapes(layout.shape_files())
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    results = validate_graph(data_union(dataset), shapes, ontology)
    where = files_describing(dataset, layout)
    return [
        Violation(
            focus=r.focus,
            path=r.path,
            shape=r.shape,
            message=r.message,
            severity=r.severity,
            value=r.value,
            files=where.get(r.focus, ()),
        )
        for r in results
    ]


def report_text(results: list[Violation], graph: Graph) -> str:
    """The human-readable validation report."""
    if not results:
        return "Validation passed: the data conforms to every shape.\n"
    violations = sum(1 for r in results if r.is_violation)
    head = f"{violations} violation(s), {len(results) - violations} warning(s)\n\n"
    return head + "\n\n".join(r.describe(graph) for r in results) + "\n"


def run_checks(layout: Layout, closure: Graph) -> list[str]:
    """Run each quality-rule query on the closure; every row is a failure.

    Args:
        layout: the project.
        closure: asserted plus inferred triples.

    Returns:
        One line per failing row, naming the check and the row.
    """
    failures = []
    for path in check_files(layout):
        result = closure.query(path.read_text(encoding="utf-8"))
        for row in result:
            cells = ", ".join(f"{v}={row[v].n3()}" for v in result.vars or [] if row[v] is not None)  # type: ignore[index]
            failures.append(f"{display_path(path, layout.root)}: {cells}")
    return failures


def bind_prefixes(graph: Graph) -> None:
    """Bind kzgov's prefixes so dumps and reports are readable."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)


def summarize(dataset: Dataset, digest: str, timings: dict[str, float]) -> dict[str, object]:
    """Counts per graph, per class and per source, with the build's timings and version."""
    per_graph = {
        str(g.identifier): len(g) for g in dataset.graphs() if len(g) > 0
    }
    classes: Counter[str] = Counter()
    typed = set()
    for s, _p, o, _g in dataset.quads((None, RDF.type, None, None)):
        if isinstance(o, URIRef) and str(o).startswith(str(KZ)) and (s, o) not in typed:
            typed.add((s, o))
            classes[str(o)] += 1
    sources = {}
    for graph, _p, source in dataset.graph(MANIFEST_GRAPH).triples((None, KZ.fileName, None)):
        sources[str(graph)] = {"file": str(source), "triples": per_graph.get(str(graph), 0)}
    for s, _p, o, _g in dataset.quads((None, PROV.wasDerivedFrom, None, None)):
        if str(s) in sources:
            sources[str(s)]["source"] = str(o)
    return {
        "kzgov_version": __version__,
        "build_version": digest,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "triples": {
            "total": sum(per_graph.values()),
            "inferred": per_graph.get(str(INFERRED_GRAPH), 0),
        },
        "graphs": dict(sorted(per_graph.items())),
        "classes": dict(sorted(classes.items())),
        "sources": dict(sorted(sources.items())),
        "timings_seconds": timings,
    }


def write_release(dataset: Dataset, summary: dict[str, object], report: str, into: Path) -> None:
    """Write the dataset dumps, the summary and the validation report into a folder."""
    bind_prefixes(dataset)
    dataset.serialize(into / DATASET_TRIG, format="trig")
    dataset.serialize(into / DATASET_NQUADS, format="nquads")
    union = Graph()
    bind_prefixes(union)
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    union.serialize(into / UNION_TURTLE, format="turtle")
    (into / SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (into / VALIDATION_REPORT).write_text(report, encoding="utf-8")


def publish_release(build_dir: Path, staging: Path) -> Path:
    """Make a fully written release the current build, atomically, and prune old ones.

    The swap is a rename of a symlink over the old one, so a reader sees either the
    old build or the new one, never a half-written folder.

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
        if old.resolve() != staging.resolve():
            shutil.rmtree(old, ignore_errors=True)
    return staging


def current_release(build_dir: Path) -> Path | None:
    """The folder of the last good build, or None if there is none."""
    link = build_dir / CURRENT_LINK
    if not link.exists():
        return None
    return link.resolve()


def build(layout: Layout, progress: Progress = quiet) -> BuildResult:
    """Parse, validate, materialize, check and write the graph; publish only on success.

    Args:
        layout: the project and its build folder.
        progress: where to report each stage.

    Returns:
        The published release and its summary.

    Raises:
        InputSyntaxError: an input file does not parse.
        ValidationFailed: the asserted data breaks a shape.
        InconsistentClosure: the closure is inconsistent.
        CheckFailed: a quality-rule query found rows.
    """
    timings: dict[str, float] = {}
    digest = input_digest(layout)
    with timed(timings, "parse", progress):
        dataset = load_dataset(layout)
    with timed(timings, "validate", progress):
        results = validate_dataset(dataset, layout)
    report = report_text(results, dataset)
    violations = [r for r in results if r.is_violation]
    if violations:
        raise ValidationFailed(
            f"SHACL validation failed; the last good build is unchanged.\n\n{report}"
        )
    with timed(timings, "materialize", progress):
        inferred = materialize((s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None)))
        inferred_graph = dataset.graph(INFERRED_GRAPH)
        for triple in inferred:
            inferred_graph.add(triple)
    with timed(timings, "check", progress):
        closure = Graph()
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            closure.add((s, p, o))
        failures = run_checks(layout, closure)
    if failures:
        listed = "\n".join(f"  - {line}" for line in failures)
        raise CheckFailed(f"quality checks failed on the closure:\n{listed}")
    with timed(timings, "write", progress):
        releases = layout.build_dir / RELEASES_DIR
        releases.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        staging = Path(tempfile.mkdtemp(prefix=f"{stamp}-{digest}-", dir=releases))
        try:
            summary = summarize(dataset, digest, timings)
            write_release(dataset, summary, report, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        release = publish_release(layout.build_dir, staging)
    summary["timings_seconds"] = timings
    (release / SUMMARY_JSON).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return BuildResult(release_dir=release, summary=summary, warnings=results)


def validate_only(layout: Layout) -> tuple[list[Violation], str]:
    """Parse and validate without building.

    Args:
        layout: the project.

    Returns:
        The SHACL results and the human-readable report.
    """
    dataset = load_dataset(layout)
    results = validate_dataset(dataset, layout)
    return results, report_text(results, dataset)


__all__ = [
    "BuildResult",
    "build",
    "current_release",
    "parse_turtle",
    "validate_only",
]
