"""How much of each source the graph quotes: its sentences, the quotes and their locators.

Each source text is split into numbered sentences (`s1`, `s2`, ...). Every
`kz:sourcePassage` quote of a source graph is found in that graph's own source (ignoring
whitespace, which the extracted texts break at line ends), and its place is a locator:
the sentence it stands in (`s12`) or the first and last of the sentences it spans
(`s12-s13`). A reviewed list, data/no-fact-sentences.csv, names the sentences that state
no fact (headings, citations, rhetoric), each with its reason. A source's sentences are
then quoted, stating no fact, or uncovered.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV

from kzgov.build.load import display_path
from kzgov.core.errors import KzgovError
from kzgov.core.layout import Layout, is_source_file
from kzgov.core.namespaces import KZ, KZG

# The reviewed list of sentences that state no fact, beside the data it is about.
NO_FACT_FILE = "no-fact-sentences.csv"
NO_FACT_COLUMNS = ("source", "locator", "begins", "reason")
# How many characters of a no-fact sentence its entry repeats, so that the list cannot drift.
NO_FACT_BEGINS_CHARACTERS = 30

# A sentence ends at ., ! , ? or an ellipsis, then any closing quotes or brackets, then
# whitespace, when the next sentence starts with a capital, a digit or an opening mark.
SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)\]]*\s+")  # noqa: RUF001 (the marks of the sources' scripts)
# A one-letter initial before a full stop ("President K. Tokayev") ends no sentence.
INITIAL = re.compile(r"(?:^|[\s(])[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]\.$")  # noqa: RUF001 (the marks of the sources' scripts)
SENTENCE_START_MARKS = "\"'«“([•–-"  # noqa: RUF001 (the marks of the sources' scripts)
# An elision in a quote: the words between two verbatim parts are left out.
ELISION = re.compile(r"\s*(?:\.\.\.|…)\s*")
LOCATOR = re.compile(r"^s([1-9][0-9]*)(?:-s([1-9][0-9]*))?$")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a source, as a span of its whitespace-collapsed text.

    Attributes:
        number: its 1-based place in the source.
        start: the offset of its first character in the collapsed text.
        end: the offset just after its last character.
        text: its words.
    """

    number: int
    start: int
    end: int
    text: str


@dataclass
class SourceText:
    """A source document split into sentences, with a whitespace-free copy for matching.

    Attributes:
        slug: the source's slug (its graph's name).
        file_name: the document's file in the sources folder.
        collapsed: the text with every run of whitespace made one space.
        sentences: its sentences, in order.
    """

    slug: str
    file_name: str
    collapsed: str
    sentences: list[Sentence]
    bare: str = ""
    bare_to_collapsed: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Index the text without whitespace, keeping each character's collapsed offset."""
        for offset, character in enumerate(self.collapsed):
            if not character.isspace():
                self.bare += character
                self.bare_to_collapsed.append(offset)

    def locate(self, quote: str) -> tuple[int, int] | None:
        """The first and last sentence numbers a quote spans, or None if it is not verbatim.

        Args:
            quote: the quoted words; whitespace in them and in the source is ignored, and
                an elision ("..." or "…") stands for any words between two verbatim parts.

        Returns:
            The numbers of the first and the last sentence the first occurrence overlaps.
        """
        parts = ["".join(part.split()) for part in ELISION.split(quote)]
        parts = [part for part in parts if part]
        if not parts:
            return None
        found = self.bare.find(parts[0])
        while found >= 0:
            end = self.match_rest(parts[1:], found + len(parts[0]))
            if end is not None:
                start = self.bare_to_collapsed[found]
                last = self.bare_to_collapsed[end - 1] + 1
                numbers = [s.number for s in self.sentences if s.start < last and start < s.end]
                return numbers[0], numbers[-1]
            found = self.bare.find(parts[0], found + 1)
        return None

    def match_rest(self, parts: list[str], offset: int) -> int | None:
        """Where the parts after an elision end, each found in order from the offset on."""
        for part in parts:
            found = self.bare.find(part, offset)
            if found < 0:
                return None
            offset = found + len(part)
        return offset


