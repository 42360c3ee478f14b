"""The SPARQL store backend: queries forwarded to a SPARQL 1.1 endpoint over HTTP.

`--store sparql:URL` sends each admitted query to the query endpoint at URL (the
SPARQL 1.1 Protocol, POST of a form), for a store that holds the build as
`kzgov publish` writes it: the build's named graphs and the derived graphs of
`kzgov.store.stored_dataset`. The guards run before the query leaves this server (so
SERVICE and outside graphs are refused here), and the dataset is always sent as
explicit `default-graph-uri` / `named-graph-uri` parameters, never left to the
store's own default. Answers come back as SPARQL JSON or N-Triples, are turned into
rdflib terms and written by `kzgov.core.serialize` within the same caps as every store.

When the query passes its deadline, the worker waiting for the store is killed and
its connection closed; whether the store then stops working on the query is up to
the store (Oxigraph 0.5 server does not: give the store its own limits).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.term import Node

from kzgov.core.errors import (
    KzgovError,
    QueryRejected,
    QueryTimedOut,
    ResultTooLarge,
    StoreUnavailable,
)
from kzgov.core.layout import Layout
from kzgov.core.limits import ResultLimits, too_many_rows
from kzgov.core.namespaces import QUERY_PREFIXES, UNION_GRAPH
from kzgov.core.oxigraph_terms import TermConverter
from kzgov.core.serialize import QueryAnswer
from kzgov.core.sparql import ParsedQuery
from kzgov.store.base import QueryDataset, read_summary, written_answer
from kzgov.store.oxigraph import graph_of
from kzgov.store.rdflib_guards import refuse_any_nested_aggregate
from kzgov.store.stored_dataset import StoredGraphs, stored_graphs

SPARQL_STORE_PREFIX = "sparql:"
REMOTE_TIMEOUT_SECONDS = 60.0
REMOTE_TIMEOUT_MARGIN_SECONDS = 5.0
# The store's answer is read up to this many times the result byte cap, plus this
# much per row the cap allows: its JSON or N-Triples is larger than the result it
# becomes, and a result over the row cap must show it has more rows, but nothing is
# read without bound.
REMOTE_BYTES_PER_RESULT_BYTE = 4
REMOTE_BYTES_PER_ROW = 1024
SPARQL_RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
FORM_URLENCODED = "application/x-www-form-urlencoded"
USER_AGENT = "kzgov"
ERROR_EXCERPT_CHARS = 500

# The prefixes kzgov's queries may use undeclared, declared for the store.
PROLOGUE = "".join(
    f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in QUERY_PREFIXES.items()
)

XSD_STRING = str(XSD.string)


def store_unreachable(url: str, reason: object) -> StoreUnavailable:
    """The error for a store that cannot be reached."""
    return StoreUnavailable(f"the SPARQL store at {url} cannot be reached: {reason}")


def store_failed(url: str, status: int, reason: str, body: str) -> StoreUnavailable:
    """The error for a store that answered with an HTTP error."""
    return StoreUnavailable(
        f"the SPARQL store at {url} answered HTTP {status} {reason}: {body.strip()}"
    )


def store_refused_query(url: str, body: str) -> QueryRejected:
    """The error for a query the store's parser refuses (HTTP 400 from the store)."""
    return QueryRejected(f"the SPARQL store at {url} refused the query: {body.strip()}")


def store_too_slow(url: str, seconds: float) -> QueryTimedOut:
    """The error for a store that did not answer in time."""
    return QueryTimedOut(f"the SPARQL store at {url} did not answer within {seconds:g} s")


def store_answer_unreadable(url: str, problem: object) -> StoreUnavailable:
    """The error for an answer from the store that is not what was asked for."""
    return StoreUnavailable(
        f"the SPARQL store at {url} sent an answer kzgov cannot read: {problem}"
    )


def build_not_published(url: str, graph: URIRef, there: int, here: int) -> KzgovError:
    """The error for a store that does not hold the current build."""
    return KzgovError(
        f"the SPARQL store at {url} does not hold the current build: graph <{graph}> has"
        f" {there} triples there and {here} in the build; run `kzgov publish --to"
        " GRAPH-STORE-URL` (the store's Graph Store endpoint) first"
    )


def remote_timeout(query_timeout_seconds: float | None) -> float:
    """How long to wait for the store: past the query deadline, so the deadline fires first."""
    if query_timeout_seconds is None:
        return REMOTE_TIMEOUT_SECONDS
    return query_timeout_seconds + REMOTE_TIMEOUT_MARGIN_SECONDS


