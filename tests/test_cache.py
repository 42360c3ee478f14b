"""The result cache: ETag and If-None-Match (304), Cache-Control, bounds, and the switch.

The HTTP tests run on each store backend (the `live_server` fixture). A cache that
works is seen without timing: a query answered from the cache is answered even after
the store behind the server changed, and with the cache off it is not.
"""

from __future__ import annotations

import http.client
import io
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from conftest import HttpResponse, LiveServer, oxigraph_server, query_url, running_server, send
from kzgov.build.pipeline import build
from kzgov.build.publish import publish_build
from kzgov.core.config import BadSetting, ServerConfig
from kzgov.core.layout import Layout
from kzgov.core.namespaces import REGISTRY_GRAPH, UNION_GRAPH
from kzgov.core.serialize import QueryAnswer
from kzgov.store.base import release_or_fail
from kzgov.web.access_log import query_fingerprint
from kzgov.web.replayed_answers import ReplayedAnswers, WsgiApp
from kzgov.web.result_cache import CacheSettings, ResultCache, cache_key

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
DIRECT = {"Content-Type": "application/sparql-query", **JSON_RESULTS}
PRIME_MINISTER = "https://w3id.org/kzgov/id/post/prime-minister"


def count_of(response: HttpResponse) -> int:
    """The single count a COUNT query answered."""
    assert response.status == 200, response.text
    return int(json.loads(response.body)["results"]["bindings"][0]["n"]["value"])


def get(server: LiveServer, query: str, **headers: str) -> HttpResponse:
    """GET a query from a server's endpoint, as SPARQL JSON."""
    header_names = {name.replace("_", "-"): value for name, value in headers.items()}
    return send(
        "GET", query_url(server.endpoint, query=query), headers={**JSON_RESULTS, **header_names}
    )


# -- ETag, If-None-Match, Cache-Control ------------------------------------------------------


def test_answer_to_get_has_a_weak_etag_and_public_cache_control(live_server: LiveServer) -> None:
    response = get(live_server, COUNT)
    assert response.status == 200
    etag = response.header("ETag")
    assert etag is not None and etag.startswith('W/"')
    assert response.header("Cache-Control") == "public, max-age=60"
    assert get(live_server, COUNT).header("ETag") == etag


def test_get_with_matching_if_none_match_is_304_without_a_body(live_server: LiveServer) -> None:
    etag = get(live_server, COUNT).header("ETag")
    assert etag is not None
    response = get(live_server, COUNT, if_none_match=etag)
    assert response.status == 304
    assert response.body == b""
    assert response.header("ETag") == etag
    assert response.header("Cache-Control") == "public, max-age=60"


def test_get_with_another_etag_in_if_none_match_is_answered_in_full(
    live_server: LiveServer,
) -> None:
    response = get(live_server, COUNT, if_none_match='W/"not-this-one", "nor-this"')
    assert response.status == 200
    assert count_of(response) > 0


def test_post_with_matching_if_none_match_is_answered_in_full(live_server: LiveServer) -> None:
    """RFC 9110 13.1.2: 304 is for GET and HEAD only."""
    etag = get(live_server, COUNT).header("ETag")
    assert etag is not None
    response = send("POST", live_server.endpoint, COUNT, {**DIRECT, "If-None-Match": etag})
    assert count_of(response) > 0


def test_etag_differs_with_the_format_and_with_the_dataset(live_server: LiveServer) -> None:
    as_json = get(live_server, COUNT).header("ETag")
    as_csv = send(
        "GET", query_url(live_server.endpoint, query=COUNT), headers={"Accept": "text/csv"}
    )
    in_registry = send(
        "GET",
        query_url(live_server.endpoint, query=COUNT, default_graph_uri=str(REGISTRY_GRAPH)),
        headers=JSON_RESULTS,
    )
    assert len({as_json, as_csv.header("ETag"), in_registry.header("ETag")}) == 3


def test_refused_query_has_no_etag(live_server: LiveServer) -> None:
    response = get(live_server, "SELECT * WHERE {")
    assert response.status == 400
    assert response.header("ETag") is None


# -- A new build, a new ETag -----------------------------------------------------------------


def test_a_new_build_changes_the_etag_and_the_answer(
    scratch_project: Layout, tmp_path: Path
) -> None:
    with running_server(scratch_project, tmp_path / "before.log", "--workers", "1") as server:
        before = get(server, COUNT)
    registry = scratch_project.data_dir / "registry.ttl"
    registry.write_text(
        registry.read_text(encoding="utf-8")
        + f'\n<{PRIME_MINISTER}> <http://www.w3.org/2004/02/skos/core#altLabel> "ETag test"@en .\n',
        encoding="utf-8",
    )
    build(scratch_project)
    with running_server(scratch_project, tmp_path / "after.log", "--workers", "1") as server:
        after = get(server, COUNT)
        revalidated = get(server, COUNT, if_none_match=before.header("ETag") or "")
    assert after.header("ETag") != before.header("ETag")
    assert count_of(after) == count_of(before) + 1
    assert revalidated.status == 200
    assert count_of(revalidated) == count_of(after)


