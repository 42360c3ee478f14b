"""The "why" of inferred rows on the entity pages, and the sources of every equally short proof.

Over the real server on the real build: every inferred row of the pages of a post, a body,
a person, a region akim's post and an act links to /explain, the link answers 200 with the
proof of that row's triple, and the row names the sources of its premises. And where a
premise is proven in two ways (the oblast akim appointed by the President under two
sources' rules), the command line, the JSON and the page of /explain name both sources,
with their quotes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from rdflib.term import BNode, Node

from conftest import LiveServer, run_kzgov, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout
from kzgov.core.namespaces import KZ, KZG, KZID
from kzgov.reasoning.explain import Explainer, StoreFacts
from test_explain import BROWSER, Build, assert_valid

REGION_AKIM = KZID["post/abai-region-akim"]
PRESIDENT = KZID["post/president"]
APPOINTED = (REGION_AKIM, KZ.appointedBy, PRESIDENT)
BOTH_RULES = {KZG["reforms-article-2022"], KZG["country-report-2023"]}
# The words that only the quote of the reforms article's rule has ("each of the provinces").
REFORMS_QUOTE = "Eyaletlerin her biri"
# A page of each kind: a post, a body, a person, a region akim's post and an act.
PAGES = (
    "/id/post/president",
    "/id/body/oblast-akimat",
    "/id/person/nursultan-nazarbayev",
    "/id/post/abai-region-akim",
    "/id/act/constitution-1995",
)
# HTML elements without an end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Row:
    """An inferred row of a page: its "why?" links and how many premise sources it names."""

    tag: str
    why: list[str] = field(default_factory=list)
    sources: int = 0


class InferredRows(HTMLParser):
    """Collects the rows (table rows and list items) a page marks `inferred`."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.open: list[tuple[str, Row | None]] = []

    def current(self) -> Row | None:
        return next((row for _tag, row in reversed(self.open) if row is not None), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        row = self.current()
        if row is not None and tag == "a" and "why" in classes:
            row.why.append(dict(attrs).get("href") or "")
        if row is not None and "premise-source" in classes:
            row.sources += 1
        if tag in VOID:
            return
        fresh = Row(tag) if tag in ("tr", "li") and "inferred" in classes else None
        if fresh is not None:
            self.rows.append(fresh)
        self.open.append((tag, fresh))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            opened, _row = self.open.pop()
            if opened == tag:
                break


def inferred_rows(html: str) -> list[Row]:
    parser = InferredRows()
    parser.feed(html)
    return parser.rows


PROOFS_FOLLOWED = 30


@pytest.mark.parametrize("path", PAGES)
def test_every_inferred_row_links_to_its_proof_and_names_its_sources(
    live_server: LiveServer, path: str
) -> None:
    page = send("GET", live_server.base_url + path, headers=BROWSER)
    assert page.status == 200
    rows = inferred_rows(page.text)
    assert rows, f"{path} shows no inferred row"
    for row in rows:
        assert len(row.why) == 1, f"an inferred {row.tag} of {path} has no why? link"
        assert row.sources >= 1, f"an inferred {row.tag} of {path} names no premise source"
    links = sorted({row.why[0] for row in rows})
    # Every link is built by one template; follow at most PROOFS_FOLLOWED, spread over them.
    for href in links[:: max(1, len(links) // PROOFS_FOLLOWED)]:
        asked = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        answer = send("GET", live_server.base_url + href, headers={"Accept": "application/json"})
        assert answer.status == 200, f"{href}: {answer.status} {answer.text[:200]}"
        proof = json.loads(answer.body)
        assert proof["inferred"], href
        triple = proof["triple"]
        assert (triple["s"]["value"], triple["p"]["value"]) == (asked["s"], asked["p"])


# -- Every source of an equally short derivation -------------------------------------------


@pytest.fixture(scope="module")
def seed(real_build: BuildResult, real_layout: Layout) -> Build:
    from kzgov.store.base import release_or_fail

    return Build(release_or_fail(real_layout))


def test_a_premise_proven_under_two_sources_rules_names_both(seed: Build) -> None:
    proof = seed.explainer.explain(APPOINTED)
    assert_valid(proof, seed)
    # The shortest proof goes through the oblast akim, appointed under one source's rule...
    oblast = next(p for p in proof.premises if p.triple[1] == KZ.appointedBy)
    assert len(oblast.alternatives) == 1
    # ...and the other source's rule proves that premise as shortly: both are named.
    assert set(proof.all_source_graphs()) >= BOTH_RULES
    others = proof.other_leaves()
    assert {g for leaf in others for g in leaf.where.graphs} & BOTH_RULES
    assert any(REFORMS_QUOTE in str(q) for leaf in others for _g, q in leaf.where.quotes)
    for leaf in others:
        assert seed.stated(leaf.triple, leaf.where.members)
        assert leaf.where.quotes, f"no quote for {leaf.triple}"


def shape(triple: tuple[Node, Node, Node]) -> tuple[Node | str, ...]:
    """A triple with its blank nodes (labelled anew by each explainer) made equal."""
    return tuple("_:" if isinstance(term, BNode) else term for term in triple)


def test_the_proof_is_the_same_searched_alone_or_in_a_batch(seed: Build) -> None:
    alone = Explainer(StoreFacts(seed.store)).explain(APPOINTED)
    batch = seed.explainer.explain_all([*seed.inferred[:50], APPOINTED])[APPOINTED]
    assert [shape(n.triple) for n in alone.walk()] == [shape(n.triple) for n in batch.walk()]
    assert alone.all_source_graphs() == batch.all_source_graphs()


def blank_labels_out(text: str) -> str:
    """JSON text with blank node labels (new at each load of the data) made equal."""
    return re.sub(r"\bN[0-9a-f]{32}\b", "_", text)


def test_cli_and_http_give_the_same_proof_with_both_sources(
    real_build: BuildResult, real_layout: Layout, live_server: LiveServer
) -> None:
    arguments = ("post:abai-region-akim", "kz:appointedBy", "post:president")
    text = run_kzgov(real_layout, "explain", *arguments)
    assert text.returncode == 0, text.stderr
    tail = text.stdout.split("equally short derivations also rest on:")[1]
    assert "stated in kzg:" in tail and REFORMS_QUOTE in text.stdout
    done = run_kzgov(real_layout, "explain", *arguments, "--format", "json")
    assert done.returncode == 0, done.stderr
    cli = json.loads(blank_labels_out(done.stdout))
    query = urlencode({"s": str(REGION_AKIM), "p": str(KZ.appointedBy), "o": str(PRESIDENT)})
    answer = send(
        "GET", f"{live_server.base_url}/explain?{query}", headers={"Accept": "application/json"}
    )
    assert answer.status == 200
    http = json.loads(blank_labels_out(answer.text))
    assert cli == http
    assert {str(g) for g in BOTH_RULES} <= set(http["alternativeSources"])
    other_graphs = {g for s in http["alternativeStatements"] for g in s["graphs"]}
    assert other_graphs & {str(g) for g in BOTH_RULES}
    assert all(s["quotes"] for s in http["alternativeStatements"])


def test_the_explain_page_lists_both_sources_and_their_quotes(live_server: LiveServer) -> None:
    query = urlencode({"s": str(REGION_AKIM), "p": str(KZ.appointedBy), "o": str(PRESIDENT)})
    page = send("GET", f"{live_server.base_url}/explain?{query}", headers=BROWSER)
    assert page.status == 200
    html = page.text
    answer = html.split('<p class="answer">')[1].split("</p>")[0]
    assert 'href="/id/source/reforms-article-2022"' in answer
    assert 'href="/id/source/country-report-2023"' in answer
    assert 'class="proof alternatives"' in html
    assert REFORMS_QUOTE in html and "Bölgesel yönetimin" in html
