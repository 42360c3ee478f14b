"""What the pages say, over HTTP: the quotes of every conflict, and grouping classes kept out of sight.

The conflicts page shows, for both claims of every disagreement written as data
(data/conflicts.ttl), its source and the quotes of the statement the claim points at.
Grouping classes (ontology/groupings.ttl: named unions that stand for a domain or a
range) are no type badge of an entity and come after the domain classes on the home page.
"""

from __future__ import annotations

import html
import re
import urllib.parse

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from conftest import LiveServer, send
from kzgov.core.layout import PROJECT_ROOT
from kzgov.core.namespaces import BASE, KZ, KZG

BROWSER = {"Accept": "text/html"}
CONFLICTS_FILE = PROJECT_ROOT / "data" / "conflicts.ttl"
GROUPINGS_FILE = PROJECT_ROOT / "ontology" / "groupings.ttl"
SECTION = re.compile(r'<section class="conflict".*?</section>', re.DOTALL)
CLAIM = re.compile(r'<div class="claim">.*?</div>', re.DOTALL)
QUOTE = re.compile(r'<blockquote class="passage" lang="([^"]*)">(.*?)</blockquote>', re.DOTALL)


def get_html(live_server: LiveServer, path: str) -> str:
    """A page's HTML."""
    response = send("GET", live_server.base_url + path, headers=BROWSER)
    assert response.status == 200, response.text
    return response.text


def page_path(iri: URIRef) -> str:
    """The local path of an IRI under the base (https://w3id.org/kzgov/x → /x)."""
    return urllib.parse.urlsplit(str(iri)).path[len("/kzgov") :]


def claim_blocks(page: str) -> list[str]:
    """The HTML of each claim of each conflict on the conflicts page, entities unescaped."""
    return [
        html.unescape(claim)
        for section in SECTION.findall(page)
        for claim in CLAIM.findall(section)
    ]


def test_every_written_disagreement_shows_both_claims_with_their_sources_and_quotes(
    live_server: LiveServer, built_dataset: Dataset
) -> None:
    conflicts = Graph().parse(CONFLICTS_FILE, format="turtle")
    claims = [
        claim
        for disagreement in conflicts.subjects(RDF.type, KZ.Disagreement)
        for claim in conflicts.objects(disagreement, KZ.hasClaim)
    ]
    assert len(claims) >= 14
    blocks = claim_blocks(get_html(live_server, "/conflicts"))
    for claim in claims:
        value = str(conflicts.value(claim, KZ.claimValue))
        source = conflicts.value(claim, KZ.claimSource)
        statement = conflicts.value(claim, KZ.claimStatement)
        assert isinstance(source, URIRef) and isinstance(statement, URIRef)
        graph = built_dataset.graph(URIRef(KZG + str(source).rsplit("/", 1)[1]))
        passages = {p for p in graph.objects(statement, KZ.sourcePassage) if isinstance(p, Literal)}
        assert passages, f"{statement} states no quote in its source's graph"
        [block] = [b for b in blocks if value in b]
        assert f'<a class="source" href="{page_path(source)}">' in block, (claim, source)
        shown = {(lang, " ".join(text.split())) for lang, text in QUOTE.findall(block)}
        wanted = {(p.language or "", " ".join(str(p).split())) for p in passages}
        assert wanted <= shown, (claim, wanted - shown)
        assert "holds no quote" not in block, claim


def grouping_classes() -> set[URIRef]:
    """The classes ontology/groupings.ttl declares: the named unions."""
    declared = Graph().parse(GROUPINGS_FILE, format="turtle")
    found = {c for c in declared.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert KZ.PostBodyOrAct in found and len(found) >= 9
    return found


def test_no_grouping_class_is_a_type_badge_of_an_entity(
    live_server: LiveServer, built_dataset: Dataset
) -> None:
    groupings = grouping_classes()
    for path in ("/id/post/president", "/id/body/government", "/id/act/constitution-1995"):
        iri = URIRef(BASE + path[1:])
        typed = set(built_dataset.objects(iri, RDF.type))
        assert typed & groupings, f"{path} has no grouping type to hide"
        page = get_html(live_server, path)
        badges = re.search(r'<ul class="types">(.*?)</ul>', page, re.DOTALL)
        assert badges is not None, f"{path} shows no type at all"
        linked = set(re.findall(r'href="/ontology/([A-Za-z]+)', badges.group(1)))
        assert linked, path
        assert not linked & {str(c)[len(str(KZ)) :] for c in groupings}, (path, linked)


def test_the_home_page_lists_domain_classes_first_and_folds_the_groupings(
    live_server: LiveServer,
) -> None:
    groupings = {str(c)[len(str(KZ)) :] for c in grouping_classes()}
    page = get_html(live_server, "/")
    section = re.search(r'<section class="classes">(.*?)</section>', page, re.DOTALL)
    assert section is not None
    listed = re.findall(r'href="/ontology/([A-Za-z]+)"', section.group(1))
    folded = re.search(r'<details class="groupings">(.*?)</details>', section.group(1), re.DOTALL)
    assert folded is not None
    in_fold = re.findall(r'href="/ontology/([A-Za-z]+)"', folded.group(1))
    assert set(in_fold) == groupings & set(listed) and in_fold
    first_grouping = min(listed.index(name) for name in in_fold)
    assert "Post" in listed[:first_grouping] and "Body" in listed[:first_grouping]
    assert not set(listed[:first_grouping]) & groupings, "a grouping before a domain class"


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(
    live_server: LiveServer,
) -> None:
    # Without a <link rel="icon">, every browser asks for /favicon.ico, a 404 logged as a
    # console error on every page.
    for path in ("/", "/id/post/president", "/conflicts"):
        assert '<link rel="icon" href="data:,">' in get_html(live_server, path), path
