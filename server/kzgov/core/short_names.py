"""IRIs in messages as a reader can paste them into a query: a predeclared prefix, or <IRI>.

Data files declare prefixes of their own, and some reuse a name for another namespace
(`rule:` is `id/rule/` in one file and `id/rule/reforms-article-2022/` in another):
messages written with a file's prefixes name IRIs no query can reach. Messages use only
the prefixes every query may use undeclared (`QUERY_PREFIXES`), and the full IRI where
none fits.
"""

from __future__ import annotations

import re

from rdflib.term import Node, URIRef

from kzgov.core.namespaces import QUERY_PREFIXES

# A local name a prefixed name may carry as it is (no '/', no escapes, not ending in '.').
PLAIN_LOCAL_NAME = re.compile(r"[A-Za-z0-9_](?:[\w.-]*[\w-])?")
BY_LENGTH = sorted(
    ((prefix, str(namespace)) for prefix, namespace in QUERY_PREFIXES.items()),
    key=lambda pair: -len(pair[1]),
)


def short_iri(iri: str) -> str:
    """An IRI as `prefix:local` with a predeclared prefix, else as `<IRI>`."""
    for prefix, namespace in BY_LENGTH:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if PLAIN_LOCAL_NAME.fullmatch(local):
                return f"{prefix}:{local}"
    return f"<{iri}>"


def short_name(node: Node | None) -> str:
    """A term for a message: IRIs by `short_iri`, other terms in N3, '-' for none."""
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        return short_iri(str(node))
    return node.n3()
