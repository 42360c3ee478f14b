"""Write the official Russian and Kazakh names, the rule and proposal labels, and missing-names.md.

1. The block at the end of data/registry.ttl, from ../shared/links/names-and-acts.csv:
   each entity's Russian and Kazakh name (rdfs:label @ru, @kk) with kz:nameEvidence,
   the csv's record of where each value was seen.
2. In each source's data file, an English rdfs:label on every rule and proposal node
   that has none, generated from the node's own data by kzgov.names (it ends
   "(rule, <source>)" or "(proposal, <source>)"; rerunning rewrites those lines only).
3. docs/missing-names.md, the entities of Kazakhstan still without a Russian or Kazakh name
   (with why: data/name-notes.csv, or "none"), and the power kinds without one; it prints
   the count of entities of Kazakhstan and of those with each language's label, which the
   README quotes.

Usage: .venv/bin/python tools/write_names.py
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kzgov.build.names import (
    GENERATED_LABEL,
    NAME_NOTES_FILE,
    RULE_CLASSES,
    missing_names_markdown,
    name_counts,
    proposal_label,
    read_data,
    read_name_notes,
    rule_label,
)
from kzgov.core.layout import Layout, is_source_file
from kzgov.core.namespaces import KZ, KZID

NAMES_CSV = Path("..") / "shared" / "links" / "names-and-acts.csv"
BANNER = "# -- Official names in Russian and Kazakh (written by tools/write_names.py) -------"
BANNER_NOTE = """\
# From ../shared/links/names-and-acts.csv: each value was seen in the public page or
# file that kz:nameEvidence records (copied from the csv). Do not edit by hand; rerun
# the tool. A name the csv does not give is left out and listed in docs/missing-names.md.
"""
SUBJECT_LINE = re.compile(r"^(?P<subject>[a-z]+:[A-Za-z0-9._-]+|<[^>]+>)\s*$")
TYPE_LINE = re.compile(r"^    a kz:(?P<class>[A-Za-z]+) (?P<end>[;.])$")
LABEL_LINE = re.compile(r'^    rdfs:label "(?P<text>.*)"@en (?P<end>[;.])$')


def turtle_string(text: str) -> str:
    """A Turtle string literal of the text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def registry_block(layout: Layout) -> str:
    """The registry's block of official names, from the names csv."""
    csv_path = layout.root / NAMES_CSV
    registry = Graph().parse(layout.data_dir / "registry.ttl", format="turtle")
    known = set(registry.subjects(RDF.type, None))
    blocks = [BANNER, BANNER_NOTE]
    with csv_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entity = URIRef(KZID + row["local_id"])
            if entity not in known:
                sys.exit(f"{NAMES_CSV}: {row['local_id']} is not in data/registry.ttl")
            lines = [
                f"    rdfs:label {turtle_string(row[lang].strip())}@{lang}"
                for lang in ("ru", "kk")
                if row[lang].strip()
            ]
            if not lines:
                continue
            lines.append(f"    kz:nameEvidence {turtle_string(row['evidence'])}")
            kind, slug = row["local_id"].split("/", 1)
            blocks.append(f"{kind}:{slug}\n" + " ;\n".join(lines) + " .\n")
    return "\n".join(blocks)


def write_registry_names(layout: Layout) -> None:
    """Replace the block of official names at the end of data/registry.ttl."""
    path = layout.data_dir / "registry.ttl"
    text = path.read_text(encoding="utf-8")
    kept = text.split("\n" + BANNER, 1)[0].rstrip("\n") + "\n\n"
    path.write_text(kept + registry_block(layout), encoding="utf-8")


def without_generated_labels(lines: list[str]) -> list[str]:
    """The lines without generated labels, statement ends put back."""
    kept: list[str] = []
    for line in lines:
        match = LABEL_LINE.match(line)
        if match and GENERATED_LABEL.search(match.group("text")):
            if match.group("end") == "." and kept:
                kept[-1] = kept[-1][:-1] + "."
            continue
        kept.append(line)
    return kept


def write_node_labels(layout: Layout, data: Graph, path: Path) -> None:
    """Give every rule and proposal node of a source file a generated English label."""
    slug = path.stem
    lines = without_generated_labels(path.read_text(encoding="utf-8").split("\n"))
    graph = Graph().parse(data="\n".join(lines), format="turtle", publicID=path.resolve().as_uri())
    wanted = {*RULE_CLASSES, KZ.Proposal}
    written: list[str] = []
    subject: URIRef | None = None
    for line in lines:
        match = SUBJECT_LINE.match(line)
        if match:
            name = match.group("subject")
            subject = (
                URIRef(name[1:-1])
                if name.startswith("<")
                else graph.namespace_manager.expand_curie(name)
            )
        typed = TYPE_LINE.match(line)
        if not typed or subject is None or KZ[typed.group("class")] not in wanted:
            written.append(line)
            continue
        has_english = any(
            isinstance(label, Literal)
            and label.language == "en"
            and not GENERATED_LABEL.search(str(label))
            for label in data.objects(subject, RDFS.label)
        )
        label = (
            proposal_label(data, graph, subject, slug)
            if KZ[typed.group("class")] == KZ.Proposal
            else rule_label(data, graph, subject, slug)
        )
        if has_english or label is None:
            written.append(line)
            continue
        written.append(line[:-1] + ";")
        written.append(f"    rdfs:label {turtle_string(label)}@en {typed.group('end')}")
        subject = None
    text = "\n".join(written)
    if text != path.read_text(encoding="utf-8"):
        path.write_text(text, encoding="utf-8")
        print(f"data/{path.name}: rule and proposal labels rewritten")


def main() -> int:
    """Write the names, the labels and docs/missing-names.md."""
    layout = Layout.default()
    write_registry_names(layout)
    data = read_data(layout.data_files())
    for path in layout.data_files():
        if is_source_file(path):
            write_node_labels(layout, data, path)
    data = read_data(layout.data_files())
    registry = Graph().parse(layout.data_dir / "registry.ttl", format="turtle")
    notes = read_name_notes(layout.data_dir / NAME_NOTES_FILE)
    powers = Graph().parse(layout.ontology_dir / "powers.ttl", format="turtle")
    (layout.root / "docs" / "missing-names.md").write_text(
        missing_names_markdown(registry, data, notes, powers), encoding="utf-8"
    )
    print("wrote data/registry.ttl (official names) and docs/missing-names.md")
    print(name_counts(registry, data).sentence())
    return 0


if __name__ == "__main__":
    sys.exit(main())