@dataclass(frozen=True)
class Quote:
    """One `kz:sourcePassage` of a source graph.

    Attributes:
        slug: the source graph's name.
        file: the data file it is in, as the user would type it.
        node: the node that quotes.
        text: the quoted words.
    """

    slug: str
    file: str
    node: URIRef
    text: str


@dataclass(frozen=True)
class NoFact:
    """An entry of the reviewed list of sentences that state no fact.

    Attributes:
        slug: the source.
        locator: the sentence (`s3`).
        begins: the sentence's first characters, as a check that the entry still fits.
        reason: why the sentence states no fact.
        line: the entry's line in the list.
    """

    slug: str
    locator: str
    begins: str
    reason: str
    line: int


@dataclass
class SourceCoverage:
    """The sentences of one source, by what the graph does with them.

    Attributes:
        slug: the source.
        file_name: its document.
        sentences: how many sentences it has.
        quoted: the numbers of the sentences some quote overlaps.
        no_fact: the numbers of the sentences the reviewed list marks as stating no fact.
        quotes: how many quotes its graph holds.
    """

    slug: str
    file_name: str
    sentences: int
    quoted: set[int] = field(default_factory=set)
    no_fact: set[int] = field(default_factory=set)
    quotes: int = 0

    @property
    def uncovered(self) -> int:
        """How many sentences are neither quoted nor marked as stating no fact."""
        return self.sentences - len(self.quoted | self.no_fact)


@dataclass
class CoverageReport:
    """The coverage of every source and every problem found on the way.

    Attributes:
        sources: each source's coverage, in file order.
        locators: the locator each quote should carry, by (graph, node): a set per node.
        problems: what is wrong, each naming the file and node or entry.
        no_fact_entries: how many entries the reviewed no-fact list has.
    """

    sources: list[SourceCoverage]
    locators: dict[tuple[str, URIRef], set[str]]
    problems: list[str]
    no_fact_entries: int


def split_sentences(text: str) -> tuple[str, list[Sentence]]:
    """Split a text into sentences.

    Args:
        text: a source document's text.

    Returns:
        The text with every run of whitespace made one space, and its sentences.
    """
    collapsed = " ".join(text.split())
    sentences: list[Sentence] = []
    start = 0
    for match in SENTENCE_END.finditer(collapsed):
        following = collapsed[match.end() : match.end() + 2]
        first = following.lstrip(SENTENCE_START_MARKS)[:1] or following[:1]
        if not (first.isupper() or first.isdigit() or following[:1] in SENTENCE_START_MARKS):
            continue
        if INITIAL.search(collapsed[max(0, match.start() - 2) : match.start() + 1]):
            continue
        end = match.end() - (len(match.group()) - len(match.group().rstrip()))
        sentences.append(Sentence(len(sentences) + 1, start, end, collapsed[start:end]))
        start = match.end()
    if start < len(collapsed):
        sentences.append(
            Sentence(len(sentences) + 1, start, len(collapsed), collapsed[start:].rstrip())
        )
    return collapsed, sentences


def locator_of(first: int, last: int) -> str:
    """The locator of a quote spanning sentences first..last: "s12" or "s12-s13"."""
    return f"s{first}" if first == last else f"s{first}-s{last}"


def default_sources_dir(layout: Layout) -> Path:
    """The source documents beside the project: ../shared/seeds."""
    return layout.root.parent / "shared" / "seeds"


def source_files(layout: Layout) -> dict[str, str]:
    """The document file of each source graph, from the catalogue.

    Returns:
        The file name (in the sources folder) by source slug.
    """
    catalog = Graph().parse(layout.data_dir / "catalog.ttl", format="turtle")
    files = {}
    for graph, source in catalog.subject_objects(PROV.wasDerivedFrom):
        name = catalog.value(source, KZ.fileName)
        if isinstance(graph, URIRef) and name is not None:
            files[str(graph).removeprefix(str(KZG))] = str(name)
    return files


