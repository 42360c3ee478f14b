"""Write a kz:sourceLocator before every kz:sourcePassage of the source graphs' data files.

Each quote's locator is computed by kzgov.coverage: the sentence of its own source it
stands in ("s12") or the first and last of the sentences it spans ("s12-s13"). The
script rewrites only the locator lines, so rerunning it after editing quotes brings
them back in step; `kzgov coverage` and tests/test_coverage.py check the result.

Usage: .venv/bin/python tools/write_locators.py [--sources DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from kzgov.build.coverage import default_sources_dir, locator_of, read_sources
from kzgov.core.layout import Layout, is_source_file

QUOTE_LINE = re.compile(
    r'^(?P<indent>\s+)kz:sourcePassage (?P<literal>".*"@[A-Za-z-]+) (?P<end>[;.])$'
)
LOCATOR_LINE = re.compile(r'^\s+kz:sourceLocator "[^"]*" ;$')


def quoted_text(literal: str) -> str:
    """The words of a one-line Turtle string literal, with its escapes undone."""
    graph = Graph().parse(data=f"<urn:x:s> <urn:x:p> {literal} .", format="turtle")
    value = graph.value(URIRef("urn:x:s"), URIRef("urn:x:p"))
    if not isinstance(value, Literal):
        sys.exit(f"not a one-line string literal: {literal[:60]}")
    return str(value)


def without_locators(lines: list[str]) -> list[str]:
    """The lines with every locator line removed."""
    return [line for line in lines if LOCATOR_LINE.match(line) is None]


def with_locators(lines: list[str], locate: dict[str, str], file: str) -> list[str]:
    """The lines with a locator line before each quote line (so the quote lines stay as they are)."""
    written: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = QUOTE_LINE.match(line)
        if match is None:
            written.append(line)
            continue
        text = quoted_text(match.group("literal"))
        if text not in locate:
            sys.exit(f"{file}:{number}: quote not verbatim in its source: {text[:60]!r}")
        written.append(f'{match.group("indent")}kz:sourceLocator "{locate[text]}" ;')
        written.append(line)
    return written


def main() -> int:
    """Rewrite the locators of every source data file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sources", help="the folder of source documents (default ../shared/seeds)"
    )
    args = parser.parse_args()
    layout = Layout.default()
    sources_dir = Path(args.sources) if args.sources else default_sources_dir(layout)
    texts = read_sources(layout, sources_dir, args.sources or "../shared/seeds")
    for path in layout.data_files():
        if not is_source_file(path) or path.stem not in texts:
            continue
        lines = without_locators(path.read_text(encoding="utf-8").split("\n"))
        locate = {}
        for line in lines:
            match = QUOTE_LINE.match(line)
            if match:
                text = quoted_text(match.group("literal"))
                span = texts[path.stem].locate(text)
                if span is not None:
                    locate[text] = locator_of(*span)
        written = "\n".join(with_locators(lines, locate, f"data/{path.name}"))
        if written != path.read_text(encoding="utf-8"):
            path.write_text(written, encoding="utf-8")
            print(f"data/{path.name}: locators rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
