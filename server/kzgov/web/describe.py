"""Describing a resource for its page: its statements, their sources, and what is inferred.

Every description is read through the query executor (kzgov.web.lookup), never from the
dataset directly. A statement's sources are the named graphs it sits in: a source
graph (`kz:SourceGraph` `prov:wasDerivedFrom` a `kz:SourceDocument`) stands for its
source document; a statement that sits only in `kzg:inferred` is inferred.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kzgov.core.namespaces import (
    INFERRED_GRAPH,
    KZ,
    KZG,
    KZID,
    ONTOLOGY_GRAPH,
    TEMPORAL_GRAPH,
    WD,
)
from kzgov.web.linking import short_name
from kzgov.web.lookup import N_TRIPLES, Executor, iri_ref, read_graph, select, values_clause

# Properties whose values are an entity's names.
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
# Properties a link's label is taken from.
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)

# The most incoming statements a page lists (a class can have hundreds of instances).
MAX_INCOMING_ROWS = 1000

# Kinds of instance that are n-ary nodes (a rule, a tenure, a figure...): a page shows
# what such a node says right where it links to it.
N_ARY_KINDS = ("rule", "tenure", "figure", "period", "proposal")
# The most n-ary nodes a page expands.
MAX_DETAILED_NODES = 200

# The most subjects the page of a named graph lists.
MAX_GRAPH_SUBJECTS = 2000

# Kinds of ontology term, in the order the ontology page lists them.
ONTOLOGY_KINDS = (
    (OWL.Class, "Classes"),
    (OWL.ObjectProperty, "Object properties"),
    (OWL.DatatypeProperty, "Datatype properties"),
    (OWL.AnnotationProperty, "Annotation properties"),
    (OWL.NamedIndividual, "Individuals"),
)

# Language preference for the one label shown on a link: English, untagged, then any.
PREFERRED_LANGUAGES = ("en", "")


@dataclass(frozen=True)
class Attribution:
    """Where a statement comes from, as a page shows it.

    Attributes:
        kind: "source" (a source document), "graph" (kzgov's own graph, such as the
            registry), or "inferred".
        iri: the source document or the graph.
        label: what to show.
    """

    kind: str
    iri: URIRef
    label: str


@dataclass(frozen=True)
class Statement:
    """One statement about (or pointing at) the described resource, in every graph it sits in.

    Attributes:
        predicate: the property.
        value: the other end: the object of an outgoing statement, the subject of an
            incoming one.
        graphs: the named graphs that hold the statement.
        attributions: the sources and graphs to show for it.
    """

    predicate: URIRef
    value: Node
    graphs: frozenset[URIRef]
    attributions: tuple[Attribution, ...] = ()

    @property
    def inferred(self) -> bool:
        """Whether the statement is only in the inferred graph (no file states it)."""
        return self.graphs == frozenset({INFERRED_GRAPH})


@dataclass
class Description:
    """What the page of a resource shows.

    Attributes:
        iri: the resource.
        outgoing: statements with the resource as subject.
        incoming: statements with the resource as object (value = the subject).
        incoming_truncated: whether there were more incoming statements than shown.
        blank_nodes: the resource's concise bounded description, which holds what its
            blank nodes (OWL class expressions, RDF lists) say.
        labels: a display label for each IRI the page links to.
        details: what each n-ary node the page links to states (stated, not inferred).
    """

    iri: URIRef
    outgoing: list[Statement]
    incoming: list[Statement]
    incoming_truncated: bool = False
    blank_nodes: Graph = field(default_factory=Graph)
    labels: dict[URIRef, str] = field(default_factory=dict)
    details: dict[URIRef, list[tuple[URIRef, Node]]] = field(default_factory=dict)

    @property
    def names(self) -> list[Statement]:
        """The resource's labels, by language then text."""
        found = [s for s in self.outgoing if s.predicate in LABEL_PROPERTIES]
        return sorted(found, key=lambda s: (language_of(s.value), str(s.value)))

    @property
    def types(self) -> list[Statement]:
        """The resource's classes, asserted ones first."""
        found = [s for s in self.outgoing if s.predicate == RDF.type]
        return sorted(
            found, key=lambda s: (s.inferred, isinstance(s.value, BNode), self.label(s.value))
        )

    @property
    def statements(self) -> list[Statement]:
        """The other outgoing statements, by property, asserted before inferred."""
        found = [
            s
            for s in self.outgoing
            if s.predicate != RDF.type and s.predicate not in LABEL_PROPERTIES
        ]
        return sorted(
            found, key=lambda s: (self.label(s.predicate).lower(), s.inferred, self.label(s.value))
        )

    @property
    def incoming_sorted(self) -> list[Statement]:
        """The incoming statements, by property then subject."""
        return sorted(
            self.incoming,
            key=lambda s: (self.label(s.predicate).lower(), s.inferred, self.label(s.value)),
        )

    @property
    def title(self) -> str:
        """The resource's name: its English (or untagged, or first) label, else a short IRI."""
        return self.labels.get(self.iri) or short_name(self.iri)

    def label(self, term: Node) -> str:
        """The display label of a term (its label if it has one, else a short name)."""
        if isinstance(term, URIRef):
            return self.labels.get(term) or short_name(term)
        return str(term)

    def members(self, node: Node) -> list[Node] | None:
        """The items of an RDF list, or None if the node is not a (well-formed) list."""
        items: list[Node] = []
        seen: set[Node] = set()
        while node != RDF.nil:
            first = self.blank_nodes.value(node, RDF.first)
            rest = self.blank_nodes.value(node, RDF.rest)
            if first is None or rest is None or node in seen:
                return None
            seen.add(node)
            items.append(first)
            node = rest
        return items

    def about(self, node: Node) -> list[tuple[URIRef, Node]]:
        """What a blank node says, as (property, value) pairs sorted by property."""
        pairs = [
            (p, o) for p, o in self.blank_nodes.predicate_objects(node) if isinstance(p, URIRef)
        ]
        return sorted(pairs, key=lambda pair: (pair[0] != RDF.type, str(pair[0]), str(pair[1])))


