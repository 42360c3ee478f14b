"""The linked-data pages, named queries, dumps, VoID, search and health, over real HTTP.

Every test talks to the live server (`kzgov serve` on the real build) and reads the
answers back as what they claim to be: RDF parsed with rdflib, JSON parsed, HTML
parsed into its elements.
"""

from __future__ import annotations

import json
import urllib.parse
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD
from rdflib.term import Node

from conftest import HttpResponse, LiveServer, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import (
    ASSERTED_GRAPH,
    BASE,
    INFERRED_GRAPH,
    JSONLD_CONTEXT,
    KZ,
    KZG,
    KZID,
    ONTOLOGY_GRAPH,
)
from kzgov.core.queries import list_named_queries
from kzgov.core.release import DATASET_NQUADS
from kzgov.store.base import read_summary

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
RDF_SYNTAXES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
DUMP_TO_SYNTAX = {
    "kzgov.trig": ("application/trig", "trig"),
    "kzgov.nq": ("application/n-quads", "nquads"),
    "kzgov.ttl": ("text/turtle", "turtle"),
}
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")


class Elements(HTMLParser):
    """The elements of an HTML page: tag, attributes and the text inside each."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[tuple[str, dict[str, str], list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = (tag, {k: v or "" for k, v in attrs}, [])
        self.found.append(element)
        if tag not in ("br", "img", "input", "link", "meta"):
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data: str) -> None:
        for _tag, _attrs, text in self.open:
            text.append(data)

    def with_class(self, name: str) -> list[tuple[str, dict[str, str], str]]:
        """The elements with a class, and their text."""
        return [
            (tag, attrs, " ".join("".join(text).split()))
            for tag, attrs, text in self.found
            if name in attrs.get("class", "").split()
        ]

    def by_id(self, identifier: str) -> list[str]:
        """The tags of the elements with an id."""
        return [tag for tag, attrs, _text in self.found if attrs.get("id") == identifier]

    def links(self) -> set[str]:
        """The targets of the page's links."""
        return {href for href, _text in self.link_texts()}

    def link_texts(self) -> list[tuple[str, str]]:
        """Each link's target and its text."""
        return [
            (attrs["href"], " ".join("".join(text).split()))
            for tag, attrs, text in self.found
            if tag == "a" and "href" in attrs
        ]

    def text(self) -> str:
        """All the text of the page (the text inside its first element, <html>)."""
        return " ".join("".join(self.found[0][2]).split()) if self.found else ""


def get(server: LiveServer, path: str, headers: dict[str, str] | None = None) -> HttpResponse:
    """GET a path of the live server."""
    return send("GET", server.base_url + path, headers=headers or {})


def page(server: LiveServer, path: str) -> tuple[HttpResponse, Elements]:
    """GET a path as a browser does; the response and its HTML elements."""
    response = get(server, path, BROWSER)
    assert response.media_type == "text/html", response.text[:500]
    return response, Elements(response.text)


