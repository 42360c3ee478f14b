"""A SERVICE nested in a SERVICE is refused as a federated query, not as "nested too deeply".

The reliability review (F9) found two nested SERVICE clauses refused with a recursion
message: rdflib's parser recurses without end on them. Rerun against main 4de2cb9, the
message had become "the query is nested too deeply ...", still wrong for two levels.
kzgov.core.service_scan finds the SERVICE in the text of a query the parser gave up on.
"""

from __future__ import annotations

import pytest

from conftest import ConnectionRecorder, LiveServer, send
from kzgov.core.service_scan import first_service

DIRECT = {"Content-Type": "application/sparql-query"}


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * {{ SERVICE <{url}a> {{ SERVICE <{url}b> {{ ?s ?p ?o }} }} }}",
        "ask {{ service silent <{url}a> {{ service <{url}b> {{ ?s ?p ?o }} }} }}",
    ],
)
def test_nested_service_is_refused_as_federated_without_calling_out(
    live_server: LiveServer, listener: ConnectionRecorder, template: str
) -> None:
    response = send("POST", live_server.endpoint, template.format(url=listener.url), DIRECT)
    assert response.status == 400, response.text
    assert "federated queries are disabled" in response.text
    assert f"<{listener.url}a>" in response.text
    assert "nested too deeply" not in response.text
    assert listener.connections == []


def test_deep_nesting_without_service_is_still_called_nested_too_deeply(
    live_server: LiveServer,
) -> None:
    query = 'SELECT * { BIND("SERVICE <http://x/>" AS ?t) ' + "{" * 5_000 + "}" * 5_000 + " }"
    response = send("POST", live_server.endpoint, query, DIRECT)
    assert response.status == 400
    assert "nested too deeply" in response.text
    assert "federated" not in response.text


@pytest.mark.parametrize(
    ("text", "endpoint"),
    [
        ("SELECT * { SERVICE <http://a/> { SERVICE <http://b/> { ?s ?p ?o } } }", "<http://a/>"),
        ("select * { service silent ?e { ?s ?p ?o } }", "?e"),
        ("SELECT * { SERVICE wikibase:label { } }", "wikibase:label"),
        ('SELECT * { BIND("SERVICE <http://x/>" AS ?t) } # SERVICE <http://y/>', None),
        ('SELECT * { BIND("""a " SERVICE <http://q/> """ AS ?t) }', None),
        ("SELECT ?service { ?service ex:service <http://z/> }", None),
    ],
)
def test_service_is_found_outside_strings_comments_and_names(
    text: str, endpoint: str | None
) -> None:
    assert first_service(text) == endpoint
