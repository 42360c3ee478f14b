"""Where a SPARQL query is malformed and what was expected there, in words a reader can act on.

rdflib's parser (pyparsing) backtracks to the start of the enclosing construct, so its
position is often that of the clause around the error ("Expected SelectQuery" at the
FILTER whose parenthesis is never closed). This module first checks the mistakes a
reader makes most: an unclosed bracket or string, an undeclared prefix, a misspelt
query form; then it finds the first token after which no valid query can go on
(`kzgov.core.viable_prefix`), and adds the "'.' missing" hint only where a '.' helps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kzgov.core.viable_prefix import dot_fixes, first_offending_token

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
OPENERS = {"(": ")", "{": "}", "[": "]"}
CLOSERS = {closer: opener for opener, closer in OPENERS.items()}
UNKNOWN_PREFIX = re.compile(r"Unknown namespace prefix\s*:\s*(\S+)")
PROLOGUE = re.compile(r"^(\s*(#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>))*\s*", re.I)


@dataclass(frozen=True)
class SyntaxProblem:
    """What is wrong with a query and where.

    Attributes:
        reason: what was expected or found, in words.
        line: the 1-based line, or None when unknown.
        column: the 1-based column, or None when unknown.
    """

    reason: str
    line: int | None
    column: int | None


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset in a text."""
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def unbalanced(text: str) -> SyntaxProblem | None:
    """An unclosed or stray bracket, or an unclosed string, outside comments and IRIs.

    Args:
        text: the query.

    Returns:
        The first such problem, or None if brackets and quotes balance.
    """
    stack: list[tuple[str, int]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        if char == "<" and re.match(r"<[^<>\"{}|^`\\\s]*>", text[index:]):
            index = text.index(">", index) + 1
            continue
        if char in "\"'":
            quote = text[index : index + 3] if text[index : index + 3] == char * 3 else char
            end = index + len(quote)
            while end < len(text) and not text.startswith(quote, end):
                if text[end] == "\\":
                    end += 1
                elif text[end] == "\n" and len(quote) == 1:
                    break
                end += 1
            if end >= len(text) or not text.startswith(quote, end):
                line, column = line_and_column(text, index)
                return SyntaxProblem(
                    f"the string opened at line {line}, column {column} is not closed"
                    f" (add the closing {quote})",
                    line,
                    column,
                )
            index = end + len(quote)
            continue
        if char in OPENERS:
            stack.append((char, index))
        elif char in CLOSERS:
            if not stack:
                line, column = line_and_column(text, index)
                return SyntaxProblem(f"this '{char}' closes nothing", line, column)
            if stack[-1][0] != CLOSERS[char]:
                opener, offset = stack[-1]
                line, column = line_and_column(text, offset)
                at_line, at_column = line_and_column(text, index)
                return SyntaxProblem(
                    f"the '{opener}' opened at line {line}, column {column} is not closed"
                    f" before the '{char}' at line {at_line}, column {at_column}"
                    f" (add '{OPENERS[opener]}')",
                    line,
                    column,
                )
            stack.pop()
        index += 1
    if stack:
        opener, offset = stack[-1]
        line, column = line_and_column(text, offset)
        return SyntaxProblem(
            f"the '{opener}' opened at line {line}, column {column} is never closed"
            f" (add '{OPENERS[opener]}')",
            line,
            column,
        )
    return None


def unknown_prefix(text: str, message: str, prefixes: Mapping[str, object]) -> SyntaxProblem | None:
    """The undeclared prefix rdflib's message names, located in the query."""
    match = UNKNOWN_PREFIX.search(message)
    if match is None:
        return None
    prefix = match.group(1).rstrip(":")
    found = re.search(r"(?<![\w:<?$-])" + re.escape(prefix) + r":", text)
    line, column = line_and_column(text, found.start()) if found else (None, None)
    return SyntaxProblem(
        f"unknown prefix '{prefix}:'; declare it (PREFIX {prefix}: <...>) or use one of the"
        f" predeclared prefixes: {', '.join(p + ':' for p in prefixes)}",
        line,
        column,
    )


def misspelt_form(text: str) -> SyntaxProblem | None:
    """A query whose first word after the prologue is not SELECT, CONSTRUCT, DESCRIBE or ASK."""
    start = PROLOGUE.match(text)
    offset = start.end() if start else 0
    word = re.match(r"[A-Za-z]+", text[offset:])
    if word is None or word.group(0).upper() in QUERY_FORMS:
        return None
    if word.group(0).upper() in ("PREFIX", "BASE"):
        return None
    line, column = line_and_column(text, offset)
    return SyntaxProblem(
        f"found '{word.group(0)}' where the query form was expected: a query is SELECT,"
        " CONSTRUCT, DESCRIBE or ASK, after any PREFIX and BASE lines",
        line,
        column,
    )


def token_at(text: str, line: int, column: int) -> str:
    """The word or character at a 1-based position, for "found ..."."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    rest = lines[line - 1][column - 1 :]
    word = re.match(r"[\w:?$.-]+|\S", rest)
    return word.group(0) if word else ""


def locate_syntax_error(
    text: str,
    rdflib_reason: str,
    rdflib_line: int | None,
    rdflib_column: int | None,
    prefixes: Mapping[str, str],
) -> SyntaxProblem:
    """Say where a query rdflib refused is malformed, and what was expected there.

    Args:
        text: the query.
        rdflib_reason: rdflib's message.
        rdflib_line: rdflib's 1-based line, if any.
        rdflib_column: rdflib's 1-based column, if any.
        prefixes: the predeclared prefixes (prefix to namespace).

    Returns:
        The problem: unclosed brackets and strings, unknown prefixes and a misspelt
        query form first; then the first token that no valid query can continue with
        (`kzgov.core.viable_prefix`), searched from rdflib's position (which is the
        start of the clause around the error, never after it), with the '.' advice
        only where adding the '.' makes the query read on; else rdflib's.
    """
    first = unknown_prefix(text, rdflib_reason, prefixes) or unbalanced(text) or misspelt_form(text)
    if first is not None:
        return first
    start = 0
    if rdflib_line is not None and rdflib_column is not None:
        start = offset_of(text, rdflib_line, rdflib_column)
    offending = first_offending_token(text, start, prefixes)
    if offending is not None:
        line, column = line_and_column(text, offending.start)
        if not offending.text:
            last = text.rstrip().split()[-1] if text.strip() else ""
            return SyntaxProblem(
                f"the query ends after '{last}' before it is complete", line, column
            )
        words = [f"unexpected '{offending.text}'"]
        previous = missing_dot_before(text, line, column)
        if previous is not None and dot_fixes(text, previous, offending.end, prefixes):
            words.append(f"is a '.' missing at the end of line {previous}?")
        return SyntaxProblem("; ".join(words), line, column)
    if rdflib_line is not None and rdflib_column is not None:
        found = token_at(text, rdflib_line, rdflib_column)
        reason = f"unexpected '{found}'" if found else "unexpected end of the query"
        return SyntaxProblem(reason, rdflib_line, rdflib_column)
    return SyntaxProblem(rdflib_reason, rdflib_line, rdflib_column)


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column (clamped to the text)."""
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    offset = sum(len(previous) + 1 for previous in lines[: line - 1])
    return min(len(text), offset + max(0, column - 1))


def missing_dot_before(text: str, line: int, column: int) -> int | None:
    """The line before a position, if the position starts a line and that line ends a triple."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines) or lines[line - 1][: column - 1].strip():
        return None
    for number in range(line - 1, 0, -1):
        before = lines[number - 1].split("#")[0].rstrip()
        if before:
            return None if before.endswith((".", ";", ",", "{", "(", "[")) else number
    return None
