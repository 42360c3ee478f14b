"""The query editor and the pictures in a real browser (Debian's Chromium, headless).

YASQE on the home page (syntax errors marked in the editor, completion of kz: terms and
of prefixes), the YASR table with labels in the reader's language, the graph and
timeline views, the network on post and body pages, the downloads of the pictures, and
that no page asks any host but the server. Screenshots at desktop and phone width are
written to each test's tmp_path.
"""

from __future__ import annotations

import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import LiveServer, browser_page, query_url, send

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BASE = "https://w3id.org/kzgov/"
PRESIDENT = BASE + "id/post/president"
PRIME_MINISTER = BASE + "id/post/prime-minister"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)

PageFactory = Callable[..., Page]


@pytest.fixture()
def open_page(browser: Browser, live_server: LiveServer) -> Iterator[PageFactory]:
    """Open pages at a viewport and locale; every request and script error is recorded.

    Each page gets `.requests` (every URL it asked for) and `.errors` (script errors);
    at the end no script may have failed.
    """
    pages: list[Page] = []
    with ExitStack() as opened:

        def open_one(viewport: dict[str, int] | None = None, locale: str = "en-US") -> Page:
            size = viewport or DESKTOP
            page = opened.enter_context(
                browser_page(
                    browser, size["width"], size["height"], locale=locale, accept_downloads=True
                )
            )
            requests: list[str] = []
            errors: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.requests = requests  # type: ignore[attr-defined]
            page.errors = errors  # type: ignore[attr-defined]
            pages.append(page)
            return page

        yield open_one
    for page in pages:
        assert not page.errors, f"scripts failed: {page.errors}"  # type: ignore[attr-defined]