def read_sources(layout: Layout, sources_dir: Path, shown_dir: str) -> dict[str, SourceText]:
    """Read and split every catalogued source document.

    Args:
        layout: the project.
        sources_dir: the folder holding the documents.
        shown_dir: the folder as the user gave it, for messages.

    Returns:
        Each source's text by slug.

    Raises:
        KzgovError: the folder or a document is missing.
    """
    if not sources_dir.is_dir():
        raise KzgovError(
            f"no sources folder {shown_dir}: give the documents' folder with --sources"
        )
    texts = {}
    for slug, name in sorted(source_files(layout).items(), key=lambda item: item[1]):
        path = sources_dir / name
        if not path.is_file():
            raise KzgovError(f"{shown_dir} has no {name}, the document of source {slug}")
        collapsed, sentences = split_sentences(path.read_text(encoding="utf-8"))
        texts[slug] = SourceText(slug, name, collapsed, sentences)
    return texts


def read_quotes(layout: Layout) -> tuple[list[Quote], dict[tuple[str, URIRef], set[str]]]:
    """Every quote of every source graph, and the locators the data states.

    Returns:
        The quotes, and the stated locators by (graph slug, node).
    """
    quotes = []
    stated: dict[tuple[str, URIRef], set[str]] = defaultdict(set)
    for path in layout.data_files():
        if not is_source_file(path):
            continue
        graph = Graph().parse(path, format="turtle")
        shown = display_path(path, layout.root)
        for node, text in graph.subject_objects(KZ.sourcePassage):
            if isinstance(node, URIRef) and isinstance(text, Literal):
                quotes.append(Quote(path.stem, shown, node, str(text)))
        for node, locator in graph.subject_objects(KZ.sourceLocator):
            if isinstance(node, URIRef):
                stated[(path.stem, node)].add(str(locator))
    quotes.sort(key=lambda q: (q.file, str(q.node), q.text))
    return quotes, stated


def read_no_fact(path: Path, shown: str) -> list[NoFact]:
    """Read the reviewed list of sentences that state no fact.

    Raises:
        KzgovError: the list's header is not the expected one.
    """
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != NO_FACT_COLUMNS:
        raise KzgovError(f"{shown}:1: the header must be {','.join(NO_FACT_COLUMNS)}")
    entries = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(NO_FACT_COLUMNS):
            raise KzgovError(f"{shown}:{line}: expected {len(NO_FACT_COLUMNS)} columns")
        entries.append(NoFact(row[0], row[1], row[2], row[3], line))
    return entries


