"""The column order of `SELECT *`: the variables in the order the query first names them.

SPARQL 1.1 (section 18.2.4.1) leaves the order of the variables `SELECT *` projects to
the engine; rdflib and Oxigraph both sort them by name, so `?s ?p ?o` came out as
`o, p, s`. Users read the columns in the order they wrote the variables, as WDQS,
Fuseki and Virtuoso give them, so kzgov reorders the engine's list that way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

# What cannot name a variable: comments, string literals and IRIs (`<...?x=1>`).
NOT_CODE = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>'
)
SELECT_STAR = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?\*", re.IGNORECASE)
FIRST_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
VARIABLE = re.compile(r"[?$]([A-Za-z_0-9\u00B7\u00C0-\uFFFF]+)")

Term = TypeVar("Term")
SELECTS_STAR_CACHED = 256


def code_of(text: str) -> str:
    """The query text with comments, strings and IRIs blanked out (same length)."""
    return NOT_CODE.sub(lambda match: " " * len(match.group(0)), text)


@functools.lru_cache(maxsize=SELECTS_STAR_CACHED)
def selects_star(text: str) -> bool:
    """Whether the query's outer SELECT is `SELECT *` (with DISTINCT or REDUCED or not).

    Kept per text: a query worker asks it for every answer it writes.
    """
    code = code_of(text)
    first = FIRST_SELECT.search(code)
    return first is not None and SELECT_STAR.match(code, first.start()) is not None


def in_written_order(text: str, variables: Sequence[Term]) -> list[Term]:
    """The variables of a `SELECT *` answer in the order the query text first names them.

    Args:
        text: the query.
        variables: the engine's projected variables (rdflib Variables or names).

    Returns:
        The same variables, reordered when the query is `SELECT *`; otherwise as given
        (an explicit projection already has the order the user wrote).
    """
    if not selects_star(text):
        return list(variables)
    first_seen: dict[str, int] = {}
    for match in VARIABLE.finditer(code_of(text)):
        first_seen.setdefault(match.group(1), match.start())
    unseen = len(text) + 1
    return sorted(variables, key=lambda v: first_seen.get(str(v), unseen))


def with_written_order(text: str, outcome: Mapping[str, Any]) -> Mapping[str, Any]:
    """A SELECT outcome of the evaluator (`vars_`, `bindings`) with `SELECT *` columns reordered."""
    if outcome.get("type_") != "SELECT" or not outcome.get("vars_"):
        return outcome
    return {**outcome, "vars_": in_written_order(text, outcome["vars_"])}
