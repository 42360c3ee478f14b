"""The /sparql endpoint: the query operation of the SPARQL 1.1 Protocol, read-only.

https://www.w3.org/TR/sparql11-protocol/#query-operation: a query by GET (`query=`),
by POST of an HTML form (application/x-www-form-urlencoded) or by POST of the query
itself (application/sparql-query), with `default-graph-uri` and `named-graph-uri`
selecting among the build's graphs. The result's media type follows Accept (with
q-values) or the `format` parameter. GET without a query gives the Service
Description. Errors, as plain text saying what is wrong:

    400  malformed query (with line and column), missing or repeated `query`, both
         `query` and `update`, SERVICE, a graph outside the build, a result over the cap
    403  any SPARQL Update: the service is read-only
    405  a method other than GET, HEAD, POST or OPTIONS (with Allow)
    406  no media type the client accepts fits the result
    413  a query over the size limit
    415  a POST whose Content-Type is missing or not one of the two above, or declares
         a charset other than UTF-8
    429  the queue of waiting queries is full (with Retry-After)
    500  the evaluation failed
    502  the store behind the server (a `sparql:URL` store) is down or failed
    503  the query passed its deadline, or no worker became free in time

With the result cache on (kzgov.web.result_cache), an answer to GET carries a weak ETag
and `Cache-Control: public, max-age=N`, and a GET whose If-None-Match names the
ETag gets 304 without the query being run (RFC 9110, section 13.1.2). With the cache
off, answers carry `Cache-Control: no-cache` and no ETag.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, make_response, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from kzgov.core.config import ServerConfig
from kzgov.core.errors import (
    KzgovError,
    NotAcceptable,
    QueryFailed,
    QueryRejected,
    QueryTimedOut,
    QueryTooLong,
    QueueFull,
    ResultTooLarge,
    StoreUnavailable,
    UpdateRefused,
)
from kzgov.core.limits import check_query_length, query_too_long
from kzgov.core.serialize import MEDIA_TYPE_TO_RDFLIB, SPARQL_RESULTS_JSON
from kzgov.store.base import Store
from kzgov.web.compression import matching_etag
from kzgov.web.executor import Executor
from kzgov.web.guards import update_refused
from kzgov.web.negotiation import (
    choose_by_format_or_accept,
    choose_result_media_type,
)
from kzgov.web.query_form import lexical_form
from kzgov.web.replayed_answers import QUERY_TEXT_KEY
from kzgov.web.result_cache import ResultCache, cache_key
from kzgov.web.service_description import DESCRIPTION_MEDIA_TYPES, ServiceLimits, describe_service

bp = Blueprint("sparql", __name__)

FORM_URLENCODED = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
HTML = "text/html"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
# Percent-encoding can triple a query's length in a form body.
FORM_BYTES_PER_QUERY_BYTE = 3
FORM_OVERHEAD_BYTES = 16 * 1024
PREFLIGHT_MAX_AGE_SECONDS = 86_400
# Extension key: a view the HTML pages provide for a browser that opens /sparql.
SPARQL_HTML_VIEW = "kzgov.sparql_html"

ERROR_TO_STATUS: dict[type[KzgovError], int] = {
    QueryRejected: 400,
    ResultTooLarge: 400,
    UpdateRefused: 403,
    NotAcceptable: 406,
    QueryTooLong: 413,
    QueueFull: 429,
    QueryFailed: 500,
    StoreUnavailable: 502,
    QueryTimedOut: 503,
}
# Extension key: the result cache, or None when it is off.
RESULT_CACHE = "kzgov.result_cache"
CONDITIONAL_METHODS = ("GET", "HEAD")


class ProtocolError(KzgovError):
    """A request that does not follow the SPARQL 1.1 Protocol."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        """Record the HTTP status and headers of the error response.

        Args:
            status: the HTTP status code.
            message: what is wrong with the request.
            headers: extra response headers (Allow for 405).
        """
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def method_not_allowed(method: str) -> ProtocolError:
    """The error for a method the endpoint does not take."""
    allowed = ", ".join(ALLOWED_METHODS)
    return ProtocolError(
        405, f"{method} is not allowed on the SPARQL endpoint; use {allowed}", {"Allow": allowed}
    )


def unsupported_media_type(content_type: str) -> ProtocolError:
    """The error for a POST whose body is neither a form nor a SPARQL query."""
    sent = f"Content-Type {content_type}" if content_type else "no Content-Type"
    return ProtocolError(
        415,
        f"a query POST needs Content-Type {FORM_URLENCODED} (with query=...) or"
        f" {SPARQL_QUERY} (the query as the body); this request has {sent}",
    )


def charset_not_utf8(charset: str) -> ProtocolError:
    """The error for a query body in an encoding other than UTF-8."""
    return ProtocolError(415, f"a query body must be UTF-8, not {charset}")


def body_not_utf8(error: UnicodeDecodeError) -> ProtocolError:
    """The error for a query body whose bytes are not valid UTF-8."""
    return ProtocolError(400, f"the query body is not valid UTF-8 (byte {error.start})")


def missing_query() -> ProtocolError:
    """The error for a POST without a query."""
    return ProtocolError(
        400, "no query: send it as the `query` parameter, or as an application/sparql-query body"
    )


def repeated_query(count: int) -> ProtocolError:
    """The error for a request with more than one query."""
    return ProtocolError(400, f"the request has {count} queries; send exactly one `query`")


def query_and_update() -> ProtocolError:
    """The error for a request that carries both a query and an update."""
    return ProtocolError(400, "the request has both `query` and `update`; send one query only")


@dataclass(frozen=True)
class QueryRequest:
    """What a request to the endpoint asks for.

    Attributes:
        text: the query, or None for the Service Description.
        default_graph_uris: the `default-graph-uri` values.
        named_graph_uris: the `named-graph-uri` values.
        formats: the `format` values.
    """

    text: str | None
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    formats: tuple[str, ...]


def refuse_other_charsets() -> None:
    """Refuse a body whose Content-Type declares a charset other than UTF-8.

    Raises:
        ProtocolError: 415, naming the charset.
    """
    charset = request.mimetype_params.get("charset", "utf-8")
    if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise charset_not_utf8(charset)


def direct_body(max_query_bytes: int) -> str:
    """The body of an application/sparql-query POST, as text.

    Raises:
        ProtocolError: the body is not UTF-8 (415 for a declared charset, 400 for bytes).
        QueryTooLong: the body is over the size limit.
    """
    refuse_other_charsets()
    length = request.content_length
    if length is not None and length > max_query_bytes:
        raise query_too_long(length, max_query_bytes)
    request.max_content_length = max_query_bytes
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise body_not_utf8(error) from error


def read_query_request(max_query_bytes: int) -> QueryRequest:
    """Read the query, the dataset and the format from the current request.

    Implements https://www.w3.org/TR/sparql11-protocol/#query-operation.

    Args:
        max_query_bytes: the longest query accepted.

    Returns:
        The request's query (None if a GET asks for none) and parameters.

    Raises:
        ProtocolError: the request breaks the protocol.
        UpdateRefused: the request carries a SPARQL Update.
        QueryTooLong: the query is over the size limit.
    """
    args = request.args
    queries = args.getlist("query")
    updates = args.getlist("update")
    formats = args.getlist("format")
    default_graph_uris = args.getlist("default-graph-uri")
    named_graph_uris = args.getlist("named-graph-uri")
    if request.method == "POST":
        content_type = request.mimetype
        if content_type == SPARQL_UPDATE:
            raise update_refused()
        if content_type == FORM_URLENCODED:
            refuse_other_charsets()  # the form is decoded as UTF-8, whatever it says
            limit = max_query_bytes * FORM_BYTES_PER_QUERY_BYTE + FORM_OVERHEAD_BYTES
            if request.content_length is not None and request.content_length > limit:
                raise query_too_long(request.content_length, max_query_bytes)
            request.max_content_length = limit
            try:
                form = request.form
            except RequestEntityTooLarge as error:
                raise query_too_long(limit + 1, max_query_bytes) from error
            queries = queries + form.getlist("query")
            updates = updates + form.getlist("update")
            formats = formats + form.getlist("format")
            default_graph_uris = default_graph_uris + form.getlist("default-graph-uri")
            named_graph_uris = named_graph_uris + form.getlist("named-graph-uri")
        elif content_type == SPARQL_QUERY:
            if queries:
                raise repeated_query(len(queries) + 1)
            try:
                queries = [direct_body(max_query_bytes)]
            except RequestEntityTooLarge as error:
                raise query_too_long(max_query_bytes + 1, max_query_bytes) from error
        else:
            raise unsupported_media_type(request.content_type or "")
    if queries and updates:
        raise query_and_update()
    if updates:
        raise update_refused()
    if len(queries) > 1:
        raise repeated_query(len(queries))
    if not queries:
        if request.method == "POST":
            raise missing_query()
        text = None
    else:
        text = queries[0]
        check_query_length(text, max_query_bytes)
    return QueryRequest(
        text=text,
        default_graph_uris=tuple(default_graph_uris),
        named_graph_uris=tuple(named_graph_uris),
        formats=tuple(formats),
    )


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text response, for errors."""
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def error_status(error: KzgovError) -> int:
    """The HTTP status of an error raised while running a query (500 if not known)."""
    return next((s for kind, s in ERROR_TO_STATUS.items() if isinstance(error, kind)), 500)


