"""The new user's review of the pages, the pictures and the command line's output (issue
15's remaining findings), in a real browser on a real server and with the real CLI."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from rdflib import Graph, Literal, URIRef

from conftest import LiveServer, browser_page, run_kzgov, send
from kzgov.build.pipeline import BuildResult
from kzgov.core.layout import Layout

# Pages are read from the memory store (the page tests of other files run every store).
MEMORY = pytest.mark.parametrize("backend", ["memory"], indirect=True)

TOKAYEV = "/id/person/kassym-jomart-tokayev"


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A 1440 px wide page."""
    with browser_page(browser, 1440, 1000) as opened:
        yield opened


@pytest.fixture()
def phone(browser: Browser) -> Iterator[Page]:
    """A 390 px wide page."""
    with browser_page(browser, 390, 844, is_mobile=True) as opened:
        yield opened


def select_rows(live_server: LiveServer, query: str) -> list[dict[str, dict[str, str]]]:
    """The rows of a SELECT, from the server as SPARQL JSON."""
    request = urllib.request.Request(
        live_server.endpoint + "?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request) as response:
        rows: list[dict[str, dict[str, str]]] = json.load(response)["results"]["bindings"]
    return rows


# -- 5. The summary uses the tenure's dated facts --------------------------------------


@MEMORY
def test_the_summary_of_a_person_gives_the_date_the_tenure_rows_give(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + TOKAYEV)
    held = page.locator("aside.infobox ul", has=page.locator("a[href='/id/post/president']"))
    summary = held.inner_text()
    assert "dates not given" not in summary
    assert "held at 2022-04-13" in summary
    # The tenure's own row says the same day.
    assert "2022-04-13" in page.locator("main").inner_text().split("Statements", 1)[1]


# -- 7. The temporal closure's bookkeeping is not "Referred to by" ----------------------


@MEMORY
def test_a_region_akims_page_does_not_list_the_closures_derivation_nodes(
    page: Page, live_server: LiveServer
) -> None:
    akim = "https://w3id.org/kzgov/id/post/almaty-region-akim"
    derivations = select_rows(
        live_server,
        "SELECT ?d WHERE { GRAPH <https://w3id.org/kzgov/graph/temporal> "
        f"{{ ?d <https://w3id.org/kzgov/ontology#relationSubject> <{akim}> }} }}",
    )
    assert derivations, "the temporal closure has dated relations of the region akim"
    page.goto(live_server.base_url + "/id/post/almaty-region-akim")
    text = page.locator("main").inner_text()
    assert "relation subject" not in text
    assert "derivation/" not in text
    assert page.locator("a[href*='/id/derivation/']").count() == 0


# -- 9. Wikidata links carry the entity's label and the QID ----------------------------


@MEMORY
def test_wikidata_links_show_the_entitys_label_and_the_qid(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + TOKAYEV)
    infobox = page.locator("aside.infobox dd", has=page.locator("a[href*='wikidata.org']"))
    assert infobox.inner_text().strip() == "Kassym-Jomart Tokayev — wd:Q200881"
    row = page.locator("main table tr", has=page.locator("a[href$='/entity/Q200881']")).first
    assert "Kassym-Jomart Tokayev — wd:Q200881" in row.inner_text()


# -- 8. The home page links every graph, the temporal closure too ----------------------


@MEMORY
def test_the_home_page_links_each_graph_with_a_line_on_what_it_holds(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + "/")
    entries = page.locator("section.graphs .graph-entry")
    described = {
        entry.locator("dt a").get_attribute("href"): entry.locator("dd").inner_text()
        for entry in entries.all()
    }
    for graph in ("inferred", "temporal", "registry", "links"):
        assert described.get(f"/graph/{graph}"), f"/graph/{graph} is linked with a description"
    assert "OWL 2 RL" in described["/graph/inferred"]
    assert "dates" in described["/graph/temporal"]
    assert any("each source" in text for text in described.values())
    page.locator("section.graphs a[href='/graph/temporal']").click()
    page.wait_for_url("**/graph/temporal")
    assert "temporal" in page.locator("h1").inner_text().lower()


# -- 6. Reform timeline labels are whole ------------------------------------------------

REFORM_TIMELINE = (Path(__file__).parent.parent / "queries" / "reform-timeline.rq").read_text(
    encoding="utf-8"
)


@MEMORY
@pytest.mark.parametrize("width", [1440, 390])
def test_every_reform_timeline_label_is_shown_whole_beside_its_date(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    labels = {
        row["itemLabel"]["value"]
        for row in select_rows(live_server, REFORM_TIMELINE)
        if "itemLabel" in row
    }
    assert len(labels) > 20
    with browser_page(browser, width, 900) as page:
        page.goto(live_server.base_url + "/")
        page.wait_for_selector(".yasqe .CodeMirror")
        page.locator('a.example[data-name="reform-timeline"]').click()
        page.locator("#run-query").click()
        page.wait_for_selector("#yasr .kz-timeline .timeline-canvas[data-fitted]")
        items = page.locator("#yasr .kz-timeline .vis-item.vis-point").evaluate_all(
            "items => items.map(item => {"
            " const c = item.querySelector('.vis-item-content');"
            " const dot = item.querySelector('.vis-dot');"
            " return {text: c.innerText.replace(/\\s+/g, ' ').trim(), title: item.title || '',"
            " cut: c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1,"
            " dot: dot.getBoundingClientRect().left - item.getBoundingClientRect().left,"
            " label: c.getBoundingClientRect().left - item.getBoundingClientRect().left}; })"
        )
    shown = {item["text"] for item in items}
    assert labels <= shown, f"labels not shown whole: {sorted(labels - shown)}"
    assert not [item["text"] for item in items if item["cut"]], "a label is cut"
    # The dot marks the date, at the item's start; the label stands to its right.
    assert all(item["dot"] < 2 and item["label"] > item["dot"] for item in items), items[:3]


# -- 3. Bare slugs are read by the parameter's declared kinds ---------------------------


def test_a_bare_slug_is_read_as_any_kind_its_parameter_declares(
    real_build: BuildResult, real_layout: Layout
) -> None:
    # `post` of accountability-chain-as-of is "the post or body" (its default is a body).
    president = run_kzgov(
        real_layout, "query", "accountability-chain-as-of", "--param", "post=president"
    )
    assert president.returncode == 0, president.stderr
    akimat = run_kzgov(real_layout, "query", "accountability-chain-as-of", "--param", "post=akimat",
                   "--param", "year=1991", "--format", "csv")  # fmt: skip
    assert akimat.returncode == 0, akimat.stderr
    assert "body/government,not in force" in akimat.stdout
    # `holder` of powers-over-time is "the post or body" (its default is a post).
    maslikhat = run_kzgov(real_layout, "query", "powers-over-time", "--param", "holder=maslikhat",
                      "--format", "csv")  # fmt: skip
    assert maslikhat.returncode == 0, maslikhat.stderr
    assert "maslikhat-self-government" in maslikhat.stdout


def test_a_slug_of_no_declared_kind_is_an_error_naming_the_parameter(
    real_build: BuildResult, real_layout: Layout
) -> None:
    finished = run_kzgov(
        real_layout, "query", "accountability-chain-as-of", "--param", "post=akimatt"
    )
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr.startswith(
        "kzgov: parameter 'post' of query 'accountability-chain-as-of': 'akimatt' names no"
        " post or body in the graph; did you mean akimat"
    ), finished.stderr
    assert "Traceback" not in finished.stderr


@MEMORY
def test_the_server_reads_a_bare_slug_by_the_parameters_kinds(live_server: LiveServer) -> None:
    url = f"{live_server.base_url}/queries/powers-over-time?holder=maslikhat"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        rows = json.load(response)["results"]["bindings"]
    assert rows
    bad = send("GET", f"{live_server.base_url}/queries/powers-over-time?holder=maslikhatt")
    assert bad.status == 400
    assert "names no post or body" in bad.text


# -- 4. officeholder-statements on the command line --------------------------------------

WD = "http://www.wikidata.org/entity/"
PS_P39 = URIRef("http://www.wikidata.org/prop/statement/P39")
TENURE_OF = URIRef("https://w3id.org/kzgov/ontology#tenureOf")


def test_officeholder_statements_print_with_the_projects_prefixes_and_wikidata_items(
    real_build: BuildResult, real_layout: Layout
) -> None:
    finished = run_kzgov(real_layout, "query", "officeholder-statements")
    assert finished.returncode == 0, finished.stderr
    text = finished.stdout
    assert not re.search(r"@prefix ns\d+:", text), text[:400]
    for prefix in ("wd:", "p:", "ps:", "pq:", "post:", "person:"):
        assert f"@prefix {prefix} " in text
    graph = Graph().parse(data=text, format="turtle")
    posts = {tenure: post for tenure, post in graph.subject_objects(TENURE_OF)}
    items = {tenure: item for tenure, item in graph.subject_objects(PS_P39)}
    assert posts and set(posts) == set(items), "every tenure has ps:P39 and its kzgov post"
    president = URIRef("https://w3id.org/kzgov/id/post/president")
    khan = URIRef("https://w3id.org/kzgov/id/post/kazakh-khan")
    for tenure, post in posts.items():
        if post == president:
            assert items[tenure] == URIRef(WD + "Q5256775")  # the links graph's exactMatch
        if post == khan:
            assert items[tenure] == Literal("not stated")
    assert "ps:P39 wd:Q5256775" in text


# -- 1 and 2. The network's years, and its links as of a year ------------------------

AKIMAT = "https://w3id.org/kzgov/id/body/akimat"


def network_page(page: Page, live_server: LiveServer, path: str) -> None:
    """Open a post or body page and wait for its timeless network and its years."""
    page.goto(live_server.base_url + path)
    page.wait_for_selector("section.network .network-canvas[data-nodes] canvas")
    page.wait_for_selector("section.network select.network-year[data-years]", state="attached")


def links_as_of(page: Page, year: str) -> dict[str, str]:
    """Choose a year above the network; each drawn link's text and status."""
    page.select_option("section.network select.network-year", year)
    page.wait_for_selector(
        f"section.network .entity-network[data-year='{year}'] .network-canvas[data-nodes] canvas"
    )
    items = page.locator("section.network .network-list li")
    # text_content: the list is inside a closed <details>, where inner_text is empty.
    return {
        (item.text_content() or "").strip(): item.get_attribute("data-status") or ""
        for item in items.all()
    }


@MEMORY
def test_the_years_offered_start_at_the_earliest_date_the_graph_knows(
    page: Page, live_server: LiveServer
) -> None:
    # The akimat's earliest date: its subordination to the Government, from 7 February 1992.
    (row,) = select_rows(
        live_server,
        "SELECT (MIN(SUBSTR(STR(?w), 1, 4)) AS ?y) WHERE { GRAPH <https://w3id.org/kzgov/graph/"
        "temporal> { { ?d <https://w3id.org/kzgov/ontology#relationSubject> <" + AKIMAT + "> }"
        " UNION { ?d <https://w3id.org/kzgov/ontology#relationObject> <" + AKIMAT + "> }"
        " ?d <https://w3id.org/kzgov/ontology#startTime> ?w } }",
    )
    assert row["y"]["value"] == "1992"
    network_page(page, live_server, "/id/body/akimat")
    years = [
        int(value)
        for value in page.locator("select.network-year option").evaluate_all(
            "options => options.map(o => o.value)"
        )
        if value
    ]
    this_year = int(page.evaluate("new Date().getUTCFullYear()"))
    assert min(years) == 1992 and max(years) == this_year
    assert len(years) == this_year - 1992 + 1
    assert "1992" in page.locator("section.network .network-years").inner_text()


@MEMORY
def test_a_post_with_nothing_dated_offers_no_year_and_says_so(
    page: Page, live_server: LiveServer
) -> None:
    akim = "https://w3id.org/kzgov/id/post/pavlodar-region-akim"
    dated = select_rows(
        live_server,
        "SELECT ?w WHERE { { <" + akim + "> <https://w3id.org/kzgov/ontology#inceptionYear> ?w }"
        " UNION { GRAPH <https://w3id.org/kzgov/graph/temporal> { { ?d <https://w3id.org/kzgov/"
        "ontology#relationSubject> <" + akim + "> } UNION { ?d <https://w3id.org/kzgov/ontology#"
        "relationObject> <" + akim + "> } ?d <https://w3id.org/kzgov/ontology#startTime>|"
        "<https://w3id.org/kzgov/ontology#startNotBefore> ?w } } }",
    )
    assert not dated
    network_page(page, live_server, "/id/post/pavlodar-region-akim")
    choice = page.locator("section.network select.network-year")
    assert choice.get_attribute("data-years") == "none"
    assert choice.is_disabled()
    assert choice.locator("option").count() == 1  # "every year" only
    assert (
        "No source dates this post" in page.locator("section.network .network-years").inner_text()
    )


STATUS_OF = {
    "in force then": "in-force",
    "in force, dates unknown": "dates-unknown",
    "not in force": "not-in-force",
}


@MEMORY
@pytest.mark.parametrize("year", ["1992", "2022"])
def test_the_akimats_network_as_of_a_year_follows_accountability_chain_as_of(
    page: Page, live_server: LiveServer, real_layout: Layout, year: str
) -> None:
    # The named query's answer from the real CLI (no deadline on a busy machine).
    finished = run_kzgov(real_layout, "query", "accountability-chain-as-of", "--param", "post=akimat",
                     "--param", f"year={year}", "--format", "json")  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    answer = json.loads(finished.stdout)["results"]["bindings"]
    status = {row["principal"]["value"]: row["status"]["value"] for row in answer}
    government = "https://w3id.org/kzgov/id/body/government"
    maslikhat = "https://w3id.org/kzgov/id/body/maslikhat"
    assert status[government] == "in force then" and status[maslikhat] == "in force, dates unknown"
    network_page(page, live_server, "/id/body/akimat")
    drawn = links_as_of(page, year)
    hrefs = page.locator("section.network .network-list li a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    # Every principal of the chain is drawn, and each direct link has the query's status.
    for principal in status:
        assert principal.replace("https://w3id.org/kzgov", "") in hrefs, principal
    to_akimat = {
        text: state
        for text, state in drawn.items()
        if text.endswith("akimat (local executive body, any level)")
    }
    government_links = [state for text, state in to_akimat.items() if "Government" in text]
    maslikhat_links = [state for text, state in to_akimat.items() if text.startswith("maslikhat")]
    assert government_links == [STATUS_OF[status[government]]], drawn
    assert maslikhat_links == [STATUS_OF[status[maslikhat]]]
    legend = page.locator("section.network .network-legend li").all_inner_texts()
    assert f"in force then ({year})" in [text.strip() for text in legend]
    assert f"in force, dates unknown ({year})" in [text.strip() for text in legend]


@MEMORY
def test_a_link_not_in_force_is_drawn_distinctly_with_a_legend(
    page: Page, live_server: LiveServer
) -> None:
    # The Agency for Civil Service Affairs answers to the President from 1998 only.
    network_page(page, live_server, "/id/post/president")
    drawn = links_as_of(page, "1997")
    agency = {text: state for text, state in drawn.items() if "Agency for Civil Service" in text}
    assert agency and set(agency.values()) == {"not-in-force"}
    assert all("(not in force)" in text for text in agency)
    legend = [
        text.strip()
        for text in page.locator("section.network .network-legend li").all_inner_texts()
    ]
    assert "not in force then (1997)" in legend
    swatch = page.locator("section.network .network-legend .swatch.not-in-force")
    assert swatch.evaluate("s => getComputedStyle(s).borderTopStyle") == "dashed"
    later = links_as_of(page, "2022")
    assert {state for text, state in later.items() if "Agency for Civil Service" in text} == {
        "in-force"
    }
