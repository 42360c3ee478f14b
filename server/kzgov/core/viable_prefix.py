"""The first token of a query that no valid SPARQL query can continue with.

Both parsers kzgov has place syntax errors badly: rdflib's (pyparsing) backtracks to
the start of the clause around the mistake, Oxigraph's reports the furthest position
any rule tried, which can be past the mistake or inside a word. A reader wants the
token where the query stopped making sense. That token is found here by asking a
question a parser answers reliably, whether a text parses: the text up to and
including a token is a *viable prefix* when some short completion (a term, a
keyword's continuation, the brackets still open) makes it a whole query that
Oxigraph parses. The first token whose prefix is not viable is the mistake.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

# One token: a comment (skipped), an IRI, a string, a variable, a word or prefixed name
# (not ending in '.'), a number, a language tag, a two-character operator or one character.
TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
    |<[^<>"{}|^`\\\s]*>
    |\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''
    |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'
    |[?$][\w]+
    |@[A-Za-z]+(?:-[A-Za-z0-9]+)*
    |[\w:](?:[\w:.\-\\%]*[\w:\-%])?
    |&&|\|\||!=|<=|>=|\^\^
    |\S""",
    re.VERBOSE,
)
OPENERS = {"(": ")", "{": "}", "[": "]"}
CLOSERS = {closer: opener for opener, closer in OPENERS.items()}
# What may come between a prefix and the brackets that close it: nothing, a term or
# two, the end of a triple, a keyword's continuation...
MIDDLES = (
    "",
    " ?kzgov_v",
    " ?kzgov_v ?kzgov_v",
    " ?kzgov_v .",
    " ?kzgov_v ?kzgov_v .",
    " (?kzgov_v)",
    " BY ?kzgov_v",
    " <urn:kzgov:x>",
    " 1",
    " AS ?kzgov_v",
    " 1 AS ?kzgov_w",
    " (1 AS ?kzgov_w)",
    " (?kzgov_v) AS ?kzgov_w",
    ") AS ?kzgov_w",
    " ?kzgov_v {}",
    " x: <urn:kzgov:x>",
)
# ...and what may follow them to make a whole query.
TAILS = ("", " {}", " * {}", " SELECT * {}")
MOST_TOKENS_TRIED = 50_000
NOTHING = "\nVALUES ?kzgov_none {}"
SEMANTIC_REFUSAL = re.compile(r"\bThe [A-Z]+ [a-z]+")
OXIGRAPH_POSITION = re.compile(r"^error at (\d+):(\d+)")


def at_end(text: str, message: str) -> bool:
    """Whether Oxigraph's error position is at the end of the text (past its last token)."""
    match = OXIGRAPH_POSITION.match(message)
    if match is None:
        return False
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.split("\n")
    if line < len(text.rstrip().split("\n")):
        return False
    return line > len(lines) or column > len(lines[line - 1].rstrip())


