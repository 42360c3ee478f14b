"""The form of a query read from its first keyword, without parsing it (bounded, linear work).

The HTTP process needs a query's form (SELECT, ASK, CONSTRUCT or DESCRIBE) before it
runs, to choose the media type of the answer. Parsing with rdflib can take seconds
for a crafted query, so the HTTP process never parses: it skips the prologue (spaces,
comments, BASE and PREFIX declarations, SPARQL 1.1 Query section 4.1.1 and grammar
rule [4]) token by token and reads the keyword that follows. The query worker parses
the query under its deadline and refuses it there (syntax errors, updates, SERVICE,
graphs outside the build), so a wrong guess here can only change the media type of
an answer that is then an error anyway.
"""

from __future__ import annotations

import re

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

# One token of the prologue at a time: a loop over single matches stays linear, where
# one regular expression with nested repetition could backtrack badly.
PROLOGUE_TOKEN = re.compile(
    r"[\s\ufeff]+"
    r"|#[^\n\r]*"
    r"|BASE[\s\ufeff]*<[^<>\s]*>"
    r"|PREFIX[\s\ufeff]*[^\s:<>#]*:[\s\ufeff]*<[^<>\s]*>",
    re.IGNORECASE,
)
FORM_KEYWORD = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![A-Za-z0-9_])", re.IGNORECASE)


def lexical_form(text: str) -> str | None:
    """The query form named by the first keyword after the prologue, or None if none is.

    Args:
        text: the query text.

    Returns:
        SELECT, ASK, CONSTRUCT or DESCRIBE; None when the text does not start like a
        query (an update, or a syntax error: the worker's parse will say which).
    """
    position = 0
    while True:
        token = PROLOGUE_TOKEN.match(text, position)
        if token is None or token.end() == position:
            break
        position = token.end()
    keyword = FORM_KEYWORD.match(text, position)
    return keyword.group(1).upper() if keyword else None
