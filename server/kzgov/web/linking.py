"""Linking IRIs to this server's pages, and naming them briefly for display."""

from __future__ import annotations

from urllib.parse import quote

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD
from rdflib.term import Node

from kzgov.core.namespaces import BASE, KZ, KZSH, PREFIXES

# Prefixes used to show IRIs briefly: kzgov's own, then the common vocabularies.
DISPLAY_PREFIXES: dict[str, str] = {
    **{prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "foaf": str(FOAF),
    "sh": str(SH),
}

# Longest namespace first, so kzid: wins over a shorter prefix of the same base.
NAMESPACES_BY_LENGTH = sorted(DISPLAY_PREFIXES.items(), key=lambda item: -len(item[1]))


def path_for_iri(iri: str) -> str | None:
    """The path of this server's page for an IRI under the base, or None for outside IRIs.

    `<BASE>id/post/president` is at /id/post/president; an ontology term
    `<BASE>ontology#Post` has its own page at /ontology/Post; a shape
    `<BASE>shapes#PostShape` is an anchor of /shapes.

    Args:
        iri: any IRI.

    Returns:
        The local path (with a fragment for shapes), or None.
    """
    if not iri.startswith(BASE):
        return None
    if iri.startswith(str(KZ)):
        term = iri[len(str(KZ)) :]
        return "/ontology/" + quote(term, safe="") if term else "/ontology"
    if iri.startswith(str(KZSH)):
        return "/shapes#" + quote(iri[len(str(KZSH)) :], safe="")
    return "/" + quote(iri[len(BASE) :], safe="/#-._~:")


def iri_for_path(path: str) -> str:
    """The IRI a local path of the server stands for (the inverse of path_for_iri for /id/...).

    Args:
        path: a request path such as /id/post/president (already percent-decoded).

    Returns:
        The IRI under the base.
    """
    return BASE + path.lstrip("/")


def href(term: Node) -> str | None:
    """Where a link to a term should go: its page here, the outside IRI, or nowhere.

    Args:
        term: an RDF term.

    Returns:
        A local path for IRIs under the base, the IRI itself for outside http(s)
        IRIs, None for literals, blank nodes and other schemes.
    """
    if not isinstance(term, URIRef):
        return None
    local = path_for_iri(str(term))
    if local is not None:
        return local
    if str(term).startswith(("http://", "https://")):
        return str(term)
    return None


def short_name(term: Node) -> str:
    """A brief name for an RDF term: a prefixed name for known namespaces, else the IRI.

    Args:
        term: an RDF term.

    Returns:
        `kzid:post/president`, `rdfs:label`, `"text"@kk`, `_:b0`, or the full IRI.
    """
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in NAMESPACES_BY_LENGTH:
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace) :]}"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def is_internal(term: Node) -> bool:
    """Whether a term is an IRI under kzgov's base (so it has a page here)."""
    return isinstance(term, URIRef) and str(term).startswith(BASE)
