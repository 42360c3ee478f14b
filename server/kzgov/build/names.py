"""Names of the entities in the languages of Kazakhstan, generated rule labels, missing names.

Which entities are "of Kazakhstan": the registry's posts, bodies, acts, provisions,
persons, territories, reforms and levels, except those of Turkey, the Ottoman Empire, the
Soviet Union as a whole and international organisations (FOREIGN_ENTITIES and the slug
prefixes in FOREIGN_SLUG_PREFIXES). Each should carry an English, a Russian and a Kazakh
label; those without a verified Russian or Kazakh name are listed in
docs/missing-names.md, which write_missing_names() generates and a test compares.

Rule and proposal nodes get an English label generated from their own data
(rule_label(), proposal_label()), marked by its ending "(rule, <source>)" or
"(proposal, <source>)" so that tools/write_names.py can rewrite it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kzgov.core.namespaces import KZ, KZID

ENTITY_KINDS = ("post", "body", "act", "provision", "person", "territory", "reform", "level")
FOREIGN_SLUG_PREFIXES = ("turkey-", "ottoman-", "eu-")
FOREIGN_ENTITIES = frozenset(
    {
        "territory/turkey",
        "territory/istanbul",
        "territory/ankara",
        "territory/izmir",
        "territory/kocaeli",
        "territory/united-states",
        "territory/ussr",
        "body/ussr-central-administration",
        "body/grand-national-assembly-of-turkey",
        "body/united-nations",
        "body/undp",
        "body/european-union",
        "reform/tanzimat",
    }
)
KAZAKHSTAN_LANGUAGES = ("en", "ru", "kk")

RULE_CLASSES = {
    KZ.AppointmentRule: ("appointment of {owner}", KZ.appointer, " by {agent}"),
    KZ.DismissalRule: ("dismissal of {owner}", KZ.dismisser, " by {agent}"),
    KZ.ElectionRule: ("election of {owner}", KZ.elector, " by {agent}"),
    KZ.AccountabilityRule: ("accountability of {owner}", KZ.principal, " to {agent}"),
    KZ.SubordinationRule: ("subordination of {owner}", KZ.superior, " to {agent}"),
    KZ.UnknownFillingRule: ("filling of {owner}, method not stated", None, ""),
}
# A generated label ends so: "(rule, reforms-article-2022)" or "(proposal, abai-kaznpu-2025)".
GENERATED_LABEL = re.compile(r" \((?:rule|proposal), [a-z0-9-]+\)$")


def local_id(entity: URIRef) -> str:
    """The entity's path under the id namespace: "post/president"."""
    return str(entity).removeprefix(str(KZID))


def is_of_kazakhstan(entity: URIRef) -> bool:
    """Whether an entity is one of Kazakhstan's (not foreign, not international)."""
    path = local_id(entity)
    kind, _, slug = path.partition("/")
    return (
        kind in ENTITY_KINDS
        and path not in FOREIGN_ENTITIES
        and not slug.startswith(FOREIGN_SLUG_PREFIXES)
    )


def entities_of_kazakhstan(registry: Graph) -> list[URIRef]:
    """The registry's entities of Kazakhstan, in IRI order."""
    return sorted(
        {
            s
            for s in registry.subjects(RDF.type, None)
            if isinstance(s, URIRef) and str(s).startswith(str(KZID)) and is_of_kazakhstan(s)
        }
    )


def label_languages(data: Graph, entity: URIRef) -> set[str]:
    """The languages of an entity's rdfs:label values in any graph."""
    return {
        o.language
        for o in data.objects(entity, RDFS.label)
        if isinstance(o, Literal) and o.language
    }


def missing_names(registry: Graph, data: Graph) -> dict[str, list[URIRef]]:
    """The entities of Kazakhstan with no label in each of English, Russian and Kazakh."""
    entities = entities_of_kazakhstan(registry)
    return {
        language: [e for e in entities if language not in label_languages(data, e)]
        for language in KAZAKHSTAN_LANGUAGES
    }


def english_label(data: Graph, node: URIRef) -> str:
    """A node's English label, or its id path if it has none."""
    for label in data.objects(node, RDFS.label):
        if isinstance(label, Literal) and label.language == "en":
            return str(label)
    return local_id(node)


