"""What each build stage keeps in its cache entry, and how it is written and read back.

- parse: `triples.nt` (the file's triples, blank nodes with unique labels) and
  `prefixes.json` (the prefixes the file declares, for readable reports);
- validate: `results.json` (every SHACL result, terms as in SPARQL 1.1 JSON results) and
  `validation-report.txt`;
- materialize: `inferred.nt` (the cleaned inferred triples);
- check: `failures.json` (one line per failing row);
- write: the dumps and `counts.json` (the summary's counts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kzgov.build.validate import Violation

PARSED_TRIPLES = "triples.nt"
PARSED_PREFIXES = "prefixes.json"
VALIDATION_RESULTS = "results.json"
VALIDATION_REPORT = "validation-report.txt"
INFERRED_TRIPLES = "inferred.nt"
# The temporal closure (kzgov.reasoning.temporal), in the materialize entry too.
TEMPORAL_TRIPLES = "temporal.nt"
CHECK_FAILURES = "failures.json"
SUMMARY_COUNTS = "counts.json"


def write_json(path: Path, value: object) -> None:
    """Write a value as readable JSON, in UTF-8."""
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    """Read a JSON file written by write_json."""
    return json.loads(path.read_text(encoding="utf-8"))


def term_to_json(term: Node | None) -> dict[str, str] | None:
    """An RDF term as SPARQL 1.1 JSON results write it (https://www.w3.org/TR/sparql11-results-json/)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        encoded = {"type": "literal", "value": str(term)}
        if term.language:
            encoded["xml:lang"] = term.language
        elif term.datatype is not None:
            encoded["datatype"] = str(term.datatype)
        return encoded
    raise TypeError(f"not an RDF term: {term!r}")


def term_from_json(encoded: dict[str, str] | None) -> Node | None:
    """An RDF term from its SPARQL 1.1 JSON form."""
    if encoded is None:
        return None
    kind, value = encoded["type"], encoded["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    datatype = encoded.get("datatype")
    return Literal(
        value, lang=encoded.get("xml:lang"), datatype=URIRef(datatype) if datatype else None
    )


def write_validation(folder: Path, results: list[Violation], report: str) -> None:
    """Write the validate stage's entry: the results and the report."""
    write_json(
        folder / VALIDATION_RESULTS,
        [
            {
                "focus": term_to_json(r.focus),
                "path": term_to_json(r.path),
                "shape": term_to_json(r.shape),
                "message": r.message,
                "severity": term_to_json(r.severity),
                "value": term_to_json(r.value),
                "files": list(r.files),
            }
            for r in results
        ],
    )
    (folder / VALIDATION_REPORT).write_text(report, encoding="utf-8")


def read_validation(folder: Path) -> tuple[list[Violation], str]:
    """Read the validate stage's entry back: the results and the report.

    Raises:
        ValueError: a result lacks its focus node or severity.
    """
    results = []
    for item in read_json(folder / VALIDATION_RESULTS):
        focus, severity = term_from_json(item["focus"]), term_from_json(item["severity"])
        if focus is None or severity is None:
            raise ValueError(f"{folder}: a cached result lacks its focus or severity: {item}")
        results.append(
            Violation(
                focus=focus,
                path=term_from_json(item["path"]),
                shape=term_from_json(item["shape"]),
                message=item["message"],
                severity=severity,
                value=term_from_json(item["value"]),
                files=tuple(item["files"]),
            )
        )
    return results, (folder / VALIDATION_REPORT).read_text(encoding="utf-8")
