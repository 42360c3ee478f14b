"""The regions and cities of republican significance, their outside ids, and their akims' posts."""

from __future__ import annotations

import csv

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.namespaces import INFERRED_GRAPH, KZ, LINKS_GRAPH, REGISTRY_GRAPH, WD

ID = "https://w3id.org/kzgov/id/"
WHOSONFIRST_CSV = PROJECT_ROOT.parent / "shared" / "links" / "regions-whosonfirst.csv"
REGIONS_CREATED_2022 = {
    "abai-region": "Q111279364",
    "jetisu-region": "Q111281411",
    "ulytau-region": "Q111830286",
}
CITIES = ("astana", "almaty", "shymkent")
P748 = URIRef("http://www.wikidata.org/prop/direct/P748")


def node(path: str) -> URIRef:
    return URIRef(ID + path)


def oblasts(dataset: Dataset) -> set[URIRef]:
    registry = dataset.graph(REGISTRY_GRAPH)
    return {s for s in registry.subjects(RDF.type, KZ.Oblast) if isinstance(s, URIRef)}


def test_registry_has_the_seventeen_regions_of_today_each_within_kazakhstan(
    built_dataset: Dataset,
) -> None:
    regions = oblasts(built_dataset)
    assert len(regions) == 17
    registry = built_dataset.graph(REGISTRY_GRAPH)
    for region in regions:
        assert (region, KZ.territoryPartOf, node("territory/kazakhstan")) in registry


def test_every_region_and_city_has_a_wikidata_entity(built_dataset: Dataset) -> None:
    links = built_dataset.graph(LINKS_GRAPH)
    for territory in oblasts(built_dataset) | {node(f"territory/{c}") for c in CITIES}:
        matches = set(links.objects(territory, SKOS.exactMatch)) | set(
            links.objects(territory, SKOS.closeMatch)
        )
        assert any(str(m).startswith(str(WD)) for m in matches), territory


def test_regions_created_in_2022_are_only_close_matches_and_have_no_guessed_names(
    built_dataset: Dataset,
) -> None:
    links = built_dataset.graph(LINKS_GRAPH)
    registry = built_dataset.graph(REGISTRY_GRAPH)
    for slug, qid in REGIONS_CREATED_2022.items():
        region = node(f"territory/{slug}")
        assert (region, SKOS.closeMatch, WD[qid]) in links
        assert (region, SKOS.exactMatch, WD[qid]) not in links
        languages = {label.language for label in registry.objects(region, RDFS.label)}
        assert languages == {"en"}, f"{slug}: the gazetteer gives no ru/kk name"


def test_whosonfirst_ids_and_names_come_from_the_gazetteer(built_dataset: Dataset) -> None:
    links = built_dataset.graph(LINKS_GRAPH)
    registry = built_dataset.graph(REGISTRY_GRAPH)
    wof_ids = {str(o): s for s, o in links.subject_objects(KZ.whosOnFirstId)}
    with WHOSONFIRST_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert set(wof_ids) == {row["wof_id"] for row in rows}
    for row in rows:
        territory = wof_ids[row["wof_id"]]
        assert (territory, SKOS.exactMatch, WD[row["wikidata"]]) in links
        if row["placetype"] == "region" and row["wikidata"] != "Q815330":
            ru = {str(x) for x in registry.objects(territory, RDFS.label) if x.language == "ru"}
            assert ru == {row["name_ru"]}
    turkistan = node("territory/turkistan-region")
    assert Literal("Туркестанская область", lang="ru") in set(
        registry.objects(turkistan, RDFS.label)
    )


def test_every_akim_of_a_region_or_city_is_appointed_by_the_president_by_inference(
    built_dataset: Dataset,
) -> None:
    registry = built_dataset.graph(REGISTRY_GRAPH)
    inferred = built_dataset.graph(INFERRED_GRAPH)
    posts = set(registry.subjects(KZ.territorialCaseOf, node("post/oblast-akim")))
    territories = {registry.value(p, KZ.jurisdiction) for p in posts}
    assert territories == oblasts(built_dataset) | {node(f"territory/{c}") for c in CITIES}
    for post in posts:
        assert (post, KZ.appointedBy, node("post/president")) in inferred, post
        assert (post, P748, node("post/president")) in inferred, post
        assert (post, KZ.kindOf, node("post/akim")) in inferred, post


def test_kind_of_works_for_bodies(built_dataset: Dataset) -> None:
    inferred = built_dataset.graph(INFERRED_GRAPH)
    akimat = node("body/oblast-akimat")
    assert (akimat, KZ.accountableTo, node("body/government")) in inferred
    assert (akimat, KZ.accountableTo, node("post/president")) in inferred
