"""An entity's data with its provenance (TriG, N-Quads) and as compact JSON-LD with a published context.

The HTML page of an entity says which source states each statement: the named graph
it sits in. The TriG and N-Quads representations keep exactly that: each statement
about the entity (and each pointing at it from a named subject) in every graph that
holds it. JSON-LD is compacted with kzgov's context, published at
`<BASE>context.jsonld` (served at /context.jsonld): the prefixes every query may use
and a short term for each property of the ontology.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kzgov.core.namespaces import INFERRED_GRAPH, JSONLD_CONTEXT, KZ, ONTOLOGY_GRAPH, QUERY_PREFIXES
from kzgov.web.lookup import Executor, iri_ref, select

# The most incoming statements the data of an entity holds (as on its page).
MAX_INCOMING_QUADS = 1000
# Prefixes that name the same namespace as another one: the context keeps one name.
ALIAS_PREFIXES = frozenset({"dct"})
# Terms for the properties every entity has, besides the ontology's own.
COMMON_TERMS: dict[str, Any] = {
    "label": {"@id": str(RDFS.label)},
    "prefLabel": {"@id": str(SKOS.prefLabel)},
    "altLabel": {"@id": str(SKOS.altLabel)},
    "definition": {"@id": str(SKOS.definition)},
    "exactMatch": {"@id": str(SKOS.exactMatch), "@type": "@id"},
    "closeMatch": {"@id": str(SKOS.closeMatch), "@type": "@id"},
}


def entity_quads_query(iri: str) -> str:
    """The SELECT of an entity's statements and those pointing at it, with their graphs.

    Blank nodes the entity's stated (not inferred) statements lead to are followed two
    levels deep, and along RDF lists below that, so that an ontology term keeps its
    class expressions.
    """
    term = iri_ref(iri)
    return (
        "SELECT ?s ?p ?o ?g WHERE {\n"
        f"  {{ GRAPH ?g {{ {term} ?p ?o }} BIND({term} AS ?s) }}\n"
        f"  UNION {{ GRAPH ?g {{ {term} ?p1 ?s . ?s ?p ?o }}"
        f" FILTER(isBlank(?s) && ?g != <{INFERRED_GRAPH}>) }}\n"
        f"  UNION {{ GRAPH ?g {{ {term} ?p1 ?b . ?b ?p2 ?s . ?s ?p ?o }}"
        f" FILTER(isBlank(?b) && isBlank(?s) && ?g != <{INFERRED_GRAPH}>) }}\n"
        f"  UNION {{ GRAPH ?g {{ {term} ?p1 ?b . ?b ?p2 ?l . ?l <{RDF.rest}>* ?s . ?s ?p ?o }}"
        f" FILTER(isBlank(?b) && isBlank(?l) && isBlank(?s) && ?g != <{INFERRED_GRAPH}>) }}\n"
        f"  UNION {{ SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p {term} }}"
        f" FILTER(!isBlank(?s)) BIND({term} AS ?o) }} LIMIT {MAX_INCOMING_QUADS} }}\n"
        "}"
    )


def is_noise(graph: Node, obj: Node) -> bool:
    """The reasoner's copies of anonymous class expressions (as the page leaves them out)."""
    return graph == INFERRED_GRAPH and isinstance(obj, BNode)


def entity_dataset(executor: Executor, iri: str) -> Dataset:
    """An entity's statements, each in the named graphs that hold it.

    Args:
        executor: the query executor.
        iri: the entity.

    Returns:
        The dataset (empty if no graph mentions the entity), kzgov's prefixes bound.

    Raises:
        KzgovError: the executor refused or stopped the query.
    """
    dataset = Dataset()
    for prefix, namespace in QUERY_PREFIXES.items():
        if prefix not in ALIAS_PREFIXES:
            dataset.bind(prefix, namespace, override=True)
    for row in select(executor, entity_quads_query(iri)):
        s, p, o, g = row.get("s"), row.get("p"), row.get("o"), row.get("g")
        if s is None or not isinstance(p, URIRef) or o is None or not isinstance(g, URIRef):
            continue
        if is_noise(g, o):
            continue
        dataset.graph(g).add((s, p, o))
    return dataset


def ontology_terms_query() -> str:
    """The SELECT of every property of the ontology and its kind."""
    return (
        "SELECT DISTINCT ?property ?kind WHERE {\n"
        f"  GRAPH {iri_ref(str(ONTOLOGY_GRAPH))} {{\n"
        f"    VALUES ?kind {{ <{OWL.ObjectProperty}> <{OWL.DatatypeProperty}>"
        f" <{OWL.AnnotationProperty}> }}\n"
        "    ?property a ?kind .\n"
        f'    FILTER(STRSTARTS(STR(?property), "{KZ}"))\n'
        "  }\n"
        "}"
    )


def context_document(executor: Executor) -> dict[str, Any]:
    """Kzgov's JSON-LD context: the query prefixes and a term per property.

    Args:
        executor: the query executor (the ontology's properties are read through it).

    Returns:
        The document `{"@context": {...}}` served at /context.jsonld.
    """
    context: dict[str, Any] = {
        prefix: str(namespace)
        for prefix, namespace in QUERY_PREFIXES.items()
        if prefix not in ALIAS_PREFIXES
    }
    context.update(COMMON_TERMS)
    for row in select(executor, ontology_terms_query()):
        prop, kind = row.get("property"), row.get("kind")
        if not isinstance(prop, URIRef):
            continue
        name = str(prop)[len(str(KZ)) :]
        if not name or name in context:
            continue
        term: dict[str, str] = {"@id": str(prop)}
        if kind == OWL.ObjectProperty:
            term["@type"] = "@id"
        context[name] = term
    return {"@context": dict(sorted(context.items()))}


def compact_jsonld(graph: Graph, context: dict[str, Any]) -> bytes:
    """A graph as JSON-LD compacted with kzgov's context, which it names by its IRI.

    Args:
        graph: the triples.
        context: the document from context_document.

    Returns:
        UTF-8 JSON-LD whose `@context` is `<BASE>context.jsonld`.
    """
    text = graph.serialize(format="json-ld", context=context["@context"], auto_compact=True)
    document = json.loads(text)
    if isinstance(document, dict):
        document["@context"] = str(JSONLD_CONTEXT)
    else:
        document = {"@context": str(JSONLD_CONTEXT), "@graph": document}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def dataset_triples(dataset: Dataset) -> Graph:
    """The statements of a dataset as one graph (each once), kzgov's prefixes bound."""
    graph = Graph()
    for prefix, namespace in dataset.namespaces():
        graph.bind(prefix, namespace, override=True)
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def mentions(dataset: Dataset) -> bool:
    """Whether the dataset holds any statement."""
    return any(True for _quad in dataset.quads((None, None, None, None)))
