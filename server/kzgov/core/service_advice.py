"""What to say about a SERVICE clause kzgov will not call, and what to write instead.

A query copied from the Wikidata Query Service often ends with
`SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }`: that is not a
federated call but WDQS's own label service, which fills `?xLabel` for each `?x`. kzgov
has no such service; the same labels come from `rdfs:label` with a language filter.
"""

from __future__ import annotations

import re

from rdflib import URIRef
from rdflib.term import Node

from kzgov.core.namespaces import VOCABULARY_PREFIXES

WDQS_LABEL_SERVICE = URIRef(VOCABULARY_PREFIXES["wikibase"]["label"])


def asked_language(text: str) -> str:
    """The first language the query asks WDQS's label service for ("en" if none is readable)."""
    match = re.search(r"""wikibase:language\s+["']([^"']*)["']""", text)
    codes = re.findall(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*", match.group(1)) if match else []
    return next((code for code in codes if code.upper() != "AUTO_LANGUAGE"), "en")


def label_service_advice(variables: list[str] | tuple[str, ...] = (), text: str = "") -> str:
    """The message for WDQS's label service, with the rewrite for one of the query's variables.

    Args:
        variables: the query's projected variables; a `?xLabel` among them names the `?x`
            the example rewrite uses.
        text: the query, for the language it asks for.

    Returns:
        One paragraph: what the clause is, that kzgov does not have it, and the rewrite.
    """
    labelled = next(
        (v[: -len("Label")] for v in variables if v.endswith("Label") and v != "Label"), "item"
    )
    language = asked_language(text)
    return (
        "SERVICE wikibase:label is the Wikidata Query Service's label service, not a"
        " federated query; kzgov has no label service. Ask for the label with rdfs:label"
        " and a language filter instead: replace the SERVICE clause with"
        f" OPTIONAL {{ ?{labelled} rdfs:label ?{labelled}Label"
        f' FILTER(lang(?{labelled}Label) = "{language}") }}'
    )


def service_refusal(
    service: object, variables: list[str] | tuple[str, ...] = (), text: str = ""
) -> str:
    """Why a SERVICE clause is refused: WDQS's label service gets its own advice.

    Args:
        service: the SERVICE's IRI (a URIRef, or its N3 text).
        variables: the query's projected variables.
        text: the query.
    """
    if str(service).strip("<>") == str(WDQS_LABEL_SERVICE):
        return label_service_advice(variables, text)
    shown = service.n3() if isinstance(service, Node) else service
    return f"federated queries are disabled: this service does not call SERVICE {shown}"