# -- The cache on and off ---------------------------------------------------------------------


def test_cache_on_answers_a_repeated_query_from_the_cache_and_off_from_the_store(
    served_layout: Layout, tmp_path: Path
) -> None:
    """The store changes behind two servers: the one with the cache keeps its answer."""
    with oxigraph_server(tmp_path / "store", tmp_path / "oxigraph.log") as remote:
        publish_build(release_or_fail(served_layout), remote.store_url, lambda _line: None)
        store = ("--workers", "1", "--store", f"sparql:{remote.query_url}")
        with (
            running_server(served_layout, tmp_path / "on.log", *store) as cached,
            running_server(
                served_layout, tmp_path / "off.log", *store, environ={"KZGOV_CACHE": "off"}
            ) as uncached,
        ):
            first_cached, first_uncached = (
                count_of(get(cached, COUNT)),
                count_of(get(uncached, COUNT)),
            )
            update = f"INSERT DATA {{ GRAPH <{UNION_GRAPH}> {{ <{PRIME_MINISTER}> <urn:x> 1 }} }}"
            inserted = send(
                "POST",
                f"{remote.base_url}/update",
                update,
                {"Content-Type": "application/sparql-update"},
            )
            assert inserted.status in (200, 204)
            again_cached, again_uncached = get(cached, COUNT), get(uncached, COUNT)
    assert first_cached == first_uncached
    assert count_of(again_cached) == first_cached
    assert count_of(again_uncached) == first_uncached + 1
    assert again_uncached.header("ETag") is None
    assert again_uncached.header("Cache-Control") == "no-cache"


def test_no_cache_option_sends_no_etag(served_layout: Layout, tmp_path: Path) -> None:
    with running_server(
        served_layout, tmp_path / "server.log", "--workers", "1", "--no-cache"
    ) as server:
        response = get(server, COUNT)
        conditional = get(server, COUNT, if_none_match="*")
    assert response.header("ETag") is None
    assert response.header("Cache-Control") == "no-cache"
    assert conditional.status == 200


def test_cache_setting_other_than_on_or_off_is_refused_naming_it() -> None:
    config = ServerConfig.from_environment({"KZGOV_CACHE": "sometimes"})
    with pytest.raises(BadSetting) as caught:
        config.check()
    assert str(caught.value) == "cache='sometimes': expected on or off"


# -- Bounds -------------------------------------------------------------------------------------


def answer(size: int) -> QueryAnswer:
    """An answer of a given size in bytes."""
    return QueryAnswer(form="SELECT", media_type="text/csv", body=b"x" * size)


def test_cache_drops_the_least_recently_used_answer_past_its_entry_bound() -> None:
    cache = ResultCache("build", CacheSettings(max_entries=2, max_bytes=1000, max_age_seconds=60))
    first, second, third = (cache_key(f"ASK {{ <urn:{n}> ?p ?o }}", "text/csv") for n in range(3))
    cache.put(first, answer(10))
    cache.put(second, answer(10))
    assert cache.get(first) is not None  # now the second is the least recently used
    cache.put(third, answer(10))
    assert cache.get(second) is None
    assert cache.get(first) is not None and cache.get(third) is not None


def test_cache_drops_answers_past_its_byte_bound_and_keeps_none_larger_than_it() -> None:
    cache = ResultCache("build", CacheSettings(max_entries=10, max_bytes=100, max_age_seconds=60))
    small, medium, huge = (cache_key(f"ASK {{ <urn:{n}> ?p ?o }}", "text/csv") for n in range(3))
    cache.put(small, answer(40))
    cache.put(medium, answer(70))
    assert cache.get(small) is None
    assert cache.get(medium) is not None
    cache.put(huge, answer(101))
    assert cache.get(huge) is None
    assert cache.status()["bytes"] == 70


def test_etag_depends_on_the_build() -> None:
    key = cache_key(COUNT, "text/csv", (str(REGISTRY_GRAPH),))
    settings = CacheSettings(max_entries=10, max_bytes=100, max_age_seconds=60)
    assert ResultCache("one", settings).etag(key) == ResultCache("one", settings).etag(key)
    assert ResultCache("one", settings).etag(key) != ResultCache("two", settings).etag(key)


# -- Replayed answers (kzgov.web.replayed_answers) -----------------------------------------------


def unique_count_query(tag: str) -> str:
    """A COUNT query no other test sends, so that its log lines are its own."""
    return f"# {tag}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}"


def log_lines_of(server: LiveServer, query: str) -> list[str]:
    """The access-log lines of one query text (by its hash)."""
    return [line for line in server.log().splitlines() if query_fingerprint(query) in line]