# Properties that point at a rule without owning it (an event under it, a rule or act
# that replaces or changes it): never the post a rule is about.
RULE_REFERENCES = frozenset({KZ.underRule, KZ.replaces, KZ.replacedBy, KZ.changesRule})


def rule_label(data: Graph, graph: Graph, rule: URIRef, slug: str) -> str | None:
    """An English label for a rule node from its own data, or None if it is not a rule.

    Args:
        data: every graph, for the labels of the post and the agent.
        graph: the rule's own source graph.
        rule: the rule node.
        slug: the source graph's name.

    Returns:
        Such as "appointment of akim of an oblast by President of Kazakhstan
        (rule, reforms-article-2022)".
    """
    for kind, (pattern, agent_property, agent_pattern) in RULE_CLASSES.items():
        if (rule, RDF.type, kind) not in graph:
            continue
        owners = sorted(
            s
            for s, p, _o in graph.triples((None, None, rule))
            if isinstance(s, URIRef) and p not in RULE_REFERENCES
        )
        owner_nodes = [o for o in owners if (o, KZ.proposedRule, rule) not in graph]
        proposals = [o for o in owners if (o, KZ.proposedRule, rule) in graph]
        if not owner_nodes:
            owner_nodes = sorted(
                t
                for p in proposals
                for t in graph.objects(p, KZ.proposedFor)
                if isinstance(t, URIRef)
            )
        owner = english_label(data, owner_nodes[0]) if owner_nodes else "an unnamed post"
        text = pattern.format(owner=owner)
        found = graph.objects(rule, agent_property) if agent_property else iter(())
        agents = sorted(a for a in found if isinstance(a, URIRef))
        if agents:
            text += agent_pattern.format(
                agent=" and ".join(english_label(data, a) for a in agents if isinstance(a, URIRef))
            )
        return f"{text} (rule, {slug})"
    return None


def proposal_label(data: Graph, graph: Graph, proposal: URIRef, slug: str) -> str:
    """An English label for a proposal node from its own data.

    Returns:
        Such as "concept district akim direct election: proposal by Concept ... for akim
        of a district (proposal, abai-kaznpu-2025)".
    """
    name = local_id(proposal).rsplit("/", 1)[-1].replace("-", " ")
    text = name
    by = sorted(o for o in graph.objects(proposal, KZ.proposedBy) if isinstance(o, URIRef))
    targets = sorted(o for o in graph.objects(proposal, KZ.proposedFor) if isinstance(o, URIRef))
    if by:
        own_source = KZID["source/" + slug]
        text += ", by " + " and ".join(
            "the authors of the source" if b == own_source else english_label(data, b) for b in by
        )
    if targets:
        text += ", for " + " and ".join(english_label(data, t) for t in targets)
    return f"{text} (proposal, {slug})"


# The reviewed list of why a name is missing: the form a source gives instead (declined,
# plural) with its sentence, or a note where no source names the entity at all.
NAME_NOTES_FILE = "name-notes.csv"
NAME_NOTES_COLUMNS = ("local_id", "language", "source", "locator", "form", "note")


@dataclass(frozen=True)
class NameNote:
    """Why an entity has no label in a language (a row of data/name-notes.csv).

    Attributes:
        local_id: the entity's id path ("post/kenes-member").
        language: "ru" or "kk".
        source: the source graph that gives another form, or "".
        locator: the sentence of that form ("s155"), or "".
        form: the form the source gives, verbatim, or "".
        note: why it is not a label.
        line: the row's line in the file.
    """

    local_id: str
    language: str
    source: str
    locator: str
    form: str
    note: str
    line: int

    def text(self) -> str:
        """The note as missing-names.md gives it."""
        if self.form:
            return f"{self.note}: «{self.form}» ({self.source} {self.locator})"
        return self.note


def read_name_notes(path: Path) -> dict[tuple[str, str], NameNote]:
    """The reviewed notes on missing names, by (id path, language)."""
    notes = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for line, row in enumerate(reader, start=2):
            note = NameNote(
                **{c: (row.get(c) or "").strip() for c in NAME_NOTES_COLUMNS}, line=line
            )
            notes[(note.local_id, note.language)] = note
    return notes


