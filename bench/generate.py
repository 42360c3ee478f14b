"""Generate a synthetic kzgov project of the real ontology's shape, to a target size.

Usage: .venv/bin/python bench/generate.py --triples N [--seed S] [--violations K] --out DIR

Writes DIR/data/<source-slug>.ttl (one file and named graph per synthetic source),
DIR/data/registry.ttl and DIR/data/catalog.ttl, and links DIR/ontology and DIR/queries to
the real project's (copies them with --copy), so that
`kzgov.build.pipeline.build(Layout(root=DIR, build_dir=...))` builds it.

The graph is a country with oblasts, districts, rural districts and villages (four levels
below the country, typed with kz: territory classes and linked by kz:territoryPartOf);
the President, the Prime Minister, ministers and ministries; an akim post, an akimat and a
maslikhat for each territory; appointment, election, accountability and subordination
rule nodes on the posts and maslikhats, valid over gYear spans and established by laws
and presidential decrees; persons with kz:Tenure nodes; population figures, some stated
by two sources with different values; English labels in the registry and some Kazakh and
Russian labels in the sources; every rule, figure and tenure quotes its source with a
kz:sourcePassage in the source's language. Without --violations the graph conforms to
the shapes: validation reports nothing, not even a warning. Every IRI is under
https://w3id.org/kzgov/ and every slug starts with `syn-`.

The same arguments always give the same bytes. Files are written as text, one subject
block at a time (no rdflib Graph), so a million triples take seconds. With --violations K,
exactly K deliberate flaws are written, cycling through VIOLATION_KINDS, and listed on
standard output (and in the returned GenerationReport) so that validation is exercised
at scale.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

PROJECT_ROOT = Path(__file__).resolve().parents[1]

BASE = "https://w3id.org/kzgov/"
KINDS = ("person", "post", "body", "act", "territory", "level", "measure", "source")
SOURCE_KINDS = ("rule", "tenure", "figure", "event")
PREFIXES = {
    "kz": BASE + "ontology#",
    "kzg": BASE + "graph/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    **{kind: f"{BASE}id/{kind}/" for kind in KINDS},
}

# The synthetic sources: slug, language of the document, what it covers.
SOURCES = (
    ("syn-territorial-register", "en", "territories, their levels and their akims"),
    ("syn-local-government-law-digest", "en", "how akims are appointed and elected"),
    ("syn-regional-yearbook", "ru", "population figures and akimats"),
    ("syn-civil-service-report", "kk", "persons and tenures"),
    ("syn-census-bulletin", "en", "population figures (second opinion)"),
)
TERRITORY_SOURCE, LAW_SOURCE, YEARBOOK_SOURCE, SERVICE_SOURCE, CENSUS_SOURCE = (
    s[0] for s in SOURCES
)
SOURCE_LANGUAGES = {slug: language for slug, language, _covers in SOURCES}

# level index -> (kz class, level slug, English name, Kazakh suffix, Russian suffix)
LEVELS = (
    ("Country", "country", "Republic", "Республикасы", "Республика"),
    ("Oblast", "oblast", "Oblast", "облысы", "область"),
    ("District", "district", "District", "ауданы", "район"),
    ("RuralDistrict", "rural-district", "Rural District", "ауылдық округі", "сельский округ"),
    ("Village", "village", "Village", "ауылы", "село"),
)
OBLAST_COUNT = 17
MINISTRY_NAMES = (
    "finance", "justice", "health", "education", "defence", "internal-affairs",
    "foreign-affairs", "agriculture", "energy", "labour", "culture", "ecology",
    "transport", "digital-development", "trade", "industry", "emergency-situations",
    "national-economy", "science", "tourism",
)  # fmt: skip
SYLLABLES = (
    "ak", "al", "as", "ba", "bek", "den", "er", "gul", "jan", "kar", "kul", "mar",
    "nur", "ol", "sar", "tal", "tau", "tur", "uly", "zhar", "bay", "kent", "sai", "tas",
)  # fmt: skip
GIVEN_NAMES = (
    "Aidos", "Aigerim", "Asel", "Askar", "Bauyrzhan", "Dana", "Daniyar", "Erlan",
    "Gulnara", "Kairat", "Madina", "Marat", "Nurlan", "Saule", "Serik", "Zhanna",
)  # fmt: skip

VIOLATION_KINDS = ("post-without-english-label", "rule-valid-from-after-valid-until")

# Rough triples per territory, to plan the tree's branching before writing.
TRIPLES_PER_TERRITORY = 75
# Roughly one act per this many territories (at least a handful).
TERRITORIES_PER_ACT = 12


@dataclass(frozen=True)
class Violation:
    """One deliberate flaw the generator wrote.

    Attributes:
        kind: one of VIOLATION_KINDS.
        focus: the IRI of the node that is wrong.
        detail: what is wrong with it, in words.
    """

    kind: str
    focus: str
    detail: str


@dataclass
class GenerationReport:
    """What a generation run wrote.

    Attributes:
        root: the project folder.
        triples: the number of triples written (no triple is written twice).
        files: triples per data file name.
        territories: territories per level slug.
        violations: the deliberate flaws, in the order written.
    """

    root: Path
    triples: int = 0
    files: dict[str, int] = field(default_factory=dict)
    territories: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)


# Classes whose nodes quote their source with kz:sourcePassage (kzsh:SourcePassageShape).
QUOTING_CLASSES = frozenset(
    {
        "kz:AppointmentRule",
        "kz:ElectionRule",
        "kz:AccountabilityRule",
        "kz:SubordinationRule",
        "kz:Figure",
        "kz:Tenure",
    }
)


class TurtleWriter:
    """Writes subject blocks of Turtle to one file and counts the triples.

    A source's writer knows the source's language: a block that starts by typing its
    subject with one of QUOTING_CLASSES and quotes nothing gets a kz:sourcePassage in
    that language, as the shapes ask of rules, figures and tenures.
    """

    def __init__(
        self, stream: TextIO, header: str, prefixes: dict[str, str], language: str | None = None
    ) -> None:
        self.stream = stream
        self.triples = 0
        self.language = language
        stream.write(header)
        stream.write("\n")
        for prefix, iri in prefixes.items():
            stream.write(f"@prefix {prefix}: <{iri}> .\n")
        stream.write("\n")

    def banner(self, title: str) -> None:
        self.stream.write(f"# -- {title} {'-' * max(3, 74 - len(title))}\n\n")

    def block(self, subject: str, pairs: Sequence[tuple[str, str]]) -> None:
        """Write one subject with one predicate-object pair per line."""
        if (
            self.language
            and pairs
            and pairs[0][0] == "a"
            and pairs[0][1] in QUOTING_CLASSES
            and all(p != "kz:sourcePassage" for p, _o in pairs)
        ):
            kind = pairs[0][1].removeprefix("kz:")
            quote = text(
                f"{kind} {subject.rsplit('-', 1)[-1]}, as the source states it", self.language
            )
            pairs = [*pairs, ("kz:sourcePassage", quote)]
        lines = " ;\n".join(f"    {p} {o}" for p, o in pairs)
        self.stream.write(f"{subject}\n{lines} .\n\n")
        self.triples += len(pairs)


def text(value: str, language: str | None = None) -> str:
    """A Turtle string literal (the generator's strings hold no quote or backslash)."""
    return f'"{value}"@{language}' if language else f'"{value}"'


def year(value: int) -> str:
    """A Turtle xsd:gYear literal."""
    return f'"{value:04d}"^^xsd:gYear'


def decimal(value: int) -> str:
    """A Turtle xsd:decimal literal."""
    return f'"{value}"^^xsd:decimal'


def integer(value: int) -> str:
    """A Turtle xsd:integer literal."""
    return f'"{value}"^^xsd:integer'


@dataclass
class Territory:
    """A territory being written: enough to link its children and its rules to it."""

    index: int
    level: int
    slug: str
    name: str
    parent: Territory | None
    akim: str
    akimat: str | None
    maslikhat: str | None


def branching_for(territories: float, oblasts: int) -> float:
    """The branching factor b with oblasts * (1 + b + b^2 + b^3) = territories."""
    low, high = 0.0, 64.0
    for _ in range(60):
        middle = (low + high) / 2
        total = oblasts * (1 + middle + middle**2 + middle**3)
        low, high = (middle, high) if total < territories else (low, middle)
    return low


class Generator:
    """Writes one synthetic project; see the module docstring."""

    def __init__(self, target: int, seed: int, violations: int) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.violations_wanted = violations
        self.report_violations: list[Violation] = []
        self.writers: dict[str, TurtleWriter] = {}
        self.territory_counts: dict[str, int] = {}
        self.names_used: set[str] = set()
        self.person_count = 0
        self.rule_count = 0
        self.tenure_count = 0
        # Dated tenure times and office events, written after the territories so that
        # the deliberate violations still fit a small budget.
        self.dated: list[tuple[str, list[tuple[str, str]]]] = []
        self.figure_count = 0
        self.territory_count = 0
        self.acts: list[str] = []
        self.president = "post:syn-president"
        self.parliament = "body:syn-parliament"
        planned = max(float(OBLAST_COUNT + 1), target / TRIPLES_PER_TERRITORY)
        self.oblasts = min(OBLAST_COUNT, max(1, int(planned) // 4))
        self.branching = branching_for(planned, self.oblasts)
        self.planned_territories = planned
        self.violation_stride = max(1, min(5, int(planned) // max(1, 2 * violations)))

    # -- Budget and names ---------------------------------------------------------

    @property
    def written(self) -> int:
        return sum(w.triples for w in self.writers.values())

    def over_budget(self) -> bool:
        return self.written >= self.target

    def place_name(self) -> str:
        """A new, unique, pronounceable place name."""
        while True:
            parts = self.rng.randint(2, 4)
            name = "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize()
            if name not in self.names_used:
                self.names_used.add(name)
                return name

    def person(self, registry: TurtleWriter) -> tuple[str, str]:
        """Register a new person; return its IRI and its name."""
        self.person_count += 1
        name = (
            f"{self.rng.choice(GIVEN_NAMES)} {self.rng.choice(SYLLABLES).capitalize()}"
            f"{self.rng.choice(SYLLABLES)}ov {self.person_count}"
        )
        iri = f"person:syn-person-{self.person_count:06d}"
        registry.block(iri, [("a", "kz:Person"), ("rdfs:label", text(name, "en"))])
        return iri, name

    def rule_iri(self, source: str) -> str:
        self.rule_count += 1
        return f"<{BASE}id/rule/{source}/syn-rule-{self.rule_count:06d}>"

    def wants_violation(self) -> str | None:
        """The kind of the next deliberate flaw, if this territory should carry one."""
        placed = len(self.report_violations)
        if placed >= self.violations_wanted:
            return None
        if self.territory_count % self.violation_stride != 0:
            return None
        return VIOLATION_KINDS[placed % len(VIOLATION_KINDS)]

    def record(self, kind: str, focus: str, detail: str) -> None:
        iri = focus
        for prefix, namespace in PREFIXES.items():
            if focus.startswith(prefix + ":"):
                iri = namespace + focus[len(prefix) + 1 :]
        self.report_violations.append(Violation(kind, iri.strip("<>"), detail))

    # -- The whole project --------------------------------------------------------

    def write(self, data_dir: Path) -> None:
        with ExitStack() as stack:
            for name, header in self.file_headers().items():
                stream = stack.enter_context(
                    (data_dir / f"{name}.ttl").open("w", encoding="utf-8", newline="\n")
                )
                self.writers[name] = TurtleWriter(
                    stream, header, self.prefixes_for(name), SOURCE_LANGUAGES.get(name)
                )
            self.write_catalog()
            self.write_centre()
            self.write_territories()
            self.write_dated()

    def write_dated(self) -> None:
        """Write the tenures' times and their office events while the budget allows."""
        service = self.writers[SERVICE_SOURCE]
        for subject, pairs in self.dated:
            if self.over_budget():
                return
            service.block(subject, pairs)

    def file_headers(self) -> dict[str, str]:
        headers = {
            "registry": (
                "# Synthetic kzgov registry (bench/generate.py): the identity of every\n"
                "# synthetic entity, its class and its English label.\n"
                "# Loaded into graph <https://w3id.org/kzgov/graph/registry>."
            ),
            "catalog": (
                "# Synthetic kzgov catalogue (bench/generate.py): the synthetic sources and\n"
                "# the named graph each one fills.\n"
                "# Loaded into graph <https://w3id.org/kzgov/graph/catalog>."
            ),
        }
        for slug, language, covers in SOURCES:
            headers[slug] = (
                f"# Synthetic source {slug} (bench/generate.py), language {language}:\n"
                f"# {covers}. Generated, not extracted from any document.\n"
                f"# Loaded into graph <https://w3id.org/kzgov/graph/{slug}>."
            )
        return headers

    def prefixes_for(self, name: str) -> dict[str, str]:
        prefixes = dict(PREFIXES)
        if name not in ("registry", "catalog"):
            for kind in SOURCE_KINDS:
                prefixes[f"syn{kind}"] = f"{BASE}id/{kind}/{name}/"
        return prefixes

    def write_catalog(self) -> None:
        catalog = self.writers["catalog"]
        catalog.banner("Source documents")
        for number, (slug, language, covers) in enumerate(SOURCES):
            catalog.block(
                f"source:{slug}",
                [
                    ("a", "kz:SourceDocument"),
                    ("rdfs:label", text(f"Synthetic source: {covers}", "en")),
                    ("dcterms:title", text(f"Synthetic {slug.removeprefix('syn-')}", "en")),
                    ("dcterms:language", text(language)),
                    ("kz:yearPublished", year(2020 + number)),
                    ("kz:fileName", text(f"{slug}.txt")),
                ],
            )
        catalog.banner("Source graphs")
        for slug, _language, _covers in SOURCES:
            catalog.block(f"kzg:{slug}", [("prov:wasDerivedFrom", f"source:{slug}")])

    # -- The centre: country, president, government, parliament, acts ------------------

    def write_centre(self) -> None:
        registry = self.writers["registry"]
        law = self.writers[LAW_SOURCE]
        territories = self.writers[TERRITORY_SOURCE]
        service = self.writers[SERVICE_SOURCE]
        registry.banner("Country and central state")
        registry.block(
            "territory:syn-country",
            [("a", "kz:Country"), ("rdfs:label", text("Synthetic Republic", "en"))],
        )
        territories.banner("Country")
        territories.block(
            "territory:syn-country",
            [
                ("kz:atLevel", "level:country"),
                ("rdfs:label", text("Синтетикалық Республикасы", "kk")),
                ("rdfs:label", text("Синтетическая Республика", "ru")),
            ],
        )
        self.territory_counts["country"] = 1
        central = [
            (self.president, "kz:Post", "President of the Synthetic Republic"),
            ("post:syn-prime-minister", "kz:Post", "Prime Minister of the Synthetic Republic"),
            ("body:syn-government", "kz:Government", "Government of the Synthetic Republic"),
            (self.parliament, "kz:Legislature", "Parliament of the Synthetic Republic"),
            ("body:syn-senate", "kz:ParliamentaryChamber", "Senate of the Synthetic Republic"),
            ("body:syn-mazhilis", "kz:ParliamentaryChamber", "Mazhilis of the Synthetic Republic"),
            (
                "body:syn-presidential-administration",
                "kz:PresidentialOffice",
                "Administration of the President of the Synthetic Republic",
            ),
        ]
        for iri, cls, label in central:
            registry.block(iri, [("a", cls), ("rdfs:label", text(label, "en"))])
        self.write_acts()
        law.banner("Central posts and bodies")
        law.block(
            self.president,
            [
                ("kz:atLevel", "level:country"),
                ("kz:jurisdiction", "territory:syn-country"),
                ("kz:electionRule", (election := self.rule_iri(LAW_SOURCE))),
            ],
        )
        law.block(
            election,
            [
                ("a", "kz:ElectionRule"),
                ("kz:electorate", "territory:syn-country"),
                ("kz:electionMethod", "kz:DirectElection"),
                ("kz:termYears", integer(7)),
                ("kz:validFrom", year(2022)),
                ("kz:establishedBy", self.acts[0]),
            ],
        )
        pm_rule = self.rule_iri(LAW_SOURCE)
        law.block(
            "post:syn-prime-minister",
            [
                ("kz:headOf", "body:syn-government"),
                ("kz:jurisdiction", "territory:syn-country"),
                ("kz:appointmentRule", pm_rule),
                ("kz:accountabilityRule", (pm_account := self.rule_iri(LAW_SOURCE))),
            ],
        )
        law.block(
            pm_rule,
            [
                ("a", "kz:AppointmentRule"),
                ("kz:appointer", self.president),
                ("kz:withConsentOf", "body:syn-mazhilis"),
                ("kz:validFrom", year(1995)),
                ("kz:establishedBy", self.acts[0]),
            ],
        )
        law.block(
            pm_account,
            [("a", "kz:AccountabilityRule"), ("kz:principal", self.president)],
        )
        for chamber in ("body:syn-senate", "body:syn-mazhilis"):
            law.block(chamber, [("kz:partOf", self.parliament)])
        law.banner("Ministries and ministers")
        registry.banner("Ministries and ministers")
        for name in MINISTRY_NAMES:
            ministry = f"body:syn-ministry-of-{name}"
            minister = f"post:syn-minister-of-{name}"
            words = name.replace("-", " ")
            registry.block(
                ministry, [("a", "kz:Ministry"), ("rdfs:label", text(f"Ministry of {words}", "en"))]
            )
            registry.block(
                minister, [("a", "kz:Post"), ("rdfs:label", text(f"Minister of {words}", "en"))]
            )
            appointment = self.rule_iri(LAW_SOURCE)
            subordination = self.rule_iri(LAW_SOURCE)
            law.block(
                ministry,
                [
                    ("kz:partOf", "body:syn-government"),
                    ("kz:jurisdiction", "territory:syn-country"),
                    ("kz:inceptionYear", year(self.rng.randint(1991, 2019))),
                    ("kz:establishedBy", self.rng.choice(self.acts)),
                ],
            )
            law.block(
                minister,
                [
                    ("kz:headOf", ministry),
                    ("kz:appointmentRule", appointment),
                    ("kz:subordinationRule", subordination),
                ],
            )
            law.block(
                appointment,
                [
                    ("a", "kz:AppointmentRule"),
                    ("kz:appointer", self.president),
                    ("kz:onProposalOf", "post:syn-prime-minister"),
                    ("kz:validFrom", year(1995)),
                ],
            )
            law.block(
                subordination,
                [("a", "kz:SubordinationRule"), ("kz:superior", "post:syn-prime-minister")],
            )
            self.write_holders(minister, f"Minister of {words}", 1993)
        service.banner("Heads of state and government")
        self.write_holders(self.president, "President", 1991)
        self.write_holders("post:syn-prime-minister", "Prime Minister", 1991)

    def write_acts(self) -> None:
        registry = self.writers["registry"]
        law = self.writers[LAW_SOURCE]
        count = max(6, int(self.planned_territories // TERRITORIES_PER_ACT))
        registry.banner("Acts")
        law.banner("Acts")
        for number in range(count):
            adopted = 1993 + self.rng.randint(0, 30)
            if number % 3 == 0:
                cls, issuer, kind = "kz:Law", self.parliament, "Law"
            else:
                cls, issuer, kind = "kz:PresidentialDecree", self.president, "Presidential decree"
            iri = f"act:syn-act-{number:05d}-{adopted}"
            self.acts.append(iri)
            registry.block(
                iri,
                [("a", cls), ("rdfs:label", text(f"{kind} No. {number + 1} of {adopted}", "en"))],
            )
            law.block(
                iri,
                [
                    ("kz:yearAdopted", year(adopted)),
                    ("kz:issuedBy", issuer),
                    ("kz:actNumber", text(f"{number + 1}-{adopted % 100:02d}")),
                    ("kz:jurisdiction", "territory:syn-country"),
                ],
            )

    def write_holders(self, post: str, title: str, since: int) -> None:
        """Write one to three successive holders of a post, with their tenures.

        Each tenure starts on a day (kz:startTime at precision 11) with an appointment
        event by the President (an election for the President), and ends at a year.
        """
        registry = self.writers["registry"]
        service = self.writers[SERVICE_SOURCE]
        start = since + self.rng.randint(0, 8)
        for _ in range(self.rng.randint(1, 3)):
            if self.over_budget() and start > since:
                return
            person, name = self.person(registry)
            self.tenure_count += 1
            tenure = f"syntenure:syn-tenure-{self.tenure_count:06d}"
            end = start + self.rng.randint(2, 9)
            day = f"{start:04d}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
            event = f"synevent:syn-event-{self.tenure_count:06d}"
            pairs = [
                ("a", "kz:Tenure"),
                ("kz:tenureOf", post),
                ("kz:startYear", year(start)),
            ]
            times = [
                ("kz:startTime", f'"{day}T00:00:00Z"^^xsd:dateTime'),
                ("kz:startPrecision", "11"),
                ("kz:startedBy", event),
            ]
            if end < 2024:
                pairs.append(("kz:endYear", year(end)))
                times.append(("kz:endTime", f'"{end:04d}-01-01T00:00:00Z"^^xsd:dateTime'))
                times.append(("kz:endPrecision", "9"))
            elected = post == self.president
            event_pairs = [
                ("a", "kz:ElectionEvent" if elected else "kz:AppointmentEvent"),
                ("kz:eventPerson", person),
                ("kz:eventPost", post),
                ("kz:eventTime", f'"{day}T00:00:00Z"^^xsd:dateTime'),
                ("kz:eventTimePrecision", "11"),
            ]
            if not elected:
                event_pairs.append(("kz:appointingPost", self.president))
            service.block(person, [("kz:tenure", tenure)])
            service.block(tenure, pairs)
            self.dated += [(tenure, times), (event, event_pairs)]
            if self.person_count % 4 == 0:
                service.block(person, [("rdfs:label", text(f"{name} ({title})", "kk"))])
            if end >= 2024:
                return
            start = end

    # -- Territories, breadth first -----------------------------------------------------

    def children_count(self, level: int) -> int:
        if level == 0:
            return self.oblasts
        whole = int(self.branching)
        return whole + (1 if self.rng.random() < self.branching - whole else 0)

    def write_territories(self) -> None:
        country = Territory(
            index=0,
            level=0,
            slug="syn-country",
            name="Synthetic Republic",
            parent=None,
            akim=self.president,
            akimat="body:syn-government",
            maslikhat=self.parliament,
        )
        frontier = [country]
        for level in range(1, len(LEVELS)):
            next_frontier: list[Territory] = []
            for parent in frontier:
                for _ in range(self.children_count(level - 1)):
                    if self.over_budget():
                        return
                    next_frontier.append(self.write_territory(level, parent))
            frontier = next_frontier
            if not frontier:
                return
        # The tree is complete but the budget is not spent: add more villages.
        while not self.over_budget() and frontier:
            for parent in list(frontier):
                if self.over_budget() or parent.parent is None:
                    return
                self.write_territory(len(LEVELS) - 1, parent.parent)

    def write_territory(self, level: int, parent: Territory) -> Territory:
        cls, level_slug, kind_name, kk_suffix, ru_suffix = LEVELS[level]
        self.territory_count += 1
        self.territory_counts[level_slug] = self.territory_counts.get(level_slug, 0) + 1
        place = self.place_name()
        slug = f"syn-{level_slug}-{self.territory_count:06d}"
        name = f"{place} {kind_name}"
        has_akimat = level <= 3
        has_maslikhat = level <= 2
        territory = Territory(
            index=self.territory_count,
            level=level,
            slug=slug,
            name=name,
            parent=parent,
            akim=f"post:{slug}-akim",
            akimat=f"body:{slug}-akimat" if has_akimat else None,
            maslikhat=f"body:{slug}-maslikhat" if has_maslikhat else None,
        )
        flaw = self.wants_violation()
        self.write_identity(territory, cls, flaw)
        self.write_place(territory, level_slug, kk_suffix, ru_suffix, place)
        self.write_akim_rules(territory, level_slug, flaw)
        self.write_bodies(territory, level_slug)
        self.write_figures(territory)
        self.write_holders(territory.akim, f"akim of {name}", 1991 + 3 * level)
        return territory

    def write_identity(self, territory: Territory, cls: str, flaw: str | None) -> None:
        registry = self.writers["registry"]
        registry.block(
            f"territory:{territory.slug}",
            [("a", f"kz:{cls}"), ("rdfs:label", text(territory.name, "en"))],
        )
        akim_label = text(f"akim of {territory.name}", "en")
        if flaw == "post-without-english-label":
            akim_label = text(f"аким {territory.name}", "ru")
            self.record(flaw, territory.akim, "the post has no English rdfs:label")
        registry.block(territory.akim, [("a", "kz:Post"), ("rdfs:label", akim_label)])
        if territory.akimat:
            registry.block(
                territory.akimat,
                [
                    ("a", "kz:LocalExecutiveBody"),
                    ("rdfs:label", text(f"akimat of {territory.name}", "en")),
                ],
            )
        if territory.maslikhat:
            registry.block(
                territory.maslikhat,
                [
                    ("a", "kz:LocalRepresentativeBody"),
                    ("rdfs:label", text(f"maslikhat of {territory.name}", "en")),
                ],
            )

    def write_place(
        self, territory: Territory, level_slug: str, kk_suffix: str, ru_suffix: str, place: str
    ) -> None:
        writer = self.writers[TERRITORY_SOURCE]
        assert territory.parent is not None
        pairs = [
            ("kz:territoryPartOf", f"territory:{territory.parent.slug}"),
            ("kz:atLevel", f"level:{level_slug}"),
            ("kz:country", "territory:syn-country"),
        ]
        if territory.index % 3 == 0:
            pairs.append(("rdfs:label", text(f"{place} {kk_suffix}", "kk")))
        if territory.index % 5 == 0:
            pairs.append(("rdfs:label", text(f"{place} {ru_suffix}", "ru")))
        writer.block(f"territory:{territory.slug}", pairs)
        post_pairs = [
            ("kz:atLevel", f"level:{level_slug}"),
            ("kz:jurisdiction", f"territory:{territory.slug}"),
        ]
        if territory.akimat:
            post_pairs.append(("kz:headOf", territory.akimat))
        writer.block(territory.akim, post_pairs)

    def write_akim_rules(self, territory: Territory, level_slug: str, flaw: str | None) -> None:
        """Appointment (and, for the lowest levels since 2021, election) of the akim."""
        law = self.writers[LAW_SOURCE]
        parent = territory.parent
        assert parent is not None
        appointment = self.rule_iri(LAW_SOURCE)
        accountability = self.rule_iri(LAW_SOURCE)
        subordination = self.rule_iri(LAW_SOURCE)
        elected = territory.level >= 3
        election = self.rule_iri(LAW_SOURCE) if elected else None
        post_pairs = [
            ("kz:appointmentRule", appointment),
            ("kz:accountabilityRule", accountability),
            ("kz:subordinationRule", subordination),
        ]
        if election:
            post_pairs.append(("kz:electionRule", election))
        law.block(territory.akim, post_pairs)
        valid_from, valid_until = 1993, (2021 if elected else None)
        if flaw == "rule-valid-from-after-valid-until":
            valid_from, valid_until = 2015, 2005
            self.record(flaw, appointment, "kz:validFrom 2015 is after kz:validUntil 2005")
        pairs = [
            ("a", "kz:AppointmentRule"),
            ("kz:appointer", parent.akim),
            ("kz:validFrom", year(valid_from)),
            ("kz:establishedBy", self.rng.choice(self.acts)),
            (
                "kz:sourcePassage",
                text(f"The akim of {territory.name} is appointed by the {level_slug} above.", "en"),
            ),
        ]
        if valid_until is not None:
            pairs.insert(3, ("kz:validUntil", year(valid_until)))
        if parent.maslikhat and territory.level <= 2:
            pairs.insert(2, ("kz:withConsentOf", territory.maslikhat or parent.maslikhat))
        if territory.level == 1:
            pairs.insert(2, ("kz:termYears", integer(4)))
        law.block(appointment, pairs)
        law.block(
            accountability,
            [("a", "kz:AccountabilityRule"), ("kz:principal", parent.akim)],
        )
        law.block(
            subordination,
            [
                ("a", "kz:SubordinationRule"),
                ("kz:superior", parent.akim),
                ("kz:validFrom", year(1995)),
            ],
        )
        if election:
            law.block(
                election,
                [
                    ("a", "kz:ElectionRule"),
                    ("kz:electorate", f"territory:{territory.slug}"),
                    ("kz:electionMethod", "kz:DirectElection"),
                    ("kz:termYears", integer(4)),
                    ("kz:validFrom", year(2021)),
                    ("kz:establishedBy", self.rng.choice(self.acts)),
                ],
            )

    def write_bodies(self, territory: Territory, level_slug: str) -> None:
        yearbook = self.writers[YEARBOOK_SOURCE]
        law = self.writers[LAW_SOURCE]
        parent = territory.parent
        assert parent is not None
        if territory.akimat:
            pairs = [
                ("kz:atLevel", f"level:{level_slug}"),
                ("kz:jurisdiction", f"territory:{territory.slug}"),
                ("kz:inceptionYear", year(1991 + self.rng.randint(0, 20))),
            ]
            if territory.index % 4 == 0:
                pairs.append(("rdfs:label", text(f"{territory.name} акимат", "ru")))
            yearbook.block(territory.akimat, pairs)
            establishing = self.rng.choice(self.acts)
            law.block(establishing, [("kz:establishes", territory.akimat)])
        if territory.maslikhat:
            election = self.rule_iri(LAW_SOURCE)
            law.block(
                territory.maslikhat,
                [
                    ("kz:atLevel", f"level:{level_slug}"),
                    ("kz:jurisdiction", f"territory:{territory.slug}"),
                    ("kz:electionRule", election),
                ],
            )
            law.block(
                election,
                [
                    ("a", "kz:ElectionRule"),
                    ("kz:electorate", f"territory:{territory.slug}"),
                    ("kz:electionMethod", "kz:DirectElection"),
                    ("kz:termYears", integer(5)),
                    ("kz:validFrom", year(1995)),
                ],
            )

    def write_figures(self, territory: Territory) -> None:
        """A population figure, and every third territory a second, differing one."""
        population = int(10 ** (6.5 - territory.level) * (0.5 + self.rng.random()))
        self.figure(YEARBOOK_SOURCE, territory, population, 2021)
        if territory.index % 3 == 0:
            other = int(population * (0.9 + 0.2 * self.rng.random()))
            self.figure(CENSUS_SOURCE, territory, other, 2021)

    def figure(self, source: str, territory: Territory, value: int, reference: int) -> None:
        self.figure_count += 1
        writer = self.writers[source]
        writer.block(
            f"synfigure:syn-figure-{self.figure_count:06d}",
            [
                ("a", "kz:Figure"),
                ("kz:figureOf", f"territory:{territory.slug}"),
                ("kz:measure", "measure:population"),
                ("kz:value", decimal(value)),
                ("kz:unitText", text("persons", "en")),
                ("kz:referenceYear", year(reference)),
            ],
        )


def link_inputs(root: Path, project_root: Path, copy: bool) -> None:
    """Give the synthetic project the real ontology and queries, linked or copied."""
    for folder in ("ontology", "queries"):
        target = root / folder
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        if copy:
            shutil.copytree(project_root / folder, target)
        else:
            target.symlink_to((project_root / folder).resolve(), target_is_directory=True)


def generate(
    out: Path,
    triples: int,
    seed: int = 0,
    violations: int = 0,
    project_root: Path = PROJECT_ROOT,
    copy: bool = False,
) -> GenerationReport:
    """Write a synthetic kzgov project of about `triples` triples into `out`.

    Args:
        out: the project folder to write (its data/ is replaced).
        triples: the target number of triples; the result overshoots it by at most a
            few dozen triples (one territory's worth), never undershoots it.
        seed: the random seed; the same arguments always give the same files.
        violations: the number of deliberate SHACL flaws to write.
        project_root: the project whose ontology/ and queries/ are linked in.
        copy: copy ontology/ and queries/ instead of linking them.

    Returns:
        What was written, with the deliberate flaws.
    """
    data_dir = out / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    link_inputs(out, project_root, copy)
    generator = Generator(triples, seed, violations)
    generator.write(data_dir)
    if len(generator.report_violations) < violations:
        raise ValueError(
            f"only {len(generator.report_violations)} of {violations} violations fit in "
            f"{triples} triples: ask for fewer violations or more triples"
        )
    files = {f"{name}.ttl": writer.triples for name, writer in generator.writers.items()}
    return GenerationReport(
        root=out,
        triples=generator.written,
        files=files,
        territories=dict(generator.territory_counts),
        violations=generator.report_violations,
    )


def describe(report: GenerationReport) -> Iterator[str]:
    """The report as lines of text."""
    yield f"wrote {report.triples} triples into {report.root}/data"
    for name, count in sorted(report.files.items()):
        yield f"  {name:<40} {count:>9}"
    levels = ", ".join(f"{count} {level}" for level, count in report.territories.items())
    yield f"territories: {levels}"
    yield f"deliberate violations: {len(report.violations)}"
    for violation in report.violations:
        yield f"  {violation.kind}: <{violation.focus}> ({violation.detail})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True, help="target size in triples")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--violations", type=int, default=0, help="deliberate SHACL flaws to write (default 0)"
    )
    parser.add_argument("--out", type=Path, required=True, help="project folder to write")
    parser.add_argument(
        "--copy", action="store_true", help="copy ontology/ and queries/ instead of linking"
    )
    args = parser.parse_args(argv)
    if args.triples < 1000:
        parser.error("--triples must be at least 1000")
    try:
        report = generate(args.out, args.triples, args.seed, args.violations, copy=args.copy)
    except ValueError as error:
        print(f"generate: {error}", file=sys.stderr)
        return 2
    for line in describe(report):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