@contextmanager
def rdflib_deprecations_ignored() -> Iterator[None]:
    """Silence the DeprecationWarnings rdflib 7.6 raises from inside its own parsers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def parse_rdf(response: HttpResponse, server: LiveServer | None = None) -> Graph:
    """An RDF response parsed in the syntax its media type names.

    JSON-LD that names kzgov's published context gets it from the server's
    /context.jsonld, as a client's document loader would from the context's IRI.
    """
    graph = Graph()
    body: bytes | str = response.body
    if response.media_type == "application/ld+json":
        document = json.loads(response.body)
        if isinstance(document, dict) and document.get("@context") == str(JSONLD_CONTEXT):
            assert server is not None, "JSON-LD with kzgov's context needs the server"
            document["@context"] = json.loads(get(server, "/context.jsonld").body)["@context"]
            body = json.dumps(document)
    with rdflib_deprecations_ignored():
        graph.parse(data=body, format=RDF_SYNTAXES[response.media_type])
    return graph


Triple = tuple[Node, Node, Node]


@dataclass
class Build:
    """The statements of the served build, graph by graph, read from its N-Quads dump.

    Attributes:
        graphs: the triples of each named graph.
    """

    graphs: dict[URIRef, set[Triple]] = field(default_factory=lambda: defaultdict(set))

    @property
    def union(self) -> set[Triple]:
        """Every triple of every graph."""
        return set().union(*self.graphs.values())

    def holders(self, triple: Triple) -> set[URIRef]:
        """The graphs a triple sits in."""
        return {name for name, triples in self.graphs.items() if triple in triples}

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """The objects of a subject and predicate, in any graph, sorted."""
        return sorted({o for s, p, o in self.union if s == subject and p == predicate}, key=str)

    def subjects(self, predicate: Node, obj: Node) -> list[Node]:
        """The subjects of a predicate and object, in any graph, sorted."""
        return sorted({s for s, p, o in self.union if p == predicate and o == obj}, key=str)

    @property
    def source_graphs(self) -> dict[URIRef, URIRef]:
        """The source document of each source graph (a kz:SourceGraph derived from it)."""
        union = self.union
        return {
            s: o  # type: ignore[misc]
            for s, p, o in union
            if p == PROV.wasDerivedFrom
            and (s, RDF.type, KZ.SourceGraph) in union
            and isinstance(o, URIRef)
        }


@pytest.fixture(scope="session")
def served_build(real_build: BuildResult) -> Build:
    """The statements of the build the live server serves."""
    dataset = Dataset()
    with rdflib_deprecations_ignored():
        dataset.parse(real_build.release_dir / DATASET_NQUADS, format="nquads")
    build = Build()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        if isinstance(name, URIRef) and str(name).startswith(str(KZG)):
            build.graphs[name].add((s, p, o))
    return build


def path_of(iri: Node) -> str:
    """The local path an IRI under the base dereferences to."""
    return "/" + str(iri)[len(BASE) :]


def english_label(build: Build, iri: Node) -> str:
    """An entity's English label in the build."""
    for label in build.objects(iri, RDFS.label):
        if isinstance(label, Literal) and label.language == "en":
            return str(label)
    raise AssertionError(f"{iri} has no English label")


def labelled_entity(build: Build, language: str) -> tuple[URIRef, Literal, URIRef]:
    """An instance a source names in a language: (entity, label, source graph)."""
    for graph in sorted(build.source_graphs):
        for s, p, o in sorted(build.graphs[graph], key=str):
            if (
                p == RDFS.label
                and isinstance(s, URIRef)
                and str(s).startswith(str(KZID))
                and isinstance(o, Literal)
                and o.language == language
            ):
                return s, o, graph
    raise AssertionError(f"no instance has a label in {language!r} from a source")


def statements_of(build: Build, iri: URIRef) -> set[Triple]:
    """The statements with an entity as subject and no blank node, in any graph."""
    return {t for t in build.union if t[0] == iri and not isinstance(t[2], BNode)}


def only_inferred(build: Build) -> Triple:
    """A statement about an instance, between IRIs, that only the inferred graph holds."""
    for s, p, o in sorted(build.graphs[INFERRED_GRAPH], key=str):
        if not (isinstance(s, URIRef) and isinstance(o, URIRef) and str(s).startswith(str(KZID))):
            continue
        if p != RDF.type and build.holders((s, p, o)) == {INFERRED_GRAPH}:
            return s, p, o
    raise AssertionError("no statement between instances is only inferred")


@pytest.fixture(scope="session")
def kazakh(served_build: Build) -> tuple[URIRef, Literal, URIRef]:
    """An entity a source names in Kazakh."""
    return labelled_entity(served_build, "kk")


@pytest.fixture(scope="session")
def turkish(served_build: Build) -> tuple[URIRef, Literal, URIRef]:
    """An entity a source names in Turkish."""
    return labelled_entity(served_build, "tr")


