"""Entity pages for human readers, in a real browser on a real server: the infobox, the
grouped statements with their alignment duplicates folded, /conflicts, and the language
of the labels."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from conftest import LiveServer, browser_page

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)

PRESIDENT = "/id/post/president"
# Two screens of 1080 px at 1280 px wide.
TWO_SCREENS = 2 * 1080
WIKIDATA_APPOINTED_BY = "wdt:P748"


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A 1280 px wide page."""
    with browser_page(browser, 1280, 1080) as opened:
        yield opened


def named_query_rows(live_server: LiveServer, name: str) -> list[dict[str, dict[str, str]]]:
    """The rows of a named query, from the server as SPARQL JSON."""
    request = urllib.request.Request(
        f"{live_server.base_url}/queries/{name}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request) as response:
        rows: list[dict[str, dict[str, str]]] = json.load(response)["results"]["bindings"]
    return rows


def test_president_page_opens_with_an_infobox_that_fits_two_screens(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + PRESIDENT)
    box = page.locator("aside.infobox")
    assert box.is_visible()
    filled = box.locator("dt", has_text="How this post is filled")
    assert filled.count() == 1
    rule = box.locator("ul.rules li.rule").first
    assert "Elected" in rule.inner_text()
    assert rule.locator("a.source").count() >= 1, "the rule's source is named"
    holders = box.locator("ul.holders").inner_text()
    assert "Nursultan Nazarbayev" in holders and "from 1990" in holders
    assert "Q5256775" in box.locator("dd", has=page.locator("a[href*='wikidata.org']")).inner_text()
    assert box.locator("dt", has_text="Appoints").count() == 1
    # The network picture (drawn by script) sits between the summary and the details.
    if page.locator("section.network").count():
        page.locator("section.network ul.network-legend").wait_for()
    first_details = page.evaluate(
        "document.querySelector('main details').getBoundingClientRect().top + window.scrollY"
    )
    assert first_details <= TWO_SCREENS, f"the summary ends at {first_details} px"


def test_a_post_page_shows_the_chain_up_to_the_top(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.base_url + "/id/post/oblast-akim")
    chain = page.locator("aside.infobox dd.chain")
    assert chain.locator("a[href='/id/post/president']").count() == 1


def test_a_person_page_lists_the_posts_held_with_dates(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.base_url + "/id/person/nursultan-nazarbayev")
    held = page.locator("aside.infobox ul.holders").inner_text()
    assert "President" in held and "from 1990" in held


def test_alignment_duplicates_stay_folded_until_the_toggle_opens(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + PRESIDENT)
    folded = page.locator("section.incoming details.aligned")
    assert folded.count() == 1
    duplicate = folded.locator("td.property", has_text=WIKIDATA_APPOINTED_BY).first
    assert not duplicate.is_visible()
    group = page.locator("section.incoming details.group", has_text="appointed by").first
    assert WIKIDATA_APPOINTED_BY in group.locator("summary").inner_text(), (
        "the kz: row says 'also as'"
    )
    assert group.locator("td.property").count() == 0, "no alignment row inside the kz: group"
    folded.locator("summary").click()
    assert duplicate.is_visible()


def test_grouped_inferred_rows_say_why_and_name_their_premises_sources(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + "/id/post/oblast-akim")
    group = page.locator("section.outgoing details.group", has_text="appointed by").first
    row = group.locator("tr.inferred").first
    assert row.locator("a.why").get_attribute("href", timeout=1000).startswith("/explain?")
    sources = row.locator("li.premise-source a").all_inner_texts()
    assert any("Turkish country report" in text for text in sources), sources


def test_conflicts_page_lists_every_row_of_the_named_query_with_both_claims(
    page: Page, live_server: LiveServer
) -> None:
    rows = named_query_rows(live_server, "conflicting-claims")
    assert rows, "the sources have conflicts to show"
    page.goto(live_server.base_url + "/")
    page.locator("main a[href='/conflicts']").first.click()
    page.wait_for_url("**/conflicts")
    conflicts = page.locator("section.conflict")
    assert conflicts.count() == len(rows)
    for index, row in enumerate(rows):
        section = conflicts.nth(index)
        claims = section.locator(".claim")
        assert claims.count() == 2
        for claim, side in ((claims.nth(0), "A"), (claims.nth(1), "B")):
            text = claim.inner_text()
            assert row["value" + side]["value"] in text
            assert (
                claim.locator(
                    f"a.source[href='{urllib.parse.urlsplit(row['source' + side]['value']).path[len('/kzgov') :]}']"
                ).count()
                == 1
            )
    # A figure's claim carries the quote of its source.
    senate = conflicts.filter(has=page.locator("h2", has_text="Senate of Kazakhstan: seat count"))
    assert "yedi üyeli senatonun otuz iki" in senate.locator(".claim").nth(0).inner_text()


def test_lang_parameter_shows_russian_labels_where_they_exist(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.base_url + PRESIDENT + "?lang=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == "Президент Республики Казахстан"
    # A term with no Russian label falls back to English.
    assert page.locator("aside.infobox").get_by_text("Nursultan Nazarbayev").count() >= 1
    # The choice is kept in the links.
    link = page.locator("aside.infobox a[href^='/id/person/nursultan-nazarbayev']").first
    assert link.get_attribute("href") == "/id/person/nursultan-nazarbayev?lang=ru"
    assert page.locator("header.site nav a", has_text="Conflicts").get_attribute("href") == (
        "/conflicts?lang=ru"
    )
    # A named query's page takes `lang` as the page's language, not as a query parameter.
    page.goto(live_server.base_url + "/queries/who-appoints-post?lang=ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("table.results tbody tr").count() >= 1
    page.goto(live_server.base_url + PRESIDENT)
    assert page.locator("h1").inner_text() != "Президент Республики Казахстан"


def test_accept_language_chooses_the_labels_and_a_bad_lang_is_a_400(
    live_server: LiveServer,
) -> None:
    request = urllib.request.Request(
        live_server.base_url + PRESIDENT, headers={"Accept-Language": "kk, en;q=0.5"}
    )
    with urllib.request.urlopen(request) as response:
        body = response.read().decode("utf-8")
        assert "Accept-Language" in response.headers.get("Vary", "")
    assert '<html lang="kk">' in body
    assert "Қазақстан Республикасының Президенті" in body
    try:
        urllib.request.urlopen(live_server.base_url + PRESIDENT + "?lang=xx")
    except urllib.error.HTTPError as error:
        assert error.code == 400
        assert "lang=xx" in error.read().decode("utf-8")
    else:
        raise AssertionError("lang=xx was accepted")
