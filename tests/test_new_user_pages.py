"""The new user's review of the pages, the pictures and the command line's output (issue
15's remaining findings), in a real browser on a real server and with the real CLI."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from conftest import PAGE_TIMEOUT_MILLISECONDS, LiveServer

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)

TOKAYEV = "/id/person/kassym-jomart-tokayev"


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A 1440 px wide page."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(PAGE_TIMEOUT_MILLISECONDS)
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture()
def phone(browser: Browser) -> Iterator[Page]:
    """A 390 px wide page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    opened = context.new_page()
    opened.set_default_timeout(PAGE_TIMEOUT_MILLISECONDS)
    try:
        yield opened
    finally:
        context.close()


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


def test_wikidata_links_show_the_entitys_label_and_the_qid(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + TOKAYEV)
    infobox = page.locator("aside.infobox dd", has=page.locator("a[href*='wikidata.org']"))
    assert infobox.inner_text().strip() == "Kassym-Jomart Tokayev — wd:Q200881"
    row = page.locator("main table tr", has=page.locator("a[href$='/entity/Q200881']")).first
    assert "Kassym-Jomart Tokayev — wd:Q200881" in row.inner_text()


# -- 8. The home page links every graph, the temporal closure too ----------------------


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
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MILLISECONDS)
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
    finally:
        context.close()
    shown = {item["text"] for item in items}
    assert labels <= shown, f"labels not shown whole: {sorted(labels - shown)}"
    assert not [item["text"] for item in items if item["cut"]], "a label is cut"
    # The dot marks the date, at the item's start; the label stands to its right.
    assert all(item["dot"] < 2 and item["label"] > item["dot"] for item in items), items[:3]
