"""The VoID statistics of a build: what they are, as SPARQL, and how the summary keeps them.

VoID (https://www.w3.org/TR/void/#statistics, #vocabularies and #linksets) describes a
dataset by its distinct subjects, objects and properties, the vocabularies it uses, and
a `void:Linkset` per outside dataset it links to. The queries below define each figure;
`kzgov build` runs them on its own in-memory store, where they take a fraction of a
second a million quads (`kzgov.build.void_figures`), and writes the figures into the
build summary under SUMMARY_KEY. The server reads them from there
(`kzgov.web.void`, `kzgov.web.linksets`) and never scans the dataset to describe it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import RDF

from kzgov.core.namespaces import CLOSURE_GRAPHS, KZ, KZID, WD, WDT

# The key of the figures in summary.json; a release built before they were counted
# at build time has none.
SUMMARY_KEY = "void"

# Over the default graph: the union of every graph of the build, asserted and inferred.
STATISTICS_QUERY = (
    "SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)"
    " (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }"
)
VOCABULARY_TERMS_QUERY = (
    "SELECT DISTINCT ?term WHERE {"
    f" {{ ?s ?term ?o }} UNION {{ ?s <{RDF.type}> ?term FILTER(isIRI(?term)) }} }}"
)


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
KEY_TO_TARGET = {target.key: target for target in TARGETS}


def links_query() -> str:
    """The SELECT of every asserted statement from a kzgov entity to a target dataset.

    Asserted: in any graph but the two closures (`kzg:inferred`, `kzg:temporal`), which
    copy or derive statements and state no link of their own.
    """
    spaces = " || ".join(
        f'STRSTARTS(STR(?o), "{t.uri_space}")' for t in TARGETS if t.uri_space is not None
    )
    codes = ", ".join(f"<{p}>" for t in TARGETS for p in t.code_properties)
    closures = ", ".join(f"<{g}>" for g in sorted(CLOSURE_GRAPHS))
    return (
        "SELECT DISTINCT ?s ?p ?o WHERE {\n"
        "  GRAPH ?g { ?s ?p ?o }\n"
        f'  FILTER(?g NOT IN ({closures}) && STRSTARTS(STR(?s), "{KZID}"))\n'
        f"  FILTER((isIRI(?o) && ({spaces})) || ?p IN ({codes}))\n"
        "}"
    )


@dataclass(frozen=True)
class Statistics:
    """What the VoID description says that the rest of the build summary does not.

    Attributes:
        distinct_subjects: subjects in the union of all graphs.
        distinct_objects: objects in the union of all graphs.
        properties: distinct predicates.
        vocabularies: the namespaces of the predicates and classes used.
    """

    distinct_subjects: int
    distinct_objects: int
    properties: int
    vocabularies: tuple[str, ...]


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


@dataclass(frozen=True)
class VoidFigures:
    """The statistics and linksets of one build.

    Attributes:
        statistics: distinct subjects, objects, properties; vocabularies.
        linksets: one per (target, property) with at least one link, in a stable order.
    """

    statistics: Statistics
    linksets: tuple[Linkset, ...]

    def to_summary(self) -> dict[str, object]:
        """The figures as the build summary keeps them (plain JSON values)."""
        return {
            "distinct_subjects": self.statistics.distinct_subjects,
            "distinct_objects": self.statistics.distinct_objects,
            "properties": self.statistics.properties,
            "vocabularies": list(self.statistics.vocabularies),
            "linksets": [
                {"target": ls.target.key, "predicate": str(ls.predicate), "triples": ls.triples}
                for ls in self.linksets
            ],
        }


def namespace_of(iri: str) -> str:
    """The namespace of a term: up to the last `#`, else up to the last `/`."""
    cut = iri.rfind("#")
    if cut < 0:
        cut = iri.rfind("/")
    return iri[: cut + 1]


def statistics_of(counts: Mapping[str, int], terms: Iterable[str]) -> Statistics:
    """The statistics from the answers of STATISTICS_QUERY and VOCABULARY_TERMS_QUERY.

    Args:
        counts: the statistics query's one row (subjects, properties, objects).
        terms: the IRIs the vocabulary query lists.

    Returns:
        The statistics, the vocabularies sorted.
    """
    namespaces = {namespace_of(term) for term in terms}
    return Statistics(
        distinct_subjects=counts.get("subjects", 0),
        distinct_objects=counts.get("objects", 0),
        properties=counts.get("properties", 0),
        vocabularies=tuple(sorted(n for n in namespaces if n)),
    )


def count_links(links: Iterable[tuple[str, str, bool]]) -> tuple[Linkset, ...]:
    """Count the links to each target dataset, by link property.

    Args:
        links: the links query's rows, each as (predicate IRI, object's IRI or lexical
            form, whether the object is an IRI).

    Returns:
        One linkset per (target, property) with at least one link, in a stable order.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for predicate, value, is_iri in links:
        for target in TARGETS:
            by_iri = is_iri and target.uri_space is not None and value.startswith(target.uri_space)
            if by_iri or URIRef(predicate) in target.code_properties:
                counts[(target.key, predicate)] += 1
                break
    return tuple(
        Linkset(KEY_TO_TARGET[key], URIRef(predicate), n)
        for (key, predicate), n in sorted(counts.items())
    )


def figures_in_summary(summary: Mapping[str, object]) -> VoidFigures | None:
    """The figures a build summary holds, or None for a release built without them.

    Args:
        summary: the build summary (summary.json).

    Returns:
        The figures; None where the summary has none, or none this kzgov can read.
    """
    found = summary.get(SUMMARY_KEY)
    if not isinstance(found, dict):
        return None
    try:
        statistics = Statistics(
            distinct_subjects=int(found["distinct_subjects"]),
            distinct_objects=int(found["distinct_objects"]),
            properties=int(found["properties"]),
            vocabularies=tuple(str(v) for v in found["vocabularies"]),
        )
        linksets = tuple(
            Linkset(
                KEY_TO_TARGET[str(ls["target"])], URIRef(str(ls["predicate"])), int(ls["triples"])
            )
            for ls in found["linksets"]
        )
    except (KeyError, TypeError, ValueError):
        return None
    return VoidFigures(statistics, linksets)
