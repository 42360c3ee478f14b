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
INFERRED_GRAPH = URIRef(KZG["inferred"])
MANIFEST_GRAPH = URIRef(KZG["manifest"])
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