def rows_begun(body: bytes, graph_form: bool) -> int:
    """How many rows (or N-Triples lines) the start of a store's answer holds, at least.

    Reads SPARQL JSON results only as far as they can be decoded, one binding at a time.
    """
    if graph_form:
        return body.count(b"\n")
    text = body.decode("utf-8", errors="ignore")
    start = text.find('"bindings"')
    start = text.find("[", start) + 1 if start >= 0 else 0
    if start <= 0:
        return 0
    decoder = json.JSONDecoder()
    rows = 0
    while True:
        while start < len(text) and text[start] in " \t\r\n,":
            start += 1
        try:
            _row, start = decoder.raw_decode(text, start)
        except ValueError:
            return rows
        rows += 1


def answer_too_large(body: bytes, graph_form: bool, limits: ResultLimits) -> ResultTooLarge:
    """The error for a store's answer longer than kzgov reads: over the row cap or the byte cap."""
    if rows_begun(body, graph_form) > limits.max_rows:
        return too_many_rows(limits.max_rows, "triples" if graph_form else "rows")
    return ResultTooLarge(
        f"the result is larger than the {limits.max_bytes} bytes this server returns:"
        " add a LIMIT or select fewer variables"
    )


def store_url_of(spec: str) -> str:
    """The endpoint URL of a `sparql:URL` store specification.

    Raises:
        KzgovError: the URL is not an http(s) URL.
    """
    url = spec.removeprefix(SPARQL_STORE_PREFIX)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise KzgovError(f"store {spec!r}: the SPARQL endpoint must be an http:// or https:// URL")
    return url


def dataset_parameters(graphs: StoredGraphs) -> list[tuple[str, str]]:
    """The protocol parameters that give a store a query's dataset explicitly.

    SPARQL 1.1 Protocol section 2.1.4: the parameters replace the query's own FROM
    and FROM NAMED; named graphs without default graphs make the default graph empty.
    """
    pairs = [("default-graph-uri", str(g)) for g in graphs.default]
    pairs += [("named-graph-uri", str(g)) for g in graphs.named]
    return pairs


