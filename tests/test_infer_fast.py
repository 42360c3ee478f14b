"""The fast OWL 2 RL path gives exactly owlrl's cleaned closure, and the same inconsistencies."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import owlrl
import pytest
from rdflib import Graph

from kzgov.build.pipeline import load_dataset
from kzgov.core.errors import InconsistentClosure
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.oxigraph_terms import TermConverter
from kzgov.reasoning.infer import Triple, is_noise, materialize
from kzgov.reasoning.infer_fast import is_noise as is_noise_of_terms
from kzgov.reasoning.infer_fast import materialize_fast, needs_owlrl

PREFIXES = """
@prefix : <https://w3id.org/kzgov/test#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# One small graph per OWL 2 RL rule family the fast path implements.
CONSISTENT_CASES = {
    "subclass-chain": """
        :A a owl:Class ; rdfs:subClassOf :B . :B a owl:Class ; rdfs:subClassOf :C .
        :C a owl:Class . :x a :A .""",
    "subproperty-chain": """
        :p a owl:ObjectProperty ; rdfs:subPropertyOf :q .
        :q a owl:ObjectProperty ; rdfs:subPropertyOf :r .
        :r rdfs:domain :D ; rdfs:range :R . :x :p :y .""",
    "equivalent-class-and-property": """
        :A owl:equivalentClass :B . :B rdfs:subClassOf :A . :x a :A .
        :p owl:equivalentProperty :q . :x :p :y .""",
    "inverse-symmetric-transitive": """
        :p owl:inverseOf :q . :s a owl:SymmetricProperty . :t a owl:TransitiveProperty .
        :x :p :y . :x :s :y . :a :t :b . :b :t :c . :c :t :d .""",
    "functional-and-inverse-functional": """
        :f a owl:FunctionalProperty . :g a owl:InverseFunctionalProperty .
        :x :f :y1 , :y2 . :y1 :label "one" . :a1 :g :v . :a2 :g :v . :a1 :k :z .""",
    "same-as": """
        :x owl:sameAs :y . :y owl:sameAs :z . :x :p :o . :q owl:sameAs :p . :s :q :x .""",
    "property-chain-of-three": """
        :p owl:propertyChainAxiom ( :a :b :c ) . :p rdfs:subPropertyOf :q .
        :x :a :m1 . :m1 :b :m2 , :m3 . :m2 :c :y . :m3 :c :z .""",
    "property-chain-through-an-inverse": """
        :uncle owl:propertyChainAxiom ( [ owl:inverseOf :child ] :brother ) .
        :dad :child :kid . :dad :brother :bob .""",
    "domain-and-range-as-unions": """
        :A a owl:Class . :B a owl:Class .
        :p a owl:ObjectProperty ; rdfs:domain [ a owl:Class ; owl:unionOf ( :A :B ) ] ;
            rdfs:range [ a owl:Class ; owl:unionOf ( :A :B ) ] .
        :A rdfs:subClassOf :Top . :x :p :y . :z a :A .""",
    "intersection": """
        :AB a owl:Class ; owl:intersectionOf ( :A :B ) .
        :x a :A , :B . :y a :AB .""",
    "some-values-from": """
        :R a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :C .
        :T a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom owl:Thing .
        :R2 a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :D . :C rdfs:subClassOf :D .
        :x :p :y . :y a :C .""",
    "all-values-from": """
        :R a owl:Restriction ; owl:onProperty :p ; owl:allValuesFrom :C .
        :R2 a owl:Restriction ; owl:onProperty :q ; owl:allValuesFrom :C .
        :p rdfs:subPropertyOf :q .
        :x a :R ; :p :y .""",
    "has-value": """
        :R a owl:Restriction ; owl:onProperty :p ; owl:hasValue :v .
        :R2 a owl:Restriction ; owl:onProperty :q ; owl:hasValue :v .
        :p rdfs:subPropertyOf :q .
        :x a :R . :z :p :v .""",
    "literals-and-datatypes": """
        :p rdfs:range xsd:gYear ; rdfs:subPropertyOf :q . :n rdfs:range xsd:decimal .
        :x :p "2021"^^xsd:gYear ; :n "12.5"^^xsd:decimal ; :label "plain" , "tagged"@kk .""",
}