@dataclass(frozen=True)
class Token:
    """A token of a query: its text and where it starts and ends (character offsets)."""

    text: str
    start: int
    end: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a query, comments left out."""
    for match in TOKEN.finditer(text):
        if match.group("comment") is None:
            yield Token(match.group(0), match.start(), match.end())


def open_brackets(text: str) -> str:
    """The closing brackets a text still needs, innermost first ('' if none or unbalanced)."""
    stack: list[str] = []
    for token in tokens(text):
        if token.text in OPENERS:
            stack.append(token.text)
        elif token.text in CLOSERS:
            if not stack or stack[-1] != CLOSERS[token.text]:
                return ""
            stack.pop()
    return "".join(OPENERS[opener] for opener in reversed(stack))


def parses(store: ox.Store, text: str, prefixes: Mapping[str, str]) -> bool:
    """Whether Oxigraph parses a query (it is not run: its answer is never read).

    A query read to its end and refused for what it means (Oxigraph's sentence "The
    SELECT contains a variable that is unbound"...), not its syntax, counts as parsed.
    """
    try:
        # An empty VALUES at the end: Oxigraph then plans nothing (its join planner takes
        # minutes over a few hundred patterns); the query is never run.
        store.query(text + NOTHING, prefixes=dict(prefixes))
    except SyntaxError as error:
        message = str(error)
        return bool(SEMANTIC_REFUSAL.search(message)) and at_end(text, message)
    except (ValueError, OSError):
        return True
    return True


def stops_early(store: ox.Store, prefix: str, prefixes: Mapping[str, str]) -> bool:
    """Whether Oxigraph gives up on a text before its end (then no completion can help).

    A parser that could read the whole text fails, if at all, at its end; Oxigraph
    reports the furthest position it reached. Its columns count bytes, never fewer than
    characters, so a position before the end in bytes is before it in characters too.
    """
    try:
        store.query(prefix + NOTHING, prefixes=dict(prefixes))
    except SyntaxError as error:
        match = OXIGRAPH_POSITION.match(str(error))
        if match is None:
            return False
        lines = prefix.rstrip().split("\n")
        line, column = int(match.group(1)), int(match.group(2))
        return line < len(lines) or (line == len(lines) and column <= len(lines[-1]))
    except (ValueError, OSError):
        return False
    return False


def viable(store: ox.Store, prefix: str, prefixes: Mapping[str, str]) -> bool:
    """Whether some short completion makes a text the start of a valid query."""
    if stops_early(store, prefix, prefixes):
        return False
    for middle in MIDDLES:
        closers = open_brackets(prefix + middle)
        outermost = closers.rfind(")")
        # A bracket opened by BIND( or SELECT's ( is closed by "AS ?var)".
        named = closers[:outermost] + " AS ?kzgov_w " + closers[outermost:]
        for ending in (closers, named) if outermost >= 0 else (closers,):
            for tail in TAILS:
                if parses(store, f"{prefix}{middle} {ending}{tail}", prefixes):
                    return True
    return False


def first_offending_token(text: str, start: int, prefixes: Mapping[str, str]) -> Token | None:
    """The first token, from a character offset on, after which the query cannot go on.

    Args:
        text: the query, which does not parse.
        start: where to start looking (rdflib's position: no later than the mistake).
        prefixes: the predeclared prefixes.

    Returns:
        The offending token; a token at the end of the text (empty) when every prefix is
        viable but the query stops too early; None when Oxigraph parses the whole query
        (it disagrees with rdflib, whose message then stands) or the query is too long
        to search.
    """
    store = ox.Store()
    if parses(store, text, prefixes):
        return None
    candidates = [token for token in tokens(text) if token.end > start]
    if not candidates or len(candidates) > MOST_TOKENS_TRIED:
        return None
    if viable(store, text[: candidates[-1].end], prefixes):
        end = len(text.rstrip())
        return Token("", end, end)
    # Viability is monotone (a prefix of a viable text is viable): bisect between the
    # last token known viable (before `start`) and the first known not to be.
    viable_before, not_viable = -1, len(candidates) - 1
    while not_viable - viable_before > 1:
        middle = (viable_before + not_viable) // 2
        if viable(store, text[: candidates[middle].end], prefixes):
            viable_before = middle
        else:
            not_viable = middle
    return candidates[not_viable]


def dot_fixes(text: str, line: int, through: int, prefixes: Mapping[str, str]) -> bool:
    """Whether a '.' at the end of a line makes the query viable up to an offset.

    Args:
        text: the query.
        line: the 1-based line that may lack its '.'.
        through: the end (character offset) of the token that did not fit.
        prefixes: the predeclared prefixes.
    """
    lines = text.split("\n")
    code = lines[line - 1].split("#")[0].rstrip()
    end = sum(len(previous) + 1 for previous in lines[: line - 1]) + len(code)
    return viable(ox.Store(), f"{text[:end]} .{text[end:through]}", prefixes)
