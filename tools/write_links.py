"""Write data/links.ttl from ../shared/links/wikidata-and-geo-ids.csv for the entities kzgov has.

Usage: .venv/bin/python tools/write_links.py

Every name in the links file must be in ENTITY_TO_IRI: mapped to a kzgov IRI that
data/registry.ttl has, or to None where the graph has no such entity (the single
oblasts, for example). An unmatched name or an IRI the registry lacks stops the script
with exit code 1, so that no verified link is dropped unnoticed. A Wikidata QID seen in one file
only ("single source" in the evidence) is linked with skos:closeMatch, otherwise
skos:exactMatch; never owl:sameAs. GeoNames ids of Almaty and Shymkent name the populated
places, not the administrative units, so they are closeMatch too. Current ISO 3166-2 codes
become wdt:P300, the former letter codes kz:formerIso3166Code. Who's On First records
(../shared/links/regions-whosonfirst.csv) are matched to entities by their Wikidata QID
and become kz:whosOnFirstId and skos:closeMatch to the record's page (a gazetteer
record, not the same resource).

Acts with a document code in Adilet, Kazakhstan's legal information system (column
`adilet` of ../shared/links/names-and-acts.csv), get kz:adiletCode and rdfs:seeAlso the
document's page https://adilet.zan.kz/rus/docs/<code>.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
LINKS_CSV = ROOT.parent / "shared" / "links" / "wikidata-and-geo-ids.csv"
WHOSONFIRST_CSV = ROOT.parent / "shared" / "links" / "regions-whosonfirst.csv"
WHOSONFIRST_PAGE = "https://spelunker.whosonfirst.org/id/"
REGISTRY = ROOT / "data" / "registry.ttl"
NAMES_CSV = ROOT.parent / "shared" / "links" / "names-and-acts.csv"
OUTPUT = ROOT / "data" / "links.ttl"
ADILET_DOCUMENT = "https://adilet.zan.kz/rus/docs/"
ID = "https://w3id.org/kzgov/id/"

# The links file's entity names, and the kzgov IRI each one is (None: not in the graph).
ENTITY_TO_IRI: dict[str, str | None] = {
    "Kazakhstan": "territory/kazakhstan",
    "Turkey": "territory/turkey",
    "President of Kazakhstan (office)": "post/president",
    "Prime Minister of Kazakhstan (office)": "post/prime-minister",
    "Government of Kazakhstan": "body/government",
    "Parliament of Kazakhstan": "body/parliament",
    "Member of the Mazhilis (position)": "post/mazhilis-deputy",
    "Member of the Senate of Kazakhstan (position)": "post/senator",
    "National Bank of Kazakhstan": "body/national-bank",
    "Nursultan Nazarbayev": "person/nursultan-nazarbayev",
    "Kassym-Jomart Tokayev": "person/kassym-jomart-tokayev",
    "Ak Zhol Democratic Party": "body/ak-zhol-party",
    "Nur Otan (renamed Amanat; see links.md)": None,
    "Soviet Union": "territory/ussr",
    "Kazakh SSR": "territory/kazakh-ssr",
    "Grand National Assembly of Turkey": "body/grand-national-assembly-of-turkey",
    "Member of the Grand National Assembly of Turkey (position)": None,
    "European Union": "body/european-union",
    "United Nations Development Programme (UNDP)": "body/undp",
    "Almaty (city)": "territory/almaty",
    "Astana (also 'Nur-Sultan')": "territory/astana",
    "Shymkent": "territory/shymkent",
    "Abai Region": "territory/abai-region",
    "Akmola Region": "territory/akmola-region",
    "Aktobe Region": "territory/aktobe-region",
    "Almaty Region": "territory/almaty-region",
    "Atyrau Region": "territory/atyrau-region",
    "West Kazakhstan Region": "territory/west-kazakhstan-region",
    "Jambyl Region": "territory/jambyl-region",
    "Jetisu Region": "territory/jetisu-region",
    "Karaganda Region": "territory/karaganda-region",
    "Kostanay Region": "territory/kostanay-region",
    "Kyzylorda Region": "territory/kyzylorda-region",
    "Mangystau Region": "territory/mangystau-region",
    "Pavlodar Region": "territory/pavlodar-region",
    "North Kazakhstan Region": "territory/north-kazakhstan-region",
    "Turkistan Region (formerly South Kazakhstan)": "territory/turkistan-region",
    "Ulytau Region": "territory/ulytau-region",
    "East Kazakhstan Region": "territory/east-kazakhstan-region",
    # A type, not an entity: it would link the class kz:CityOfRepublicanSignificance.
    "city of republican significance (type)": None,
}
POPULATED_PLACE_GEONAMES = {"Almaty (city)", "Shymkent"}

HEADER = """\
# kzgov links: identifiers of kzgov entities in Wikidata, ISO 3166-2 and GeoNames.
# Written by tools/write_links.py from ../shared/links/wikidata-and-geo-ids.csv, which
# names for each identifier the public file it was seen in. Do not edit by hand.
# skos:closeMatch where the identifier was seen in one file only, or (GeoNames of
# Almaty and Shymkent) names the populated place rather than the administrative unit.
# Adilet document codes of acts (kz:adiletCode, rdfs:seeAlso the document) from
# ../shared/links/names-and-acts.csv, which names the page each code was seen on.
# Loaded into graph <https://w3id.org/kzgov/graph/links>.

