"""The fast validator gives exactly pySHACL's results, on kzgov's shapes and on SHACL's corners."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl.errors import ConstraintLoadError
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import SH

from kzgov.build.pipeline import data_union, load_dataset
from kzgov.build.validate import Violation, class_hierarchy, load_shapes, validate_graph
from kzgov.build.validate_fast import (
    PYSHACL_PARAMETERS,
    plan_validation,
    validate_fast,
    validate_quads,
)
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.namespaces import ONTOLOGY_GRAPH
from kzgov.core.oxigraph_terms import TermConverter
from test_infer_fast import load_generator

KZSH = Namespace("https://w3id.org/kzgov/shapes#")
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


# Data and shapes for each SHACL core constraint the fast path runs on Oxigraph
# (kzgov.build.core_constraints), and for the targets that give it focus nodes.
CORE_CASES = {
    "min-and-max-count": (
        """:a a :Thing ; :p 1 , 2 , 3 . :b a :Thing ; :p 1 . :c a :Thing ; :q 1 .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:property :P , :Q .
        :P a sh:PropertyShape ; sh:path :p ; sh:minCount 2 ; sh:maxCount 2 ; sh:message "two p" .
        :Q a sh:PropertyShape ; sh:path :q ; sh:minCount 1 ; sh:maxCount 0 ; sh:message "q" .""",
    ),
    "class-through-subclasses-literals-and-two-classes": (
        """:Sub rdfs:subClassOf :Kind . :Deeper rdfs:subClassOf :Sub .
        :a a :Thing ; :r :x , :y , :z , "x" , [ a :Deeper ] . :x a :Sub . :y a :Other .
        :z a :Other , :Deeper .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:property :R , :R2 .
        :R a sh:PropertyShape ; sh:path :r ; sh:class :Kind ; sh:message "not a kind" .
        :R2 a sh:PropertyShape ; sh:path :r ; sh:class :Kind , :Other ; sh:message "both" .""",
    ),
    "every-node-kind": (
        """:a a :Thing ; :v :i , [ :x 1 ] , "l" , 3 .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:property :K1 , :K2 , :K3 , :K4 , :K5 , :K6 .
        :K1 sh:path :v ; sh:nodeKind sh:IRI ; sh:message "iri" .
        :K2 sh:path :v ; sh:nodeKind sh:BlankNode ; sh:message "blank" .
        :K3 sh:path :v ; sh:nodeKind sh:Literal ; sh:message "literal" .
        :K4 sh:path :v ; sh:nodeKind sh:BlankNodeOrIRI ; sh:message "blank or iri" .
        :K5 sh:path :v ; sh:nodeKind sh:BlankNodeOrLiteral ; sh:message "blank or literal" .
        :K6 sh:path :v ; sh:nodeKind sh:IRIOrLiteral ; sh:message "iri or literal" .""",
    ),
    "datatypes-ill-typed-literals-and-strings": (
        """:a a :Thing ; :d "1999"^^xsd:gYear , "19x9"^^xsd:gYear , "12"^^xsd:integer ,
            "abc"^^xsd:integer , "2020-02-30"^^xsd:date , "2020-02-03"^^xsd:date ,
            "x" , "x"@en , "y"^^xsd:string , "1.5"^^xsd:decimal , "true"^^xsd:boolean ,
            "maybe"^^xsd:boolean , :iri , [ :x 1 ] .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:property :D1 , :D2 , :D3 , :D4 , :D5 , :D6 , :D7 .
        :D1 sh:path :d ; sh:datatype xsd:gYear ; sh:message "year" .
        :D2 sh:path :d ; sh:datatype xsd:integer ; sh:message "integer" .
        :D3 sh:path :d ; sh:datatype xsd:string ; sh:message "string" .
        :D4 sh:path :d ; sh:datatype rdf:langString ; sh:message "tagged" .
        :D5 sh:path :d ; sh:datatype xsd:date ; sh:message "date" .
        :D6 sh:path :d ; sh:datatype xsd:boolean ; sh:message "boolean" .
        :D7 sh:path :d ; sh:datatype xsd:decimal ; sh:message "decimal" .""",
    ),
    "patterns-with-flags-and-non-strings": (
        """:a a :Thing ; :s "s1" , "S2" , "s1-s2" , "abc" , "s3"@en , 12 , :s4 , [ :x 1 ] .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:property :P1 , :P2 , :P3 .
        :P1 sh:path :s ; sh:pattern "^s[1-9]" ; sh:message "case" .
        :P2 sh:path :s ; sh:pattern "^s[1-9]$" ; sh:flags "i" ; sh:message "no case" .
        :P3 sh:path :s ; sh:pattern "s4" ; sh:message "in an IRI" .""",
    ),
    "in-a-list-by-term": (
        """:a a :Thing ; :m :one , :two , "x" , "x"@en , 1 , "01"^^xsd:integer , [ :x 1 ] .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:property :M .
        :M sh:path :m ; sh:in ( :one "x" 1 ) ; sh:message "not listed" .""",
    ),
    "every-kind-of-target": (
        """:a :p 1 . :b :link :c , "lit" . :c :p 1 , 2 . :i a :Cls .""",
        """:N a sh:NodeShape ; sh:targetNode :missing , "lit" , :a ; sh:property :P .
        :P a sh:PropertyShape ; sh:path :p ; sh:maxCount 1 ; sh:minCount 1 ; sh:message "one p" .
        :O a sh:NodeShape ; sh:targetObjectsOf :link ; sh:property :P2 .
        :P2 a sh:PropertyShape ; sh:path :p ; sh:maxCount 1 ; sh:minCount 1 ; sh:message "p2" .
        :T a sh:NodeShape ; sh:targetSubjectsOf :link ; sh:property :P3 .
        :P3 a sh:PropertyShape ; sh:path :p ; sh:minCount 1 ; sh:message "p3" .
        :Cls a rdfs:Class , sh:NodeShape ; sh:property :P4 .
        :P4 a sh:PropertyShape ; sh:path :p ; sh:minCount 1 ; sh:message "implicit" .
        :Own a sh:PropertyShape ; sh:targetSubjectsOf :link ; sh:path :p ; sh:minCount 1 ;
            sh:message "own targets" .""",
    ),
    "shared-own-and-deactivated-holders-and-warnings": (
        """:a a :Thing , :Other . :b a :Thing ; :link :c . :c a :Off .""",
        """:S1 a sh:NodeShape ; sh:targetClass :Thing ; sh:property :P .
        :S2 a sh:NodeShape ; sh:targetClass :Other ; sh:property :P .
        :S3 a sh:NodeShape ; sh:targetClass :Off ; sh:deactivated true ; sh:property :P .
        :P a sh:PropertyShape ; sh:path rdfs:label ; sh:minCount 1 ; sh:message "no label" ;
            sh:severity sh:Warning ; sh:targetSubjectsOf :link .
        :S4 a sh:NodeShape ; sh:targetClass :Thing ; sh:property :Q .
        :Q a sh:PropertyShape ; sh:path :link ; sh:class :Thing ; sh:deactivated true ;
            sh:message "off" .""",
    ),
}

# Shapes the fast path leaves to pySHACL (no message to copy, a path it does not run, a
# component it does not translate, a shape used through sh:node): the results still agree.
FALLBACK_CASES = {
    "no-message-gives-pyshacl-generic-messages": (
        """:a a :Thing ; :p "x" .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ; sh:property [ sh:path :p ;
            sh:datatype xsd:integer ; sh:minCount 2 ] .""",
    ),
    "sequence-path-and-other-components": (
        """:a a :Thing ; :p [ :q "x" ] ; :r "long" .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:property [ sh:path ( :p :q ) ; sh:datatype xsd:integer ; sh:message "seq" ] ,
                [ sh:path :r ; sh:maxLength 2 ; sh:minCount 1 ; sh:message "short" ] .""",
    ),
    "shape-used-through-sh-node": (
        """:a a :Thing ; :part :p1 . :p1 :size "big" .""",
        """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:property [ sh:path :part ; sh:node :PartShape ; sh:message "bad part" ] .
        :PartShape a sh:NodeShape ; sh:property :Size .
        :Size sh:path :size ; sh:datatype xsd:integer ; sh:message "size" .""",
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


@pytest.mark.parametrize(
    ("case", "left_to_pyshacl"),
    [(case, False) for case in sorted(CORE_CASES)]
    + [(case, True) for case in sorted(FALLBACK_CASES)],
)
def test_fast_validation_equals_pyshacl_on_a_core_constraint(
    case: str, left_to_pyshacl: bool
) -> None:
    """Core constraints run as SPARQL, or (FALLBACK_CASES) are left to pySHACL: same results."""
    data, shapes = (FALLBACK_CASES if left_to_pyshacl else CORE_CASES)[case]
    data_graph = Graph().parse(data=PREFIXES + data, format="turtle")
    shapes_graph = Graph().parse(data=PREFIXES + shapes, format="turtle")
    plan = plan_validation(shapes_graph)
    assert plan is not None
    if left_to_pyshacl:
        assert plan.needs_pyshacl
    else:
        assert plan.core_runs and not plan.needs_pyshacl
    assert validate_fast(data_graph, shapes_graph), "the case shows no flaw"
    assert_same_results(data_graph, shapes_graph)


def test_a_malformed_core_constraint_gets_pyshacls_message() -> None:
    data = Graph().parse(data=PREFIXES + ":a a :Thing .", format="turtle")
    shapes = Graph().parse(
        data=PREFIXES
        + """:S a sh:NodeShape ; sh:targetClass :Thing ;
            sh:property [ sh:path :p ; sh:minCount "one" ; sh:message "m" ] .""",
        format="turtle",
    )
    with pytest.raises(ConstraintLoadError) as slow:
        validate_graph(data, shapes)
    with pytest.raises(ConstraintLoadError) as fast:
        validate_fast(data, shapes)
    assert "sh:minCount must be a literal with datatype xsd:integer" in str(slow.value)
    assert str(fast.value) == str(slow.value)


def test_validate_quads_counts_a_triple_in_two_graphs_once(shapes: Graph, ontology: Graph) -> None:
    store = ox.Store()
    converter = TermConverter()
    case = Graph().parse(CASES_DIR / "FigureShape-value-twice.ttl", format="turtle")
    for graph in ("https://w3id.org/kzgov/graph/one", "https://w3id.org/kzgov/graph/two"):
        store.extend(converter.oxigraph_quads(case, ox.NamedNode(graph)))
    results = validate_quads(
        store.quads_for_pattern(None, None, None), class_hierarchy(ontology), shapes, converter
    )
    assert outcome(results) == outcome(validate_graph(case, shapes, ontology))
    assert any(r.shape == KZSH["FigureShape-value"] and r.value is None for r in results)


def test_kzgov_needs_no_rdflib_copy_of_the_data(shapes: Graph) -> None:
    plan = plan_validation(shapes)
    assert plan is not None
    left = sorted({str(p) for p in plan.core_shapes.predicates() if p in PYSHACL_PARAMETERS})
    assert not plan.needs_pyshacl, f"constraints left to pySHACL: {left}"
    assert {check.parameter for check, _ in plan.core_runs} == {
        SH.datatype,
        SH["class"],
        SH.minCount,
        SH.maxCount,
        SH.nodeKind,
        SH.pattern,
        SH["in"],
    }


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
