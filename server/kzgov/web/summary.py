"""The summary of an entity page for human readers: an infobox, and statements grouped by relation.

The infobox answers what a reader asks first about a post, body or person: how a post
is filled (its appointment, election or filling rules, with their sources), who held it
and when, whom it answers to, the acts it rests on, the chain of appointers up to the
top, and its Wikidata item (named by the graph's own label of the item, else its QID;
no network call). The grouping puts a page's statements under one heading per relation
and sets aside the rows whose property is only an alignment super-property (wdt:, org:,
eli: ...) of a kz: property already shown with the same value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from kzgov.core.namespaces import INFERRED_GRAPH, KZ
from kzgov.web.describe import Attribution, Statement, attribute, fetch_labels
from kzgov.web.linking import short_name
from kzgov.web.lookup import Executor, iri_ref, select

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
# Rules that say how a post is filled, with the verb the infobox uses for each.
FILLING_RULES = {
    KZ.appointmentRule: "Appointed",
    KZ.electionRule: "Elected",
    KZ.fillingRule: "Filled",
}
# What a filling rule's properties add to its sentence, in that order.
RULE_PARTS = (
    (KZ.appointer, "by"),
    (KZ.elector, "by"),
    (KZ.electorate, "by the voters of"),
    (KZ.electionMethod, "method:"),
    (KZ.onProposalOf, "on the proposal of"),
    (KZ.withConsentOf, "with the consent of"),
    (KZ.termYears, "term (years):"),
    (KZ.validFrom, "from"),
    (KZ.validUntil, "until"),
    (KZ.establishedBy, "under"),
)
# Direct relations the infobox lists (outgoing), with their headings.
OUTGOING_FIELDS = (
    (KZ.electedBy, "Elected by"),
    (KZ.appointedBy, "Appointed by"),
    (KZ.dismissedBy, "Dismissed by"),
    (KZ.directlyAccountableTo, "Accountable to"),
    (KZ.directlySubordinateTo, "Subordinate to"),
    (KZ.postIn, "Post in"),
    (KZ.headedBy, "Headed by"),
    (KZ.replaces, "Replaces"),
    (KZ.replacedBy, "Replaced by"),
)
# Relations pointing at the entity that the infobox counts, with their headings.
INCOMING_FIELDS = (
    (KZ.appointedBy, "Appoints"),
    (KZ.dismissedBy, "Dismisses"),
    (KZ.directlyAccountableTo, "Directly accountable to it"),
    (KZ.directlySubordinateTo, "Directly subordinate to it"),
)
# Acts that found or govern an entity.
LEGAL_BASIS = (KZ.establishes, KZ.regulates)
# The relations followed up to the top of the chain, first found first.
CHAIN_RELATIONS = (KZ.appointedBy, KZ.directlySubordinateTo)
# The most values an infobox line lists before "and N more".
MAX_VALUES = 5


@dataclass(frozen=True)
class Rule:
    """One rule saying how a post is filled, as a sentence with its sources.

    Attributes:
        iri: the rule node.
        verb: "Appointed", "Elected" or "Filled".
        parts: (words, value) pairs in reading order.
        attributions: the sources that state the rule.
        passages: its verbatim quotes.
    """

    iri: URIRef
    verb: str
    parts: tuple[tuple[str, Node], ...]
    attributions: tuple[Attribution, ...]
    passages: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class Holding:
    """A tenure: who held which post, and when.

    Attributes:
        tenure: the tenure node.
        holder: the person.
        post: the post.
        start: when it began, if a source says.
        end: when it ended, if a source says.
        attributions: the sources that state the tenure.
        at: a time at which a source shows the holder in the post (kz:heldAt), when
            it gives neither start nor end.
    """

    tenure: URIRef
    holder: URIRef
    post: URIRef
    start: str
    end: str
    attributions: tuple[Attribution, ...]
    at: str = ""

    @property
    def dates(self) -> str:
        """The tenure's dates as a reader reads them ("1990 to 2019", "from 1990", ...)."""
        if self.start and self.end:
            return f"{self.start} to {self.end}"
        if self.start:
            return f"from {self.start}"
        if self.end:
            return f"until {self.end}"
        if self.at:
            return f"held at {self.at}"
        return "dates not given"