def error_response(error: KzgovError) -> Response:
    """The HTTP response for an error raised while serving a query."""
    if isinstance(error, ProtocolError):
        return text_response(error.status, str(error), error.headers)
    status = error_status(error)
    headers = {}
    if status in (429, 503):
        config: ServerConfig = current_app.extensions["kzgov.config"]
        headers["Retry-After"] = str(math.ceil(config.query_timeout_seconds))
    return text_response(status, str(error), headers)


def content_type_header(media_type: str) -> str:
    """The Content-Type of a response body: text types say they are UTF-8."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def service_description() -> Response:
    """The Service Description, in the RDF syntax the client prefers (or the HTML page)."""
    offered: Sequence[str] = DESCRIPTION_MEDIA_TYPES
    html_view: Callable[[], object] | None = current_app.extensions.get(SPARQL_HTML_VIEW)
    formats = [value for value in request.args.getlist("format") if value.strip()]
    media_type = choose_by_format_or_accept(
        (*offered, HTML), request.headers.get("Accept"), formats
    )
    if media_type == HTML:
        if html_view is not None:
            return make_response(html_view())
        return Response(status=303, headers={"Location": f"{request.script_root}/#query"})
    config: ServerConfig = current_app.extensions["kzgov.config"]
    store: Store = current_app.extensions["kzgov.store"]
    description = describe_service(
        url_for("sparql.endpoint", _external=True),
        store.graph_sizes(),
        store.triple_count(),
        ServiceLimits(
            query_timeout_seconds=config.query_timeout_seconds,
            max_query_bytes=config.max_query_bytes,
            max_result_rows=config.max_result_rows,
            max_result_bytes=config.max_result_bytes,
        ),
    )
    body = description.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type], encoding="utf-8")
    response = Response(body, status=200, content_type=content_type_header(media_type))
    response.vary.add("Accept")
    return response


def preflight() -> Response:
    """The answer to a CORS preflight request."""
    response = Response(status=204)
    response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
    requested = request.headers.get("Access-Control-Request-Headers")
    response.headers["Access-Control-Allow-Headers"] = requested or "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return response


def answer_query(query: QueryRequest, text: str) -> Response:
    """Negotiate, run and return one query.

    The query is not parsed here: its form comes from its first keyword
    (kzgov.web.query_form), and the worker parses and admits it under the deadline.

    Raises:
        KzgovError: any refusal or failure, for `error_response`.
    """
    executor: Executor = current_app.extensions["kzgov.executor"]
    media_type = result_media_type(lexical_form(text), request.headers.get("Accept"), query.formats)
    cache: ResultCache | None = current_app.extensions.get(RESULT_CACHE)
    etag = None
    if cache is not None:
        key = cache_key(text, media_type, query.default_graph_uris, query.named_graph_uris)
        etag = cache.etag(key)
        held = matching_etag(etag) if request.method in CONDITIONAL_METHODS else None
        if held is not None:
            return cache_headers(Response(status=304), held, cache)
    answer = executor.run(text, media_type, query.default_graph_uris, query.named_graph_uris)
    response = Response(
        answer.body, status=200, content_type=content_type_header(answer.media_type)
    )
    return cache_headers(response, etag, cache)


def result_media_type(form: str | None, accept: str | None, formats: Sequence[str]) -> str:
    """The media type of the answer to a query of a form (None: not a query's start).

    Args:
        form: the query's form, from its text (kzgov.web.query_form), or None.
        accept: the request's Accept header, if any.
        formats: the protocol's `format` values, if any.

    Raises:
        NotAcceptable: nothing the client accepts fits the form.
    """
    if form is not None:
        return choose_result_media_type(form, accept, formats)
    # Not the start of a query: the worker will refuse it, in plain text whatever is asked.
    try:
        return choose_result_media_type("SELECT", accept, formats)
    except NotAcceptable:
        return SPARQL_RESULTS_JSON


@bp.after_request
def no_sniffing(response: Response) -> Response:
    """Tell browsers to trust the Content-Type: an answer may echo text a client chose."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def cache_headers(response: Response, etag: str | None, cache: ResultCache | None) -> Response:
    """Add Vary, and the ETag and Cache-Control the result cache allows, to an answer."""
    response.vary.add("Accept")
    if cache is None or etag is None:
        response.headers["Cache-Control"] = "no-cache"
        return response
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={cache.settings.max_age_seconds}"
    return response


@bp.route(
    "/sparql",
    endpoint="endpoint",
    methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"],
    provide_automatic_options=False,
)
@bp.route(
    "/sparql/",
    endpoint="endpoint_slash",
    methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"],
    provide_automatic_options=False,
)
def endpoint() -> Response:
    """The SPARQL endpoint (see the module docstring)."""
    if request.method == "OPTIONS":
        return preflight()
    config: ServerConfig = current_app.extensions["kzgov.config"]
    try:
        if request.method not in ALLOWED_METHODS:
            raise method_not_allowed(request.method)
        query = read_query_request(config.max_query_bytes)
        if query.text is None:
            return service_description()
        g.query_text = query.text
        request.environ[QUERY_TEXT_KEY] = query.text
        return answer_query(query, query.text)
    except KzgovError as error:
        return error_response(error)
