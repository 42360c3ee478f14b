"""The void:Linkset of each outside dataset kzgov links to (https://www.w3.org/TR/void/#linksets).

One linkset per target dataset and link property, counted by the build from the asserted
graphs (the closures aside; `kzgov.core.void_statistics` defines the targets and the
query): Wikidata entities, GeoNames features, ISO 3166-2 codes, Who's On First places
and Adilet documents, as far as the build links to them.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from kzgov.core.namespaces import DATASET, VOID
from kzgov.core.void_statistics import Linkset


def add_linksets(graph: Graph, linksets: Iterable[Linkset]) -> None:
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
