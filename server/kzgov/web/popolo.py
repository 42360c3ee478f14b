"""The Popolo JSON export (/export/popolo.json): persons, organizations, posts, memberships.

Popolo (https://www.popoloproject.com/specs/) is the format EveryPolitician-style
tools read. kzgov maps onto it as follows: a `kz:Person` is a person, a `kz:Body` an
organization (its most specific registry class as `classification`, `kz:partOf` as
`parent_id`), a `kz:Post` a post (`kz:postIn` or `kz:headOf` as `organization_id`),
and each `kz:Tenure` a membership (the person with `kz:tenure`, the post with
`kz:tenureOf`, `kz:startYear`/`kz:startDate` and `kz:endYear`/`kz:endDate` as
dates, the source document of the graph stating it as its source). Ids are kzgov
IRIs. A Wikidata QID linked with `skos:exactMatch` is an identifier (scheme
`wikidata`); one linked with `skos:closeMatch` only a link, since Popolo has no weaker
kind of identifier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from kzgov.core.namespaces import KZ, REGISTRY_GRAPH, WD
from kzgov.web.lookup import Executor, iri_ref, select

POPOLO_MEDIA_TYPE = "application/json"
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
MATCH_PROPERTIES = (SKOS.exactMatch, SKOS.closeMatch)
KIND_PROPERTIES: dict[str, tuple[URIRef, ...]] = {
    "person": (*NAME_PROPERTIES, *MATCH_PROPERTIES),
    "organization": (*NAME_PROPERTIES, *MATCH_PROPERTIES, KZ.partOf),
    "post": (*NAME_PROPERTIES, *MATCH_PROPERTIES, KZ.postIn, KZ.headOf),
}
KIND_CLASS = {"person": KZ.Person, "organization": KZ.Body, "post": KZ.Post}


def properties_query(cls: URIRef, properties: tuple[URIRef, ...]) -> str:
    """The SELECT of some properties of every instance of a class."""
    listed = ", ".join(f"<{p}>" for p in properties)
    return (
        "SELECT DISTINCT ?x ?p ?v WHERE {\n"
        f"  ?x <{RDF.type}> {iri_ref(str(cls))} .\n"
        "  ?x ?p ?v .\n"
        f"  FILTER(isIRI(?x) && ?p IN ({listed}))\n"
        "}"
    )


def classification_query() -> str:
    """The SELECT of each body's registry class and that class's English label."""
    return (
        "SELECT ?x ?label WHERE {\n"
        f"  GRAPH {iri_ref(str(REGISTRY_GRAPH))} {{ ?x <{RDF.type}> ?class }}\n"
        f"  ?x <{RDF.type}> <{KZ.Body}> .\n"
        f'  ?class <{RDFS.label}> ?label FILTER(LANGMATCHES(LANG(?label), "en"))\n'
        "}"
    )


def tenures_query() -> str:
    """The SELECT of every tenure: person, post, dates, and the graph stating the post."""
    return (
        "SELECT ?t ?person ?post ?g ?start ?end WHERE {\n"
        f"  GRAPH ?g {{ ?t <{KZ.tenureOf}> ?post }}\n"
        f"  ?person <{KZ.tenure}> ?t .\n"
        f"  OPTIONAL {{ ?t <{KZ.startDate}>|<{KZ.startYear}> ?start }}\n"
        f"  OPTIONAL {{ ?t <{KZ.endDate}>|<{KZ.endYear}> ?end }}\n"
        "}"
    )


def popolo_date(value: Node | None) -> str | None:
    """A date as Popolo writes it (YYYY or YYYY-MM-DD), or None."""
    if not isinstance(value, Literal):
        return None
    text = str(value)[:10]
    return text if text[:4].isdigit() else None


def names_of(
    values: list[Node], preferred: str | None = None
) -> tuple[str | None, list[dict[str, str]]]:
    """The preferred (else English, untagged, first) name, and every other name with its language."""
    names = sorted(
        set(v for v in values if isinstance(v, Literal)),
        key=lambda v: (
            str(v) != preferred,
            v.language not in ("en", None),
            v.language or "",
            str(v),
        ),
    )
    if not names:
        return None, []
    primary = names[0]
    others = [
        {"name": str(n), "lang": n.language or "", "note": "multilingual"}
        for n in names[1:]
        if str(n) != str(primary) or n.language != primary.language
    ]
    return str(primary), others


def matches_of(
    found: Mapping[URIRef, list[Node]],
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Wikidata identifiers (exact matches) and links (close matches and other IRIs)."""
    identifiers, links = [], []
    for prop in MATCH_PROPERTIES:
        for value in sorted(found.get(prop, []), key=str):
            if not isinstance(value, URIRef):
                continue
            if prop == SKOS.exactMatch and str(value).startswith(str(WD)):
                identifiers.append({"scheme": "wikidata", "identifier": str(value)[len(WD) :]})
            else:
                kind = "exact" if prop == SKOS.exactMatch else "close"
                links.append({"url": str(value), "note": f"{kind} match (skos:{kind}Match)"})
    return identifiers, links