def language_of(term: Node) -> str:
    """The language tag of a literal, or "" for anything else."""
    return term.language or "" if isinstance(term, Literal) else ""


def outgoing_query(iri: str) -> str:
    """The SELECT of a resource's statements, with the graph each sits in."""
    return f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {iri_ref(iri)} ?p ?o }} }}"


def blank_nodes_query(iri: str) -> str:
    """The DESCRIBE of a resource: its concise bounded description, blank nodes included.

    rdflib answers DESCRIBE with the CBD (https://www.w3.org/submission/CBD/), which
    follows blank nodes to any depth, far faster than a SPARQL pattern can.
    """
    return f"DESCRIBE {iri_ref(iri)}"


def wikidata_labels(
    subject: URIRef, outgoing: Iterable[tuple[URIRef, Node]], labels: Mapping[URIRef, str]
) -> dict[URIRef, str]:
    """Names for the Wikidata items an entity is matched to, which the graph does not label.

    An exact match (skos:exactMatch, owl:sameAs) is the entity itself: its own label; a
    close match says so. Shown beside the QID ("Kassym-Jomart Tokayev — wd:Q200881").
    """
    own = labels.get(subject)
    if not own:
        return {}
    named: dict[URIRef, str] = {}
    for predicate, value in outgoing:
        if not (isinstance(value, URIRef) and str(value).startswith(str(WD))) or value in labels:
            continue
        if predicate in (SKOS.exactMatch, OWL.sameAs):
            named[value] = own
        elif predicate == SKOS.closeMatch:
            named.setdefault(value, f"{own} (close match)")
    return named


def incoming_query(iri: str) -> str:
    """The SELECT of the statements pointing at a resource from named subjects, per graph.

    The temporal closure's derivation nodes (graph kzg:temporal: "relation subject",
    "derivation rule"…) are its bookkeeping, not relations a reader looks for: left out.
    """
    term = iri_ref(iri)
    return (
        "SELECT ?s ?p ?g WHERE {\n"
        f"  GRAPH ?g {{ ?s ?p {term} }}\n"
        f"  FILTER(!isBlank(?s) && ?g != <{TEMPORAL_GRAPH}>)\n"
        f"}}\nLIMIT {MAX_INCOMING_ROWS + 1}"
    )