@prefix kz: <https://w3id.org/kzgov/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
"""


def add_whosonfirst(blocks: dict[str, list[str]], qid_to_path: dict[str, str]) -> None:
    """Add each Who's On First record to the block of the entity with its Wikidata QID."""
    with WHOSONFIRST_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path = qid_to_path.get(row["wikidata"])
            if path is None or path not in blocks:
                continue
            blocks[path].append(f"    skos:closeMatch <{WHOSONFIRST_PAGE}{row['wof_id']}/>")
            blocks[path].append(f'    kz:whosOnFirstId "{row["wof_id"]}"')


def main() -> int:
    """Write data/links.ttl for the registry's entities; return the exit code."""
    registry = Graph().parse(REGISTRY, format="turtle")
    known = set(registry.subjects())
    blocks: dict[str, list[str]] = {}
    problems: list[str] = []
    qid_to_path: dict[str, str] = {}
    with LINKS_CSV.open(encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            name = row["entity_en"]
            if name not in ENTITY_TO_IRI:
                problems.append(
                    f"{LINKS_CSV.name}:{line}: {name!r} is not in ENTITY_TO_IRI: map it to"
                    " its kzgov IRI, or to None if the graph has no such entity"
                )
                continue
            path = ENTITY_TO_IRI[name]
            if path is None:
                continue
            if URIRef(ID + path) not in known:
                problems.append(
                    f"{LINKS_CSV.name}:{line}: {name!r} maps to {path}, which"
                    f" {REGISTRY.relative_to(ROOT)} does not have"
                )
                continue
            if not row["other_scheme"]:
                qid_to_path[row["qid"]] = path
            single = "single source" in row["evidence"]
            lines = blocks.setdefault(path, [])
            scheme, value = row["other_scheme"], row["other_id"]
            if not scheme:
                match = "skos:closeMatch" if single else "skos:exactMatch"
                lines.append(f"    {match} wd:{row['qid']}")
            elif scheme == "geonames":
                close = single or row["entity_en"] in POPULATED_PLACE_GEONAMES
                match = "skos:closeMatch" if close else "skos:exactMatch"
                lines.append(f"    {match} <https://sws.geonames.org/{value}/>")
                lines.append(f'    wdt:P1566 "{value}"')
            elif scheme == "iso3166-2":
                lines.append(f'    wdt:P300 "{value}"')
            elif scheme == "iso3166-2-former":
                lines.append(f'    kz:formerIso3166Code "{value}"')
            elif scheme == "iso3166-1-alpha2":
                lines.append(f'    wdt:P297 "{value}"')
    with NAMES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adilet"].strip()
            if not code:
                continue
            if URIRef(ID + row["local_id"]) not in known:
                sys.exit(f"names-and-acts.csv: {row['local_id']} is not in data/registry.ttl")
            lines = blocks.setdefault(row["local_id"], [])
            lines.append(f'    kz:adiletCode "{code}"')
            lines.append(f"    rdfs:seeAlso <{ADILET_DOCUMENT}{code}>")
    add_whosonfirst(blocks, qid_to_path)
    if problems:
        for problem in problems:
            print(f"write_links: {problem}", file=sys.stderr)
        print("write_links: data/links.ttl not written", file=sys.stderr)
        return 1
    out = [HEADER]
    for path in sorted(blocks):
        lines = blocks[path]
        out.append(f"<{ID}{path}>\n" + " ;\n".join(lines) + " .\n")
    OUTPUT.write_text("\n".join(out), encoding="utf-8")
    Graph().parse(OUTPUT, format="turtle")
    shown = OUTPUT.relative_to(ROOT) if OUTPUT.is_relative_to(ROOT) else OUTPUT.name
    print(f"wrote {shown}: {len(blocks)} entities linked", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
