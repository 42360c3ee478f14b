"""The SHACL shapes: each case file shows one flaw, and the shape named for it reports it.

Each file in tests/shapes/ is the smallest data that shows one flaw, with a header
naming the result the shapes must report for it:

    # expect-focus: https://w3id.org/kzgov/id/post/test-post
    # expect-path: http://www.w3.org/2000/01/rdf-schema#label   (or - for a node-level result)
    # expect-shape: https://w3id.org/kzgov/shapes#PostShape-label
    # expect-message: <the shape's sh:message, or a distinctive part of it>

The data is validated as the build validates data/: with kzgov.build.validate.validate_graph and
the ontology mixed in, so that class targets reach subclasses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kzgov.build.validate import Violation, load_shapes, validate_graph
from kzgov.core.layout import PROJECT_ROOT

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
CASES_DIR = Path(__file__).parent / "shapes"
CONFORMING_SAMPLE = Path(__file__).parent / "examples" / "conforming-sample.ttl"
CASE_FILES = sorted(CASES_DIR.glob("*.ttl"))
HEADER = re.compile(r"^#\s*(expect-[a-z]+):\s*(.*?)\s*$")
HEADER_KEYS = ("expect-focus", "expect-path", "expect-shape", "expect-message")
NODE_LEVEL = "-"


@dataclass(frozen=True)
class Expectation:
    """The result a case file says the shapes must report."""

    focus: URIRef
    path: URIRef | None
    shape: URIRef
    message: str

    def is_met_by(self, result: Violation) -> bool:
        """Whether a validation result is the expected one."""
        return (
            result.focus == self.focus
            and result.path == self.path
            and result.shape == self.shape
            and self.message in result.message
        )


def read_expectation(case: Path) -> Expectation:
    """Read the expect-* header of a case file.

    Raises:
        ValueError: the header lacks one of the four lines.
    """
    found: dict[str, str] = {}
    for line in case.read_text(encoding="utf-8").splitlines():
        matched = HEADER.match(line)
        if matched:
            found[matched[1]] = matched[2]
    missing = [key for key in HEADER_KEYS if not found.get(key)]
    if missing:
        raise ValueError(f"{case.name}: the header lacks {', '.join(missing)}")
    path = found["expect-path"]
    return Expectation(
        focus=URIRef(found["expect-focus"]),
        path=None if path == NODE_LEVEL else URIRef(path),
        shape=URIRef(found["expect-shape"]),
        message=found["expect-message"],
    )


def load_ontology() -> Graph:
    """Every ontology module, as the build loads them."""
    ontology = Graph()
    for module in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        ontology.parse(module, format="turtle")
    return ontology


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(sorted(SHAPES_DIR.glob("*.ttl")))


def named_shapes(shapes: Graph) -> set[URIRef]:
    """Every node declared a node shape or a property shape."""
    return {
        node
        for kind in (SH.NodeShape, SH.PropertyShape)
        for node in shapes.subjects(RDF.type, kind)
        if isinstance(node, URIRef)
    }


def show(results: list[Violation]) -> str:
    """The results, one paragraph each, for a failure message."""
    return "\n\n".join(result.describe() for result in results) or "(no results at all)"


@pytest.mark.parametrize("case", CASE_FILES, ids=[case.stem for case in CASE_FILES])
def test_shape_reports_the_flaw_its_case_shows(case: Path, ontology: Graph, shapes: Graph) -> None:
    expected = read_expectation(case)
    data = Graph().parse(case, format="turtle")
    results = validate_graph(data, shapes, ontology)
    assert any(expected.is_met_by(result) for result in results), (
        f"{case.name}: expected {expected}, but the shapes reported:\n{show(results)}"
    )


def test_every_shape_has_a_case(shapes: Graph) -> None:
    covered = {read_expectation(case).shape for case in CASE_FILES}
    uncovered = sorted(named_shapes(shapes) - covered)
    assert not uncovered, f"shapes with no case in tests/shapes/: {uncovered}"


def test_shapes_are_named_nodes_with_a_name(shapes: Graph) -> None:
    referenced = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.node))
    blank = [node for node in referenced if not isinstance(node, URIRef)]
    assert not blank, "property and node shapes must be named nodes, not blank nodes"
    undeclared = sorted(node for node in referenced if node not in named_shapes(shapes))
    assert not undeclared, (
        f"shapes used but not declared sh:NodeShape/sh:PropertyShape: {undeclared}"
    )
    unnamed = sorted(
        shape for shape in named_shapes(shapes) if shapes.value(shape, SH.name) is None
    )
    assert not unnamed, f"shapes without sh:name: {unnamed}"


def test_every_constraint_has_exactly_one_message(shapes: Graph) -> None:
    """A property shape carries its constraint's message; a node-level check carries its own.

    A node shape never has an sh:message: pySHACL would add it to the message of each of
    its SPARQL checks, and a report would then hold two messages for one result.
    """
    problems = []
    for shape in named_shapes(shapes):
        messages = list(shapes.objects(shape, SH.message))
        is_property_shape = shapes.value(shape, SH.path) is not None
        if is_property_shape and len(messages) != 1:
            problems.append(f"{shape}: a property shape needs exactly one sh:message")
        if not is_property_shape and messages:
            problems.append(f"{shape}: put the message on its SPARQL constraint instead")
        for check in shapes.objects(shape, SH.sparql):
            check_messages = list(shapes.objects(check, SH.message))
            if is_property_shape and check_messages:
                problems.append(f"{check}: a property shape's check takes the shape's message")
            if not is_property_shape and len(check_messages) != 1:
                problems.append(f"{check}: a node-level check needs exactly one sh:message")
            if not isinstance(check, URIRef):
                problems.append(f"{shape}: its SPARQL constraint must be a named node")
    assert not problems, "\n".join(sorted(problems))


def test_every_kz_term_the_shapes_use_is_defined(shapes: Graph, ontology: Graph) -> None:
    kz = "https://w3id.org/kzgov/ontology#"
    used = {
        term
        for triple in shapes
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(kz)
    }
    for literal in shapes.objects(None, SH.select):
        used |= {URIRef(kz + name) for name in re.findall(r"\bkz:(\w+)", str(literal))}
    undefined = sorted(term for term in used if (term, RDF.type, None) not in ontology)
    assert not undefined, f"shapes use kz: terms the ontology does not define: {undefined}"


def test_conforming_sample_gets_no_results(ontology: Graph, shapes: Graph) -> None:
    data = Graph().parse(CONFORMING_SAMPLE, format="turtle")
    results = validate_graph(data, shapes, ontology)
    assert not results, show(results)
