"""A named-query parameter that names no entity is an error, not an empty answer.

`--param post=oblst-akim` (a misspelt slug) used to bind `<...id/post/oblst-akim>` and
answer 0 rows, as if the post had no appointer. Each parameter value that names an
instance of a kind (a bare slug, `post:...` or `<.../id/post/...>`) is looked up among
the instances of that kind the graph knows; one it does not know is refused, with the
closest known slugs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kzgov.core.errors import UnknownQuery
from kzgov.core.namespaces import INSTANCE_PREFIXES
from kzgov.core.queries import NamedQuery, expand_slug, kind_of

CLOSEST = 3


@dataclass(frozen=True)
class InstanceValue:
    """A parameter value that names an instance of a kind.

    Attributes:
        parameter: the parameter's name.
        given: the value as the caller wrote it.
        kind: the kind of instance (post, body...).
        iri: the IRI it names.
    """

    parameter: str
    given: str
    kind: str
    iri: str


def instance_values(query: NamedQuery, values: Mapping[str, str]) -> list[InstanceValue]:
    """The caller's values that name an instance of their parameter's kind."""
    found = []
    for name, given in values.items():
        parameters = [p for p in query.parameters if p.name == name]
        kind = kind_of(parameters[0].default) if parameters else None
        if kind is None:
            continue
        namespace = str(INSTANCE_PREFIXES[kind])
        term = expand_slug(given.strip(), parameters[0].default)
        if term.startswith(f"{kind}:"):
            term = f"<{namespace}{term[len(kind) + 1 :]}>"
        if term.startswith(f"<{namespace}") and term.endswith(">"):
            found.append(InstanceValue(name, given, kind, term[1:-1]))
    return found


def instances_query(kind: str) -> str:
    """A SELECT of every IRI of a kind the graph mentions (as subject or object), as ?x."""
    namespace = str(INSTANCE_PREFIXES[kind])
    return (
        "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x }"
        f' FILTER (isIRI(?x) && STRSTARTS(STR(?x), "{namespace}")) }}'
    )


def refuse_unknown(query: NamedQuery, value: InstanceValue, known: Iterable[str]) -> None:
    """Refuse a value whose IRI is not among the known IRIs of its kind.

    Raises:
        UnknownQuery: the value names nothing; the message names the parameter, the value,
            and the closest known slugs.
    """
    known = set(known)
    if value.iri in known:
        return
    namespace = str(INSTANCE_PREFIXES[value.kind])
    slugs = sorted(iri[len(namespace) :] for iri in known)
    wanted = value.iri[len(namespace) :]
    close = difflib.get_close_matches(wanted, slugs, n=CLOSEST, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownQuery(
        f"parameter {value.parameter!r} of query {query.name!r}: {value.given!r} names no"
        f" {value.kind} in the graph (<{value.iri}>){hint}"
    )
