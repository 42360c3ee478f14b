"""Checks of the asserted data that point at the offending triple's file and line.

Each check is a SELECT query in queries/data-checks/ run on the asserted graphs (before the
closure is computed), whose every row is one offending asserted triple: it binds ?graph
(the named graph, hence the data file), ?s, ?p and ?o, and any variables its message
names. The query's header gives the message, with {name} standing for a variable:

    # message: {s} is merged with {other}, which the registry says is a different thing

The build refuses data with any row (exit 2, the last good build kept), naming the file
and the line of the triple. These checks are SPARQL, not OWL axioms, so the fast reasoner
still applies: owl:AllDifferent or owl:differentFrom would send the build to owlrl.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kzgov.build.build_store import BuildStore
from kzgov.build.load import display_path
from kzgov.core.errors import KzgovError
from kzgov.core.short_names import short_iri

MESSAGE_HEADER = re.compile(r"^#\s*message:\s*(.+?)\s*$", re.M)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PREFIX_DECLARATION = re.compile(r"@prefix\s+([\w-]*):\s*<([^>]*)>", re.I)


@dataclass(frozen=True)
class DataProblem:
    """One offending asserted triple and what is wrong with it."""

    file: str
    line: int | None
    message: str

    def describe(self) -> str:
        """The problem as `file:line: message`."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


def check_files(checks_dir: Path) -> list[Path]:
    """The data checks, in name order."""
    return sorted(checks_dir.glob("*.rq"))


def run_data_checks(
    checks: list[Path], store: BuildStore, file_of_graph: dict[str, Path], root: Path
) -> list[DataProblem]:
    """Run every data check on the asserted graphs of the store.

    Args:
        checks: the check queries.
        store: the asserted graphs.
        file_of_graph: the data file of each named graph (IRI).
        root: the project, for file names relative to it.

    Returns:
        One problem per offending triple, in check, file and line order.

    Raises:
        KzgovError: a check is not a SELECT query with a message header.
    """
    problems: list[DataProblem] = []
    for check in checks:
        text = check.read_text(encoding="utf-8")
        shown = display_path(check, root)
        header = MESSAGE_HEADER.search(text)
        if header is None:
            raise KzgovError(f"{shown}: a data check needs a '# message:' header line")
        try:
            solutions = store.store.query(text, use_default_graph_as_union=True)
        except (SyntaxError, ValueError) as error:
            raise KzgovError(f"{shown}: a data check must be a SELECT query: {error}") from error
        if not isinstance(solutions, ox.QuerySolutions):
            raise KzgovError(f"{shown}: a data check must be a SELECT query")
        seen: set[DataProblem] = set()
        for solution in solutions:
            problem = describe_row(header[1], solution, file_of_graph, root)
            if problem not in seen:
                seen.add(problem)
                problems.append(problem)
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.message))


def describe_row(
    template: str, solution: ox.QuerySolution, file_of_graph: dict[str, Path], root: Path
) -> DataProblem:
    """The problem one solution of a check stands for."""
    graph = solution["graph"]
    path = file_of_graph.get(graph.value) if isinstance(graph, ox.NamedNode) else None
    prefixes = declared_prefixes(path) if path is not None else {}

    def show(name: str) -> str:  # with kzgov's prefixes: a file's own may mean another namespace
        value = solution[name]
        if value is None:
            return "?"
        return short_iri(value.value) if isinstance(value, ox.NamedNode) else str(value)

    message = PLACEHOLDER.sub(lambda m: show(m[1]), template)
    if path is None:
        return DataProblem(file="(not in data/)", line=None, message=message)
    triple = (solution["s"], solution["p"], solution["o"])
    return DataProblem(
        file=display_path(path, root), line=line_of(path, triple, prefixes), message=message
    )


def declared_prefixes(path: Path) -> dict[str, str]:
    """The prefixes a Turtle file declares (prefix to namespace)."""
    text = path.read_text(encoding="utf-8")
    return {prefix: namespace for prefix, namespace in PREFIX_DECLARATION.findall(text)}


def shorten(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, prefixes: dict[str, str]
) -> str:
    """A term as the file would write it: prefix:name where a prefix fits, else N-Triples."""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in prefixes.items():
            local = term.value[len(namespace) :]
            if term.value.startswith(namespace) and re.fullmatch(r"[\w.-]*", local):
                return f"{prefix}:{local}"
    return str(term)


def spellings(term: object, prefixes: dict[str, str]) -> list[str]:
    """The ways a Turtle file may write a term."""
    if not isinstance(term, ox.NamedNode):
        return []
    found = [f"<{term.value}>"]
    short = shorten(term, prefixes)
    if not short.startswith("<"):
        found.append(short)
    if term.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
        found.append(" a ")
    return found


def line_of(
    path: Path, triple: tuple[object, object, object], prefixes: dict[str, str]
) -> int | None:
    """The line of a file that states a triple, found from the way the file writes its terms.

    The house style writes one predicate per line: the line sought holds the predicate and
    the object, after the line that opens the subject's block. Failing that, the line that
    holds the object, then the subject's first line.

    Args:
        path: the Turtle file.
        triple: the subject, predicate and object, as Oxigraph terms.
        prefixes: the file's prefixes.

    Returns:
        The 1-based line number, or None if no line names the terms.
    """
    subject, predicate, obj = (spellings(term, prefixes) for term in triple)
    lines = path.read_text(encoding="utf-8").splitlines()

    def has(line: str, forms: list[str]) -> bool:
        return any(re.search(re.escape(form) + r"(?![\w:/-])", line) for form in forms)

    start = next((n for n, line in enumerate(lines) if has(line, subject)), None)
    for first in ([start] if start is not None else []) + [0]:
        for number in range(first, len(lines)):
            # A literal object has no spelling here: the predicate's line alone then.
            if (has(lines[number], obj) or not obj) and has(lines[number], predicate):
                return number + 1
    for number, line in enumerate(lines):
        if has(line, obj):
            return number + 1
    return None if start is None else start + 1
