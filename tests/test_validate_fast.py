"""The fast validator gives exactly pySHACL's results, on kzgov's shapes and on SHACL's corners."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from kzgov.build.pipeline import data_union, load_dataset
from kzgov.build.validate import Violation, load_shapes, validate_graph
from kzgov.build.validate_fast import plan_validation, validate_fast
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.namespaces import ONTOLOGY_GRAPH

CASES_DIR = PROJECT_ROOT / "tests" / "shapes"
CASE_FILES = sorted(CASES_DIR.glob("*.ttl"))

PREFIXES = """
@prefix : <https://w3id.org/kzgov/test#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# Data and shapes for the corners of SHACL-SPARQL the fast path must read as pySHACL does.
CORNER_CASES = {
    "value-and-this-in-the-message": (
        """:a a :Thing ; :size 3 . :b a :Thing ; :size 12 , 15 .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:sparql :S-big .
        :S-big a sh:SPARQLConstraint ; sh:message "{$this} is too big: {?value}" ;
            sh:select "SELECT $this ?value WHERE { $this :size ?value . FILTER (?value > 10) }" ;
            sh:prefixes :decl .
        :decl sh:declare [ sh:prefix "" ; sh:namespace "https://w3id.org/kzgov/test#"^^xsd:anyURI ] .""",
    ),
    "failure-variable-gives-one-result-per-focus-node": (
        """:a a :Thing ; :size 1 , 2 , 3 .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:sparql :S-fail .
        :S-fail a sh:SPARQLConstraint ; sh:message "fails" ;
            sh:select "SELECT $this ?failure WHERE { $this <https://w3id.org/kzgov/test#size> ?s . BIND (true AS ?failure) }" .""",
    ),
    "property-shape-held-by-two-node-shapes-reports-twice": (
        """:a a :Thing , :Other . :b a :Thing .""",
        """:S1 a sh:NodeShape ; sh:targetClass :Thing ; sh:property :P .
        :S2 a sh:NodeShape ; sh:targetClass :Other ; sh:property :P .
        :P a sh:PropertyShape ; sh:path rdfs:label ; sh:message "no label" ; sh:minCount 1 ;
            sh:sparql [ a sh:SPARQLConstraint ;
                sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this $PATH ?l } }" ] .""",
    ),
    "shape-used-through-sh-node-is-left-to-pyshacl": (
        """:a a :Thing ; :part :p1 . :p1 :size 20 .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:property [ sh:path :part ; sh:node :PartShape ] .
        :PartShape a sh:NodeShape ; sh:sparql [ a sh:SPARQLConstraint ; sh:message "big part" ;
            sh:select "SELECT $this WHERE { $this <https://w3id.org/kzgov/test#size> ?v . FILTER (?v > 10) }" ] .""",
    ),
    "blank-and-literal-focus-nodes": (
        """:a :has [ :size 20 ] , [ :size 2 ] ; :code "x" , "y" .""",
        """:S a sh:NodeShape ; sh:targetObjectsOf :has ; sh:sparql [ a sh:SPARQLConstraint ;
            sh:message "big" ;
            sh:select "SELECT $this WHERE { $this <https://w3id.org/kzgov/test#size> ?v . FILTER (?v > 10) }" ] .
        :L a sh:NodeShape ; sh:targetObjectsOf :code ; sh:sparql [ a sh:SPARQLConstraint ;
            sh:message "not x" ; sh:select "SELECT $this WHERE { FILTER (STR($this) != 'x') }" ] .""",
    ),
    "query-that-does-not-select-this": (
        """:a a :Thing ; :size 20 . :b a :Thing ; :size 2 .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:sparql [ a sh:SPARQLConstraint ;
            sh:message "big {?value}" ;
            sh:select "SELECT ?value WHERE { $this <https://w3id.org/kzgov/test#size> ?value . FILTER (?value > 10) }" ] .""",
    ),
    "query-that-never-mentions-this": (
        """:a a :Thing . :b a :Thing . :z :flag true .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:sparql [ a sh:SPARQLConstraint ;
            sh:message "a flag is raised" ;
            sh:select "SELECT ?f WHERE { ?f <https://w3id.org/kzgov/test#flag> true }" ] .""",
    ),
    "deactivated-shape-and-constraint-report-nothing": (
        """:a a :Thing .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:deactivated true ;
            sh:sparql [ sh:message "off" ; sh:select "SELECT $this WHERE { }" ] .
        :T a sh:NodeShape ; sh:targetClass :Thing ;
            sh:sparql [ sh:deactivated true ; sh:message "off" ; sh:select "SELECT $this WHERE { }" ] .""",
    ),
    "subclass-targets-and-warning-severity": (
        """:Sub rdfs:subClassOf :Thing . :a a :Sub .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:severity sh:Warning ;
            sh:sparql [ sh:message "warned" ; sh:select "SELECT $this WHERE { }" ] .""",
    ),
}


