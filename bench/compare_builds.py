"""Compare two builds of one project: the dumps, the validation report and the summary.

Usage:
    .venv/bin/python bench/compare_builds.py --project P --before-rev 2edac68

builds the project twice, with the code of a git revision (its `server/` folder taken with
`git archive` into a temporary folder and put first on PYTHONPATH) and with this
checkout's, each into its own build folder, and prints, per output, whether the two are
byte-identical, the same set of quads (the order differs), or different; it exits 1 if
any differs. `--before-build` and `--after-build` compare two build folders already made.

Blank nodes get fresh labels in every build (the parse stage's), so quads are compared in
two parts: those without blank nodes as a multiset (an order-free digest: the sum of each
line's hash, and the count), those with them by graph isomorphism (rdflib's canonical
labelling; each quad's graph goes into its predicate so that one graph holds them all).
summary.json is compared without the fields that differ by nature (the time it was
built, each stage's seconds and peak memory).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

ROOT = Path(__file__).resolve().parents[1]
DUMPS = {
    "kzgov.nq": ox.RdfFormat.N_QUADS,
    "kzgov.trig": ox.RdfFormat.TRIG,
    "kzgov.ttl": ox.RdfFormat.TURTLE,
}
SAME_BYTES = ("validation-report.txt",)
# summary.json fields that differ between any two builds.
VOLATILE = ("built_at", "timings_seconds")
VOLATILE_STAGE = ("peak_memory_mb", "alongside")
MODULUS = 1 << 128


def rdflib_term(term: Any) -> Any:
    """An Oxigraph term as rdflib's."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef("urn:kzgov-compare:default-graph")


def quad_digest(path: Path, rdf_format: ox.RdfFormat) -> tuple[int, int, Graph]:
    """A dump's ground quads as (count, order-free digest), and its quads with blank nodes.

    Returns:
        The number of quads without blank nodes, the sum of their hashes (mod 2**128), and
        an rdflib graph of the others (each predicate also names the quad's graph).
    """
    count = 0
    total = 0
    with_blank = Graph()
    for quad in ox.parse(path=path, format=rdf_format):
        terms = (quad.subject, quad.predicate, quad.object, quad.graph_name)
        if any(isinstance(t, ox.BlankNode) for t in terms):
            graph = rdflib_term(quad.graph_name)
            named = f"{quad.predicate.value} {graph}".encode()
            predicate = URIRef(
                f"urn:kzgov-compare:{hashlib.blake2b(named, digest_size=16).hexdigest()}"
            )
            with_blank.add((rdflib_term(quad.subject), predicate, rdflib_term(quad.object)))
            continue
        line = str(quad).encode("utf-8")
        total = (total + int.from_bytes(hashlib.blake2b(line, digest_size=16).digest())) % MODULUS
        count += 1
    return count, total, with_blank


def compare_dump(before: Path, after: Path, rdf_format: ox.RdfFormat) -> str:
    """'identical bytes', 'same quads, other order', or what differs."""
    if before.read_bytes() == after.read_bytes():
        return "identical bytes"
    count_a, digest_a, blank_a = quad_digest(before, rdf_format)
    count_b, digest_b, blank_b = quad_digest(after, rdf_format)
    if count_a != count_b or digest_a != digest_b:
        return f"DIFFERENT quads without blank nodes ({count_a:,} before, {count_b:,} after)"
    if not isomorphic(blank_a, blank_b):
        return f"DIFFERENT quads with blank nodes ({len(blank_a)} before, {len(blank_b)} after)"
    return f"same quads, other order ({count_a:,} ground, {len(blank_a):,} with blank nodes)"


def stable_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """summary.json without what differs between any two builds."""
    kept = {key: value for key, value in summary.items() if key not in VOLATILE}
    stages = kept.get("stages", {})
    kept["stages"] = {
        stage: {k: v for k, v in details.items() if k not in VOLATILE_STAGE}
        for stage, details in stages.items()
    }
    return kept


def compare_releases(before: Path, after: Path) -> dict[str, str]:
    """Compare two releases' outputs, file by file.

    Args:
        before: a release folder (or a build folder's `current`).
        after: another.

    Returns:
        Each output's verdict; one starting with DIFFERENT means they differ.
    """
    verdicts = {}
    for name, rdf_format in DUMPS.items():
        verdicts[name] = compare_dump(before / name, after / name, rdf_format)
    for name in SAME_BYTES:
        same = (before / name).read_bytes() == (after / name).read_bytes()
        verdicts[name] = "identical bytes" if same else "DIFFERENT bytes"
    summaries = [
        stable_summary(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
        for folder in (before, after)
    ]
    differing = sorted(
        k for k in summaries[0].keys() | summaries[1].keys() if differs(summaries, k)
    )
    verdicts["summary.json"] = (
        f"DIFFERENT fields: {', '.join(differing)}"
        if differing
        else "same counts, sources, classes, conflicts and stages (times and memory aside)"
    )
    return verdicts


def differs(summaries: list[dict[str, Any]], key: str) -> bool:
    """Whether a summary field differs between the two."""
    return bool(summaries[0].get(key) != summaries[1].get(key))


def archived_server(revision: str, into: Path) -> Path:
    """The `server/` folder of a git revision, unpacked into a folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "server"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "server"


def run_build(project: Path, build_dir: Path, python_path: Iterable[Path]) -> float:
    """Build a project into a build folder with some code first on the path; its seconds."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(str(p) for p in python_path)
    command = [sys.executable, "-m", "kzgov", "--root", str(project)]
    command += ["--build-dir", str(build_dir), "build", "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, env=environment, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    """Build twice (or take two builds) and print each output's verdict."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, help="the project to build twice")
    parser.add_argument("--before-rev", help="the git revision whose code builds first")
    parser.add_argument("--before-build", type=Path, help="a build folder to compare")
    parser.add_argument("--after-build", type=Path, help="another build folder")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kzgov-compare-") as scratch:
        if arguments.before_build and arguments.after_build:
            before, after = arguments.before_build, arguments.after_build
        elif arguments.project and arguments.before_rev:
            code = archived_server(arguments.before_rev, Path(scratch))
            before, after = Path(scratch) / "before", Path(scratch) / "after"
            seconds = run_build(arguments.project, before, [code])
            print(f"built with {arguments.before_rev} in {seconds:.1f} s")
            seconds = run_build(arguments.project, after, [ROOT / "server"])
            print(f"built with this checkout in {seconds:.1f} s")
        else:
            parser.error("give --project and --before-rev, or --before-build and --after-build")
        verdicts = compare_releases(before / "current", after / "current")
    for name, verdict in verdicts.items():
        print(f"{name:<22} {verdict}")
    return 1 if any(v.startswith("DIFFERENT") for v in verdicts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