INCONSISTENT_CASES = {
    "disjoint-classes": ":A owl:disjointWith :B . :C rdfs:subClassOf :B . :x a :A , :C .",
    "member-of-nothing": ":x a owl:Nothing .",
    "irreflexive-property": ":p a owl:IrreflexiveProperty . :x :p :x .",
    "asymmetric-property": ":p a owl:AsymmetricProperty . :x :p :y . :y :p :x .",
    "disjoint-properties": ":p owl:propertyDisjointWith :q . :x :p :y ; :q :y .",
    "same-and-different": ":x owl:sameAs :y . :y owl:differentFrom :x .",
    "ill-formed-integer": ':x :p "twelve"^^xsd:integer .',
}


def parse(turtle: str) -> set[Triple]:
    """The triples of a small Turtle snippet."""
    graph = Graph()
    graph.parse(data=PREFIXES + turtle, format="turtle")
    return set(graph)


def assert_same_closure(asserted: set[Triple]) -> None:
    """The fast closure is owlrl's, triple for triple; on failure print what differs."""
    fast = set(materialize_fast(asserted))
    slow = set(materialize(asserted))
    missing = sorted(slow - fast)
    extra = sorted(fast - slow)
    assert not missing and not extra, (
        f"fast path: {len(missing)} missing, {len(extra)} extra\n"
        + "\n".join(f"  missing {' '.join(t.n3() for t in triple)}" for triple in missing[:20])
        + "\n"
        + "\n".join(f"  extra   {' '.join(t.n3() for t in triple)}" for triple in extra[:20])
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


def asserted_triples(layout: Layout) -> set[Triple]:
    """Every triple of the ontology and data of a project, as the build materializes them."""
    dataset = load_dataset(layout)
    return {(s, p, o) for s, p, o, _g in dataset.quads((None, None, None, None))}


@pytest.mark.parametrize("case", sorted(CONSISTENT_CASES))
def test_fast_closure_equals_owlrl_closure_for_each_rule_family(case: str) -> None:
    assert_same_closure(parse(CONSISTENT_CASES[case]))


@pytest.mark.parametrize("case", sorted(INCONSISTENT_CASES))
def test_fast_path_reports_the_inconsistencies_owlrl_reports(case: str) -> None:
    asserted = parse(INCONSISTENT_CASES[case])
    with pytest.raises(InconsistentClosure) as from_owlrl:
        materialize(asserted)
    with pytest.raises(InconsistentClosure) as from_fast:
        materialize_fast(asserted)
    assert str(from_fast.value) == str(from_owlrl.value)


def test_construct_without_a_fast_rule_is_left_to_owlrl() -> None:
    asserted = parse(":C owl:hasKey ( :id ) . :x a :C ; :id 1 . :y a :C ; :id 1 . :x :p :o .")
    assert needs_owlrl(asserted)
    assert_same_closure(asserted)


def test_fast_closure_equals_owlrl_closure_on_the_real_project() -> None:
    assert_same_closure(asserted_triples(Layout.default()))


def test_fast_closure_equals_owlrl_closure_on_a_synthetic_10k_graph(tmp_path: Path) -> None:
    generator = load_generator()
    report = generator.generate(tmp_path / "project", triples=10_000, seed=7)
    assert report.triples >= 10_000
    layout = Layout(root=tmp_path / "project", build_dir=tmp_path / "build")
    assert_same_closure(asserted_triples(layout))


def test_noise_of_oxigraph_terms_is_infer_pys_noise() -> None:
    # owlrl's whole closure of every case, not yet cleaned: literal subjects, blank nodes,
    # reflexive and built-in triples, trivial types, and the triples users want.
    converter = TermConverter()
    term = converter.oxigraph_term
    checked = 0
    for case in sorted(CONSISTENT_CASES):
        working = Graph()
        for triple in parse(CONSISTENT_CASES[case]):
            working.add(triple)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(working)
        for s, p, o in working:
            assert is_noise_of_terms(term(s), term(p), term(o)) == is_noise((s, p, o)), (s, p, o)
            checked += 1
    assert checked > 1_000