def outcome(results: list[Violation]) -> Counter[tuple[object, ...]]:
    """The results as a multiset of what a report says of each."""
    return Counter((r.focus, r.path, r.shape, r.message, r.severity, r.value) for r in results)


def assert_same_results(data: Graph, shapes: Graph, ontology: Graph | None = None) -> None:
    """Both validators report the same results; on failure, print what differs."""
    slow = outcome(validate_graph(data, shapes, ontology))
    fast = outcome(validate_fast(data, shapes, ontology))
    missing, extra = slow - fast, fast - slow
    assert not missing and not extra, (
        f"fast validator: {sum(missing.values())} missing, {sum(extra.values())} extra\n"
        + "\n".join(f"  missing {item}" for item in list(missing)[:10])
        + "\n"
        + "\n".join(f"  extra   {item}" for item in list(extra)[:10])
    )


def load_generator() -> ModuleType:
    """bench/generate.py, which is a script and not part of the package."""
    path = PROJECT_ROOT / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("kzgov_bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(sorted((PROJECT_ROOT / "ontology" / "shapes").glob("*.ttl")))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for module in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        graph.parse(module, format="turtle")
    return graph


def test_fast_validation_equals_pyshacl_on_the_real_project(shapes: Graph) -> None:
    dataset = load_dataset(Layout.default())
    assert_same_results(data_union(dataset), shapes, dataset.graph(ONTOLOGY_GRAPH))


def test_fast_validation_equals_pyshacl_on_every_shape_case(shapes: Graph, ontology: Graph) -> None:
    for case in CASE_FILES:
        assert_same_results(Graph().parse(case, format="turtle"), shapes, ontology)


def test_fast_validation_equals_pyshacl_on_a_synthetic_graph_with_violations(
    tmp_path: Path, shapes: Graph
) -> None:
    report = load_generator().generate(tmp_path / "project", triples=2_000, seed=5, violations=4)
    layout = Layout(root=tmp_path / "project", build_dir=tmp_path / "build")
    dataset = load_dataset(layout)
    results = validate_fast(data_union(dataset), shapes, dataset.graph(ONTOLOGY_GRAPH))
    flawed = {URIRef(v.focus) for v in report.violations}
    assert {r.focus for r in results if r.is_violation} == flawed
    assert_same_results(data_union(dataset), shapes, dataset.graph(ONTOLOGY_GRAPH))


@pytest.mark.parametrize("case", sorted(CORNER_CASES))
def test_fast_validation_equals_pyshacl_on_a_corner_of_shacl_sparql(case: str) -> None:
    data, shapes = CORNER_CASES[case]
    assert_same_results(
        Graph().parse(data=PREFIXES + data, format="turtle"),
        Graph().parse(data=PREFIXES + shapes, format="turtle"),
    )


def test_every_sparql_constraint_of_kzgov_runs_on_oxigraph(shapes: Graph) -> None:
    plan = plan_validation(shapes)
    assert plan is not None
    left_to_pyshacl = sorted(str(s) for s in plan.core_shapes.subjects(SH.sparql, None))
    assert not left_to_pyshacl, f"SPARQL constraints left to pySHACL: {left_to_pyshacl}"


def test_shapes_with_shacl_rules_are_left_to_pyshacl_entirely() -> None:
    shapes = Graph().parse(
        data=PREFIXES
        + """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate :seen ; sh:object true ] .""",
        format="turtle",
    )
    assert plan_validation(shapes) is None