@dataclass(frozen=True)
class NameCounts:
    """How many entities of Kazakhstan have a label in each language."""

    entities: int
    russian: int
    kazakh: int
    english: int

    def sentence(self) -> str:
        """The counts as README and docs/missing-names.md print them."""
        return (
            f"Entities of Kazakhstan: {self.entities}. With a Russian label: {self.russian};"
            f" with a Kazakh label: {self.kazakh}; with an English label: {self.english}."
        )


def name_counts(registry: Graph, data: Graph) -> NameCounts:
    """The entities of Kazakhstan and how many carry an English, Russian and Kazakh label."""
    total = len(entities_of_kazakhstan(registry))
    missing = missing_names(registry, data)
    return NameCounts(
        total, total - len(missing["ru"]), total - len(missing["kk"]), total - len(missing["en"])
    )


def power_kinds(ontology: Graph) -> list[URIRef]:
    """The concepts of the power-kind scheme, in IRI order."""
    scheme = URIRef(str(KZID) + "power-kind/scheme")
    return sorted(k for k in ontology.subjects(SKOS.inScheme, scheme) if isinstance(k, URIRef))


def missing_names_markdown(
    registry: Graph,
    data: Graph,
    notes: dict[tuple[str, str], NameNote] | None = None,
    ontology: Graph | None = None,
) -> str:
    """The text of docs/missing-names.md: the entities of Kazakhstan with a name missing.

    Args:
        registry: the registry graph.
        data: every data graph.
        notes: the reviewed reasons (data/name-notes.csv) by (id path, language).
        ontology: the ontology module of the power kinds (their English labels).
    """
    notes = notes or {}
    entities = entities_of_kazakhstan(registry)
    missing = missing_names(registry, data)
    lines = [
        "# Names still missing",
        "",
        "Generated by `tools/write_names.py` from the data; `tests/test_names.py` checks that it",
        "matches. The entities of Kazakhstan (see `kzgov.names`) with no Russian or no Kazakh",
        "label, and why. A label is given only where a source names the entity in that",
        "language in its base (nominative) form, quoted in that source's graph, or where",
        "`../shared/links/names-and-acts.csv` records a verified name (in the registry, with",
        "its evidence); no name is guessed, translated or put back into the nominative.",
        "A name a source gives only in a declined or plural form is not a label: the form",
        "and its sentence are quoted below (from `data/name-notes.csv`, reviewed).",
        '"missing: none" means that no source names the entity in that language and the',
        "names csv has no verified name for it.",
        "",
        name_counts(registry, data).sentence(),
        "",
        "| entity | English label | Russian | Kazakh |",
        "|---|---|---|---|",
    ]

    def cell(entity: URIRef, language: str, absent: set[URIRef]) -> str:
        if entity not in absent:
            return "given"
        note = notes.get((local_id(entity), language))
        return "missing: " + (note.text() if note else "none")

    no_ru, no_kk = set(missing["ru"]), set(missing["kk"])
    for entity in entities:
        if entity in no_ru or entity in no_kk:
            lines.append(
                f"| {local_id(entity)} | {english_label(data, entity)} |"
                f" {cell(entity, 'ru', no_ru)} | {cell(entity, 'kk', no_kk)} |"
            )
    if ontology is not None:
        lines += [
            "",
            "## Power kinds",
            "",
            "The power kinds (`ontology/powers.ttl`) are kzgov's own vocabulary, with English",
            "labels. A kind has a Russian or Kazakh label where the Kazakh source",
            "(abai-kaznpu-2025) uses a term for it in its base form, quoted beside the label in",
            "that source's graph; the others have none, since no source or links file names",
            "them in that language.",
            "",
            "| power kind | English label | Russian | Kazakh |",
            "|---|---|---|---|",
        ]
        for kind in power_kinds(ontology):
            languages = label_languages(data, kind) | label_languages(ontology, kind)
            lines.append(
                f"| {local_id(kind)} | {english_label(ontology, kind)} |"
                f" {'given' if 'ru' in languages else 'missing'} |"
                f" {'given' if 'kk' in languages else 'missing'} |"
            )
    return "\n".join(lines) + "\n"


def read_data(files: Iterable[Path]) -> Graph:
    """Every data file parsed into one graph."""
    data = Graph()
    for path in files:
        data.parse(path, format="turtle")
    return data
