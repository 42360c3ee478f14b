"""Grouping classes: the named unions the ontology marks `kz:isGrouping`, kept out of the reader's way.

A grouping (ontology/groupings.ttl, e.g. kz:PostBodyOrAct) stands for a domain or a
range; the reasoner gives it to every member, so it would otherwise be the first type
badge of most pages and head the home page's list of classes. Pages show no grouping as
a type badge, and list the groupings after the domain classes.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import URIRef

from kzgov.core.namespaces import KZ, ONTOLOGY_GRAPH
from kzgov.web.lookup import Executor, iri_ref, select


def groupings_query() -> str:
    """The SELECT of the classes the ontology marks as groupings."""
    return (
        f"SELECT DISTINCT ?class WHERE {{ GRAPH {iri_ref(str(ONTOLOGY_GRAPH))} "
        f"{{ ?class {iri_ref(str(KZ.isGrouping))} true }} }}"
    )


def grouping_classes(executor: Executor) -> frozenset[URIRef]:
    """The classes the ontology marks `kz:isGrouping true`.

    Args:
        executor: the server's query executor.

    Returns:
        The grouping classes' IRIs.

    Raises:
        KzgovError: the executor refused or stopped the query.
    """
    return frozenset(
        found
        for row in select(executor, groupings_query())
        if isinstance(found := row.get("class"), URIRef)
    )


def split_class_counts(
    counts: Iterable[tuple[URIRef, int]], groupings: frozenset[URIRef]
) -> tuple[list[tuple[URIRef, int]], list[tuple[URIRef, int]]]:
    """The home page's class counts as domain classes first, then the groupings.

    Each part is ordered by instance count, largest first, then by IRI.

    Args:
        counts: (class, number of instances) pairs.
        groupings: the grouping classes.

    Returns:
        The domain classes' counts and the groupings' counts.
    """
    ordered = sorted(counts, key=lambda item: (-item[1], str(item[0])))
    return (
        [item for item in ordered if item[0] not in groupings],
        [item for item in ordered if item[0] in groupings],
    )
