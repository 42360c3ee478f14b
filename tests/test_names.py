"""Names in the languages of Kazakhstan, generated rule labels, Adilet links, search across scripts."""

from __future__ import annotations

import csv
import json
import re
import urllib.parse

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import LiveServer, send
from kzgov.build.coverage import default_sources_dir, read_sources
from kzgov.build.names import (
    NAME_NOTES_FILE,
    RULE_CLASSES,
    entities_of_kazakhstan,
    missing_names,
    missing_names_markdown,
    name_counts,
    power_kinds,
    proposal_label,
    read_data,
    read_name_notes,
    rule_label,
)
from kzgov.build.names import (
    local_id as id_path,
)
from kzgov.core.layout import PROJECT_ROOT, Layout, is_source_file
from kzgov.core.namespaces import KZ, KZID, LINKS_GRAPH, REGISTRY_GRAPH
from kzgov.web.search import accent_pattern, rank_of

WHOSONFIRST_CSV = PROJECT_ROOT.parent / "shared" / "links" / "regions-whosonfirst.csv"
NAMES_CSV = PROJECT_ROOT.parent / "shared" / "links" / "names-and-acts.csv"
# What the sources and names-and-acts.csv give (counted by kzgov.build.names.name_counts).
# Kazakh fell from 53 to 36 when the labels the Kazakh source gives only in a declined or
# plural form were taken out (data/name-notes.csv quotes those forms). The issue's
# targets (45 Russian, 90 Kazakh) need more verified names than ../shared/links holds;
# the 17 regions and 3 cities (registry, from regions-whosonfirst.csv) brought 40 and 50.
MIN_RUSSIAN = 40
MIN_KAZAKH = 50
LABEL_LANGUAGES = ("ru", "kk")


@pytest.fixture(scope="module")
def layout() -> Layout:
    return Layout.default()


@pytest.fixture(scope="module")
def data(layout: Layout) -> Graph:
    return read_data(layout.data_files())


@pytest.fixture(scope="module")
def registry(layout: Layout) -> Graph:
    return Graph().parse(layout.data_dir / "registry.ttl", format="turtle")


@pytest.fixture(scope="module")
def powers(layout: Layout) -> Graph:
    return Graph().parse(layout.ontology_dir / "powers.ttl", format="turtle")


def test_missing_names_doc_is_what_the_data_gives(
    layout: Layout, registry: Graph, data: Graph, powers: Graph
) -> None:
    written = (PROJECT_ROOT / "docs" / "missing-names.md").read_text(encoding="utf-8")
    notes = read_name_notes(layout.data_dir / NAME_NOTES_FILE)
    expected = missing_names_markdown(registry, data, notes, powers)
    assert written == expected, "rerun tools/write_names.py"


def test_readme_prints_the_counts_of_names(registry: Graph, data: Graph) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    counts = name_counts(registry, data)
    assert counts.entities == len(entities_of_kazakhstan(registry))
    assert counts.sentence() in readme, "copy the line tools/write_names.py prints"


