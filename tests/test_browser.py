"""The query UI in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright's own browser download is never used (no `playwright install`): the tests
launch /usr/bin/chromium (tools/install-test-system-deps installs it) with the network
features that would call out switched off. The pages must work with nothing but this
server: any request to another host fails the test.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request

from conftest import LiveServer, browser_page

# An example whose rows name posts and bodies that sources make statements about.
EXAMPLE = "who-appoints-post"

# The pages are the same on every store backend (test_pages runs on each); the browser,
# the slowest part, runs on the default one.
pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)


@pytest.fixture()
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh page that records every request it makes to a host other than the server."""
    server_host = urllib.parse.urlsplit(live_server.base_url).netloc
    elsewhere: list[str] = []
    errors: list[str] = []

    def note(request: Request) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != server_host:
            elsewhere.append(request.url)

    with browser_page(browser) as opened:
        opened.on("request", note)
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened
    assert not elsewhere, f"the page asked other hosts: {elsewhere}"
    assert not errors, f"scripts failed: {errors}"


def test_example_query_runs_and_its_iris_lead_to_pages_with_sources(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    page.goto(live_server.base_url + "/")
    assert page.locator("header.site").is_visible()
    example = page.locator(f'a.example[data-name="{EXAMPLE}"]')
    example.click()
    editor = page.locator("#query-text")
    assert editor.input_value() == example.get_attribute("data-query")
    assert page.url.rstrip("/") == live_server.base_url, "picking an example must not navigate"

    page.locator("#run-query").click()
    page.wait_for_selector("#yasr table.results tbody tr")
    assert page.locator("#yasr table.results tbody tr").count() > 0
    share = page.locator("#live-share").get_attribute("href") or ""
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(share).query)["query"] == [
        editor.input_value()
    ]
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)

    entity_link = page.locator(
        '#yasr table.results a.internal[href^="/id/"]:not([href^="/id/source/"])'
    ).first
    target = entity_link.get_attribute("href")
    entity_link.click()
    page.wait_for_load_state()
    assert urllib.parse.urlsplit(page.url).path == target
    assert page.locator("h1").inner_text().strip()
    assert page.locator("a.source").count() > 0, "the entity page names no source"
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)


def test_shared_link_fills_the_editor_and_runs_the_query(
    page: Page, live_server: LiveServer
) -> None:
    query = "SELECT ?post WHERE { ?post a kz:Post } ORDER BY ?post LIMIT 5"
    page.goto(live_server.base_url + "/?" + urllib.parse.urlencode({"query": query}))
    assert page.locator("#query-text").input_value() == query
    page.wait_for_selector("#yasr table.results tbody tr")
    assert page.locator("#yasr table.results tbody tr").count() == 5


def test_ctrl_enter_runs_the_query_in_the_editor(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.base_url + "/")
    page.locator(".yasqe .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("ASK { ?s a kz:Post }")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#yasr .booleanResult")
    assert "True" in page.locator("#yasr .booleanResult").inner_text()


def test_search_box_finds_an_entity_and_opens_it(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.base_url + "/")
    page.locator("header.site input[name=q]").fill("akim")
    page.locator("header.site form.search button").click()
    page.wait_for_selector("a.hit")
    first = page.locator("a.hit").first
    target = first.get_attribute("href")
    first.click()
    page.wait_for_load_state()
    assert urllib.parse.urlsplit(page.url).path == target
