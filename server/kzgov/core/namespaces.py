"""The base IRI and every namespace: the only place an IRI of kzgov is spelled."""

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/kzgov/"

KZ = Namespace(BASE + "ontology#")
KZID = Namespace(BASE + "id/")
KZSH = Namespace(BASE + "shapes#")
KZG = Namespace(BASE + "graph/")

ORG = Namespace("http://www.w3.org/ns/org#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
CV = Namespace("http://data.europa.eu/m8g/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
WD = Namespace("http://www.wikidata.org/entity/")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
# owlrl writes inconsistencies as err:ErrorMessage nodes in this namespace.
OWLRL_ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

ONTOLOGY_GRAPH = URIRef(KZG["ontology"])
REGISTRY_GRAPH = URIRef(KZG["registry"])
CATALOG_GRAPH = URIRef(KZG["catalog"])
LINKS_GRAPH = URIRef(KZG["links"])
CONFLICTS_GRAPH = URIRef(KZG["conflicts"])
INFERRED_GRAPH = URIRef(KZG["inferred"])
MANIFEST_GRAPH = URIRef(KZG["manifest"])
# The temporal closure's dated derivations (kzgov.reasoning.temporal), beside kzg:inferred.
TEMPORAL_GRAPH = URIRef(KZG["temporal"])
# The closures the build derives: never part of kzg:asserted.
CLOSURE_GRAPHS = frozenset({INFERRED_GRAPH, TEMPORAL_GRAPH})
# A name the SPARQL endpoint accepts for the union of every graph but kzg:inferred; not
# in the dumps, stored only by the stores that need it (kzgov.store.stored_dataset).
ASSERTED_GRAPH = URIRef(KZG["asserted"])
# The union of every graph, asserted and inferred, each triple once: not in the dumps,
# stored only by the Oxigraph and SPARQL stores as their whole-build default graph.
UNION_GRAPH = URIRef(KZG["union"])

PREFIXES = {
    "kz": KZ,
    "kzid": KZID,
    "kzsh": KZSH,
    "kzg": KZG,
    "org": ORG,
    "eli": ELI,
    "cv": CV,
    "wdt": WDT,
    "wd": WD,
    "time": TIME,
    "schema": SCHEMA,
}

# The dataset as a whole (described in VoID and DCAT at /.well-known/void), its SPARQL
# endpoint and its dump files.
DATASET = URIRef(BASE + "dataset")
SPARQL_ENDPOINT = URIRef(BASE + "sparql")
DUMPS = Namespace(BASE + "dumps/")

# -- Prefixes every query may use without declaring them ---------------------

# Each kind of instance, `<BASE>id/<kind>/<slug>`, has its own prefix (`post:president`),
# as the data files write them. A local name may not hold a `/` unescaped in SPARQL:
# write `rule:reforms-article-2022\/oblast-akim-appointment`, or the full IRI.
INSTANCE_KINDS = (
    "act",
    "body",
    "figure",
    "level",
    "measure",
    "period",
    "person",
    "post",
    "proposal",
    "provision",
    "reform",
    "rule",
    "source",
    "tenure",
    "territory",
)
INSTANCE_PREFIXES = {kind: Namespace(f"{KZID}{kind}/") for kind in INSTANCE_KINDS}

# The usual vocabularies, and Wikidata's query prefixes, so that queries pasted from
# elsewhere run unchanged.
VOCABULARY_PREFIXES = {
    "rdf": Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    "rdfs": Namespace("http://www.w3.org/2000/01/rdf-schema#"),
    "owl": Namespace("http://www.w3.org/2002/07/owl#"),
    "xsd": Namespace("http://www.w3.org/2001/XMLSchema#"),
    "skos": Namespace("http://www.w3.org/2004/02/skos/core#"),
    "prov": Namespace("http://www.w3.org/ns/prov#"),
    "dcterms": Namespace("http://purl.org/dc/terms/"),
    "dct": Namespace("http://purl.org/dc/terms/"),
    "dc": Namespace("http://purl.org/dc/elements/1.1/"),
    "foaf": Namespace("http://xmlns.com/foaf/0.1/"),
    "dcat": Namespace("http://www.w3.org/ns/dcat#"),
    "void": VOID,
    "sd": SD,
    "sh": Namespace("http://www.w3.org/ns/shacl#"),
    "geo": Namespace("http://www.opengis.net/ont/geosparql#"),
    "wikibase": Namespace("http://wikiba.se/ontology#"),
    "p": Namespace("http://www.wikidata.org/prop/"),
    "ps": Namespace("http://www.wikidata.org/prop/statement/"),
    "pq": Namespace("http://www.wikidata.org/prop/qualifier/"),
    "bd": Namespace("http://www.bigdata.com/rdf#"),
}

# Every prefix a query may use undeclared (listed on the home page and in the service
# description): kzgov's own, one per kind of instance, then the usual vocabularies.
QUERY_PREFIXES: dict[str, Namespace] = {**PREFIXES, **INSTANCE_PREFIXES, **VOCABULARY_PREFIXES}

# The JSON-LD context entity documents are compacted with, served at this IRI's path.
JSONLD_CONTEXT = URIRef(BASE + "context.jsonld")