def whole_words(text: str) -> re.Pattern[str]:
    """A pattern of the text as whole words, any whitespace between them."""
    words = r"\s+".join(re.escape(w) for w in text.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def test_every_russian_and_kazakh_label_has_its_evidence(layout: Layout) -> None:
    """A source's label stands, as whole words, in a quote of that node in its graph; an
    official name in the registry has its kz:nameEvidence; no other graph names in ru/kk."""
    unquoted, unevidenced, elsewhere = [], [], []
    checked = 0
    for path in layout.data_files():
        graph = Graph().parse(path, format="turtle")
        for prop in (RDFS.label, SKOS.altLabel, SKOS.prefLabel):
            for node, label in graph.subject_objects(prop):
                if not isinstance(label, Literal) or label.language not in LABEL_LANGUAGES:
                    continue
                checked += 1
                if path.stem == "registry":
                    if graph.value(node, KZ.nameEvidence) is None:
                        unevidenced.append((node, str(label)))
                elif is_source_file(path):
                    quotes = [str(q) for q in graph.objects(node, KZ.sourcePassage)]
                    if not any(whole_words(str(label)).search(q) for q in quotes):
                        unquoted.append((path.name, node, str(label)))
                else:
                    elsewhere.append((path.name, node, str(label)))
    assert checked >= MIN_RUSSIAN + MIN_KAZAKH
    assert unquoted == [], "a label must stand, as whole words, in a quote of its node"
    assert unevidenced == []
    assert elsewhere == []


def test_the_ontology_gives_the_power_kinds_english_labels_only(powers: Graph) -> None:
    kinds = power_kinds(powers)
    for kind in kinds:
        languages = {o.language for o in powers.objects(kind, RDFS.label) if isinstance(o, Literal)}
        assert languages == {"en"}, kind


def test_name_notes_quote_their_source_and_name_missing_labels(
    layout: Layout, registry: Graph, data: Graph
) -> None:
    notes = read_name_notes(layout.data_dir / NAME_NOTES_FILE)
    assert len(notes) >= 17
    texts = read_sources(layout, default_sources_dir(layout), "../shared/seeds")
    missing = missing_names(registry, data)
    for (entity_id, language), note in notes.items():
        where = f"data/{NAME_NOTES_FILE}:{note.line}"
        assert URIRef(KZID + entity_id) in missing[language], f"{where}: the label is given"
        assert note.note, where
        if not note.form:
            continue
        span = texts[note.source].locate(note.form)
        assert span is not None, f"{where}: not verbatim in {note.source}"
        assert f"s{span[0]}" == note.locator, f"{where}: it stands in s{span[0]}"


def test_power_kinds_are_labelled_only_where_the_kazakh_source_uses_the_term(
    layout: Layout, powers: Graph
) -> None:
    kinds = power_kinds(powers)
    assert len(kinds) == 23
    graph = Graph().parse(layout.data_dir / "abai-kaznpu-2025.ttl", format="turtle")
    labelled = {
        id_path(kind): sorted(
            (label.language, str(label))
            for label in graph.objects(kind, RDFS.label)
            if isinstance(label, Literal)
        )
        for kind in kinds
    }
    assert labelled["power-kind/financing"] == [("kk", "қаржыландыру")]
    assert labelled["power-kind/self-government"] == [
        ("kk", "өзін-өзі басқару"),
        ("ru", "самоуправление"),
    ]
    assert labelled["power-kind/veto"] == []
    listed = (PROJECT_ROOT / "docs" / "missing-names.md").read_text(encoding="utf-8")
    assert "| power-kind/veto | veto | missing | missing |" in listed


def test_every_rule_proposal_and_change_node_has_a_label(layout: Layout, data: Graph) -> None:
    ontology = Graph()
    for path in layout.ontology_files():
        ontology.parse(path, format="turtle")
    unlabelled, seen = [], 0
    for top in (KZ.Rule, KZ.Proposal, KZ.Change):
        classes = set(ontology.transitive_subjects(RDFS.subClassOf, top))
        for node in {n for c in classes for n in data.subjects(RDF.type, c)}:
            seen += 1
            if not any(isinstance(label, Literal) for label in data.objects(node, RDFS.label)):
                unlabelled.append(node)
    assert seen > 200
    assert unlabelled == []


def test_entities_of_kazakhstan_carry_russian_kazakh_and_english_labels(
    registry: Graph, data: Graph
) -> None:
    entities = entities_of_kazakhstan(registry)
    missing = missing_names(registry, data)
    assert missing["en"] == []
    assert len(entities) - len(missing["ru"]) >= MIN_RUSSIAN
    assert len(entities) - len(missing["kk"]) >= MIN_KAZAKH
    listed = (PROJECT_ROOT / "docs" / "missing-names.md").read_text(encoding="utf-8")
    for entity in set(missing["ru"]) | set(missing["kk"]):
        assert f"| {str(entity).removeprefix(str(KZID))} |" in listed


def test_foreign_entities_are_not_counted_as_kazakhstan(registry: Graph) -> None:
    ids = {str(e).removeprefix(str(KZID)) for e in entities_of_kazakhstan(registry)}
    assert "post/president" in ids
    assert "territory/turkey" not in ids
    assert "post/turkey-vali" not in ids
    assert "body/undp" not in ids


def test_every_rule_and_proposal_node_has_its_generated_or_given_english_label(
    layout: Layout, data: Graph
) -> None:
    unlabelled, drifted = [], []
    for path in layout.data_files():
        if not is_source_file(path):
            continue
        graph = Graph().parse(path, format="turtle")
        for kind in [*RULE_CLASSES, KZ.Proposal]:
            for node in graph.subjects(RDF.type, kind):
                assert isinstance(node, URIRef)
                english = [
                    str(o)
                    for o in data.objects(node, RDFS.label)
                    if isinstance(o, Literal) and o.language == "en"
                ]
                if not english:
                    unlabelled.append(node)
                    continue
                generated = [e for e in english if e.endswith(f", {path.stem})")]
                expected = (
                    proposal_label(data, graph, node, path.stem)
                    if kind == KZ.Proposal
                    else rule_label(data, graph, node, path.stem)
                )
                if generated and generated != [expected]:
                    drifted.append((node, generated, expected))
    assert unlabelled == []
    assert drifted == [], "rerun tools/write_names.py"


def test_rule_label_names_post_and_appointer(layout: Layout, data: Graph) -> None:
    graph = Graph().parse(layout.data_dir / "reforms-article-2022.ttl", format="turtle")
    rule = URIRef(KZID + "rule/reforms-article-2022/oblast-akim-appointment")
    assert (
        rule_label(data, graph, rule, "reforms-article-2022")
        == "appointment of akim of an oblast by President of Kazakhstan (rule, reforms-article-2022)"
    )


def test_official_names_come_from_the_names_csv_with_their_evidence(registry: Graph) -> None:
    with NAMES_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        entity = URIRef(KZID + row["local_id"])
        for language in ("ru", "kk"):
            if row[language].strip():
                assert Literal(row[language].strip(), lang=language) in set(
                    registry.objects(entity, RDFS.label)
                ), (entity, language)
        if row["ru"].strip() or row["kk"].strip():
            assert registry.value(entity, KZ.nameEvidence) == Literal(row["evidence"])
    russian = {
        o for o in registry.objects(None, RDFS.label) if getattr(o, "language", None) == "ru"
    }
    in_csv = {Literal(r["ru"].strip(), lang="ru") for r in rows if r["ru"].strip()}
    # The regions' names come from the gazetteer file beside it (issue 11).
    with WHOSONFIRST_CSV.open(encoding="utf-8") as handle:
        in_gazetteer = {
            Literal(name, lang="ru")
            for r in csv.DictReader(handle)
            for name in [r["name_ru"], *r["name_ru_variants"].split("|")]
            if name
        }
    assert russian <= in_csv | in_gazetteer, "every Russian name comes from ../shared/links"
    assert in_csv <= russian


def test_acts_with_an_adilet_code_link_to_their_document(built_dataset: Dataset) -> None:
    links = built_dataset.graph(LINKS_GRAPH)
    with NAMES_CSV.open(encoding="utf-8") as handle:
        coded = {r["local_id"]: r["adilet"] for r in csv.DictReader(handle) if r["adilet"]}
    assert len(coded) == 5
    for local_id, code in coded.items():
        act = URIRef(KZID + local_id)
        assert links.value(act, KZ.adiletCode) == Literal(code)
        assert URIRef(f"https://adilet.zan.kz/rus/docs/{code}") in set(
            links.objects(act, RDFS.seeAlso)
        )


def test_every_registry_entity_not_deprecated_is_stated_by_a_source(
    layout: Layout, registry: Graph
) -> None:
    stated: set[object] = set()
    for path in layout.data_files():
        if is_source_file(path):
            for s, _p, o in Graph().parse(path, format="turtle"):
                stated |= {s, o}
    # The regions of today and the akim post of each territory are identity from
    # ../shared/links (issue 11), not a source's claim.
    from_links = set(registry.subjects(RDF.type, KZ.Oblast)) | set(
        registry.subjects(KZ.territorialCaseOf, None)
    )
    unstated = [
        s
        for s in set(registry.subjects(RDF.type, None))
        if s not in stated
        and s not in from_links
        and (s, OWL.deprecated, Literal(True)) not in registry
    ]
    assert unstated == []


def test_the_kurultai_is_not_typed_a_consultative_body(built_dataset: Dataset) -> None:
    kurultai = URIRef(KZID + "body/kazakh-tribal-kurultai")
    assert (kurultai, RDF.type, KZ.ConsultativeBody, REGISTRY_GRAPH) not in built_dataset
    assert not any(built_dataset.quads((kurultai, RDF.type, KZ.ConsultativeBody, None)))


def test_no_in_force_rule_quotes_the_passage_of_a_proposal(layout: Layout) -> None:
    for path in layout.data_files():
        if not is_source_file(path):
            continue
        graph = Graph().parse(path, format="turtle")
        proposal_quotes = {
            str(q)
            for p in graph.subjects(RDF.type, KZ.Proposal)
            for q in graph.objects(p, KZ.sourcePassage)
        }
        proposed = set(graph.objects(None, KZ.proposedRule))
        # An unknown-filling rule states only that the post exists, which a proposal
        # that names the post does show.
        for kind in set(RULE_CLASSES) - {KZ.UnknownFillingRule}:
            for rule in graph.subjects(RDF.type, kind):
                if rule in proposed:
                    continue
                for quote in graph.objects(rule, KZ.sourcePassage):
                    assert not any(str(quote) in q for q in proposal_quotes), (
                        path.name,
                        rule,
                        quote,
                    )


# -- Search across scripts -------------------------------------------------------------------


def search_iris(server: LiveServer, text: str) -> list[str]:
    response = send(
        "GET", server.base_url + "/search?" + urllib.parse.urlencode({"q": text, "format": "json"})
    )
    assert response.status == 200, response.text
    return [str(r["iri"]) for r in json.loads(response.body)["results"]]


@pytest.mark.parametrize("text", ["Tokayev", "Токаев", "Тоқаев"])
def test_search_finds_tokayev_in_latin_russian_and_kazakh_spelling(
    live_server: LiveServer, text: str
) -> None:
    assert KZID + "person/kassym-jomart-tokayev" in search_iris(live_server, text)


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("аким области", "post/oblast-akim"),
        ("Сенат", "body/senate"),
        ("Senat", "body/senate"),
        ("аким", "post/akim"),
        ("akim oblasti", "post/oblast-akim"),
    ],
)
def test_search_finds_russian_names_and_their_transliterations(
    live_server: LiveServer, text: str, entity: str
) -> None:
    assert KZID + entity in search_iris(live_server, text)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Сенат", "body/senate"),
        ("Senat", "body/senate"),
        ("Senate", "body/senate"),
        ("Сенат төрағасы", "post/senate-chair"),
        ("аким", "post/akim"),
        ("Шымкент", "territory/shymkent"),
    ],
)
def test_search_lists_the_closest_name_first(
    live_server: LiveServer, text: str, first: str
) -> None:
    found = search_iris(live_server, text)
    assert found[0] == KZID + first, found[:3]


