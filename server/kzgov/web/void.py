"""The VoID and DCAT description of the dataset served at /.well-known/void.

VoID: https://www.w3.org/TR/void/ (section 7 for /.well-known/void). DCAT 3:
https://www.w3.org/TR/vocab-dcat-3/. Every count comes from the build summary: the
statistics (distinct subjects, objects, properties, vocabularies) are counted by the
build (`kzgov.core.void_statistics`), so describing the dataset scans nothing. A release
built before the build counted them is described without them, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, XSD

from kzgov.core.namespaces import (
    BASE,
    DATASET,
    DUMPS,
    INFERRED_GRAPH,
    KZID,
    PREFIXES,
    SPARQL_ENDPOINT,
    VOID,
)
from kzgov.core.void_statistics import Statistics
from kzgov.web.dumps import Dump

# DCAT 3's dcat:version: rdflib's DCAT namespace (DCAT 2) lacks it and warns if asked.
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EXAMPLE_RESOURCE = URIRef(KZID["post/president"])

TITLE = "kzgov: the knowledge graph of Kazakhstan's public administration"
DESCRIPTION = (
    "An open knowledge graph of how Kazakhstan is run: posts, bodies and persons; who"
    " appoints, elects, dismisses and answers to whom; the legal acts that created or"
    " changed them; territories; reforms and their periods; figures the sources state. Every"
    " fact is attributed to one of five source documents (one named graph each); the OWL 2"
    " RL closure is kept in its own named graph."
)

OLDER_RELEASE_NOTE = (
    "This release was built by a kzgov that did not count the VoID statistics at build"
    " time: its distinct subjects, objects and properties, vocabularies and linksets are"
    " left out. Rebuild it (kzgov build) to have them."
)


def integer(value: object) -> Literal:
    """An xsd:integer literal."""
    return Literal(int(str(value)), datatype=XSD.integer)


def add_distributions(graph: Graph, dumps: Sequence[Dump]) -> None:
    """Describe each dump as a void:dataDump and a dcat:Distribution of the dataset."""
    for dump in dumps:
        url = URIRef(DUMPS[dump.name])
        graph.add((DATASET, VOID.dataDump, url))
        distribution = BNode()
        graph.add((DATASET, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(dump.name)))
        graph.add((distribution, DCTERMS.description, Literal(dump.description, lang="en")))
        graph.add((distribution, DCAT.downloadURL, url))
        graph.add((distribution, DCAT.accessURL, url))
        graph.add((distribution, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + dump.media_type)))
        graph.add((distribution, DCTERMS.format, Literal(dump.media_type)))
        graph.add(
            (distribution, DCAT.byteSize, Literal(dump.size_bytes, datatype=XSD.nonNegativeInteger))
        )
        graph.add((distribution, DCTERMS.license, LICENCE))


def add_endpoint(graph: Graph) -> None:
    """Describe the SPARQL endpoint as void:sparqlEndpoint and a dcat:DataService."""
    graph.add((DATASET, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    graph.add((SPARQL_ENDPOINT, RDF.type, DCAT.DataService))
    graph.add((SPARQL_ENDPOINT, DCTERMS.title, Literal("kzgov SPARQL 1.1 endpoint", lang="en")))
    graph.add((SPARQL_ENDPOINT, DCAT.endpointURL, SPARQL_ENDPOINT))
    graph.add((SPARQL_ENDPOINT, DCAT.servesDataset, DATASET))
    graph.add(
        (SPARQL_ENDPOINT, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/"))
    )
    service = BNode()
    graph.add((DATASET, DCAT.distribution, service))
    graph.add((service, RDF.type, DCAT.Distribution))
    graph.add((service, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    graph.add((service, DCAT.accessURL, SPARQL_ENDPOINT))
    graph.add((service, DCAT.accessService, SPARQL_ENDPOINT))


def add_graphs(
    graph: Graph,
    graph_sizes: Mapping[str, int],
    sources: Mapping[str, Mapping[str, object]],
    source_labels: Mapping[URIRef, str],
) -> None:
    """Describe each named graph as a void:subset with its triple count and source."""
    for name, size in graph_sizes.items():
        subset = URIRef(name)
        graph.add((DATASET, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, VOID.triples, integer(size)))
        source = sources.get(name, {}).get("source")
        if source:
            document = URIRef(str(source))
            graph.add((subset, DCTERMS.source, document))
            graph.add((subset, PROV.wasDerivedFrom, document))
            graph.add((DATASET, DCTERMS.source, document))
            label = source_labels.get(document)
            if label:
                graph.add((document, RDFS.label, Literal(label, lang="en")))
        if subset == INFERRED_GRAPH:
            graph.add(
                (
                    subset,
                    DCTERMS.description,
                    Literal(
                        "Triples inferred by OWL 2 RL materialization; no file states them.",
                        lang="en",
                    ),
                )
            )


def void_graph(
    summary: Mapping[str, object],
    statistics: Statistics | None,
    dumps: Sequence[Dump],
    source_labels: Mapping[URIRef, str],
) -> Graph:
    """The VoID and DCAT description of the dataset.

    Args:
        summary: the build summary (kzgov.store.base.read_summary).
        statistics: the build's VoID statistics; None for a release built without them,
            whose description then says they are left out.
        dumps: the dump files of the build.
        source_labels: the English label of each source document.

    Returns:
        The description, with kzgov's and VoID's prefixes bound.
    """
    graph = Graph()
    for prefix, namespace in {
        **PREFIXES,
        "void": VOID,
        "dcat": DCAT,
        "dcterms": DCTERMS,
        "foaf": FOAF,
        "prov": PROV,
    }.items():
        graph.bind(prefix, namespace, override=True)
    triples = summary.get("triples")
    total = triples.get("total", 0) if isinstance(triples, dict) else 0
    graph.add((DATASET, RDF.type, VOID.Dataset))
    graph.add((DATASET, RDF.type, DCAT.Dataset))
    graph.add((DATASET, DCTERMS.title, Literal(TITLE, lang="en")))
    graph.add((DATASET, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    graph.add((DATASET, DCTERMS.license, LICENCE))
    graph.add((DATASET, FOAF.homepage, URIRef(BASE)))
    graph.add((DATASET, DCAT.landingPage, URIRef(BASE)))
    graph.add((DATASET, DCAT.keyword, Literal("Kazakhstan", lang="en")))
    graph.add((DATASET, DCAT.keyword, Literal("public administration", lang="en")))
    graph.add((DATASET, DCTERMS.spatial, URIRef("http://www.wikidata.org/entity/Q232")))
    if summary.get("built_at"):
        graph.add(
            (DATASET, DCTERMS.modified, Literal(str(summary["built_at"]), datatype=XSD.dateTime))
        )
    if summary.get("build_version"):
        graph.add((DATASET, OWL.versionInfo, Literal(str(summary["build_version"]))))
        graph.add((DATASET, DCAT_VERSION, Literal(str(summary["build_version"]))))
    graph.add((DATASET, VOID.triples, integer(total)))
    if statistics is None:
        graph.add((DATASET, RDFS.comment, Literal(OLDER_RELEASE_NOTE, lang="en")))
    else:
        graph.add((DATASET, VOID.distinctSubjects, integer(statistics.distinct_subjects)))
        graph.add((DATASET, VOID.distinctObjects, integer(statistics.distinct_objects)))
        graph.add((DATASET, VOID.properties, integer(statistics.properties)))
        for vocabulary in statistics.vocabularies:
            graph.add((DATASET, VOID.vocabulary, URIRef(vocabulary)))
    graph.add((DATASET, VOID.uriSpace, Literal(str(KZID))))
    graph.add((DATASET, VOID.exampleResource, EXAMPLE_RESOURCE))
    graph.add((DATASET, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    graph.add((DATASET, VOID.feature, URIRef("http://www.w3.org/ns/formats/TriG")))
    classes = summary.get("classes")
    if isinstance(classes, dict):
        graph.add((DATASET, VOID.classes, integer(len(classes))))
        for class_iri, count in classes.items():
            partition = BNode()
            graph.add((DATASET, VOID.classPartition, partition))
            graph.add((partition, VOID["class"], URIRef(class_iri)))
            graph.add((partition, VOID.entities, integer(count)))
    graphs = summary.get("graphs")
    sources = summary.get("sources")
    add_graphs(
        graph,
        graphs if isinstance(graphs, dict) else {},
        sources if isinstance(sources, dict) else {},
        source_labels,
    )
    add_distributions(graph, dumps)
    add_endpoint(graph)
    return graph