@dataclass
class Infobox:
    """The summary at the top of an entity page.

    Attributes:
        rules: how the post is filled.
        holders: who held the post (on a post's page).
        posts_held: the posts the person held (on a person's page).
        fields: (heading, values, count, id of the page section listing them all) lines of
            direct relations.
        legal_basis: acts that establish or regulate the entity.
        chain: the entity's appointers (or superiors) up to the top, the entity first.
        wikidata: (item, label) pairs.
        labels: display labels of every IRI the infobox links to.
    """

    rules: list[Rule] = field(default_factory=list)
    holders: list[Holding] = field(default_factory=list)
    posts_held: list[Holding] = field(default_factory=list)
    fields: list[tuple[str, list[URIRef], int, str]] = field(default_factory=list)
    legal_basis: list[URIRef] = field(default_factory=list)
    chain: list[URIRef] = field(default_factory=list)
    wikidata: list[tuple[URIRef, str]] = field(default_factory=list)
    labels: dict[URIRef, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether there is nothing to summarise."""
        return not (
            self.rules
            or self.holders
            or self.posts_held
            or self.fields
            or self.legal_basis
            or len(self.chain) > 1
            or self.wikidata
        )

    def label(self, term: Node) -> str:
        """The display label of a term."""
        if isinstance(term, URIRef):
            return self.labels.get(term) or short_name(term)
        return str(term)


def sorted_by_label(iris: Iterable[URIRef], labels: Mapping[URIRef, str]) -> list[URIRef]:
    """IRIs in the order of their labels."""
    return sorted(set(iris), key=lambda i: ((labels.get(i) or short_name(i)).lower(), str(i)))


def rules_of(
    executor: Executor, subject: str, source_of_graph: Mapping[URIRef, URIRef]
) -> tuple[list[tuple[URIRef, str, dict[URIRef, list[Node]], set[URIRef]]], set[URIRef]]:
    """The filling rules of a post: (rule, verb, values by property, graphs), and IRIs to name."""
    kinds = " ".join(f"<{k}>" for k in FILLING_RULES)
    query = (
        "SELECT ?kind ?rule ?p ?o ?g WHERE {\n"
        f"  VALUES ?kind {{ {kinds} }}\n"
        f"  {iri_ref(subject)} ?kind ?rule .\n"
        "  GRAPH ?g { ?rule ?p ?o }\n"
        f"  FILTER(?g != <{INFERRED_GRAPH}>)\n"
        "}"
    )
    found: dict[URIRef, tuple[str, dict[URIRef, list[Node]], set[URIRef]]] = {}
    names: set[URIRef] = set()
    for row in select(executor, query):
        kind, rule, p, o, g = (row.get(k) for k in ("kind", "rule", "p", "o", "g"))
        if not (isinstance(rule, URIRef) and isinstance(p, URIRef) and isinstance(g, URIRef)):
            continue
        if o is None or not isinstance(kind, URIRef):
            continue
        _verb, values, graphs = found.setdefault(
            rule, (FILLING_RULES[kind], defaultdict(list), set())
        )
        if o not in values[p]:
            values[p].append(o)
        if g in source_of_graph:
            graphs.add(g)
        if isinstance(o, URIRef):
            names.add(o)
    return [(rule, verb, values, graphs) for rule, (verb, values, graphs) in found.items()], names


def dated(time: str, precision: str, year: str | None, variable: str) -> str:
    """A tenure's time read at its precision (9 year, 10 month, 11 day), or its year.

    The same reading as the tenure rows of the entity pages: "2022-04-13" for a day.
    """
    read = (
        f"{{ ?t kz:{time} ?{variable}Time OPTIONAL {{ ?t kz:{precision} ?{variable}Precision }} "
        f"BIND(COALESCE(?{variable}Precision, 11) AS ?{variable}Read) "
        f"BIND(SUBSTR(STR(?{variable}Time), 1, IF(?{variable}Read = 9, 4, "
        f"IF(?{variable}Read = 10, 7, 10))) AS ?{variable}) }}"
    )
    return read + (f" UNION {{ ?t kz:{year} ?{variable} }}" if year else "")


def tenures_query(subject: str, as_person: bool) -> str:
    """The SELECT of the tenures of a post (holders) or of a person (posts held)."""
    term = iri_ref(subject)
    anchor = f"{term} kz:tenure ?t . ?t kz:tenureOf ?post . BIND({term} AS ?holder)"
    if not as_person:
        anchor = f"?t kz:tenureOf {term} . ?holder kz:tenure ?t . BIND({term} AS ?post)"
    return (
        f"PREFIX kz: <{KZ}>\n"
        "SELECT ?t ?holder ?post ?start ?end ?at ?g WHERE {\n"
        f"  {anchor}\n"
        f"  OPTIONAL {{ {dated('startTime', 'startPrecision', 'startYear', 'start')} }}\n"
        f"  OPTIONAL {{ {dated('endTime', 'endPrecision', 'endYear', 'end')} }}\n"
        f"  OPTIONAL {{ {dated('heldAt', 'heldAtPrecision', None, 'at')} }}\n"
        f"  OPTIONAL {{ GRAPH ?g {{ ?t kz:tenureOf ?post }} FILTER(?g != <{INFERRED_GRAPH}>) }}\n"
        "}"
    )


def tenures(
    executor: Executor,
    subject: str,
    as_person: bool,
    source_of_graph: Mapping[URIRef, URIRef],
) -> list[tuple[URIRef, URIRef, URIRef, str, str, str, set[URIRef]]]:
    """(tenure, holder, post, start, end, held at, graphs) of a post's holders or a person's posts."""
    found: dict[URIRef, tuple[URIRef, URIRef, str, str, str, set[URIRef]]] = {}
    for row in select(executor, tenures_query(subject, as_person)):
        t, holder, post = row.get("t"), row.get("holder"), row.get("post")
        if not (isinstance(t, URIRef) and isinstance(holder, URIRef) and isinstance(post, URIRef)):
            continue
        start, end, at, g = row.get("start"), row.get("end"), row.get("at"), row.get("g")
        _h, _p, old_start, old_end, old_at, graphs = found.setdefault(
            t, (holder, post, "", "", "", set())
        )
        # A date (xsd:date) is preferred to a year.
        new_start = (
            str(start) if start is not None and len(str(start)) > len(old_start) else old_start
        )
        new_end = str(end) if end is not None and len(str(end)) > len(old_end) else old_end
        new_at = str(at) if at is not None and len(str(at)) > len(old_at) else old_at
        if isinstance(g, URIRef) and g in source_of_graph:
            graphs.add(g)
        found[t] = (holder, post, new_start, new_end, new_at, graphs)
    return [(t, h, p, s, e, a, gs) for t, (h, p, s, e, a, gs) in found.items()]


def merge_holdings(found: Iterable[Holding]) -> list[Holding]:
    """One line per (holder, post), with the sources and the dates of all its tenures.

    Two sources may each give a tenure of the same person in the same post.
    """
    merged: dict[tuple[URIRef, URIRef], Holding] = {}
    for h in found:
        key = (h.holder, h.post)
        old = merged.get(key)
        if old is None:
            merged[key] = h
            continue
        seen = {a.iri for a in old.attributions}
        merged[key] = Holding(
            old.tenure if old.start or old.end or old.at else h.tenure,
            h.holder,
            h.post,
            max(old.start, h.start, key=len),
            max(old.end, h.end, key=len),
            old.attributions + tuple(a for a in h.attributions if a.iri not in seen),
            max(old.at, h.at, key=len),
        )
    return list(merged.values())


def edges_query(predicates: Iterable[URIRef]) -> str:
    """The SELECT of every (subject, property, object) of some properties between named nodes."""
    listed = " ".join(f"<{p}>" for p in predicates)
    return (
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {listed} }} ?s ?p ?o "
        "FILTER(isIRI(?s) && isIRI(?o)) }"
    )


def build_infobox(
    executor: Executor,
    subject_iri: str,
    source_of_graph: Mapping[URIRef, URIRef],
    source_labels: Mapping[URIRef, str],
    language: str = "en",
) -> Infobox:
    """The infobox of an entity.

    Args:
        executor: the query executor.
        subject_iri: the entity.
        source_of_graph: the source document of each source graph.
        source_labels: display labels of the source documents.
        language: the language labels are wanted in (English when a term has none).

    Returns:
        The infobox (empty when there is nothing to summarise).

    Raises:
        KzgovError: the executor refused or stopped a query.
    """
    subject = URIRef(subject_iri)
    box = Infobox()
    names: set[URIRef] = set()

    raw_rules, rule_names = rules_of(executor, subject_iri, source_of_graph)
    names |= rule_names
    holdings = {
        as_person: tenures(executor, subject_iri, as_person, source_of_graph)
        for as_person in (False, True)
    }
    for rows in holdings.values():
        for _t, holder, post, _s, _e, _a, _g in rows:
            names.update((holder, post))

    predicates = {p for p, _h in OUTGOING_FIELDS} | set(CHAIN_RELATIONS)
    edges: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    for row in select(executor, edges_query(predicates | set(LEGAL_BASIS))):
        s, p, o = row.get("s"), row.get("p"), row.get("o")
        if isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, URIRef):
            edges[p].append((s, o))
    outgoing = {p: [o for s, o in edges[p] if s == subject] for p, _h in OUTGOING_FIELDS}
    incoming = {p: [s for s, o in edges[p] if o == subject] for p, _h in INCOMING_FIELDS}
    legal = [s for p in LEGAL_BASIS for s, o in edges[p] if o == subject]
    chain = [subject]
    step: URIRef | None = subject
    while step is not None:
        step = next(
            (
                min(o for s, o in edges[p] if s == step)
                for p in CHAIN_RELATIONS
                if any(s == step for s, _o in edges[p])
            ),
            None,
        )
        if step is None or step in chain:
            break
        chain.append(step)
    match_rows = select(
        executor,
        f"SELECT DISTINCT ?m ?p WHERE {{ VALUES ?p {{ <{SKOS.exactMatch}> <{SKOS.closeMatch}> }} "
        f"{iri_ref(subject_iri)} ?p ?m }}",
    )
    matches = [row.get("m") for row in match_rows]
    exact = {row.get("m") for row in match_rows if row.get("p") == SKOS.exactMatch}
    wikidata = sorted(
        m for m in matches if isinstance(m, URIRef) and str(m).startswith(WIKIDATA_ENTITY)
    )
    for listed in (*outgoing.values(), *incoming.values(), legal, chain, wikidata):
        names.update(listed)
    names.add(subject)
    labels = fetch_labels(executor, names | set(source_labels), language)
    labels.update({k: v for k, v in source_labels.items() if k not in labels})
    box.labels = labels

    for rule, verb, rule_values, graphs in raw_rules:
        parts = tuple(
            (words, value) for prop, words in RULE_PARTS for value in rule_values.get(prop, [])
        )
        passages = tuple(v for v in rule_values.get(KZ.sourcePassage, []) if isinstance(v, Literal))
        box.rules.append(
            Rule(rule, verb, parts, attribute(graphs, source_of_graph, labels), passages)
        )
    box.rules.sort(key=lambda r: (r.verb, str(r.iri)))

    def holding(row: tuple[URIRef, URIRef, URIRef, str, str, str, set[URIRef]]) -> Holding:
        t, holder, post, start, end, at, graphs = row
        attributions = attribute(graphs, source_of_graph, labels)
        return Holding(t, holder, post, start, end, attributions, at)

    box.holders = sorted(
        merge_holdings(holding(r) for r in holdings[False]),
        key=lambda h: (h.start or h.at or "9999", str(h.holder)),
    )
    box.posts_held = sorted(
        merge_holdings(holding(r) for r in holdings[True]),
        key=lambda h: (h.start or h.at or "9999", str(h.post)),
    )
    for p, heading in OUTGOING_FIELDS:
        if outgoing[p]:
            values = sorted_by_label(outgoing[p], labels)
            box.fields.append((heading, values[:MAX_VALUES], len(values), "outgoing-title"))
    for p, heading in INCOMING_FIELDS:
        if incoming[p]:
            values = sorted_by_label(incoming[p], labels)
            box.fields.append((heading, values[:MAX_VALUES], len(values), "incoming-title"))
    box.legal_basis = sorted_by_label(legal, labels)
    box.chain = chain
    own = labels.get(subject) or short_name(subject)
    box.wikidata = [
        (m, labels.get(m) or (own if m in exact else f"{own} (close match)")) for m in wikidata
    ]
    return box


# -- Grouping ---------------------------------------------------------------------------


@dataclass
class Group:
    """The statements of one relation on a page.

    Attributes:
        predicate: the relation.
        rows: its statements.
        also: alignment super-properties whose rows with the same values were set aside.
    """

    predicate: URIRef
    rows: list[Statement]
    also: list[URIRef] = field(default_factory=list)

    @property
    def inferred_only(self) -> bool:
        """Whether no row of the group is stated."""
        return all(s.inferred for s in self.rows)


def alignment_query() -> str:
    """The SELECT of each kz: property's super-properties outside kz: (its alignments)."""
    return (
        "SELECT DISTINCT ?sub ?super WHERE {\n"
        "  ?sub <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> ?super .\n"
        f'  FILTER(isIRI(?super) && STRSTARTS(STR(?sub), "{KZ}")'
        f' && !STRSTARTS(STR(?super), "{KZ}"))\n'
        "}"
    )


def alignments(executor: Executor) -> dict[URIRef, set[URIRef]]:
    """The kz: properties each outside property is a super-property of."""
    found: dict[URIRef, set[URIRef]] = defaultdict(set)
    for row in select(executor, alignment_query()):
        sub, sup = row.get("sub"), row.get("super")
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            found[sup].add(sub)
    return dict(found)


def group_by_relation(
    statements: Iterable[Statement],
    supers: Mapping[URIRef, set[URIRef]],
    label: Mapping[URIRef, str],
) -> tuple[list[Group], list[Statement]]:
    """Statements grouped by relation, and the alignment duplicates set aside.

    A row is an alignment duplicate when its property is outside kz:, and a kz:
    sub-property of it has a row with the same value on the same page side.

    Args:
        statements: one side of a page (outgoing or incoming).
        supers: for each outside property, the kz: properties below it.
        label: display label of each property.

    Returns:
        (groups in the order of their labels, duplicates by property then value).
    """
    rows = list(statements)
    values_of: dict[URIRef, set[Node]] = defaultdict(set)
    for s in rows:
        values_of[s.predicate].add(s.value)
    kept: dict[URIRef, list[Statement]] = defaultdict(list)
    duplicates: list[Statement] = []
    also: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s in rows:
        covering = [sub for sub in supers.get(s.predicate, ()) if s.value in values_of.get(sub, ())]
        if covering and not str(s.predicate).startswith(str(KZ)):
            duplicates.append(s)
            for sub in covering:
                also[sub].add(s.predicate)
        else:
            kept[s.predicate].append(s)

    def name(p: URIRef) -> str:
        return (label.get(p) or short_name(p)).lower()

    groups = [Group(p, kept[p], sorted(also.get(p, ()), key=str)) for p in sorted(kept, key=name)]
    duplicates.sort(key=lambda s: (name(s.predicate), str(s.value)))
    return groups, duplicates