def without_date(response: HttpResponse) -> list[tuple[str, str]]:
    """A response's headers, less the Date the WSGI server adds to each."""
    return sorted((name, value) for name, value in response.headers.items() if name != "Date")


def send_twice(url: str, body: str, headers: dict[str, str]) -> tuple[HttpResponse, HttpResponse]:
    """POST the same request twice on one keep-alive connection.

    One connection is served by one HTTP process, and each HTTP process keeps its own
    replayed answers (the result cache is the server's, in its main process).
    """
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=60)
    answers = []
    try:
        for _ in range(2):
            connection.request("POST", parts.path, body=body.encode("utf-8"), headers=headers)
            response = connection.getresponse()
            answers.append(HttpResponse(response.status, response.headers, response.read()))
    finally:
        connection.close()
    return answers[0], answers[1]


def test_repeated_request_is_replayed_with_the_first_response(live_server: LiveServer) -> None:
    query = unique_count_query("replayed")
    first, second = send_twice(live_server.endpoint, query, DIRECT)
    assert count_of(first) > 0
    assert second.body == first.body
    assert without_date(second) == without_date(first)
    lines = log_lines_of(live_server, query)
    assert len(lines) == 2, lines
    assert not lines[0].endswith(" replayed")
    assert lines[1].endswith(" replayed") and " 200 " in lines[1]


def test_replay_tells_formats_apart(live_server: LiveServer) -> None:
    query = unique_count_query("replayed formats")
    as_json = send("POST", live_server.endpoint, query, DIRECT)
    as_xml = send(
        "POST",
        live_server.endpoint,
        query,
        {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+xml"},
    )
    assert as_json.header("Content-Type") == "application/sparql-results+json"
    assert (as_xml.header("Content-Type") or "").startswith("application/sparql-results+xml")
    assert as_xml.body.startswith(b"<?xml")
    assert not any(line.endswith(" replayed") for line in log_lines_of(live_server, query))


def test_conditional_request_after_a_replay_still_gets_304(live_server: LiveServer) -> None:
    query = unique_count_query("replayed then revalidated")
    first = get(live_server, query)
    assert get(live_server, query).body == first.body
    revalidated = get(live_server, query, if_none_match=first.header("ETag") or "")
    assert revalidated.status == 304
    assert revalidated.body == b""


def test_refused_query_is_never_replayed(live_server: LiveServer) -> None:
    query = "# never replayed\nSELECT ?s WHERE { ?s ?p "
    responses = [send("POST", live_server.endpoint, query, DIRECT) for _ in range(2)]
    assert [r.status for r in responses] == [400, 400]
    lines = log_lines_of(live_server, query)
    assert len(lines) == 2 and not any(line.endswith(" replayed") for line in lines)


def test_no_replay_with_the_cache_off(served_layout: Layout, tmp_path: Path) -> None:
    query = unique_count_query("cache off")
    with running_server(
        served_layout, tmp_path / "server.log", "--workers", "1", "--no-cache"
    ) as server:
        first, second = (send("POST", server.endpoint, query, DIRECT) for _ in range(2))
        lines = log_lines_of(server, query)
    assert count_of(first) == count_of(second)
    assert len(lines) == 2 and not any(line.endswith(" replayed") for line in lines)


def counting_app(calls: list[str]) -> WsgiApp:
    """A WSGI app that answers every request with a cacheable 200 and notes its body."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        calls.append(body.decode())
        start_response("200 OK", [("ETag", 'W/"x"'), ("Content-Length", str(len(body)))])
        return [body]

    return app


def post_environ(body: str) -> dict[str, Any]:
    """The WSGI environ of a POST of a query to /sparql."""
    data = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/sparql",
        "CONTENT_TYPE": "application/sparql-query",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }


def test_replay_drops_the_least_recently_used_past_its_entry_bound() -> None:
    calls: list[str] = []
    replay = ReplayedAnswers(
        counting_app(calls),
        CacheSettings(max_entries=2, max_bytes=1000, max_age_seconds=60),
        max_body_bytes=100,
    )
    for body in ("a", "b", "a", "c", "a", "b"):
        assert b"".join(replay(post_environ(body), lambda *_: None)) == body.encode()
    # "b" was dropped when "c" came in ("a" had been used since); "a" stayed.
    assert calls == ["a", "b", "c", "b"]
    assert replay.replayed == 2


def test_replay_leaves_a_body_over_the_servers_bound_to_the_app() -> None:
    calls: list[str] = []
    replay = ReplayedAnswers(
        counting_app(calls),
        CacheSettings(max_entries=8, max_bytes=1000, max_age_seconds=60),
        max_body_bytes=3,
    )
    for _ in range(2):
        replay(post_environ("long"), lambda *_: None)
    assert calls == ["long", "long"]
    assert replay.replayed == 0
