"""The SPARQL 1.1 rules rdflib's parser does not enforce refuse what Oxigraph's parser refuses.

`kzgov.core.query_rules` reads rdflib's parse tree; each query below is also given to
pyoxigraph's parser (a real, independent SPARQL 1.1 parser), and the two must agree:
a broken rule exactly where Oxigraph reports a syntax error. The HTTP side (a 400 on
the memory store) is in tests/test_evaluation_errors.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql.parser import parseQuery

from kzgov.core.query_rules import broken_rule
from kzgov.core.sparql import parse_query

# Each invalid query, with what its message must name.
INVALID = {
    "SELECT * { VALUES (?a ?b) { (1) } }": "VALUES (?a ?b): row 1 has 1 value for 2 variables",
    "SELECT * { VALUES (?a ?b) { (1 2 3) } }": "row 1 has 3 values for 2 variables",
    "SELECT * { VALUES () { (1) } }": "row 1 has 1 value for 0 variables",
    "SELECT * { } VALUES (?a ?b) { (1 2) (UNDEF) }": "row 2 has 1 value for 2 variables",
    "SELECT * { ?s ?p ?o BIND(1 AS ?s) }": "BIND(... AS ?s)",
    "SELECT * { BIND(1 AS ?v) BIND(2 AS ?v) }": "BIND(... AS ?v)",
    "SELECT * { VALUES ?v { 1 } BIND(1 AS ?v) }": "BIND(... AS ?v)",
    "SELECT * { ?s ?p ?o OPTIONAL { ?z ?p ?o } BIND(1 AS ?z) }": "BIND(... AS ?z)",
    "SELECT * { { ?v ?p ?o } UNION { ?s ?p ?o } BIND(1 AS ?v) }": "BIND(... AS ?v)",
    "SELECT * { GRAPH ?g { ?s ?p ?o } BIND(1 AS ?g) }": "BIND(... AS ?g)",
    "SELECT * { { SELECT ?z { ?z ?p ?o } } BIND(1 AS ?z) }": "BIND(... AS ?z)",
    "SELECT * { { SELECT * { ?z ?p ?o } } BIND(1 AS ?z) }": "BIND(... AS ?z)",
    "SELECT * { { SELECT * { ?y ?p ?o } VALUES ?z { 1 } } BIND(1 AS ?z) }": "BIND(... AS ?z)",
    "SELECT * { ?s <http://x/p>/<http://x/q> ?o BIND(1 AS ?o) }": "BIND(... AS ?o)",
    "SELECT * { ?s ?p [ <http://x/q> ?o ] BIND(1 AS ?o) }": "BIND(... AS ?o)",
    "SELECT * { ?s ?p (?o ?l) BIND(1 AS ?l) }": "BIND(... AS ?l)",
    "SELECT * { ?s ?p ?o FILTER EXISTS { ?s ?p ?o BIND(1 AS ?o) } }": "BIND(... AS ?o)",
    "ASK { ?s ?p ?o BIND(1 AS ?s) }": "BIND(... AS ?s)",
    "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o BIND(1 AS ?s) }": "BIND(... AS ?s)",
    "SELECT ?s (COUNT(*) AS ?c) { ?s ?p ?o }": "?s is neither grouped",
    "SELECT ?o { ?s ?p ?o } GROUP BY ?s": "?o is neither grouped",
    "SELECT (?s AS ?y) (COUNT(*) AS ?c) { ?s ?p ?o }": "?s is neither grouped",
    "SELECT (?x + SUM(?x) AS ?z) { ?s ?p ?x }": "?x is neither grouped",
    "SELECT (STR(?s) AS ?k) { ?s ?p ?o } GROUP BY STR(?s)": "?s is neither grouped",
    "SELECT ?s { ?s ?p ?o } HAVING (COUNT(?s) > 1)": "?s is neither grouped",
    "SELECT ?s { ?s ?p ?o } ORDER BY (COUNT(?s))": "?s is neither grouped",
    "SELECT ?x { { SELECT ?s (COUNT(*) AS ?c) { ?s ?p ?o } } }": "?s is neither grouped",
    "SELECT * { ?s ?p ?o } GROUP BY ?s": "SELECT * cannot be used here",
    "SELECT * { ?s ?p ?o } HAVING (COUNT(*) > 0)": "SELECT * cannot be used here",
    "SELECT (1 AS ?s) { ?s ?p ?o }": "SELECT (... AS ?s)",
    "SELECT (1 AS ?x) { ?s ?p ?o BIND(2 AS ?x) }": "SELECT (... AS ?x)",
    "SELECT (1 AS ?x) { ?s ?p ?o } VALUES ?x { 1 }": "SELECT (... AS ?x)",
    "SELECT (2 AS ?x) { } GROUP BY (1 AS ?x)": "SELECT (... AS ?x)",
    "SELECT ?x (1 AS ?x) { }": "SELECT (... AS ?x)",
    "SELECT (1 AS ?X) (1 AS ?X) {}": "SELECT (... AS ?X)",
    "SELECT (1 AS ?X) { SELECT (2 AS ?X) {} }": "SELECT (... AS ?X)",
}
VALID = [
    "SELECT * { ?s ?p ?o BIND(1 AS ?z) }",
    "SELECT * { BIND(1 AS ?x) ?x ?p ?o }",
    "SELECT * { VALUES (?a ?b) { (1 2) (UNDEF 3) } }",
    "SELECT * { VALUES ?a { 1 2 } }",
    "SELECT * { VALUES () { () } }",
    "SELECT * { } VALUES (?a ?b) { (1 2) (UNDEF UNDEF) }",
    "SELECT * { ?s ?p ?o FILTER(?z) BIND(1 AS ?z) }",
    "SELECT * { ?s ?p ?o { BIND(1 AS ?s) } }",
    "SELECT * { ?s ?p ?o MINUS { ?z ?p ?o } BIND(1 AS ?z) }",
    "SELECT * { ?s ?p ?o OPTIONAL { ?s ?p ?x FILTER(?w) } BIND(1 AS ?w) }",
    "SELECT * { { SELECT ?y { ?z ?p ?y } } BIND(1 AS ?z) }",
    "SELECT * { ?s ?p ?o BIND(EXISTS { ?s ?p ?o BIND(1 AS ?x) } AS ?e) }",
    "SELECT ?s (COUNT(*) AS ?c) { ?s ?p ?o } GROUP BY ?s",
    "SELECT (COUNT(*) AS ?c) { ?s ?p ?o }",
    "SELECT ?k (COUNT(*) AS ?c) { ?s ?p ?o } GROUP BY (STR(?s) AS ?k)",
    "SELECT (STR(?s) AS ?k) { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s { ?s ?p ?o } GROUP BY (?s)",
    "SELECT ?s { ?s ?p ?o } GROUP BY ?s ORDER BY ?o",
    "SELECT (COUNT(?x) AS ?c) { ?s ?p ?o } GROUP BY ?s",
    "SELECT (SUM(?x) AS ?z) { ?s ?p ?x } ORDER BY (COUNT(?s))",
    "SELECT (EXISTS { ?s ?p ?o } AS ?e) (COUNT(*) AS ?c) { ?s ?p ?o }",
    "SELECT (STR(?k) AS ?kk) (SUM(?o) AS ?t) { ?s ?p ?o } GROUP BY (STR(?s) AS ?k)",
    "SELECT (COUNT(*) AS ?o) { ?s ?p ?o }",
    "SELECT (1 AS ?x) { ?s ?p ?o FILTER(?x) }",
    "SELECT (1 AS ?x) { ?s ?p ?o MINUS { ?x ?p ?o } }",
    "SELECT (1 AS ?x) { { SELECT ?s { ?s ?p ?x } } }",
    "SELECT ?x (1 AS ?y) { } GROUP BY (1 AS ?x)",
    "SELECT * { { SELECT (1 AS ?X) {} } UNION { SELECT (2 AS ?X) {} } }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE ?x",
]


def oxigraph_refuses(query: str) -> bool:
    """Whether pyoxigraph's parser reports a syntax error for a query."""
    try:
        ox.Store().query(query)
    except SyntaxError:
        return True
    return False


@pytest.mark.parametrize("query", INVALID)
def test_what_oxigraph_refuses_breaks_a_rule_named_in_the_message(query: str) -> None:
    assert oxigraph_refuses(query)
    message = broken_rule(parseQuery(query))
    assert message is not None
    assert INVALID[query] in message
    assert "(SPARQL 1.1, section 1" in message


@pytest.mark.parametrize("query", VALID)
def test_what_oxigraph_accepts_breaks_no_rule(query: str) -> None:
    assert not oxigraph_refuses(query)
    assert broken_rule(parseQuery(query)) is None


def test_a_parsed_query_carries_its_broken_rule_and_still_translates() -> None:
    parsed = parse_query("SELECT * { ?s ?p ?o BIND(1 AS ?s) }")
    assert parsed.broken_rule is not None
    assert parsed.broken_rule.startswith("BIND(... AS ?s): ?s is already in scope")
    assert parsed.query.algebra.name == "SelectQuery"
    assert parse_query("SELECT * { ?s ?p ?o BIND(1 AS ?z) }").broken_rule is None