def select_rows(live_server: LiveServer, query: str) -> list[dict[str, dict[str, str]]]:
    """The rows of a SELECT query, asked of the server over HTTP."""
    response = send(
        "GET",
        query_url(live_server.endpoint, query=query),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status == 200, response.text
    rows: list[dict[str, dict[str, str]]] = json.loads(response.text)["results"]["bindings"]
    return rows


def labels_in(live_server: LiveServer, iri: str, language: str) -> set[str]:
    """The labels of an IRI in one language, from the graph."""
    rows = select_rows(
        live_server,
        f'SELECT ?l WHERE {{ <{iri}> <{RDFS_LABEL}> ?l FILTER(LANG(?l) = "{language}") }}',
    )
    assert rows, f"<{iri}> has no {language} label"
    return {row["l"]["value"] for row in rows}


def label_in(live_server: LiveServer, iri: str, language: str) -> str:
    """The label of an IRI in a language that it has only one label in."""
    (label,) = labels_in(live_server, iri, language)
    return label


def named_query_text(name: str) -> str:
    """The text of a named query, as the gallery offers it."""
    return (Path(__file__).parent.parent / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def open_editor(page: Page, live_server: LiveServer) -> None:
    """Open the home page and wait for YASQE."""
    page.goto(live_server.base_url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")


def type_query(page: Page, text: str) -> None:
    """Replace the editor's text by typing, as a user does."""
    page.locator(".yasqe .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def run_example(page: Page, name: str) -> None:
    """Load a named query from the gallery into the editor and run it."""
    page.locator(f'a.example[data-name="{name}"]').click()
    page.locator("#run-query").click()


@pytest.mark.parametrize(("locale", "language"), [("en-US", "en"), ("kk-KZ", "kk")])
def test_a_query_run_in_the_editor_shows_labels_in_the_readers_language(
    open_page: PageFactory, live_server: LiveServer, locale: str, language: str, tmp_path: Path
) -> None:
    page = open_page(locale=locale)
    open_editor(page, live_server)
    type_query(page, f"SELECT ?post WHERE {{ VALUES ?post {{ <{PRESIDENT}> }} }}")
    page.locator("#run-query").click()
    page.wait_for_selector("#yasr table.results tbody tr")
    link = page.locator("#yasr table.results tbody a.iri").first
    assert link.get_attribute("href") == "/id/post/president"
    assert link.locator(".iri-label").inner_text() in labels_in(live_server, PRESIDENT, language)
    assert link.locator(".iri-label").get_attribute("lang") == language
    assert link.locator(".pname").inner_text() == "kzid:post/president"
    page.screenshot(path=str(tmp_path / f"labels-{language}.png"), full_page=True)


def test_the_table_pages_sorts_and_filters_the_answer(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    page = open_page()
    open_editor(page, live_server)
    type_query(page, "SELECT ?post WHERE { ?post a kz:Post }")
    page.locator("#run-query").click()
    page.wait_for_selector("#yasr table.results tbody tr")
    total = len(select_rows(live_server, "SELECT ?post WHERE { ?post a kz:Post }"))
    assert f"{total} results" in page.locator("#yasr .yasr_response_chip").inner_text()
    # Filtering finds rows by their label, which the answer itself does not hold.
    words = "Prime Minister"
    matching = select_rows(
        live_server,
        f"SELECT DISTINCT ?post WHERE {{ ?post a kz:Post ; <{RDFS_LABEL}> ?l "
        f'FILTER(LANG(?l) = "en" && CONTAINS(?l, "{words}")) }}',
    )
    assert len(matching) > 1
    page.locator("#yasr .tableFilter").fill(words)
    page.locator("#yasr .tableFilter").press("Enter")
    expect(page.locator("#yasr table.results tbody tr")).to_have_count(len(matching))
    hrefs = page.locator("#yasr table.results a.iri").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert sorted(hrefs) == sorted("/" + row["post"]["value"][len(BASE) :] for row in matching)


def test_syntax_errors_are_marked_on_their_line_and_predeclared_prefixes_are_not(
    open_page: PageFactory, live_server: LiveServer, tmp_path: Path
) -> None:
    page = open_page()
    open_editor(page, live_server)
    type_query(page, "SELECT ?post\nWHERE { ?post a kz:Post ;\n  kz:appointedBy ?x FILTER( }")
    page.wait_for_selector(".yasqe .parseErrorIcon")
    marked_lines = page.locator(".yasqe .CodeMirror-code > div").evaluate_all(
        "lines => lines.map((line, i) => line.querySelector('.parseErrorIcon') ? i + 1 : 0)"
        ".filter(Boolean)"
    )
    assert marked_lines == [3]
    page.screenshot(path=str(tmp_path / "syntax-error.png"))
    type_query(page, "SELECT ?post WHERE { ?post a kz:Post ; kzid:x wd:Q1 }")
    expect(page.locator(".yasqe .parseErrorIcon")).to_have_count(0)
    type_query(page, "SELECT ?post WHERE { ?post a nope:Post }")
    page.wait_for_selector(".yasqe .parseErrorIcon")


def test_completion_offers_kz_terms_and_prefixes(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    page = open_page()
    open_editor(page, live_server)
    type_query(page, "SELECT ?x WHERE { ?x kz:appoint")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    hints = page.locator(".CodeMirror-hints li").all_inner_texts()
    assert "kz:appointedBy" in hints
    assert all(hint.startswith("kz:appoint") for hint in hints)
    page.keyboard.press("Escape")
    type_query(page, "SELECT ?x WHERE { ?x a kz:Pos")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    assert "kz:Post" in page.locator(".CodeMirror-hints li").all_inner_texts()
    page.keyboard.press("Escape")
    type_query(page, "PREFIX kzi")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    assert page.locator(".CodeMirror-hints li").all_inner_texts() == [f"kzid: <{BASE}id/>"]


def test_the_graph_view_draws_the_nodes_and_links_of_the_answer(
    open_page: PageFactory, live_server: LiveServer, tmp_path: Path
) -> None:
    rows = select_rows(live_server, named_query_text("appointment-network"))
    nodes = {row[v]["value"] for row in rows for v in ("appointer", "appointed")}
    links = {(row["appointer"]["value"], row["appointed"]["value"]) for row in rows}
    page = open_page()
    open_editor(page, live_server)
    run_example(page, "appointment-network")
    canvas = page.wait_for_selector("#yasr .kz-graph .network-canvas[data-nodes] canvas")
    assert canvas is not None
    drawn = page.locator("#yasr .kz-graph .network-canvas")
    assert drawn.get_attribute("data-nodes") == str(len(nodes))
    assert drawn.get_attribute("data-edges") == str(len(links))
    assert "selected" in (page.locator("#yasr .select_graph").get_attribute("class") or "")
    listed = page.locator("#yasr .kz-graph .network-list li").all_text_contents()
    assert len(listed) == len(links)
    president = label_in(live_server, PRESIDENT, "en")
    prime_minister = label_in(live_server, PRIME_MINISTER, "en")
    assert f"{president}  {prime_minister}" in [text.replace(" appoints ", "  ") for text in listed]
    page.locator("#live-results").screenshot(path=str(tmp_path / "graph.png"))


def test_the_timeline_view_places_every_dated_row_once(
    open_page: PageFactory, live_server: LiveServer, tmp_path: Path
) -> None:
    rows = select_rows(live_server, named_query_text("reform-timeline"))
    dated = {(row["item"]["value"], row["year"]["value"]) for row in rows if "year" in row}
    assert len(dated) < len(rows), "the answer repeats items; the timeline draws each once"
    page = open_page()
    open_editor(page, live_server)
    run_example(page, "reform-timeline")
    page.wait_for_selector("#yasr .kz-timeline .vis-item.vis-point")
    assert page.locator("#yasr .kz-timeline .vis-item.vis-point").count() == len(dated)
    texts = page.locator("#yasr .kz-timeline .vis-item-content").all_inner_texts()
    with_label = next(row for row in rows if "itemLabel" in row)
    assert with_label["itemLabel"]["value"] in texts
    page.locator("#live-results").screenshot(path=str(tmp_path / "timeline.png"))


def download_picture(page: Page, scope: str, fmt: str) -> tuple[bytes, str]:
    """Click a picture's download button; the file's bytes and suggested name."""
    with page.expect_download() as download:
        page.locator(f'{scope} button.download-picture[data-format="{fmt}"]').click()
    return Path(download.value.path()).read_bytes(), download.value.suggested_filename


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height of a PNG, from its IHDR chunk; fails if it is no PNG."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), data[:16]
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def svg_texts(data: bytes) -> str:
    """The text an SVG draws, joined by spaces; fails if it is no SVG."""
    # The file is the one our own page just wrote.
    root = ET.fromstring(data)  # noqa: S314
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.get("width") or 0) > 0 and float(root.get("height") or 0) > 0
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


def words(text: str) -> list[str]:
    """The words of a text."""
    return text.split()


@pytest.mark.parametrize(
    ("example", "scope", "drawn"),
    [
        ("appointment-network", "#yasr .kz-graph", ".network-canvas[data-label-px]"),
        ("reform-timeline", "#yasr .kz-timeline", ".timeline-canvas[data-fitted]"),
    ],
)
def test_each_picture_downloads_as_png_and_as_svg(
    open_page: PageFactory, live_server: LiveServer, example: str, scope: str, drawn: str
) -> None:
    page = open_page()
    open_editor(page, live_server)
    run_example(page, example)
    page.wait_for_selector(f"{scope} {drawn}")
    png, png_name = download_picture(page, scope, "png")
    width, height = png_size(png)
    assert width > 300 and height > 100 and png_name.endswith(".png")
    svg, svg_name = download_picture(page, scope, "svg")
    assert svg_name.endswith(".svg")
    drawn_text = words(svg_texts(svg))
    if example == "reform-timeline":
        shown = page.locator(f"{scope} .vis-item-content").all_inner_texts()
    else:
        shown = page.locator(f"{scope} .network-list li a").all_inner_texts()
    assert shown
    for label in shown:
        assert " ".join(words(label)) in " ".join(drawn_text), f"the SVG lacks {label!r}"


def test_the_network_of_a_post_page_downloads_as_png_and_as_svg(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    page = open_page()
    page.goto(live_server.base_url + "/id/post/president")
    page.wait_for_selector("section.network .network-canvas[data-label-px]")
    width, height = png_size(download_picture(page, "section.network", "png")[0])
    assert width > 300 and height > 300
    drawn = svg_texts(download_picture(page, "section.network", "svg")[0])
    president = label_in(live_server, PRESIDENT, "en")
    assert president.split()[0] in drawn and "appoints" in drawn


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_timeline_fits_the_window_with_every_label_inside_it(
    open_page: PageFactory, live_server: LiveServer, viewport: dict[str, int], tmp_path: Path
) -> None:
    page = open_page(viewport=viewport)
    open_editor(page, live_server)
    run_example(page, "reform-timeline")
    page.wait_for_selector("#yasr .kz-timeline .timeline-canvas[data-fitted]")
    frame = page.locator("#yasr .kz-timeline .timeline-canvas").bounding_box()
    assert frame is not None
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= viewport["width"], frame
    assert frame["height"] <= viewport["height"], frame
    items = page.locator("#yasr .kz-timeline .vis-item").evaluate_all(
        "items => items.map(item => { const r = item.getBoundingClientRect();"
        " return [r.left, r.right, item.innerText]; })"
    )
    assert items
    left, right = frame["x"] - 0.5, frame["x"] + frame["width"] + 0.5
    clipped = [text for start, end, text in items if start < left or end > right]
    assert not clipped, f"labels run out of the timeline: {clipped}"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.locator("#live-results").screenshot(path=str(tmp_path / "timeline.png"))


@pytest.mark.parametrize(
    ("path", "example", "scope"),
    [
        ("/", "appointment-network", "#yasr .kz-graph"),
        ("/id/post/president", None, "section.network"),
    ],
    ids=["graph-view", "post-network"],
)
def test_network_labels_are_drawn_legibly_once_laid_out(
    open_page: PageFactory, live_server: LiveServer, path: str, example: str | None, scope: str
) -> None:
    page = open_page()
    if example:
        open_editor(page, live_server)
        run_example(page, example)
    else:
        page.goto(live_server.base_url + path)
    canvas = page.locator(f"{scope} .network-canvas[data-label-px]")
    canvas.wait_for()
    # The size labels are drawn at: their font size times the zoom the network settled at
    # (vis-network's getScale() once laid out and fitted).
    drawn_px = float(canvas.get_attribute("data-label-px") or 0)
    assert drawn_px >= 12, f"labels drawn at {drawn_px} px"
    if example:
        # A network is fitted whole when its labels stay legible; a large answer
        # (appointment-network has 36 links since the 20 territorial akims) is drawn at the
        # legible size about its centre instead, to be dragged.
        whole = canvas.get_attribute("data-whole") == "true"
        assert whole or int(canvas.get_attribute("data-nodes") or 0) >= 30, (
            "a small answer is in view"
        )


def test_the_presidents_summary_and_network_fit_two_screens_and_use_the_width(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    page = open_page(viewport=DESKTOP)
    page.goto(live_server.base_url + "/id/post/president")
    page.wait_for_selector("section.network .network-canvas[data-label-px]")
    content = page.locator("article.entity").bounding_box()
    assert content is not None
    margin = 24
    assert content["x"] <= margin, f"{content['x']} px left of the content"
    assert content["x"] + content["width"] >= DESKTOP["width"] - margin, content
    details = page.evaluate(
        "document.querySelector('main details').getBoundingClientRect().top + window.scrollY"
    )
    two_screens = 2 * DESKTOP["height"]
    assert details <= two_screens, f"the details start at {details} px, past {two_screens}"
    phone = open_page(viewport=PHONE)
    phone.goto(live_server.base_url + "/id/post/president")
    phone.wait_for_selector("section.network .network-canvas[data-label-px]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_post_page_draws_who_appoints_dismisses_and_holds_it_to_account(
    open_page: PageFactory, live_server: LiveServer, tmp_path: Path
) -> None:
    appointed = select_rows(
        live_server,
        f"SELECT DISTINCT ?post WHERE {{ ?post <{BASE}ontology#appointedBy> <{PRESIDENT}> "
        f"FILTER NOT EXISTS {{ ?post <{BASE}ontology#territorialCaseOf> ?general }} }}",
    )
    regional = select_rows(
        live_server,
        f"SELECT DISTINCT ?post WHERE {{ ?post <{BASE}ontology#appointedBy> <{PRESIDENT}> ; "
        f"<{BASE}ontology#territorialCaseOf> ?general }}",
    )
    assert len(regional) >= 17, "the akim of each region is appointed by the President"
    page = open_page()
    page.goto(live_server.base_url + "/id/post/president")
    page.wait_for_selector("section.network .network-canvas[data-nodes] canvas")
    drawn = page.locator("section.network .network-canvas")
    # Every post the President appoints is drawn, the akim of each region as the oblast akim.
    nodes = int(drawn.get_attribute("data-nodes") or 0)
    assert len(appointed) + 1 <= nodes < len(appointed) + len(regional) + 1
    listed = page.locator("section.network .network-list li").all_text_contents()
    almaty_region_akim = label_in(live_server, BASE + "id/post/almaty-region-akim", "en")
    assert not any(almaty_region_akim in line for line in listed)
    president = label_in(live_server, PRESIDENT, "en")
    prime_minister = label_in(live_server, PRIME_MINISTER, "en")
    assert f"{president} appoints {prime_minister}" in listed
    assert f"{president} may dismiss {prime_minister}" in listed
    legend = page.locator("section.network .network-legend li").all_inner_texts()
    assert {"appoints", "may dismiss"} <= {text.strip() for text in legend}
    page.locator("section.network").screenshot(path=str(tmp_path / "network.png"))
    with page.expect_download() as png:
        page.locator('section.network button.download-picture[data-format="png"]').click()
    assert Path(png.value.path()).read_bytes().startswith(b"\x89PNG")


def network_links(page: Page, year: str) -> list[str]:
    """Pick a year (or "" for timeless) above the network; the links it then draws, as text."""
    page.select_option("section.network select.network-year", year)
    page.wait_for_selector(
        f"section.network .entity-network[data-year='{year}'] .network-canvas[data-nodes] canvas"
    )
    return page.locator("section.network .network-list li").all_text_contents()


def test_a_year_redraws_the_network_from_the_temporal_closure(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    # The Agency for Civil Service Affairs answers to the President from 1998 (dated).
    president = label_in(live_server, PRESIDENT, "en")
    agency = label_in(live_server, BASE + "id/body/agency-for-civil-service-affairs", "en")
    prime_minister = label_in(live_server, PRIME_MINISTER, "en")
    dated = f"{president} holds to account {agency}"
    page = open_page()
    page.goto(live_server.base_url + "/id/post/president")
    page.wait_for_selector("section.network .network-canvas[data-nodes] canvas")
    assert page.locator("section.network select.network-year").is_enabled()
    timeless = page.locator("section.network .network-list li").all_text_contents()
    assert dated in timeless
    before = network_links(page, "1997")
    # Not in force before 1998: drawn, as not in force then (kzgov.web.static.kzgov-network).
    assert f"{president} holds to account (not in force) {agency}" in before
    # Undated rules hold with their dates unknown, never "always".
    assert f"{president} appoints (dates unknown) {prime_minister}" in before
    after = network_links(page, "2022")
    assert dated in after
    assert network_links(page, "") == timeless


def test_pages_that_are_not_posts_or_bodies_have_no_network(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    page = open_page()
    page.goto(live_server.base_url + "/id/act/constitution-1995")
    assert page.locator("h1").inner_text().strip()
    assert page.locator("section.network").count() == 0


def test_the_views_fit_a_phone_screen(
    open_page: PageFactory, live_server: LiveServer, tmp_path: Path
) -> None:
    page = open_page(viewport=PHONE)
    open_editor(page, live_server)
    for name, selector in [
        ("appointment-network", ".kz-graph .network-canvas[data-nodes]"),
        ("reform-timeline", ".kz-timeline .vis-item"),
        ("who-appoints-post", "table.results tbody tr"),
    ]:
        run_example(page, name)
        page.wait_for_selector(f"#yasr {selector}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        page.locator("#live-results").screenshot(path=str(tmp_path / f"phone-{name}.png"))
    page.goto(live_server.base_url + "/id/post/president")
    page.wait_for_selector("section.network .network-canvas[data-nodes]")
    box = page.locator("section.network").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator("section.network").screenshot(path=str(tmp_path / "phone-network.png"))


def test_no_page_asks_any_host_but_the_server(
    open_page: PageFactory, live_server: LiveServer
) -> None:
    page = open_page()
    open_editor(page, live_server)
    type_query(page, "SELECT ?x WHERE { ?x kz:app")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li")
    page.keyboard.press("Escape")
    for name, selector in [
        ("appointment-network", ".kz-graph canvas"),
        ("reform-timeline", ".kz-timeline .vis-item"),
        ("who-appoints-post", "table.results tbody tr"),
    ]:
        run_example(page, name)
        page.wait_for_selector(f"#yasr {selector}")
    for path in [
        "/id/post/president",
        "/id/body/government",
        "/ontology",
        "/ontology/Post",
        "/queries",
        "/queries/who-appoints-post",
        "/search?q=akim",
        "/shapes",
        "/dumps",
    ]:
        page.goto(live_server.base_url + path)
        page.wait_for_load_state("networkidle")
    server = urllib.parse.urlsplit(live_server.base_url).netloc
    asked = {
        urllib.parse.urlsplit(url).netloc
        for url in page.requests  # type: ignore[attr-defined]
        if urllib.parse.urlsplit(url).scheme in ("http", "https", "ws", "wss")
    }
    assert asked == {server}
    assert server.startswith("127.0.0.1:")
