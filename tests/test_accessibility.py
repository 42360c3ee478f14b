"""Every page type in a real browser, desktop and 390 px phone: axe-core finds nothing, nothing scrolls sideways.

axe-core comes bundled in the axe-playwright-python package (no download at run time)
and runs inside Debian's Chromium, launched by the `browser` fixture of tests/conftest.py.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from conftest import LiveServer, browser_page

PAGE_TYPES = {
    "home": "/",
    "results": "/?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 20"}),
    "entity": "/id/post/president",
    "person": "/id/person/nursultan-nazarbayev",
    "conflicts": "/conflicts",
    "entity-russian": "/id/post/oblast-akim?lang=ru",
    "ontology": "/ontology",
    "ontology-term": "/ontology/appointedBy",
    "queries": "/queries",
    "query": "/queries/who-appoints-post",
    "search": "/search?q=akim",
    "shapes": "/shapes",
    "dumps": "/dumps",
    "graph": "/graph/registry",
    "error": "/id/post/no-such-post",
    "explain": "/explain?"
    + urllib.parse.urlencode(
        {"s": "post:abai-region-akim", "p": "kz:appointedBy", "o": "post:president"}
    ),
}
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    """A page in a desktop or a phone-sized window."""
    width, height = VIEWPORTS[request.param]
    with browser_page(browser, width, height) as page:
        yield request.param, page


@pytest.mark.parametrize("page_type", sorted(PAGE_TYPES))
def test_page_has_no_axe_violations_and_fits_the_window(
    live_server: LiveServer, viewport_page: tuple[str, Page], page_type: str, tmp_path: Path
) -> None:
    viewport, page = viewport_page
    page.goto(live_server.base_url + PAGE_TYPES[page_type])
    results = Axe().run(page)
    violations = [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in results.response["violations"]
    ]
    assert not violations, json.dumps(violations, indent=1)
    width = VIEWPORTS[viewport][0]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        page.screenshot(path=str(tmp_path / f"{page_type}-{viewport}.png"), full_page=True)
    assert scroll_width <= width, f"{page_type} is {scroll_width} px wide in a {width} px window"


def test_skip_link_moves_focus_to_the_content(live_server: LiveServer, browser: Browser) -> None:
    with browser_page(browser, 390, 844) as page:
        page.goto(live_server.base_url + "/id/post/president")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert skip.evaluate("element => element === document.activeElement")
        assert skip.is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"


def test_source_quotes_carry_their_language(live_server: LiveServer, browser: Browser) -> None:
    with browser_page(browser) as page:
        page.goto(live_server.base_url + "/id/post/oblast-akim")
        languages = page.eval_on_selector_all(
            "dl.details .literal", "spans => spans.map(span => span.lang)"
        )
        assert "tr" in languages, languages


def test_home_page_describes_the_dataset_for_search_engines(
    live_server: LiveServer, browser: Browser
) -> None:
    with browser_page(browser) as page:
        page.goto(live_server.base_url + "/")
        markup = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
        assert markup["@context"] == "https://schema.org"
        assert markup["@type"] == "Dataset"
        assert markup["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert any(d["name"].endswith(".trig") for d in markup["distribution"])
