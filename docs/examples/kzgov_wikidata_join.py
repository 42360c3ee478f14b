"""Join kzgov and Wikidata on Wikidata QIDs: kzgov's entities with their Wikidata labels.

Usage:
    python docs/examples/kzgov_wikidata_join.py \
        [--kzgov http://127.0.0.1:8000/sparql] \
        [--wikidata https://query.wikidata.org/sparql] [--languages ru,kk] > joined.csv

Neither service calls the other (kzgov refuses SERVICE, and the Wikidata Query Service
federates only with endpoints on its allow-list), so the join happens here: one query
to kzgov for its entities and their QIDs (`skos:exactMatch` and `skos:closeMatch`), one
query to Wikidata with those QIDs in a VALUES block, and the two answers joined on the
QID. The output is CSV: the kzgov entity, its English name, the QID, the kind of match,
then the Wikidata label in each language asked for. Only the Python standard library is
used.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import urllib.parse
import urllib.request
from collections import defaultdict

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
USER_AGENT = "kzgov-wikidata-join/0.1 (https://w3id.org/kzgov/)"
TIMEOUT_SECONDS = 60

# skos:, rdfs: and kzg: are predeclared on kzgov; no PREFIX lines are needed there.
KZGOV_QUERY = """\
SELECT ?entity ?name ?qid ?match WHERE {
  VALUES (?property ?match) { (skos:exactMatch "exact") (skos:closeMatch "close") }
  ?entity ?property ?item .
  FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/Q"))
  BIND(STRAFTER(STR(?item), "http://www.wikidata.org/entity/") AS ?qid)
  OPTIONAL { GRAPH kzg:registry { ?entity rdfs:label ?name FILTER(LANG(?name) = "en") } }
}
ORDER BY ?qid ?entity
"""

WIKIDATA_QUERY = """\
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?item ?label ?language WHERE {{
  VALUES ?item {{ {items} }}
  ?item rdfs:label ?label .
  BIND(LANG(?label) AS ?language)
  FILTER(?language IN ({languages}))
}}
"""


def select(endpoint: str, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT query sent to a SPARQL endpoint, as variable -> value."""
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise SystemExit(f"{endpoint}: not an http(s) URL")
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    headers = {"Accept": "application/sparql-results+json", "User-Agent": USER_AGENT}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        answer = json.load(response)
    return [
        {name: cell["value"] for name, cell in row.items()} for row in answer["results"]["bindings"]
    ]


def wikidata_labels(
    endpoint: str, qids: list[str], languages: list[str]
) -> dict[str, dict[str, str]]:
    """The labels of some Wikidata items, by QID then language."""
    if not qids:
        return {}
    query = WIKIDATA_QUERY.format(
        items=" ".join(f"wd:{qid}" for qid in qids),
        languages=", ".join(f'"{language}"' for language in languages),
    )
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in select(endpoint, query):
        qid = row["item"].removeprefix(WIKIDATA_ENTITY)
        labels[qid][row["language"]] = row["label"]
    return labels


def main(argv: list[str] | None = None) -> int:
    """Print the joined answers as CSV; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kzgov", default="http://127.0.0.1:8000/sparql")
    parser.add_argument("--wikidata", default="https://query.wikidata.org/sparql")
    parser.add_argument("--languages", default="ru,kk")
    args = parser.parse_args(argv)
    languages = [language.strip() for language in args.languages.split(",") if language.strip()]
    entities = select(args.kzgov, KZGOV_QUERY)
    qids = sorted({row["qid"] for row in entities})
    labels = wikidata_labels(args.wikidata, qids, languages)
    writer = csv.writer(sys.stdout)
    writer.writerow(["kzgov", "name", "qid", "match", *(f"label_{lang}" for lang in languages)])
    for row in entities:
        found = labels.get(row["qid"], {})
        writer.writerow(
            [row["entity"], row.get("name", ""), row["qid"], row["match"],
             *(found.get(language, "") for language in languages)]
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
