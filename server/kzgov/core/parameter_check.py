"""A named-query parameter that names no entity is an error, not an empty answer.

`--param post=oblst-akim` (a misspelt slug) used to bind `<...id/post/oblst-akim>` and
answer 0 rows, as if the post had no appointer. Each parameter value that names an
instance of a kind (a bare slug, `post:...` or `<.../id/post/...>`) is looked up among
the instances of that kind the graph knows; one it does not know is refused, with the
closest known slugs. A bare slug is read as the kinds its parameter declares
(Parameter.kinds: `post` of accountability-chain-as-of takes a post or a body), the
first that has it in the graph; a slug none of them has is refused, naming the
parameter and the kinds.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kzgov.core.errors import UnknownQuery
from kzgov.core.namespaces import INSTANCE_PREFIXES
from kzgov.core.queries import NamedQuery, is_bare_slug

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
    """The caller's values that name an instance by a prefixed name or an IRI of a kind."""
    found = []
    for name, given in values.items():
        if not any(p.name == name for p in query.parameters):
            continue
        term = given.strip()
        for kind, namespace in INSTANCE_PREFIXES.items():
            if term.startswith(f"{kind}:"):
                term = f"<{namespace}{term[len(kind) + 1 :]}>"
            if term.startswith(f"<{namespace}") and term.endswith(">"):
                found.append(InstanceValue(name, given, kind, term[1:-1]))
                break
    return found


def resolve(
    query: NamedQuery, values: Mapping[str, str], instances_of: Callable[[str], Iterable[str]]
) -> dict[str, str]:
    """The values with each bare slug read as an IRI of its parameter's kinds, all checked.

    Args:
        query: the named query.
        values: parameter name to the value given.
        instances_of: the IRIs of a kind of instance the graph knows (instances_query).

    Returns:
        The values, a bare slug replaced by the `<IRI>` of the first kind of its parameter
        that has it.

    Raises:
        UnknownQuery: a slug none of its parameter's kinds has, or a prefixed name or IRI
            of a kind that names nothing; the message names the parameter.
    """
    known: dict[str, set[str]] = {}

    def of(kind: str) -> set[str]:
        if kind not in known:
            known[kind] = set(instances_of(kind))
        return known[kind]

    resolved = dict(values)
    for name, given in values.items():
        parameter = next((p for p in query.parameters if p.name == name), None)
        slug = given.strip()
        if parameter is None or not parameter.kinds or not is_bare_slug(slug):
            continue
        kinds = parameter.kinds
        iri = next(
            (
                f"{INSTANCE_PREFIXES[kind]}{slug}"
                for kind in kinds
                if f"{INSTANCE_PREFIXES[kind]}{slug}" in of(kind)
            ),
            None,
        )
        if iri is not None:
            resolved[name] = f"<{iri}>"
            continue
        # Suggestions from the kinds the parameter names (not every kind, for "entity").
        asked = kinds[:2] if len(kinds) > 2 else kinds
        slugs = sorted({iri[len(INSTANCE_PREFIXES[kind]) :] for kind in asked for iri in of(kind)})
        close = difflib.get_close_matches(slug, slugs, n=CLOSEST, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        what = " or ".join(kinds) if len(kinds) <= 3 else "entity"
        raise UnknownQuery(
            f"parameter {name!r} of query {query.name!r}: {given!r} names no {what} in the"
            f" graph{hint}"
        )
    for value in instance_values(query, resolved):
        refuse_unknown(query, value, of(value.kind))
    return resolved


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
