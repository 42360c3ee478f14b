"""Take the README's screenshots in a real browser against a real local server.

1. docs/screenshots/editor-graph.png: the query editor on the home page with the named
   query `appointment-network` run and its answer in the Graph view.
2. docs/screenshots/entity-president.png: the President's page, its summary and the
   network of who appoints, dismisses and holds it to account.

Starts `kzgov serve` on a free port of 127.0.0.1 (it builds the graph first if there is
no build), drives Debian's Chromium headless with Playwright (as the tests do) at
1280 px wide, writes the two PNGs, then stops the server. PNGs are written as 8-bit
palette images when `pngquant` is installed (Debian's `pngquant`), else as the browser
wrote them.

Usage: .venv/bin/python tools/take_screenshots.py [--out docs/screenshots] [--build-dir build]
"""

from __future__ import annotations

import argparse
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}
LISTENING_LINE = re.compile(r"on (http://127\.0\.0\.1:\d+)/sparql")
SERVER_START_SECONDS = 180.0
PAGE_TIMEOUT_MILLISECONDS = 60_000
EXAMPLE = "appointment-network"
ENTITY = "/id/post/president"
MARGIN_PX = 8


@contextmanager
def local_server(build_dir: Path | None) -> Iterator[str]:
    """Run `kzgov serve` on a free port for a block (on a build folder); yield its base URL."""
    where = ["--build-dir", str(build_dir)] if build_dir is not None else []
    command = [sys.executable, "-m", "kzgov", "--root", str(ROOT), *where, "serve", "--port", "0",
               "--workers", "1", "--http-processes", "1"]  # fmt: skip
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as log:
        # The command is this interpreter running kzgov: no outside input.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)  # noqa: S603
        if process.stdout is None:
            sys.exit("take_screenshots: kzgov serve gave no output to read")
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            base_url = None
            while base_url is None and time.monotonic() < deadline and process.poll() is None:
                ready, _, _ = select.select([process.stdout], [], [], 1.0)
                if ready:
                    match = LISTENING_LINE.search(process.stdout.readline())
                    base_url = match.group(1) if match else None
            if base_url is None:
                log.seek(0)
                sys.exit(f"take_screenshots: kzgov serve did not start:\n{log.read()}")
            yield base_url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


def shoot(page: Page, path: Path, top_selector: str, bottom_selector: str) -> None:
    """Screenshot the full width of the page from one element's top to another's bottom."""
    top = page.locator(top_selector).first.bounding_box()
    bottom = page.locator(bottom_selector).first.bounding_box()
    if top is None or bottom is None:
        sys.exit(f"take_screenshots: {top_selector} or {bottom_selector} is not on the page")
    scroll = page.evaluate("window.scrollY")
    y = max(0.0, top["y"] + scroll - MARGIN_PX)
    height = bottom["y"] + scroll + bottom["height"] + MARGIN_PX - y
    clip = {"x": 0, "y": y, "width": VIEWPORT["width"], "height": height}
    page.screenshot(path=str(path), clip=clip, full_page=True)


def editor_with_graph(page: Page, base_url: str, path: Path) -> None:
    """The editor with the example run and its answer drawn as a graph."""
    page.goto(base_url + "/")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.locator(f'a.example[data-name="{EXAMPLE}"]').click()
    page.locator("#run-query").click()
    page.wait_for_selector("#yasr .kz-graph .network-canvas[data-label-px]")
    shoot(page, path, "section.query h2", "#yasr .kz-graph .picture-downloads")


def entity_page(page: Page, base_url: str, path: Path) -> None:
    """The President's page down to the end of its network picture."""
    page.goto(base_url + ENTITY)
    page.wait_for_selector("section.network .network-canvas[data-label-px]")
    shoot(page, path, "header.site", "section.network .picture-downloads")


def optimise(path: Path) -> None:
    """Rewrite a PNG as an 8-bit palette image with pngquant, where it is installed."""
    pngquant = shutil.which("pngquant")
    if pngquant is None:
        print(f"take_screenshots: pngquant is not installed; {path.name} is left as taken")
        return
    subprocess.run(  # noqa: S603 (pngquant from PATH on a file this script wrote)
        [
            pngquant,
            "--force",
            "--skip-if-larger",
            "--strip",
            "--output",
            str(path),
            "256",
            str(path),
        ],
        check=False,
    )


def main() -> None:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--build-dir", type=Path, help="the build to serve (default: build/)")
    arguments = parser.parse_args()
    out: Path = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    shots = {"editor-graph.png": editor_with_graph, "entity-president.png": entity_page}
    with local_server(arguments.build_dir) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, take in shots.items():
                context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                page = context.new_page()
                page.set_default_timeout(PAGE_TIMEOUT_MILLISECONDS)
                take(page, base_url, out / name)
                context.close()
                optimise(out / name)
                print(
                    f"take_screenshots: wrote {out / name} ({(out / name).stat().st_size:,} bytes)"
                )
        finally:
            browser.close()


if __name__ == "__main__":
    main()