def labels_query(iris: Iterable[str]) -> str:
    """The SELECT of the names of some IRIs (rdfs:label, skos:prefLabel, dcterms:title)."""
    listed = sorted(set(iris))
    path = "|".join(f"<{p}>" for p in NAME_PROPERTIES)
    return f"SELECT DISTINCT ?x ?label WHERE {{ {values_clause('x', listed)} ?x {path} ?label }}"


def incoming_graph_query(iri: str) -> str:
    """The CONSTRUCT of the statements pointing at a resource from named subjects."""
    term = iri_ref(iri)
    return (
        f"CONSTRUCT {{ ?s ?p {term} }} WHERE {{ ?s ?p {term} FILTER(!isBlank(?s)) }}"
        f" LIMIT {MAX_INCOMING_ROWS}"
    )


def graph_contents_query(graph_iri: str) -> str:
    """The CONSTRUCT of every triple of one named graph."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(graph_iri)} {{ ?s ?p ?o }} }}"


def pick_label(candidates: Iterable[Literal], language: str = "en") -> str:
    """The label to show: in `language`, then English, then untagged, then the first by language."""
    preferred = (language, *PREFERRED_LANGUAGES)
    ranked = sorted(
        candidates,
        key=lambda lit: (
            preferred.index(lit.language or "")
            if (lit.language or "") in preferred
            else len(preferred),
            lit.language or "",
            str(lit),
        ),
    )
    return str(ranked[0]) if ranked else ""


def fetch_labels(
    executor: Executor, iris: Iterable[URIRef], language: str = "en"
) -> dict[URIRef, str]:
    """A display label for each IRI that has one.

    Args:
        executor: the query executor.
        iris: the IRIs to name.
        language: the language wanted (English, then any, when a term has no label in it).

    Returns:
        Label by IRI, for those that have an rdfs:label or skos:prefLabel.
    """
    wanted = sorted({str(i) for i in iris})
    if not wanted:
        return {}
    found: dict[URIRef, list[Literal]] = defaultdict(list)
    for row in select(executor, labels_query(wanted)):
        subject, label = row.get("x"), row.get("label")
        if isinstance(subject, URIRef) and isinstance(label, Literal):
            found[subject].append(label)
    return {iri: pick_label(labels, language) for iri, labels in found.items()}


def attribute(
    graphs: Iterable[URIRef], source_of_graph: Mapping[URIRef, URIRef], labels: Mapping[URIRef, str]
) -> tuple[Attribution, ...]:
    """Where a statement comes from: its sources, then kzgov's own graphs, then inference.

    Args:
        graphs: the graphs holding the statement.
        source_of_graph: the source document of each source graph.
        labels: display labels of the source documents.

    Returns:
        One attribution per graph, sources first.
    """
    sources, own, inferred = [], [], []
    for graph in sorted(set(graphs)):
        if graph in source_of_graph:
            source = source_of_graph[graph]
            sources.append(Attribution("source", source, labels.get(source) or short_name(source)))
        elif graph == INFERRED_GRAPH:
            inferred.append(Attribution("inferred", graph, "inferred"))
        else:
            name = (
                str(graph)[len(str(KZG)) :]
                if str(graph).startswith(str(KZG))
                else short_name(graph)
            )
            own.append(Attribution("graph", graph, name))
    return tuple(sources + own + inferred)


def group_statements(
    pairs: Iterable[tuple[URIRef, Node, URIRef]],
) -> dict[tuple[URIRef, Node], set[URIRef]]:
    """The graphs of each (property, value), from (property, value, graph) rows."""
    grouped: dict[tuple[URIRef, Node], set[URIRef]] = defaultdict(set)
    for predicate, value, graph in pairs:
        grouped[(predicate, value)].add(graph)
    return grouped


def is_n_ary(term: Node) -> bool:
    """Whether a term is an n-ary node of kzgov: a rule, tenure, figure, period or proposal."""
    return isinstance(term, URIRef) and str(term).startswith(
        tuple(f"{KZID}{kind}/" for kind in N_ARY_KINDS)
    )


def details_query(iris: Iterable[str]) -> str:
    """The SELECT of what some nodes state, their types and the inferred graph aside."""
    return (
        "SELECT DISTINCT ?x ?p ?o WHERE {\n"
        f"  {values_clause('x', sorted(set(iris)))}\n"
        "  GRAPH ?g { ?x ?p ?o }\n"
        f"  FILTER(?g != <{INFERRED_GRAPH}> && ?p != <{RDF.type}>)\n"
        "}"
    )


def fetch_details(
    executor: Executor, nodes: Iterable[URIRef]
) -> dict[URIRef, list[tuple[URIRef, Node]]]:
    """What each of some n-ary nodes states, as (property, value) pairs sorted by property."""
    wanted = sorted(set(nodes))[:MAX_DETAILED_NODES]
    if not wanted:
        return {}
    found: dict[URIRef, list[tuple[URIRef, Node]]] = defaultdict(list)
    for row in select(executor, details_query(str(n) for n in wanted)):
        node, predicate, value = row.get("x"), row.get("p"), row.get("o")
        if isinstance(node, URIRef) and isinstance(predicate, URIRef) and value is not None:
            found[node].append((predicate, value))
    return {
        node: sorted(pairs, key=lambda pair: (str(pair[0]), str(pair[1])))
        for node, pairs in found.items()
    }


def is_noise(statement: Statement) -> bool:
    """Whether a statement is the reasoner's copy of an anonymous class expression.

    OWL 2 RL types resources with blank-node classes (unions of domains and ranges)
    and copies those expressions; they say nothing a reader wants.
    """
    return statement.inferred and isinstance(statement.value, BNode)


def describe(
    executor: Executor, iri: str, source_of_graph: Mapping[URIRef, URIRef], language: str = "en"
) -> Description | None:
    """Describe a resource for its page.

    Args:
        executor: the query executor.
        iri: the resource.
        source_of_graph: the source document of each source graph (from the build summary).
        language: the language of the labels shown (English where a term has none in it).

    Returns:
        The description, or None if no graph mentions the resource.

    Raises:
        UnsafeTerm: the IRI cannot be written into a query.
        KzgovError: the executor refused or stopped a query.
    """
    subject = URIRef(iri)
    outgoing_rows = []
    for row in select(executor, outgoing_query(iri)):
        p, o, g = row.get("p"), row.get("o"), row.get("g")
        if isinstance(p, URIRef) and isinstance(g, URIRef) and o is not None:
            outgoing_rows.append((p, o, g))
    incoming_rows = []
    for row in select(executor, incoming_query(iri)):
        s, p, g = row.get("s"), row.get("p"), row.get("g")
        if isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(g, URIRef):
            incoming_rows.append((p, s, g))
    truncated = len(incoming_rows) > MAX_INCOMING_ROWS
    incoming_rows = incoming_rows[:MAX_INCOMING_ROWS]
    if not outgoing_rows and not incoming_rows:
        return None
    outgoing = group_statements(outgoing_rows)
    incoming = group_statements(incoming_rows)
    blank_nodes = Graph()
    if any(isinstance(value, BNode) for _p, value in outgoing):
        blank_nodes = read_graph(executor.run(blank_nodes_query(iri), N_TRIPLES).body)
    linked: set[URIRef] = {subject, *source_of_graph.values()}
    for table in (outgoing, incoming):
        for predicate, value in table:
            linked.add(predicate)
            if isinstance(value, URIRef):
                linked.add(value)
    for s, p, o in blank_nodes:
        if isinstance(s, BNode):
            linked.update(term for term in (p, o) if isinstance(term, URIRef))
    details = fetch_details(
        executor, (term for term in linked if is_n_ary(term) and term != subject)
    )
    for pairs in details.values():
        for predicate, value in pairs:
            linked.add(predicate)
            if isinstance(value, URIRef):
                linked.add(value)
    labels = fetch_labels(executor, linked, language)
    labels.update(wikidata_labels(subject, outgoing, labels))

    def statements(table: dict[tuple[URIRef, Node], set[URIRef]]) -> list[Statement]:
        found = [
            Statement(p, v, frozenset(gs), attribute(gs, source_of_graph, labels))
            for (p, v), gs in table.items()
        ]
        return [s for s in found if not is_noise(s)]

    return Description(
        iri=subject,
        outgoing=statements(outgoing),
        incoming=statements(incoming),
        incoming_truncated=truncated,
        blank_nodes=blank_nodes,
        labels=labels,
        details=details,
    )


@dataclass(frozen=True)
class OntologyTerm:
    """A term of the ontology as the ontology page lists it.

    Attributes:
        iri: the term.
        local_name: the part after `ontology#`, the anchor on the page.
        label: its English label.
        definition: its English definition.
    """

    iri: URIRef
    local_name: str
    label: str
    definition: str


def ontology_index_query() -> str:
    """The SELECT of every kzgov term with its kind, English label and definition."""
    kinds = " ".join(f"<{kind}>" for kind, _title in ONTOLOGY_KINDS)
    return (
        "SELECT ?term ?kind ?label ?definition WHERE {\n"
        f"  GRAPH {iri_ref(str(ONTOLOGY_GRAPH))} {{\n"
        f"    VALUES ?kind {{ {kinds} }}\n"
        "    ?term a ?kind .\n"
        f'    FILTER(STRSTARTS(STR(?term), "{KZ}"))\n'
        f'    OPTIONAL {{ ?term <{RDFS.label}> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}\n'
        f"    OPTIONAL {{ ?term <{SKOS.definition}> ?definition"
        ' FILTER(LANGMATCHES(LANG(?definition), "en")) }\n'
        "  }\n"
        "}"
    )


def ontology_index(executor: Executor) -> list[tuple[str, list[OntologyTerm]]]:
    """The terms of the ontology, grouped by kind, each group sorted by name.

    Args:
        executor: the query executor.

    Returns:
        (heading, terms) for each kind of term that has any.
    """
    by_kind: dict[URIRef, dict[URIRef, OntologyTerm]] = defaultdict(dict)
    for row in select(executor, ontology_index_query()):
        term, kind = row.get("term"), row.get("kind")
        if not isinstance(term, URIRef) or not isinstance(kind, URIRef):
            continue
        local = str(term)[len(str(KZ)) :]
        by_kind[kind][term] = OntologyTerm(
            iri=term,
            local_name=local,
            label=str(row.get("label") or local),
            definition=str(row.get("definition") or ""),
        )
    return [
        (heading, sorted(by_kind[kind].values(), key=lambda t: t.local_name))
        for kind, heading in ONTOLOGY_KINDS
        if by_kind.get(kind)
    ]


def graph_subjects_query(graph_iri: str) -> str:
    """The SELECT of the named subjects of a graph and their English labels."""
    return (
        "SELECT ?s (SAMPLE(?l) AS ?label) (COUNT(*) AS ?n) WHERE {\n"
        f"  GRAPH {iri_ref(graph_iri)} {{ ?s ?p ?o }}\n"
        "  FILTER(!isBlank(?s))\n"
        f'  OPTIONAL {{ ?s <{RDFS.label}> ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}\n'
        "}\n"
        f"GROUP BY ?s ORDER BY ?s LIMIT {MAX_GRAPH_SUBJECTS}"
    )


def graph_subjects(executor: Executor, graph_iri: str) -> list[tuple[URIRef, str, int]]:
    """The named subjects of a graph with a label and their number of statements there.

    Args:
        executor: the query executor.
        graph_iri: the named graph.

    Returns:
        (subject, label, statements) for up to MAX_GRAPH_SUBJECTS subjects.
    """
    found = []
    for row in select(executor, graph_subjects_query(graph_iri)):
        subject, count = row.get("s"), row.get("n")
        if isinstance(subject, URIRef):
            label = row.get("label")
            found.append(
                (subject, str(label) if label else short_name(subject), int(str(count or 0)))
            )
    return found
