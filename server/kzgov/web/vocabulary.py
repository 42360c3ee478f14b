"""What the query editor completes and how the result views link: one small JSON document.

The editor (static/kzgov-editor.js) loads it once from /editor/vocabulary.json: the
prefixes the endpoint predeclares (completed after `PREFIX` and added to the query when
the user types one), the prefixes used to show IRIs briefly, the kzgov ontology's
classes and properties as prefixed names with their English labels (completed where a
class or a property fits), and where IRIs under the base have their pages.
"""

from __future__ import annotations

from typing import Any

from rdflib import Literal, URIRef

from kzgov.core.namespaces import BASE, KZ, KZSH, ONTOLOGY_GRAPH, QUERY_PREFIXES
from kzgov.web.linking import DISPLAY_PREFIXES
from kzgov.web.lookup import Executor, iri_ref, select, string_literal

CLASS_KINDS = ("http://www.w3.org/2002/07/owl#Class", "http://www.w3.org/2000/01/rdf-schema#Class")
PROPERTY_KINDS = (
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
)


def terms_query() -> str:
    """The ontology's own classes and properties, with their kind and English label."""
    kinds = " ".join(iri_ref(kind) for kind in (*CLASS_KINDS, *PROPERTY_KINDS))
    return f"""
SELECT DISTINCT ?term ?kind ?label WHERE {{
  GRAPH {iri_ref(str(ONTOLOGY_GRAPH))} {{
    VALUES ?kind {{ {kinds} }}
    ?term a ?kind .
    FILTER(STRSTARTS(STR(?term), {string_literal(str(KZ))}))
  }}
  OPTIONAL {{
    ?term <http://www.w3.org/2000/01/rdf-schema#label> ?label .
    FILTER(LANGMATCHES(LANG(?label), "en"))
  }}
}}"""


def editor_vocabulary(executor: Executor) -> dict[str, Any]:
    """The editor's vocabulary document (see the module docstring).

    Args:
        executor: the server's query executor.

    Returns:
        A JSON-ready mapping with `base`, `pages`, `prefixes`, `displayPrefixes`,
        `classes` and `properties` (each term: `name`, a prefixed name, and `label`).
    """
    found: dict[str, dict[str, Any]] = {}
    for row in select(executor, terms_query()):
        term, kind, label = row.get("term"), row.get("kind"), row.get("label")
        if not isinstance(term, URIRef) or not isinstance(kind, URIRef):
            continue
        entry = found.setdefault(str(term), {"name": "kz:" + str(term)[len(str(KZ)) :]})
        entry["class" if str(kind) in CLASS_KINDS else "property"] = True
        if isinstance(label, Literal) and "label" not in entry:
            entry["label"] = str(label)
    terms = sorted(found.values(), key=lambda entry: str(entry["name"]).lower())
    return {
        "base": BASE,
        "pages": {"ontology": str(KZ), "shapes": str(KZSH)},
        "prefixes": {
            prefix: str(namespace) for prefix, namespace in sorted(QUERY_PREFIXES.items())
        },
        "displayPrefixes": dict(sorted(DISPLAY_PREFIXES.items())),
        "classes": [
            {"name": t["name"], "label": t.get("label", "")} for t in terms if t.get("class")
        ],
        "properties": [
            {"name": t["name"], "label": t.get("label", "")} for t in terms if t.get("property")
        ],
    }
