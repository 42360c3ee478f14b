"""The void:Linkset of each outside dataset kzgov links to (https://www.w3.org/TR/void/#linksets).

One linkset per target dataset and link property, counted from the asserted graphs
(inferred copies aside): Wikidata entities, GeoNames features, ISO 3166-2 codes, Who's
On First places and Adilet documents, as far as the build links to them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from kzgov.core.namespaces import DATASET, INFERRED_GRAPH, KZ, KZID, VOID, WD, WDT
from kzgov.web.lookup import Executor, select


@dataclass(frozen=True)
class Target:
    """An outside dataset kzgov links to.

    Attributes:
        key: a short name.
        title: its name.
        homepage: its home page.
        uri_space: the start of its entity IRIs, or None where kzgov links by code.
        code_properties: the properties whose literal values are its codes.
    """

    key: str
    title: str
    homepage: str
    uri_space: str | None
    code_properties: tuple[URIRef, ...] = ()


TARGETS = (
    Target("wikidata", "Wikidata", "https://www.wikidata.org/", str(WD)),
    Target(
        "geonames",
        "GeoNames",
        "https://www.geonames.org/",
        "https://sws.geonames.org/",
        (WDT.P1566,),
    ),
    Target(
        "iso3166-2",
        "ISO 3166-2 subdivision codes",
        "https://www.iso.org/iso-3166-country-codes.html",
        None,
        (WDT.P300, KZ.formerIso3166Code),
    ),
    Target(
        "whosonfirst",
        "Who's On First",
        "https://whosonfirst.org/",
        "https://spelunker.whosonfirst.org/id/",
    ),
    Target(
        "adilet",
        "Adilet legal information system",
        "https://adilet.zan.kz/",
        "https://adilet.zan.kz/",
    ),
)


@dataclass(frozen=True)
class Linkset:
    """Links from kzgov to one target dataset by one property.

    Attributes:
        target: the outside dataset.
        predicate: the link property.
        triples: how many links.
    """

    target: Target
    predicate: URIRef
    triples: int


def links_query() -> str:
    """The SELECT of every asserted statement from a kzgov entity to a target dataset."""
    spaces = " || ".join(
        f'STRSTARTS(STR(?o), "{t.uri_space}")' for t in TARGETS if t.uri_space is not None
    )
    codes = ", ".join(f"<{p}>" for t in TARGETS for p in t.code_properties)
    return (
        "SELECT DISTINCT ?s ?p ?o WHERE {\n"
        "  GRAPH ?g { ?s ?p ?o }\n"
        f'  FILTER(?g != <{INFERRED_GRAPH}> && STRSTARTS(STR(?s), "{KZID}"))\n'
        f"  FILTER((isIRI(?o) && ({spaces})) || ?p IN ({codes}))\n"
        "}"
    )


def gather_linksets(executor: Executor) -> list[Linkset]:
    """Count the links to each target dataset, by link property.

    Args:
        executor: the query executor.

    Returns:
        One linkset per (target, property) with at least one link, in a stable order.

    Raises:
        KzgovError: the executor refused or stopped the query.
    """
    counts: Counter[tuple[str, URIRef]] = Counter()
    for row in select(executor, links_query()):
        predicate, value = row.get("p"), row.get("o")
        if not isinstance(predicate, URIRef) or value is None:
            continue
        for target in TARGETS:
            by_iri = (
                isinstance(value, URIRef)
                and target.uri_space is not None
                and str(value).startswith(target.uri_space)
            )
            if by_iri or predicate in target.code_properties:
                counts[(target.key, predicate)] += 1
                break
    by_key = {t.key: t for t in TARGETS}
    return [Linkset(by_key[key], predicate, n) for (key, predicate), n in sorted(counts.items())]


def add_linksets(graph: Graph, linksets: list[Linkset]) -> None:
    """Describe each linkset as a void:Linkset, a subset of the dataset."""
    targets: dict[str, BNode] = {}
    for linkset in linksets:
        target = linkset.target
        if target.key not in targets:
            node = BNode()
            targets[target.key] = node
            graph.add((node, RDF.type, VOID.Dataset))
            graph.add((node, DCTERMS.title, Literal(target.title, lang="en")))
            graph.add((node, FOAF.homepage, URIRef(target.homepage)))
            if target.uri_space is not None:
                graph.add((node, VOID.uriSpace, Literal(target.uri_space)))
        node = BNode()
        graph.add((DATASET, VOID.subset, node))
        graph.add((node, RDF.type, VOID.Linkset))
        graph.add((node, VOID.subjectsTarget, DATASET))
        graph.add((node, VOID.objectsTarget, targets[target.key]))
        graph.add((node, VOID.linkPredicate, linkset.predicate))
        graph.add((node, VOID.triples, Literal(linkset.triples, datatype=XSD.integer)))
        graph.add(
            (
                node,
                DCTERMS.title,
                Literal(f"links from kzgov to {target.title}", lang="en"),
            )
        )
