"""The terms of the outside vocabularies kzgov uses, as the data check that refuses others.

A misspelt outside term (`rdfs:lable`, `skos:prefLable`, `org:headof`) is a valid IRI:
it escapes every shape and every rule of the closure, as an undeclared `kz:` term would.
The data check `queries/data-checks/unknown-vocabulary-term.rq` lists every term of each
vocabulary below, as rdflib ships them (its namespace modules are generated from the
vocabularies' own files), and refuses any other term of those namespaces in the data.
`tools/write_known_terms.py` writes the check; a test keeps it equal to what rdflib lists.
"""

from __future__ import annotations

from rdflib.namespace import (
    DC,
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    TIME,
    VOID,
    XSD,
    DefinedNamespace,
)

VOCABULARIES: dict[str, type[DefinedNamespace]] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "org": ORG,
    "dcterms": DCTERMS,
    "dc": DC,
    "foaf": FOAF,
    "dcat": DCAT,
    "time": TIME,
    "void": VOID,
}
CHECK_FILE = "unknown-vocabulary-term.rq"

HEADER = """\
# title: Only existing terms of the outside vocabularies in the data
# description: A term of RDF, RDFS, OWL, XSD, SKOS, PROV, ORG, DCTERMS, DC, FOAF, DCAT, Time
#   or VoID that the vocabulary does not define (a misspelling such as rdfs:lable or
#   skos:prefLable) escapes every shape and every rule of the closure. Each row is an asserted
#   triple that uses such a term as its predicate or its object. The known terms below are
#   written by tools/write_known_terms.py from rdflib's lists of each vocabulary's terms.
# message: {term} is not a term of its vocabulary: check its spelling (the vocabulary's terms are listed in queries/data-checks/unknown-vocabulary-term.rq)
PREFIX kzg: <https://w3id.org/kzgov/graph/>

SELECT ?graph ?s ?p ?o ?term
WHERE {
  # Each IRI the data uses as a predicate or an object, once (not once per triple), is
  # matched against the namespaces and the known terms; then the triples that use it.
  {
    SELECT ?term
    WHERE {
      {
        SELECT DISTINCT ?term
        WHERE {
          { GRAPH ?graph { ?s ?term ?o } } UNION { GRAPH ?graph { ?s ?p ?term } }
          FILTER (?graph != kzg:ontology && isIRI(?term))
        }
      }
      VALUES ?namespace {
"""


def known_terms() -> dict[str, list[str]]:
    """Each vocabulary's namespace and its terms' IRIs, sorted."""
    found: dict[str, list[str]] = {}
    for vocabulary in VOCABULARIES.values():
        names = set(vocabulary.__annotations__) | set(getattr(vocabulary, "_extras", []))
        namespace = str(vocabulary._NS)
        found[namespace] = sorted(namespace + name for name in names if not name.startswith("_"))
    return found


def check_query() -> str:
    """The text of the data check, with every known term."""
    terms = known_terms()
    lines = [HEADER.rstrip("\n")]
    lines += [f"        <{namespace}>" for namespace in terms]
    lines += [
        "      }",
        "      FILTER (STRSTARTS(STR(?term), STR(?namespace)))",
        "      # rdf:_1, rdf:_2 ...: the container membership properties",
        '      FILTER (!REGEX(STR(?term), "^http://www\\\\.w3\\\\.org/1999/02/22-rdf-syntax-ns#_[0-9]+$"))',
        "      MINUS {",
        "        VALUES ?term {",
    ]
    for namespace_terms in terms.values():
        lines += [f"          <{term}>" for term in namespace_terms]
    lines += [
        "        }",
        "      }",
        "    }",
        "  }",
        "  { GRAPH ?graph { ?s ?term ?o } BIND (?term AS ?p) }",
        "  UNION",
        "  { GRAPH ?graph { ?s ?p ?term } BIND (?term AS ?o) }",
        "  FILTER (?graph != kzg:ontology)",
        "}",
    ]
    return "\n".join(lines) + "\n"