# -- Entity pages -----------------------------------------------------------------------


def test_entity_page_shows_every_label_with_its_language_tag(
    live_server: LiveServer, served_build: Build, kazakh: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, _label, _graph = kazakh
    response, html = page(live_server, path_of(entity))
    assert response.status == 200
    names = html.text()
    for label in served_build.objects(entity, RDFS.label):
        assert isinstance(label, Literal)
        assert str(label) in names
    tags = {text for _tag, _attrs, text in html.with_class("lang")}
    languages = {lit.language for lit in served_build.objects(entity, RDFS.label)}  # type: ignore[union-attr]
    assert languages <= tags


def test_entity_page_names_the_source_of_each_statement(
    live_server: LiveServer, served_build: Build, kazakh: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, _label, graph = kazakh
    source = served_build.source_graphs[graph]
    _response, html = page(live_server, path_of(entity))
    sources = {(attrs["href"], text) for _tag, attrs, text in html.with_class("source")}
    assert (path_of(source), english_label(served_build, source)) in sources


def test_entity_page_links_internal_iris_to_their_pages(
    live_server: LiveServer, served_build: Build, kazakh: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, _label, _graph = kazakh
    _response, html = page(live_server, path_of(entity))
    linked = html.links()
    for _s, _p, value in statements_of(served_build, entity):
        if isinstance(value, URIRef) and str(value).startswith(str(KZID)):
            assert path_of(value) in linked


def test_entity_page_marks_statements_that_are_only_inferred(
    live_server: LiveServer, served_build: Build
) -> None:
    subject, _predicate, value = only_inferred(served_build)
    _response, html = page(live_server, path_of(subject))
    inferred_rows = [attrs for tag, attrs, _text in html.with_class("inferred") if tag == "tr"]
    assert inferred_rows, "no row is marked inferred"
    assert path_of(value) in html.links()


def test_outside_properties_are_named_by_their_own_vocabularys_label(
    live_server: LiveServer, served_build: Build
) -> None:
    """skos:exactMatch, wdt:P1566 ... head their groups by the label their vocabulary gives."""
    country = KZID["territory/kazakhstan"]
    stated = {p for s, p, _o in served_build.union if s == country}
    shown = {
        SKOS.exactMatch: "has exact match",
        URIRef("http://www.wikidata.org/prop/direct/P1566"): "GeoNames ID",
        URIRef("http://www.wikidata.org/prop/direct/P297"): "ISO 3166-1 alpha-2 code",
    }
    assert set(shown) <= stated
    _response, html = page(live_server, path_of(country))
    relations = {text for _tag, _attrs, text in html.with_class("relation")}
    assert set(shown.values()) <= relations
    assert not any(":" in relation for relation in relations), relations


def test_rule_nodes_have_pages_of_their_own(live_server: LiveServer, served_build: Build) -> None:
    rules = sorted(
        s for s in served_build.subjects(RDF.type, KZ.AppointmentRule) if isinstance(s, URIRef)
    )
    assert rules, "the build has no appointment rule"
    response, html = page(live_server, path_of(rules[0]))
    assert response.status == 200
    appointers = served_build.objects(rules[0], KZ.appointer)
    assert appointers
    appointer = appointers[0]
    assert path_of(appointer) in html.links()


@pytest.mark.parametrize("media_type", sorted(RDF_SYNTAXES))
def test_entity_in_each_rdf_syntax_holds_its_statements(
    live_server: LiveServer,
    served_build: Build,
    kazakh: tuple[URIRef, Literal, URIRef],
    media_type: str,
) -> None:
    entity, _label, _graph = kazakh
    response = get(live_server, path_of(entity), {"Accept": media_type})
    assert response.status == 200
    assert response.media_type == media_type
    assert "Accept" in (response.header("Vary") or "")
    graph = parse_rdf(response, live_server)
    missing = statements_of(served_build, entity) - set(graph)  # type: ignore[operator]
    assert not missing


def test_format_parameter_chooses_the_syntax_over_accept(
    live_server: LiveServer, kazakh: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, label, _graph = kazakh
    response = get(live_server, path_of(entity) + "?format=turtle", BROWSER)
    assert response.media_type == "text/turtle"
    assert (entity, RDFS.label, label) in parse_rdf(response)


def test_unknown_iri_is_404_with_a_page_for_browsers(live_server: LiveServer) -> None:
    response, html = page(live_server, "/id/post/no-such-post")
    assert response.status == 404
    assert any("no-such-post" in text for _tag, _attrs, text in html.with_class("problem"))


def test_unknown_iri_is_404_in_plain_text_for_rdf_clients(live_server: LiveServer) -> None:
    response = get(live_server, "/id/post/no-such-post", {"Accept": "text/turtle"})
    assert response.status == 404
    assert response.media_type == "text/plain"
    assert "no-such-post" in response.text


def test_path_outside_every_kind_is_404(live_server: LiveServer) -> None:
    assert get(live_server, "/no/such/thing", BROWSER).status == 404


def test_iri_that_cannot_be_a_query_term_is_404_not_an_error(live_server: LiveServer) -> None:
    response = get(live_server, "/id/post/" + urllib.parse.quote('x> } ; DROP "'), BROWSER)
    assert response.status == 404


# -- Ontology, shapes, graphs -------------------------------------------------------------


def test_ontology_document_has_an_anchor_for_each_class(
    live_server: LiveServer, served_build: Build
) -> None:
    _response, html = page(live_server, "/ontology")
    ontology = served_build.graphs[ONTOLOGY_GRAPH]
    classes = [
        s for s, p, o in ontology if p == RDF.type and o == OWL.Class and str(s).startswith(str(KZ))
    ]
    assert classes
    for term in classes:
        assert html.by_id(str(term)[len(str(KZ)) :]), f"no anchor for {term}"


def test_ontology_term_has_its_own_page(live_server: LiveServer) -> None:
    response, html = page(live_server, "/ontology/Post")
    assert response.status == 200
    assert "https://w3id.org/kzgov/ontology#Post" in html.text()


def test_ontology_document_as_turtle_is_the_ontology_graph(
    live_server: LiveServer, served_build: Build
) -> None:
    graph = parse_rdf(get(live_server, "/ontology", {"Accept": "text/turtle"}))
    assert len(graph) == len(served_build.graphs[ONTOLOGY_GRAPH])
    assert (KZ.Post, RDF.type, OWL.Class) in graph


def test_source_graph_serves_its_triples(live_server: LiveServer, served_build: Build) -> None:
    graph_iri = sorted(served_build.source_graphs)[0]
    response = get(live_server, path_of(graph_iri), {"Accept": "application/n-triples"})
    served = parse_rdf(response)
    stored = served_build.graphs[graph_iri]
    assert len(served) == len(stored)
    assert {t for t in stored if not any(isinstance(x, BNode) for x in t)} <= set(served)


def test_source_graph_page_names_its_source(live_server: LiveServer, served_build: Build) -> None:
    graph_iri, source = sorted(served_build.source_graphs.items())[0]
    _response, html = page(live_server, path_of(graph_iri))
    assert path_of(source) in html.links()


def test_unknown_graph_is_404(live_server: LiveServer) -> None:
    assert get(live_server, "/graph/no-such-graph", BROWSER).status == 404


def test_shapes_parse_and_have_anchors(live_server: LiveServer) -> None:
    graph = parse_rdf(get(live_server, "/shapes", {"Accept": "text/turtle"}))
    node_shapes = sorted(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    assert node_shapes
    _response, html = page(live_server, "/shapes")
    for shape in node_shapes:
        assert html.by_id(str(shape).split("#")[-1])


# -- Named queries ----------------------------------------------------------------------


def test_queries_page_lists_every_named_query(live_server: LiveServer, real_layout: Layout) -> None:
    _response, html = page(live_server, "/queries")
    links = html.link_texts()
    for query in list_named_queries(real_layout.queries_dir):
        assert (f"/queries/{query.name}", query.title) in links
        assert query.description.split()[0] in html.text()


def test_named_query_runs_as_sparql_json(live_server: LiveServer) -> None:
    response = get(
        live_server,
        "/queries/labels-in-every-language",
        {"Accept": "application/sparql-results+json"},
    )
    assert response.status == 200
    document = json.loads(response.body)
    assert document["head"]["vars"] == ["label", "language", "from"]
    assert document["results"]["bindings"]


def test_named_query_takes_a_parameter_from_the_query_string(
    live_server: LiveServer, kazakh: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, label, _graph = kazakh
    parameter = urllib.parse.urlencode({"entity": f"<{entity}>", "format": "json"})
    document = json.loads(get(live_server, f"/queries/labels-in-every-language?{parameter}").body)
    labels = {
        (b["label"]["value"], b["language"]["value"]) for b in document["results"]["bindings"]
    }
    assert (str(label), "kk") in labels


def test_named_query_as_html_is_a_table_with_an_editor_link(live_server: LiveServer) -> None:
    response, html = page(live_server, "/queries/labels-in-every-language")
    assert response.status == 200
    assert html.with_class("results")
    assert any(href.startswith("/?query=") for href in html.links())


def test_named_query_in_csv_by_format(live_server: LiveServer) -> None:
    response = get(live_server, "/queries/labels-in-every-language?format=csv")
    assert response.media_type == "text/csv"
    assert response.text.splitlines()[0].strip() == "label,language,from"


def test_named_query_with_an_unknown_parameter_is_400(live_server: LiveServer) -> None:
    response = get(
        live_server, "/queries/labels-in-every-language?colour=red", {"Accept": "text/plain"}
    )
    assert response.status == 400
    assert "colour" in response.text


def test_named_query_with_a_value_that_is_not_one_term_is_400(live_server: LiveServer) -> None:
    value = urllib.parse.quote("<x> } ?s ?p ?o {")
    response = get(
        live_server, f"/queries/labels-in-every-language?entity={value}", {"Accept": "text/plain"}
    )
    assert response.status == 400
    assert "entity" in response.text


def test_unknown_named_query_is_404(live_server: LiveServer) -> None:
    assert get(live_server, "/queries/no-such-query", BROWSER).status == 404


# -- Dumps and VoID -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DUMP_TO_SYNTAX))
def test_dump_has_its_media_type_and_parses(
    live_server: LiveServer, real_layout: Layout, served_build: Build, name: str
) -> None:
    media_type, syntax = DUMP_TO_SYNTAX[name]
    response = get(live_server, f"/dumps/{name}")
    assert response.status == 200
    assert response.media_type == media_type
    assert f"filename={name}" in (response.header("Content-Disposition") or "")
    assert "attachment" in (response.header("Content-Disposition") or "")
    triples = read_summary(real_layout)["triples"]
    assert isinstance(triples, dict)
    if syntax == "turtle":
        union = Graph()
        union.parse(data=response.body, format=syntax)
        assert len(union) == len(served_build.union)
        return
    dataset = Dataset()
    with rdflib_deprecations_ignored():
        dataset.parse(data=response.body, format=syntax)
    assert sum(1 for _ in dataset.quads((None, None, None, None))) == triples["total"]


def test_unknown_dump_is_404(live_server: LiveServer) -> None:
    assert get(live_server, "/dumps/passwords.txt").status == 404


@pytest.fixture(scope="module")
def void(live_server: LiveServer) -> Graph:
    """The VoID description, as served by default."""
    response = get(live_server, "/.well-known/void")
    assert response.status == 200
    assert response.media_type == "text/turtle"
    return parse_rdf(response)


def dataset_of(void: Graph) -> URIRef:
    """The void:Dataset that has a SPARQL endpoint."""
    found = [d for d in void.subjects(VOID.sparqlEndpoint, None) if isinstance(d, URIRef)]
    assert len(found) == 1
    return found[0]


def test_void_counts_the_triples_of_the_build(void: Graph, real_layout: Layout) -> None:
    summary = read_summary(real_layout)
    triples = summary["triples"]
    assert isinstance(triples, dict)
    dataset = dataset_of(void)
    assert void.value(dataset, VOID.triples).toPython() == triples["total"]  # type: ignore[union-attr]
    # The named graphs partition the dataset; the linksets are subsets of it too.
    subsets = [
        s for s in void.objects(dataset, VOID.subset) if (s, RDF.type, VOID.Linkset) not in void
    ]
    assert sum(void.value(s, VOID.triples).toPython() for s in subsets) == triples["total"]  # type: ignore[union-attr]


def test_void_gives_each_source_graph_its_source(void: Graph, served_build: Build) -> None:
    dataset = dataset_of(void)
    for graph_iri, source in served_build.source_graphs.items():
        assert (dataset, VOID.subset, graph_iri) in void
        assert (graph_iri, DCTERMS.source, source) in void
        assert (dataset, DCTERMS.source, source) in void


def test_void_counts_classes_subjects_and_names_its_vocabularies(
    void: Graph, real_layout: Layout, served_build: Build
) -> None:
    dataset = dataset_of(void)
    classes = read_summary(real_layout)["classes"]
    assert isinstance(classes, dict)
    partitions = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()  # type: ignore[union-attr]
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert partitions == {URIRef(c): n for c, n in classes.items()}
    subjects = void.value(dataset, VOID.distinctSubjects)
    assert isinstance(subjects, Literal) and subjects.datatype == XSD.integer
    assert subjects.toPython() == len({s for s, _p, _o in served_build.union})
    vocabularies = set(void.objects(dataset, VOID.vocabulary))
    assert {URIRef(str(KZ)), URIRef(str(RDFS)), URIRef(str(PROV))} <= vocabularies


def test_void_lists_dumps_endpoint_and_licence(void: Graph) -> None:
    dataset = dataset_of(void)
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert (dataset, DCTERMS.license, LICENCE) in void
    dumps = {str(d).rsplit("/", 1)[-1] for d in void.objects(dataset, VOID.dataDump)}
    assert dumps == set(DUMP_TO_SYNTAX)
    media_types = {
        str(void.value(d, DCTERMS["format"]))
        for d in void.objects(dataset, DCAT.distribution)
        if void.value(d, DCAT.downloadURL) is not None
    }
    assert media_types == {media_type for media_type, _syntax in DUMP_TO_SYNTAX.values()}


def test_void_in_json_ld_by_accept(live_server: LiveServer, void: Graph) -> None:
    response = get(live_server, "/.well-known/void", {"Accept": "application/ld+json"})
    assert response.media_type == "application/ld+json"
    graph = parse_rdf(response)
    assert len(graph) == len(void)


# -- Search -----------------------------------------------------------------------------------


def search_json(server: LiveServer, text: str) -> list[dict[str, object]]:
    """The JSON search results for a text."""
    response = get(server, "/search?" + urllib.parse.urlencode({"q": text, "format": "json"}))
    assert response.status == 200, response.text
    results: list[dict[str, object]] = json.loads(response.body)["results"]
    return results


def test_search_finds_an_entity_by_its_kazakh_label(
    live_server: LiveServer, kazakh: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, label, _graph = kazakh
    found = [r["iri"] for r in search_json(live_server, str(label).upper())]
    assert str(entity) in found


def test_search_finds_an_entity_by_its_turkish_label_without_accents(
    live_server: LiveServer, turkish: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, label, _graph = turkish
    plain = str(label).translate(str.maketrans("çğıöşüÇĞİÖŞÜâî", "cgiosuCGIOSUai"))
    found = [r["iri"] for r in search_json(live_server, plain)]
    assert str(entity) in found


def test_search_page_links_each_hit_to_its_page(
    live_server: LiveServer, turkish: tuple[URIRef, Literal, URIRef]
) -> None:
    entity, label, _graph = turkish
    _response, html = page(live_server, "/search?" + urllib.parse.urlencode({"q": str(label)}))
    assert path_of(entity) in {attrs["href"] for _tag, attrs, _text in html.with_class("hit")}


@pytest.mark.parametrize("text", ['akim" } ; ?s ?p ?o . FILTER("', "\\u0022) }", "a\\", "[(*+"])
def test_search_text_cannot_break_out_of_its_string(live_server: LiveServer, text: str) -> None:
    assert search_json(live_server, text) == []


def test_search_for_one_letter_is_refused_with_a_reason(live_server: LiveServer) -> None:
    response = get(live_server, "/search?q=a&format=json")
    assert response.status == 400
    assert "characters" in response.text


# -- Home page, editor, health ----------------------------------------------------------------


def test_home_page_lists_the_sources_and_the_named_queries(
    live_server: LiveServer, served_build: Build, real_layout: Layout
) -> None:
    _response, html = page(live_server, "/")
    sources = {attrs["href"] for _tag, attrs, _text in html.with_class("source")}
    assert {path_of(s) for s in served_build.source_graphs.values()} <= sources
    examples = {attrs.get("data-name") for _tag, attrs, _text in html.with_class("example")}
    assert examples == {q.name for q in list_named_queries(real_layout.queries_dir)}


def test_home_page_says_how_to_query_stated_triples_only(live_server: LiveServer) -> None:
    _response, html = page(live_server, "/")
    assert f"FROM <{ASSERTED_GRAPH}>" in html.text()


def test_home_page_runs_a_query_from_its_link(live_server: LiveServer, served_build: Build) -> None:
    query = "SELECT ?post WHERE { ?post a kz:Post } ORDER BY ?post"
    response, html = page(live_server, "/?" + urllib.parse.urlencode({"query": query}))
    assert response.status == 200
    posts = {path_of(p) for p in served_build.subjects(RDF.type, KZ.Post) if isinstance(p, URIRef)}
    assert posts <= html.links()
    downloads = [h for h in html.links() if h.startswith("/sparql?")]
    assert any("format=csv" in h for h in downloads)
    textarea = [text for tag, attrs, text in html.found if tag == "textarea"]
    assert textarea and "".join(textarea[0]).strip() == query


def test_home_page_download_link_gives_the_query_in_that_format(live_server: LiveServer) -> None:
    query = "SELECT ?post WHERE { ?post a kz:Post } LIMIT 3"
    _response, html = page(live_server, "/?" + urllib.parse.urlencode({"query": query}))
    csv_link = next(h for h in html.links() if h.startswith("/sparql?") and "format=csv" in h)
    response = get(live_server, csv_link.replace("&amp;", "&"))
    assert response.media_type == "text/csv"
    assert response.text.splitlines()[0].strip() == "post"


def test_home_page_shows_a_syntax_error_with_its_position(live_server: LiveServer) -> None:
    response, html = page(
        live_server, "/?" + urllib.parse.urlencode({"query": "SELECT ?x WHERE { ?x"})
    )
    assert response.status == 400
    problems = [text for _tag, _attrs, text in html.with_class("problem")]
    assert problems and "line" in problems[0]


def test_healthz_reports_the_build(live_server: LiveServer, real_layout: Layout) -> None:
    response = get(live_server, "/healthz")
    assert response.status == 200
    report = json.loads(response.body)
    summary = read_summary(real_layout)
    assert report["status"] == "ok"
    assert report["build_version"] == summary["build_version"]
    assert report["built_at"] == summary["built_at"]
    assert report["triples"] == summary["triples"]
    assert {s["graph"] for s in report["sources"]} == set(summary["sources"])  # type: ignore[arg-type]