def rdflib_term(encoded: Mapping[str, str], blank_nodes: dict[str, BNode]) -> Node:
    """One RDF term of SPARQL JSON results as an rdflib term.

    https://www.w3.org/TR/sparql11-results-json/#select-encode-terms

    Raises:
        ValueError: the term is not an IRI, blank node or literal.
    """
    kind = encoded.get("type")
    value = encoded["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return blank_nodes.setdefault(value, BNode())
    if kind in ("literal", "typed-literal"):
        language = encoded.get("xml:lang")
        datatype = encoded.get("datatype")
        if language:
            return Literal(value, lang=language)
        if datatype and datatype != XSD_STRING:
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    raise ValueError(f"a term of type {kind!r}")


def outcome_of_json(body: bytes) -> dict[str, Any]:
    """SPARQL JSON results in the shape `kzgov.core.serialize.serialize_answer` takes.

    Raises:
        ValueError, KeyError, TypeError: the body is not SPARQL JSON results.
    """
    document = json.loads(body)
    if "boolean" in document:
        return {"type_": "ASK", "askAnswer": bool(document["boolean"])}
    variables = [Variable(name) for name in document["head"]["vars"]]
    blank_nodes: dict[str, BNode] = {}
    bindings = [
        {Variable(name): rdflib_term(term, blank_nodes) for name, term in row.items()}
        for row in document["results"]["bindings"]
    ]
    return {"type_": "SELECT", "vars_": variables, "bindings": bindings}


class RemoteStore:
    """A build published to a SPARQL 1.1 store, queried over HTTP."""

    def __init__(
        self, layout: Layout, url: str, timeout_seconds: float = REMOTE_TIMEOUT_SECONDS
    ) -> None:
        """Prepare to forward queries to a store (call `load` before querying).

        Args:
            layout: the project and its build folder (for the build's graphs).
            url: the store's SPARQL query endpoint.
            timeout_seconds: how long to wait for the store to connect and to answer.
        """
        self.layout = layout
        self.url = url
        self.timeout_seconds = timeout_seconds
        self._sizes: dict[URIRef, int] = {}
        self._triples = 0

    def load(self) -> None:
        """Check that the store answers and holds the current build, and read its counts.

        Raises:
            MissingBuild: there is no build.
            StoreUnavailable: the store cannot be reached or answers badly.
            KzgovError: the store holds another build (or none).
        """
        summary = read_summary(self.layout)
        graphs = summary.get("graphs")
        expected = (
            {URIRef(g): int(n) for g, n in graphs.items()} if isinstance(graphs, dict) else {}
        )
        counts = self.count_graphs([*expected, UNION_GRAPH])
        for graph, size in sorted(expected.items()):
            if counts.get(graph, 0) != size:
                raise build_not_published(self.url, graph, counts.get(graph, 0), size)
        if counts.get(UNION_GRAPH, 0) == 0:
            raise build_not_published(self.url, UNION_GRAPH, 0, len(expected))
        self._sizes = dict(sorted(expected.items()))
        self._triples = counts[UNION_GRAPH]

    def count_graphs(self, graphs: Sequence[URIRef]) -> dict[URIRef, int]:
        """The number of triples the store holds in each of some graphs."""
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        body = self.post(query, [("named-graph-uri", str(g)) for g in graphs], SPARQL_RESULTS_JSON)
        try:
            outcome = outcome_of_json(body)
            return {
                URIRef(row[Variable("g")]): int(row[Variable("n")]) for row in outcome["bindings"]
            }
        except (ValueError, KeyError, TypeError) as error:
            raise store_answer_unreadable(self.url, error) from error

    def graph_sizes(self) -> Mapping[URIRef, int]:
        """The triple count of each named graph of the build."""
        return dict(self._sizes)

    def triple_count(self) -> int:
        """The number of distinct triples in the union of all graphs."""
        return self._triples

    def post(
        self,
        query: str,
        parameters: list[tuple[str, str]],
        accept: str,
        max_bytes: int | None = None,
    ) -> bytes:
        """Send a query to the store and read its answer.

        Args:
            query: the query (kzgov's prefixes are declared before it).
            parameters: the dataset parameters.
            accept: the media type asked for.
            max_bytes: the most bytes read from the answer (None: no bound); a longer
                answer is read only up to one byte past it.

        Returns:
            The answer's body.

        Raises:
            StoreUnavailable: the store cannot be reached or answers with an error.
            QueryRejected: the store refuses the query as malformed.
            QueryTimedOut: the store does not answer in time.
        """
        form = urllib.parse.urlencode([("query", PROLOGUE + query), *parameters])
        request = urllib.request.Request(  # noqa: S310 (the URL is checked to be http(s))
            self.url,
            data=form.encode("utf-8"),
            method="POST",
            headers={"Content-Type": FORM_URLENCODED, "Accept": accept, "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                body: bytes = response.read(None if max_bytes is None else max_bytes + 1)
        except urllib.error.HTTPError as error:
            text = error.read(ERROR_EXCERPT_CHARS).decode("utf-8", errors="replace")
            if error.code == 400:
                raise store_refused_query(self.url, text) from error
            raise store_failed(self.url, error.code, str(error.reason), text) from error
        except TimeoutError as error:
            raise store_too_slow(self.url, self.timeout_seconds) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise store_too_slow(self.url, self.timeout_seconds) from error
            raise store_unreachable(self.url, error.reason) from error
        except (OSError, ValueError) as error:
            raise store_unreachable(self.url, error) from error
        return body

    def answer(
        self,
        parsed: ParsedQuery,
        dataset: QueryDataset,
        media_type: str,
        limits: ResultLimits,
    ) -> QueryAnswer:
        """Have the store evaluate a query on some graphs, and serialize its answer.

        Args:
            parsed: the query, admitted by `kzgov.web.guards`.
            dataset: the graphs it runs on.
            media_type: a media type that fits the query form.
            limits: the row and byte caps of the result.

        Returns:
            The serialized result.

        Raises:
            ResultTooLarge: the result passes a cap.
            StoreUnavailable: the store cannot be reached or answers badly.
            QueryRejected: the store refuses the query, or it nests aggregates.
            QueryTimedOut: the store does not answer in time.
        """
        # Aggregates nested in aggregates, which SPARQL does not define and a store may
        # answer with an empty row: refused here with the same 400 as on the other stores.
        refuse_any_nested_aggregate(parsed.query.algebra)
        parameters = dataset_parameters(stored_graphs(dataset, self._sizes))
        graph_form = parsed.form in ("CONSTRUCT", "DESCRIBE")
        accept = N_TRIPLES if graph_form else SPARQL_RESULTS_JSON
        max_bytes = (
            limits.max_bytes * REMOTE_BYTES_PER_RESULT_BYTE
            + (limits.max_rows + 1) * REMOTE_BYTES_PER_ROW
        )
        body = self.post(parsed.text, parameters, accept, max_bytes)
        if len(body) > max_bytes:
            raise answer_too_large(body, graph_form, limits)
        try:
            if graph_form:
                triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
                outcome = {
                    "type_": parsed.form,
                    "graph": graph_of(triples, limits, TermConverter()),
                }
            else:
                outcome = outcome_of_json(body)
        except (ValueError, KeyError, TypeError, SyntaxError) as error:
            raise store_answer_unreadable(self.url, error) from error
        return written_answer(parsed, outcome, media_type, limits)