def instances(executor: Executor, kind: str) -> dict[URIRef, dict[URIRef, list[Node]]]:
    """Each instance of a kind with the values of the properties the export reads."""
    found: dict[URIRef, dict[URIRef, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for row in select(executor, properties_query(KIND_CLASS[kind], KIND_PROPERTIES[kind])):
        x, p, v = row.get("x"), row.get("p"), row.get("v")
        if isinstance(x, URIRef) and isinstance(p, URIRef) and v is not None:
            found[x][p].append(v)
    return found


def first_iri(values: list[Node]) -> str | None:
    """The first IRI among some values, in IRI order."""
    iris = sorted(str(v) for v in values if isinstance(v, URIRef))
    return iris[0] if iris else None


def registry_names_query() -> str:
    """The SELECT of the English names kzgov gives its entities in the registry."""
    return (
        "SELECT ?x ?label WHERE {\n"
        f"  GRAPH {iri_ref(str(REGISTRY_GRAPH))} {{ ?x <{RDFS.label}> ?label }}\n"
        '  FILTER(LANGMATCHES(LANG(?label), "en"))\n'
        "}"
    )


def entry(
    iri: URIRef, found: Mapping[URIRef, list[Node]], name_key: str, registry_name: str | None
) -> dict[str, Any]:
    """The fields every Popolo object of kzgov has: id, name, other names, identifiers, links.

    The name is the registry's English name where there is one (kzgov's own naming).
    """
    values = [v for p in NAME_PROPERTIES for v in found.get(p, [])]
    if registry_name is not None:
        values.insert(0, Literal(registry_name, lang="en"))
    name, others = names_of(values, registry_name)
    identifiers, links = matches_of(found)
    item: dict[str, Any] = {"id": str(iri), name_key: name or str(iri)}
    if others:
        item["other_names" if name_key == "name" else "other_label"] = (
            others if name_key == "name" else [o["name"] for o in others]
        )
    if identifiers:
        item["identifiers"] = identifiers
    item["links"] = [{"url": str(iri), "note": "kzgov"}, *links]
    return item


def popolo_document(executor: Executor, source_of_graph: Mapping[URIRef, URIRef]) -> dict[str, Any]:
    """The Popolo export of the served build.

    Args:
        executor: the query executor.
        source_of_graph: the source document of each source graph.

    Returns:
        `{"persons", "organizations", "posts", "memberships"}`, each sorted by id.

    Raises:
        KzgovError: the executor refused or stopped a query.
    """
    registry: dict[URIRef, str] = {}
    for row in select(executor, registry_names_query()):
        x, label = row.get("x"), row.get("label")
        if isinstance(x, URIRef) and label is not None:
            registry.setdefault(x, str(label))
    persons = [
        entry(x, f, "name", registry.get(x)) for x, f in instances(executor, "person").items()
    ]
    classes: dict[URIRef, str] = {}
    for row in select(executor, classification_query()):
        x, label = row.get("x"), row.get("label")
        if isinstance(x, URIRef) and label is not None:
            classes.setdefault(x, str(label))
    organizations = []
    for x, found in instances(executor, "organization").items():
        item = entry(x, found, "name", registry.get(x))
        if x in classes:
            item["classification"] = classes[x]
        parent = first_iri(found.get(KZ.partOf, []))
        if parent:
            item["parent_id"] = parent
        organizations.append(item)
    posts = []
    organization_of_post: dict[str, str] = {}
    for x, found in instances(executor, "post").items():
        item = entry(x, found, "label", registry.get(x))
        organization = first_iri(found.get(KZ.postIn, []) + found.get(KZ.headOf, []))
        if organization:
            item["organization_id"] = organization
            organization_of_post[str(x)] = organization
        posts.append(item)
    memberships: dict[str, dict[str, Any]] = {}
    for row in select(executor, tenures_query()):
        tenure, person, post, graph = row.get("t"), row.get("person"), row.get("post"), row.get("g")
        if not all(isinstance(term, URIRef) for term in (tenure, person, post, graph)):
            continue
        membership = memberships.setdefault(
            str(tenure),
            {"id": str(tenure), "person_id": str(person), "post_id": str(post), "sources": []},
        )
        if str(post) in organization_of_post:
            membership["organization_id"] = organization_of_post[str(post)]
        start, end = popolo_date(row.get("start")), popolo_date(row.get("end"))
        # Where dates differ, the membership spans them all: the earliest start, the latest end.
        if start and ("start_date" not in membership or start < membership["start_date"]):
            membership["start_date"] = start
        if end and ("end_date" not in membership or end > membership["end_date"]):
            membership["end_date"] = end
        source = source_of_graph.get(URIRef(str(graph)))
        if source is not None and {"url": str(source)} not in membership["sources"]:
            membership["sources"].append({"url": str(source)})
    for membership in memberships.values():
        if not membership["sources"]:
            del membership["sources"]
    return {
        "persons": sorted(persons, key=lambda item: item["id"]),
        "organizations": sorted(organizations, key=lambda item: item["id"]),
        "posts": sorted(posts, key=lambda item: item["id"]),
        "memberships": sorted(memberships.values(), key=lambda item: item["id"]),
    }
