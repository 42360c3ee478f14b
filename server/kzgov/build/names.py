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

import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

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


def missing_names_markdown(registry: Graph, data: Graph) -> str:
    """The text of docs/missing-names.md: the entities of Kazakhstan with a name missing."""
    entities = entities_of_kazakhstan(registry)
    missing = missing_names(registry, data)
    lines = [
        "# Names still missing",
        "",
        "Generated by `tools/write_names.py` from the data; `tests/test_names.py` checks that it",
        "matches. The entities of Kazakhstan (see `kzgov.names`) with no Russian or no Kazakh",
        "label: no source names them in that language and `../shared/links/names-and-acts.csv`",
        "has no verified name, so none is given (no name is guessed).",
        "",
        f"Entities of Kazakhstan: {len(entities)}. With a Russian label:"
        f" {len(entities) - len(missing['ru'])}; with a Kazakh label:"
        f" {len(entities) - len(missing['kk'])}; with an English label:"
        f" {len(entities) - len(missing['en'])}.",
        "",
        "| entity | English label | Russian | Kazakh |",
        "|---|---|---|---|",
    ]
    no_ru, no_kk = set(missing["ru"]), set(missing["kk"])
    for entity in entities:
        if entity in no_ru or entity in no_kk:
            lines.append(
                f"| {local_id(entity)} | {english_label(data, entity)} |"
                f" {'missing' if entity in no_ru else 'given'} |"
                f" {'missing' if entity in no_kk else 'given'} |"
            )
    return "\n".join(lines) + "\n"


def read_data(files: Iterable[Path]) -> Graph:
    """Every data file parsed into one graph."""
    data = Graph()
    for path in files:
        data.parse(path, format="turtle")
    return data
