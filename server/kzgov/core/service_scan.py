"""The first SERVICE clause in a query's text, for a query the parser cannot read.

rdflib's parser (pyparsing) recurses without end on a SERVICE nested inside another
SERVICE, and kzgov.core.sparql reports that as a query nested too deeply: a misleading
refusal for two levels of nesting (reliability review, F9). SERVICE is refused whatever
it holds, so the refusal should say so. This scan reads the text token by token, with
strings, IRIs and comments skipped whole so that the word inside them is not taken for
the keyword, and returns the endpoint after the first SERVICE (and SILENT). It is used
only to word the refusal of a query that already failed to parse; every query that
parses is still refused from its algebra (kzgov.web.guards.refuse_service).
"""

from __future__ import annotations

import re

# One token at a time (a loop over single matches stays linear). Strings first, long
# forms before short ones; then IRIs, comments, variables, prefixed names, bare words.
TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n\r]*"
    r"|[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+"
    r"|(?:[A-Za-z\u00c0-\uffff][A-Za-z0-9_.\-\u00b7\u00c0-\uffff]*)?:[A-Za-z0-9_.:%\-\u00b7\u00c0-\uffff]*"
    r"|[A-Za-z_\u00c0-\uffff][A-Za-z0-9_\-\u00b7\u00c0-\uffff]*"
    r"|\s+"
    r"|.",
    re.DOTALL,
)
SPACE_OR_COMMENT = re.compile(r"(?:\s+|#[^\n\r]*)+")


def tokens(text: str) -> list[tuple[int, str]]:
    """The query's tokens (spaces and comments left out), with where each starts."""
    found: list[tuple[int, str]] = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:  # the last alternative matches any character: never None
            break
        token = match.group(0)
        if not SPACE_OR_COMMENT.fullmatch(token):
            found.append((position, token))
        position = match.end()
    return found


def first_service(text: str) -> str | None:
    """The endpoint named by the first SERVICE keyword of a query, or None if it has none.

    Args:
        text: the query text.

    Returns:
        The endpoint as written (an IRI in angle brackets, a prefixed name or a
        variable); None if no SERVICE keyword is followed by one.
    """
    words = [token for _, token in tokens(text)]
    for index, word in enumerate(words):
        if word.upper() != "SERVICE":
            continue
        rest = words[index + 1 :]
        if rest and rest[0].upper() == "SILENT":
            rest = rest[1:]
        if rest and (rest[0][0] in "<?$" or ":" in rest[0]):
            return rest[0]
    return None
