"""The new user's review of the pages, the pictures and the command line's output (issue
15's remaining findings), in a real browser on a real server and with the real CLI."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

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
