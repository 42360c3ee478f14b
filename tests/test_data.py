"""The data as a whole: it validates, every fact has a source, every term is defined, links are verified."""

from __future__ import annotations

import csv
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import PROV, RDF, SKOS

from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.namespaces import (
    CATALOG_GRAPH,
    CONFLICTS_GRAPH,
    INFERRED_GRAPH,
    KZ,
    LINKS_GRAPH,
    MANIFEST_GRAPH,
    ONTOLOGY_GRAPH,
    REGISTRY_GRAPH,
    TEMPORAL_GRAPH,
    WD,
)

LINKS_CSV = PROJECT_ROOT.parent / "shared" / "links" / "wikidata-and-geo-ids.csv"
BUILD_GRAPHS = {
    ONTOLOGY_GRAPH,
    REGISTRY_GRAPH,
    CATALOG_GRAPH,
    LINKS_GRAPH,
    CONFLICTS_GRAPH,
    MANIFEST_GRAPH,
    INFERRED_GRAPH,
    TEMPORAL_GRAPH,
}


def source_graphs(dataset: Dataset) -> set[URIRef]:
    """The graphs the build typed as source graphs, each derived from a catalogued source."""
    catalog = dataset.graph(CATALOG_GRAPH)
    graphs = set()
    for graph in dataset.graph(MANIFEST_GRAPH).subjects(RDF.type, KZ.SourceGraph):
        source = catalog.value(graph, PROV.wasDerivedFrom)
        assert source is not None, f"{graph} is not in the catalogue"
        assert (source, RDF.type, KZ.SourceDocument) in catalog
        graphs.add(graph)
    return graphs


def test_real_data_passes_every_shape(real_build: BuildResult) -> None:
    assert not [w for w in real_build.warnings if w.is_violation]


def test_five_sources_each_fill_their_own_graph(built_dataset: Dataset) -> None:
    graphs = source_graphs(built_dataset)
    assert len(graphs) == 5
    for graph in graphs:
        assert len(built_dataset.graph(graph)) > 20, graph


def test_every_asserted_triple_outside_registry_and_catalog_is_in_a_source_graph(
    built_dataset: Dataset,
) -> None:
    allowed = BUILD_GRAPHS | source_graphs(built_dataset)
    stray = {g.identifier for g in built_dataset.graphs() if len(g) and g.identifier not in allowed}
    assert not stray, f"triples outside any source graph: {stray}"
    registry_subjects = set(built_dataset.graph(REGISTRY_GRAPH).subjects())
    for graph in source_graphs(built_dataset):
        assert registry_subjects.isdisjoint(
            s for s in built_dataset.graph(graph).subjects(RDF.type, KZ.AppointmentRule)
        )


def test_source_specific_nodes_are_stated_only_by_sources(built_dataset: Dataset) -> None:
    sourced = source_graphs(built_dataset)
    for kind in ("rule", "figure", "tenure", "period", "proposal", "change"):
        prefix = f"https://w3id.org/kzgov/id/{kind}/"
        for s, _p, _o, g in built_dataset.quads((None, None, None, None)):
            if str(s).startswith(prefix) and g not in sourced and g != INFERRED_GRAPH:
                raise AssertionError(f"{s} is described in {g}, which is not a source graph")


def test_every_kz_term_used_in_data_is_defined_in_the_ontology(built_dataset: Dataset) -> None:
    ontology = built_dataset.graph(ONTOLOGY_GRAPH)
    defined = set(ontology.subjects(RDF.type, None))
    used = set()
    for graph in source_graphs(built_dataset) | {REGISTRY_GRAPH, CATALOG_GRAPH, LINKS_GRAPH}:
        for _s, p, o in built_dataset.graph(graph):
            used.add(p)
            if isinstance(o, URIRef):
                used.add(o)
    undefined = sorted(t for t in used if str(t).startswith(str(KZ)) and t not in defined)
    assert not undefined, f"kz: terms used but not defined: {undefined}"


def test_every_outside_link_is_one_of_the_verified_identifiers(built_dataset: Dataset) -> None:
    with LINKS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    verified = {str(WD[row["qid"]]) for row in rows if row["qid"]}
    single_source = {
        str(WD[row["qid"]])
        for row in rows
        if not row["other_scheme"] and "single source" in row["evidence"]
    }
    links: Graph = built_dataset.graph(LINKS_GRAPH)
    assert len(links) > 10
    for s, p, o in links:
        if p not in (SKOS.exactMatch, SKOS.closeMatch):
            continue
        if str(o).startswith(str(WD)):
            assert str(o) in verified, f"{s} links to {o}, which the links file does not verify"
            if str(o) in single_source:
                assert p == SKOS.closeMatch, f"{s} -> {o} is seen in one file only: closeMatch"


def test_labels_carry_the_source_languages(built_dataset: Dataset) -> None:
    languages = {
        o.language
        for _s, o in built_dataset.subject_objects(
            URIRef("http://www.w3.org/2000/01/rdf-schema#label")
        )
        if getattr(o, "language", None)
    }
    assert {"en", "ru", "kk", "tr"} <= languages


def test_data_files_open_with_a_comment_header() -> None:
    for path in sorted(Path(PROJECT_ROOT / "data").glob("*.ttl")):
        assert path.read_text(encoding="utf-8").startswith("#"), path