def test_search_ranks_the_senate_above_its_chair(live_server: LiveServer) -> None:
    found = search_iris(live_server, "Сенат")
    assert found.index(KZID + "body/senate") < found.index(KZID + "post/senate-chair")


def test_search_across_scripts_still_needs_every_letter(live_server: LiveServer) -> None:
    assert search_iris(live_server, "Токаевъ") == []


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Жомарт", "Kassym-Jomart Tokayev"),
        ("Jomart", "Қасым-Жомарт"),
        ("Tokayev", "Tokaev"),
        ("Shymkent", "Шымкент"),
        ("Qazaqstan", "Қазақстан"),
        ("аудан әкімі", "аудан акими"),
    ],
)
def test_search_pattern_matches_the_other_spelling(text: str, label: str) -> None:
    assert re.search(accent_pattern(text), label, re.IGNORECASE)


@pytest.mark.parametrize(("text", "label"), [("Токаев", "Tokarev"), ("Сенат", "Sent")])
def test_search_pattern_does_not_match_another_word(text: str, label: str) -> None:
    assert not re.search(accent_pattern(text), label, re.IGNORECASE)


def test_a_label_in_the_other_script_ranks_as_an_exact_match() -> None:
    assert rank_of("Senat", [Literal("Сенат", lang="ru")]) == 0
    assert rank_of("аким", [Literal("akim of an oblast", lang="en")]) == 1
    assert rank_of("Tokayev", [Literal("Kassym-Jomart Tokayev", lang="en")]) == 2
    assert rank_of("okay", [Literal("Kassym-Jomart Tokayev", lang="en")]) == 3