def measure_coverage(layout: Layout, sources_dir: Path, shown_dir: str) -> CoverageReport:
    """Place every quote in its source and count each source's sentences by their use.

    Args:
        layout: the project.
        sources_dir: the folder holding the source documents.
        shown_dir: that folder as the user gave it, for messages.

    Returns:
        The report; its problems list quotes that are not verbatim in their own source
        (saying if another source has them), locators that differ from the computed
        ones, and no-fact entries that do not fit their sentence.

    Raises:
        KzgovError: the sources folder or a document is missing.
    """
    texts = read_sources(layout, sources_dir, shown_dir)
    quotes, stated = read_quotes(layout)
    coverage = {
        slug: SourceCoverage(slug, text.file_name, len(text.sentences))
        for slug, text in texts.items()
    }
    problems: list[str] = []
    expected: dict[tuple[str, URIRef], set[str]] = defaultdict(set)
    for quote in quotes:
        own = texts.get(quote.slug)
        if own is None:
            problems.append(f"{quote.file}: {quote.node}: the graph has no catalogued source")
            continue
        coverage[quote.slug].quotes += 1
        span = own.locate(quote.text)
        if span is None:
            elsewhere = [s for s, t in texts.items() if s != quote.slug and t.locate(quote.text)]
            where = f" (it is in {', '.join(elsewhere)}, another source)" if elsewhere else ""
            problems.append(
                f"{quote.file}: {quote.node}: quote not verbatim in {own.file_name}{where}:"
                f" {quote.text[:60]!r}"
            )
            continue
        coverage[quote.slug].quoted.update(range(span[0], span[1] + 1))
        expected[(quote.slug, quote.node)].add(locator_of(*span))
    for key in sorted(set(expected) | set(stated), key=lambda k: (k[0], str(k[1]))):
        if stated.get(key, set()) != expected.get(key, set()):
            problems.append(
                f"data/{key[0]}.ttl: {key[1]}: kz:sourceLocator {sorted(stated.get(key, set()))}"
                f" but its quotes stand at {sorted(expected.get(key, set()))}"
                " (rerun tools/write_locators.py)"
            )
    no_fact_path = layout.data_dir / NO_FACT_FILE
    entries = read_no_fact(no_fact_path, display_path(no_fact_path, layout.root))
    problems += check_no_fact(entries, texts, coverage, display_path(no_fact_path, layout.root))
    ordered = sorted(coverage.values(), key=lambda c: c.file_name)
    return CoverageReport(ordered, dict(expected), problems, len(entries))


def check_no_fact(
    entries: Iterable[NoFact],
    texts: dict[str, SourceText],
    coverage: dict[str, SourceCoverage],
    shown: str,
) -> list[str]:
    """Mark the no-fact sentences, and report entries that do not fit their sentence.

    Returns:
        The problems: an unknown source or locator, a sentence that does not begin with
        the entry's text, an entry with no reason, or a sentence that a quote uses.
    """
    problems = []
    for entry in entries:
        where = f"{shown}:{entry.line}"
        text = texts.get(entry.slug)
        match = LOCATOR.match(entry.locator)
        if text is None or match is None or match.group(2) is not None:
            problems.append(f"{where}: unknown source or sentence {entry.slug} {entry.locator}")
            continue
        number = int(match.group(1))
        if number > len(text.sentences):
            problems.append(f"{where}: {entry.slug} has only {len(text.sentences)} sentences")
            continue
        sentence = text.sentences[number - 1].text
        if not entry.reason.strip():
            problems.append(f"{where}: the entry gives no reason")
        if not sentence.startswith(entry.begins) or not entry.begins:
            problems.append(
                f"{where}: {entry.slug} {entry.locator} begins {sentence[:40]!r},"
                f" not {entry.begins!r}"
            )
            continue
        if number in coverage[entry.slug].quoted:
            problems.append(f"{where}: {entry.slug} {entry.locator} is quoted, so it states a fact")
            continue
        coverage[entry.slug].no_fact.add(number)
    return problems


def coverage_table(report: CoverageReport) -> str:
    """The report as a Markdown table, one row per source, then the size of the no-fact list."""
    lines = [
        "| source | document | sentences | quoted | stating no fact | uncovered | quotes |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for c in report.sources:
        lines.append(
            f"| {c.slug} | {c.file_name} | {c.sentences} | {len(c.quoted)} |"
            f" {len(c.no_fact)} | {c.uncovered} | {c.quotes} |"
        )
    total = [
        sum(v)
        for v in zip(
            *(
                (c.sentences, len(c.quoted), len(c.no_fact), c.uncovered, c.quotes)
                for c in report.sources
            ),
            strict=True,
        )
    ]
    lines.append(f"| all | | {total[0]} | {total[1]} | {total[2]} | {total[3]} | {total[4]} |")
    lines.append("")
    lines.append(f"No-fact list: {report.no_fact_entries} entries (data/{NO_FACT_FILE}).")
    return "\n".join(lines)
