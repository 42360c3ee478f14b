"""The linked-data pages and the query UI: every kzgov IRI resolves here, by path.

`https://w3id.org/kzgov/<path>` is served at `/<path>`: `/id/<kind>/<slug>` for
instances, `/ontology` (the ontology document; `ontology#Post` is its anchor) and
`/ontology/<Term>`, `/shapes`, `/graph/<slug>`, `/dataset`. Each resolves to HTML for
browsers and to Turtle, JSON-LD, N-Triples or RDF/XML by Accept or `?format=`.
Besides: the home page with the query editor, `/queries` (the named queries),
`/search`, `/dumps`, `/.well-known/void` and `/healthz`.

Every page reads the graph through the query executor (`kzgov.web.lookup`), so the
deadline, the queue and the result caps that protect /sparql protect the pages too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, send_file
from flask.blueprints import BlueprintSetupState
from jinja2 import pass_context
from jinja2.runtime import Context
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node
from werkzeug.exceptions import NotFound

from kzgov import __version__
from kzgov.core.config import ServerConfig
from kzgov.core.errors import KzgovError, NotAcceptable, UnknownQuery
from kzgov.core.namespaces import (
    ASSERTED_GRAPH,
    BASE,
    DATASET,
    DUMPS,
    INFERRED_GRAPH,
    KZ,
    KZG,
    ONTOLOGY_GRAPH,
    QUERY_PREFIXES,
)
from kzgov.core.parameter_check import instances_query, resolve
from kzgov.core.queries import NamedQuery, find_named_query, list_named_queries
from kzgov.core.release import RELEASE_QUERIES, RELEASE_SHAPES, built_with
from kzgov.core.serialize import (
    FORM_TO_MEDIA_TYPES,
    JSON_LD,
    MEDIA_TYPE_TO_RDFLIB,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    TRIG,
    TURTLE,
)
from kzgov.core.void_statistics import figures_in_summary
from kzgov.store.base import read_summary, release_or_fail
from kzgov.web.conflicts import conflicts_listing
from kzgov.web.describe import (
    blank_nodes_query,
    describe,
    fetch_labels,
    graph_contents_query,
    graph_subjects,
    incoming_graph_query,
    ontology_index,
)
from kzgov.web.dumps import UnknownDump, find_dump, list_dumps
from kzgov.web.entity_data import (
    compact_jsonld,
    context_document,
    entity_dataset,
    mentions,
)
from kzgov.web.groupings import grouping_classes, split_class_counts
from kzgov.web.health import health_problems
from kzgov.web.language import LANGUAGES, UnknownLanguage, choose_language, with_language
from kzgov.web.linking import DISPLAY_PREFIXES, href, iri_for_path, is_internal, short_name
from kzgov.web.linksets import add_linksets
from kzgov.web.lookup import Executor, UnsafeTerm, read_graph
from kzgov.web.negotiation import choose_media_type, media_types_for_format
from kzgov.web.popolo import popolo_document
from kzgov.web.protocol import ERROR_TO_STATUS
from kzgov.web.search import (
    MAX_QUERY_CHARACTERS,
    MIN_QUERY_CHARACTERS,
    find_entities,
    is_searchable,
)
from kzgov.web.shape_index import read_shapes
from kzgov.web.summary import alignments, build_infobox, group_by_relation
from kzgov.web.tables import ResultTable, query_form, run_as_table, run_capped_as_table
from kzgov.web.vocabulary import editor_vocabulary
from kzgov.web.void import DESCRIPTION as VOID_DESCRIPTION
from kzgov.web.void import LICENCE, void_graph
from kzgov.web.void import TITLE as VOID_TITLE

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

HTML = "text/html"
JSON = "application/json"
TEXT = "text/plain"
# The RDF syntaxes a resource is served in, after HTML, in order of preference.
RDF_MEDIA_TYPES = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
PAGE_MEDIA_TYPES = (HTML, *RDF_MEDIA_TYPES)
# The `format` links a page offers for its RDF representations: (format, label).
RDF_DOWNLOADS = (
    ("turtle", "Turtle"),
    ("jsonld", "JSON-LD"),
    ("nt", "N-Triples"),
    ("rdfxml", "RDF/XML"),
)
# An entity is also served with its provenance: each statement in its source graphs.
ENTITY_MEDIA_TYPES = (*PAGE_MEDIA_TYPES, TRIG, N_QUADS)
ENTITY_DOWNLOADS = (*RDF_DOWNLOADS, ("trig", "TriG"), ("nquads", "N-Quads"))
QUAD_MEDIA_TYPES = (TRIG, N_QUADS)
VOID_MEDIA_TYPES = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)

# Extension keys of the app (see kzgov.web.app).
EXECUTOR_KEY = "kzgov.executor"
CONFIG_KEY = "kzgov.config"
SPARQL_HTML_KEY = "kzgov.sparql_html"
RELEASE_KEY = "kzgov.pages.release"
CACHE_KEY = "kzgov.pages.cache"
# A function of a Description giving the "why" of its inferred rows (kzgov.web.explain).
WHY_OF_ROWS_KEY = "kzgov.pages.why_of_rows"

SECURITY_HEADERS = {
    # Everything the pages use comes from this server: no CDN, no inline script. Inline
    # styles are allowed: the vendored editor and pictures (YASGUI, vis-network,
    # vis-timeline) set style attributes and inject their style sheets; styles run no code.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline';"
        " script-src 'self';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class UnknownResource(KzgovError):
    """An IRI under kzgov's base that no graph of the build mentions (HTTP 404)."""


class BadParameter(KzgovError):
    """A page parameter with a value the page cannot use (HTTP 400)."""


PAGE_ERROR_TO_STATUS: dict[type[KzgovError], int] = {
    UnknownResource: 404,
    UnsafeTerm: 404,
    UnknownDump: 404,
    BadParameter: 400,
    **ERROR_TO_STATUS,
}


def unknown_resource(iri: str) -> UnknownResource:
    """The error for an IRI that no graph mentions."""
    return UnknownResource(f"<{iri}> is not in this dataset: no graph has a statement about it")


def unknown_named_query(error: UnknownQuery) -> UnknownResource:
    """The error for a named query that does not exist."""
    return UnknownResource(str(error))


def bad_parameter(message: str) -> BadParameter:
    """The error for a page parameter the page cannot use."""
    return BadParameter(message)


def unknown_format(value: str, offered: tuple[str, ...]) -> NotAcceptable:
    """The error for a `format` value that names none of the representations offered."""
    return NotAcceptable(
        f"format={value} is not offered here; this page can be: {', '.join(offered)}"
    )


@dataclass(frozen=True)
class ServedRelease:
    """The build the server loaded: its folder (for the dumps) and its summary.

    Attributes:
        path: the release folder.
        summary: its summary.json.
    """

    path: Path
    summary: dict[str, Any]

    @property
    def source_of_graph(self) -> dict[URIRef, URIRef]:
        """The source document of each source graph."""
        sources = self.summary.get("sources") or {}
        return {
            URIRef(graph): URIRef(str(entry["source"]))
            for graph, entry in sources.items()
            if isinstance(entry, dict) and entry.get("source")
        }

    @property
    def graph_sizes(self) -> dict[str, int]:
        """The triple count of each named graph."""
        graphs = self.summary.get("graphs") or {}
        return {str(name): int(size) for name, size in graphs.items()}


def capture_release(state: BlueprintSetupState) -> None:
    """Note which build the app serves, and offer the editor to browsers that open /sparql.

    The blueprint is registered right after the store has loaded the build, so the
    release noted here is the one the queries run on.
    """
    config: ServerConfig = state.app.extensions[CONFIG_KEY]
    state.app.extensions[RELEASE_KEY] = ServedRelease(
        path=release_or_fail(config.layout), summary=read_summary(config.layout)
    )
    state.app.extensions[CACHE_KEY] = {}
    state.app.extensions.setdefault(SPARQL_HTML_KEY, editor_page)


bp.record_once(capture_release)


def served() -> ServedRelease:
    """The build this server serves."""
    release: ServedRelease = current_app.extensions[RELEASE_KEY]
    return release


def executor() -> Executor:
    """The server's query executor."""
    runner: Executor = current_app.extensions[EXECUTOR_KEY]
    return runner


def config() -> ServerConfig:
    """The server's settings."""
    settings: ServerConfig = current_app.extensions[CONFIG_KEY]
    return settings


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """A value computed once per served build (the build never changes under a server)."""
    cache: dict[str, Any] = current_app.extensions[CACHE_KEY]
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def source_labels() -> dict[URIRef, str]:
    """The English label of each source document."""
    labels: dict[URIRef, str] = cached(
        "source_labels", lambda: fetch_labels(executor(), served().source_of_graph.values())
    )
    return labels


def negotiate(offered: tuple[str, ...]) -> str:
    """The representation a request asks for: by `?format=`, else by Accept.

    Args:
        offered: the media types the page can give, preferred first (HTML first for
            pages, so that a browser and `Accept: */*` get HTML).

    Returns:
        The chosen media type.

    Raises:
        NotAcceptable: the format or the Accept header names nothing offered.
    """
    value = request.args.get("format")
    if value:
        if value.strip().lower() == "html" and HTML in offered:
            return HTML
        if value.strip().lower() == "json" and JSON in offered:
            return JSON
        for media_type in media_types_for_format(value):
            if media_type in offered:
                return media_type
        raise unknown_format(value, offered)
    return choose_media_type(offered, request.headers.get("Accept"))


def prefers_html() -> bool:
    """Whether the client would rather read HTML than plain text (a browser)."""
    try:
        return choose_media_type((HTML, TEXT), request.headers.get("Accept")) == HTML
    except NotAcceptable:
        return False


def content_type_header(media_type: str) -> str:
    """The Content-Type of a body: text types say they are UTF-8."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def negotiated_response(body: bytes | str, media_type: str, status: int = 200) -> Response:
    """A response whose representation depended on Accept."""
    response = Response(body, status=status, content_type=content_type_header(media_type))
    response.vary.add("Accept")
    return response


def render(template: str, status: int = 200, **context: Any) -> Response:
    """An HTML page, with what every page shows (the build, the navigation, the language)."""
    page = render_template(
        template,
        release=served(),
        version=__version__,
        lang=page_language(),
        lang_kept=bool(g.get("language_in_links")),
        languages=LANGUAGES,
        **context,
    )
    response = negotiated_response(page, HTML, status)
    response.vary.add("Accept-Language")
    return response


def page_language() -> str:
    """The language of this request's labels (see kzgov.web.language)."""
    if "page_language" not in g:
        try:
            g.page_language, g.language_in_links = choose_language(
                request.args.get("lang"), request.accept_languages
            )
        except UnknownLanguage as error:
            g.page_language, g.language_in_links = "en", False
            raise bad_parameter(str(error)) from error
    language: str = g.page_language
    return language


@bp.app_template_global("language_link")
def language_link(language: str) -> str:
    """This page's URL in another language."""
    return with_language(request.full_path, language)


def serialize_graph(graph: Graph, media_type: str) -> bytes:
    """A graph in an RDF syntax, with the display prefixes bound."""
    for prefix, namespace in DISPLAY_PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    data: bytes = graph.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type], encoding="utf-8")
    return data


@bp.after_request
def add_security_headers(response: Response) -> Response:
    """Lock the pages to this server's own scripts and styles."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.errorhandler(KzgovError)
def page_error(error: KzgovError) -> Response:
    """The response to an error on a page: an HTML page for browsers, else plain text."""
    status = next((s for kind, s in PAGE_ERROR_TO_STATUS.items() if isinstance(error, kind)), 500)
    return error_response(status, str(error))


@bp.app_errorhandler(NotFound)
def path_not_found(_error: NotFound) -> Response:
    """The response to a path that is no page and no resource of the dataset."""
    iri = iri_for_path(request.path)
    return error_response(
        404, f"nothing is served at {request.path}: <{iri}> is not in this dataset"
    )


def error_response(status: int, message: str) -> Response:
    """An error as an HTML page for browsers, else as plain text."""
    headers = {}
    if status in (429, 503):
        headers["Retry-After"] = str(math.ceil(config().query_timeout_seconds))
    if prefers_html():
        response = render("error.html", status=status, status_code=status, message=message)
    else:
        response = Response(
            message.rstrip("\n") + "\n", status=status, content_type=content_type_header(TEXT)
        )
    response.headers.update(headers)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# -- Template helpers ---------------------------------------------------------


@bp.app_template_filter("href")
def href_filter(term: Node) -> str | None:
    """Where a link to a term goes (its page here, or the outside IRI), keeping `?lang=`."""
    target = href(term)
    if target and target.startswith("/") and g.get("language_in_links"):
        return with_language(target, str(g.page_language))
    return target


@bp.app_template_filter("keep_lang")
@pass_context
def keep_lang_filter(_context: Context, url: str) -> str:
    """A link within the site, with the language chosen by `?lang=` kept.

    It takes the template context so that Jinja never folds it on a constant URL at
    compile time (the language belongs to the request).
    """
    if url.startswith("/") and g.get("language_in_links"):
        return with_language(url, str(g.page_language))
    return url


@bp.app_template_filter("short")
def short_filter(term: Node) -> str:
    """A brief name for a term (a prefixed name where one fits)."""
    return short_name(term)


@bp.app_template_filter("thousands")
def thousands_filter(number: object) -> str:
    """A count with thin thousands separators."""
    try:
        return f"{int(str(number)):,}".replace(",", "\u202f")
    except ValueError:
        return str(number)


@bp.app_template_test("iri")
def is_iri_test(term: object) -> bool:
    """Whether a term is an IRI."""
    return isinstance(term, URIRef)


@bp.app_template_test("internal")
def is_internal_test(term: object) -> bool:
    """Whether a term is an IRI under kzgov's base."""
    return isinstance(term, URIRef) and is_internal(term)


@bp.app_template_test("literal")
def is_literal_test(term: object) -> bool:
    """Whether a term is a literal."""
    return isinstance(term, Literal)


@bp.app_template_test("blank")
def is_blank_test(term: object) -> bool:
    """Whether a term is a blank node."""
    return isinstance(term, BNode)


@bp.app_template_global("sparql_link")
def sparql_link(query: str, fmt: str) -> str:
    """A link that runs a query on /sparql and answers in a format."""
    return "/sparql?" + urlencode({"query": query, "format": fmt})


@bp.app_template_global("editor_link")
def editor_link(query: str) -> str:
    """A link to the home page's editor with a query filled in and run."""
    return "/?" + urlencode({"query": query}) + "#results"


@bp.app_template_global("format_link")
def format_link(fmt: str) -> str:
    """This page's URL with `format` set."""
    args = request.args.to_dict(flat=True)
    args["format"] = fmt
    return request.path + "?" + urlencode(args)


# -- Home, editor, health -----------------------------------------------------


def served_queries_dir() -> Path:
    """The named queries of the build served (not the working tree's, which may be newer)."""
    layout = config().layout
    return built_with(layout.served_release, RELEASE_QUERIES, layout.queries_dir)


def named_queries() -> list[NamedQuery]:
    """The named queries of the project."""
    queries: list[NamedQuery] = cached(
        "named_queries", lambda: list_named_queries(served_queries_dir())
    )
    return queries


def run_editor_query(text: str) -> tuple[ResultTable | None, str | None, int]:
    """Run the editor's query: its table, or the error to show, and the HTTP status."""
    g.query_text = text
    try:
        form = query_form(text, config().max_query_bytes)
        return run_capped_as_table(executor(), text, form, config().max_result_rows), None, 200
    except KzgovError as error:
        status = next((s for kind, s in ERROR_TO_STATUS.items() if isinstance(error, kind)), 500)
        return None, str(error), status


def home_page(query: str | None) -> Response:
    """The home page: the dataset, its sources, the editor, and the query's results."""
    table, problem, status = (None, None, 200)
    if query is not None and query.strip():
        table, problem, status = run_editor_query(query)
    classes = served().summary.get("classes") or {}
    class_counts, grouping_counts = split_class_counts(
        ((URIRef(c), int(n)) for c, n in classes.items()), groupings()
    )
    return render(
        "home.html",
        status=status,
        query=query or "",
        table=table,
        problem=problem,
        gallery=named_queries(),
        class_counts=class_counts,
        grouping_counts=grouping_counts,
        sources=sources_listing(),
        dumps=list_dumps(served().path),
        asserted_graph=ASSERTED_GRAPH,
        prefixes=QUERY_PREFIXES,
        dataset_jsonld=dataset_markup(),
    )


def groupings() -> frozenset[URIRef]:
    """The grouping classes of the served ontology (computed once per served build)."""
    found: frozenset[URIRef] = cached("groupings", lambda: grouping_classes(executor()))
    return found


def dataset_markup() -> str:
    """The schema.org Dataset description of the home page, as a JSON-LD script body.

    https://schema.org/Dataset, as dataset search engines read it; `</` is escaped so
    that no value can end the script element.
    """
    summary = served().summary
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": str(DATASET),
        "name": VOID_TITLE,
        "description": VOID_DESCRIPTION,
        "url": BASE,
        "license": str(LICENCE),
        "isAccessibleForFree": True,
        "keywords": ["Kazakhstan", "public administration", "linked data", "SPARQL"],
        "spatialCoverage": {"@type": "Place", "name": "Kazakhstan"},
        "version": summary.get("build_version"),
        "dateModified": summary.get("built_at"),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": dump.name,
                "encodingFormat": dump.media_type,
                "contentUrl": str(DUMPS[dump.name]),
            }
            for dump in list_dumps(served().path)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).replace("</", "<\\/")


def sources_listing() -> list[dict[str, Any]]:
    """The sources of the build, for the home page: document, label, graph and size."""
    labels = source_labels()
    listing = []
    for graph, source in sorted(served().source_of_graph.items()):
        listing.append(
            {
                "graph": graph,
                "source": source,
                "label": labels.get(source) or short_name(source),
                "triples": served().graph_sizes.get(str(graph), 0),
            }
        )
    return listing


def editor_page() -> Response:
    """The editor, for a browser that opens /sparql without a query."""
    return home_page(None)


@bp.route("/")
def home() -> Response:
    """The home page (HTML); RDF clients get the dataset's VoID description."""
    media_type = negotiate((HTML, *VOID_MEDIA_TYPES))
    if media_type != HTML:
        return void_response(media_type)
    query = request.args.get("query")
    # Browsers submit a textarea's line breaks as CR LF.
    return home_page(query.replace("\r\n", "\n") if query is not None else None)


@bp.route("/editor/vocabulary.json")
def vocabulary() -> Response:
    """What the query editor completes: prefixes and the ontology's classes and properties."""
    document = cached("vocabulary", lambda: editor_vocabulary(executor()))
    return negotiated_response(json.dumps(document, ensure_ascii=False), JSON)


@bp.route("/healthz")
def healthz() -> Response:
    """Whether the server serves: the build, its counts and sources (200), or why not (503)."""
    summary = served().summary
    report: dict[str, Any] = {
        "status": "ok",
        "kzgov_version": __version__,
        "build_version": summary.get("build_version"),
        "built_at": summary.get("built_at"),
        "release": served().path.name,
        "triples": summary.get("triples"),
        "graphs": served().graph_sizes,
        "sources": [
            {
                "graph": str(graph),
                "source": str(source),
                "file": (summary.get("sources") or {}).get(str(graph), {}).get("file"),
                "triples": served().graph_sizes.get(str(graph), 0),
            }
            for graph, source in sorted(served().source_of_graph.items())
        ],
    }
    status = 200
    problems = health_problems(
        served().path,
        current_app.extensions["kzgov.store"],
        current_app.extensions["kzgov.uncached_executor"],
    )
    if problems:
        report["status"] = "unavailable"
        report["problem"] = "; ".join(problems)
        status = 503
    response = Response(json.dumps(report, indent=2) + "\n", status=status, content_type=JSON)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- Linked-data resources ----------------------------------------------------


def entity_graph(iri: str) -> Graph:
    """A resource's RDF representation: its concise bounded description and what points at it.

    Raises:
        UnknownResource: no graph mentions it.
    """
    graph = read_graph(executor().run(blank_nodes_query(iri), N_TRIPLES).body)
    graph += read_graph(executor().run(incoming_graph_query(iri), N_TRIPLES).body)
    if len(graph) == 0:
        raise unknown_resource(iri)
    return graph


def resource_page(iri: str, template: str = "entity.html", **context: Any) -> Response:
    """A resource in the representation the client asks for.

    Raises:
        UnknownResource: no graph mentions the resource.
        NotAcceptable: nothing offered fits the request.
    """
    media_type = negotiate(ENTITY_MEDIA_TYPES)
    if media_type in QUAD_MEDIA_TYPES:
        quads = entity_dataset(executor(), iri)
        if not mentions(quads):
            raise unknown_resource(iri)
        body = quads.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type], encoding="utf-8")
        return negotiated_response(body, media_type)
    if media_type == JSON_LD:
        return negotiated_response(compact_jsonld(entity_graph(iri), jsonld_context()), JSON_LD)
    if media_type != HTML:
        return negotiated_response(serialize_graph(entity_graph(iri), media_type), media_type)
    language = page_language()
    description = describe(executor(), iri, served().source_of_graph, language)
    if description is None:
        raise unknown_resource(iri)
    why_of_rows = current_app.extensions.get(WHY_OF_ROWS_KEY)
    why = why_of_rows(description) if why_of_rows is not None else {}
    supers = cached("alignments", lambda: alignments(executor()))
    outgoing_groups, outgoing_aligned = group_by_relation(
        description.statements, supers, description.labels
    )
    incoming_groups, incoming_aligned = group_by_relation(
        description.incoming_sorted, supers, description.labels
    )
    infobox = build_infobox(executor(), iri, served().source_of_graph, source_labels(), language)
    return render(
        template,
        d=description,
        downloads=ENTITY_DOWNLOADS,
        why=why,
        infobox=infobox,
        outgoing_groups=outgoing_groups,
        outgoing_aligned=outgoing_aligned,
        incoming_groups=incoming_groups,
        incoming_aligned=incoming_aligned,
        groupings=groupings(),
        **context,
    )


def jsonld_context() -> dict[str, Any]:
    """Kzgov's JSON-LD context (computed once per served build)."""
    found: dict[str, Any] = cached("jsonld_context", lambda: context_document(executor()))
    return found


@bp.route("/context.jsonld")
def jsonld_context_document() -> Response:
    """The JSON-LD context entity documents are compacted with (`<BASE>context.jsonld`)."""
    response = Response(
        json.dumps(jsonld_context(), indent=2) + "\n", content_type="application/ld+json"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/id/<path:rest>")
def instance(rest: str) -> Response:
    """The page of an instance: a post, body, person, act, rule, figure, tenure..."""
    return resource_page(iri_for_path("id/" + rest))


@bp.route("/dataset")
def dataset() -> Response:
    """The dataset's IRI: see its VoID description."""
    return redirect("/.well-known/void", code=303)  # type: ignore[return-value]


@bp.route("/ontology")
def ontology() -> Response:
    """The ontology document: its header and an index of its terms (anchors #Term)."""
    media_type = negotiate(ENTITY_MEDIA_TYPES)
    if media_type in QUAD_MEDIA_TYPES:  # the ontology graph, named, as its page offers
        triples = executor().run(graph_contents_query(str(ONTOLOGY_GRAPH)), N_TRIPLES).body
        quads = Dataset()
        quads.graph(ONTOLOGY_GRAPH).parse(data=triples.decode("utf-8"), format="nt")
        body = quads.serialize(format=MEDIA_TYPE_TO_RDFLIB[media_type], encoding="utf-8")
        return negotiated_response(body, media_type)
    if media_type != HTML:
        answer = executor().run(graph_contents_query(str(ONTOLOGY_GRAPH)), media_type)
        return negotiated_response(answer.body, media_type)
    return resource_page(
        BASE + "ontology", template="ontology.html", index=ontology_index(executor())
    )


@bp.route("/ontology/<path:name>")
def ontology_term(name: str) -> Response:
    """The page of an ontology term (`ontology#Post` at /ontology/Post).

    Another IRI under `ontology/` (such as the version IRI) gets its own page.
    """
    try:
        return resource_page(str(KZ) + name)
    except UnknownResource:
        return resource_page(iri_for_path("ontology/" + name))


@bp.route("/shapes")
def shapes() -> Response:
    """The SHACL shapes the data is validated against (anchors #Shape)."""
    media_type = negotiate(PAGE_MEDIA_TYPES)
    layout = config().layout
    shapes_dir = built_with(layout.served_release, RELEASE_SHAPES, layout.shapes_dir)
    graph, shape_list = read_shapes(sorted(shapes_dir.glob("*.ttl")))
    if media_type != HTML:
        return negotiated_response(serialize_graph(graph, media_type), media_type)
    return render("shapes.html", shapes=shape_list, downloads=RDF_DOWNLOADS)


@bp.route("/shapes/<name>")
def shape(name: str) -> Response:
    """A shape's IRI written with a slash: its anchor on /shapes."""
    return redirect(f"/shapes#{name}", code=303)  # type: ignore[return-value]


@bp.route("/graph/<path:slug>")
def named_graph(slug: str) -> Response:
    """A named graph: HTML describes it and lists its subjects; RDF gives its triples."""
    graph_iri = str(KZG) + slug
    sizes = served().graph_sizes
    if graph_iri not in sizes:
        raise unknown_resource(graph_iri)
    media_type = negotiate(PAGE_MEDIA_TYPES)
    if media_type != HTML:
        answer = executor().run(graph_contents_query(graph_iri), media_type)
        return negotiated_response(answer.body, media_type)
    description = describe(executor(), graph_iri, served().source_of_graph)
    source = served().source_of_graph.get(URIRef(graph_iri))
    entry = (served().summary.get("sources") or {}).get(graph_iri, {})
    return render(
        "graph.html",
        graph_iri=URIRef(graph_iri),
        slug=slug,
        d=description,
        size=sizes[graph_iri],
        source=source,
        source_label=source_labels().get(source) if source else None,
        file_name=entry.get("file") if isinstance(entry, dict) else None,
        inferred=URIRef(graph_iri) == INFERRED_GRAPH,
        subjects=graph_subjects(executor(), graph_iri),
        downloads=RDF_DOWNLOADS,
    )


# -- Named queries ------------------------------------------------------------


def query_parameters(query: NamedQuery) -> dict[str, str]:
    """The named query's parameters from the query string (`format` and `lang` aside).

    Raises:
        BadParameter: a parameter is given twice, or is empty.
    """
    values = {}
    for name in request.args:
        if name in ("format", "lang"):
            continue
        given = request.args.getlist(name)
        if len(given) > 1:
            raise bad_parameter(
                f"parameter {name!r} of query {query.name!r} is given {len(given)} times"
            )
        if not given[0].strip():
            continue
        values[name] = given[0]
    return values


@bp.route("/queries")
def queries() -> Response:
    """The named queries: title, description, parameters, links to run them."""
    return render("queries.html", queries=named_queries())


def instances_of(kind: str) -> list[str]:
    """Every IRI of a kind of instance the served graph mentions (kzgov.core.parameter_check)."""
    answer = executor().run(instances_query(kind), "application/sparql-results+json")
    rows = json.loads(answer.body)["results"]["bindings"]
    return [str(row["x"]["value"]) for row in rows]


@bp.route("/queries/<name>")
def named_query(name: str) -> Response:
    """Run a named query: an HTML table for browsers, else any of the protocol's formats.

    Parameters come from the query string (`?post=<...>`); an unknown parameter or a
    value that is not one SPARQL term is a 400 with a message.
    """
    try:
        query = find_named_query(served_queries_dir(), name)
    except UnknownQuery as error:
        raise unknown_named_query(error) from error
    values = query_parameters(query)
    try:
        query.bind(values)  # a value that is no SPARQL term is refused first
        text = query.bind(resolve(query, values, instances_of))
    except UnknownQuery as error:
        raise bad_parameter(str(error)) from error
    form = query.form
    media_type = negotiate((HTML, *FORM_TO_MEDIA_TYPES[form]))
    g.query_text = text
    if media_type != HTML:
        answer = executor().run(text, media_type)
        return negotiated_response(answer.body, media_type)
    table = run_as_table(executor(), text, form)
    current = {p.name: values.get(p.name, p.default) for p in query.parameters}
    return render("query.html", query=query, text=text, table=table, current=current)


# -- Conflicts ----------------------------------------------------------------

CONFLICTS_QUERY = "conflicting-claims"


@bp.route("/conflicts")
def conflicts() -> Response:
    """Every conflict between sources (the named query `conflicting-claims`), side by side."""
    try:
        query = find_named_query(config().layout.queries_dir, CONFLICTS_QUERY)
    except UnknownQuery as error:
        raise unknown_named_query(error) from error
    listing = conflicts_listing(
        executor(), query.bind({}), served().source_of_graph, page_language()
    )
    return render("conflicts.html", query=query, listing=listing)


# -- Search -------------------------------------------------------------------


@bp.route("/search")
def search() -> Response:
    """Find entities by a label in any language: HTML, or JSON (`?format=json`)."""
    text = request.args.get("q", "")
    media_type = negotiate((HTML, JSON))
    problem = None
    hits = []
    if is_searchable(text):
        hits = find_entities(executor(), text)
    elif text.strip():
        problem = (
            f"search for {MIN_QUERY_CHARACTERS} to {MAX_QUERY_CHARACTERS} characters;"
            f" {len(' '.join(text.split()))} given"
        )
    if media_type == JSON:
        if problem:
            raise bad_parameter(problem)
        document = {
            "query": text,
            "results": [
                {
                    "iri": str(hit.iri),
                    "label": hit.label,
                    "page": href(hit.iri),
                    "types": [str(t) for t in hit.types],
                    "matched": [
                        {"value": str(m), "language": m.language or ""} for m in hit.matched
                    ],
                }
                for hit in hits
            ],
        }
        return negotiated_response(json.dumps(document, ensure_ascii=False, indent=2) + "\n", JSON)
    return render("search.html", status=400 if problem else 200, q=text, hits=hits, problem=problem)


# -- Dumps and VoID -----------------------------------------------------------


@bp.route("/dumps")
def dumps() -> Response:
    """The list of dumps of the served build."""
    return render("dumps.html", dumps=list_dumps(served().path))


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    """One dump file, as a download with its media type."""
    found = find_dump(served().path, name)
    response = send_file(
        found.path,
        mimetype=found.media_type,
        as_attachment=True,
        download_name=found.name,
        conditional=True,
        max_age=0,
    )
    response.headers["Content-Type"] = content_type_header(found.media_type)
    return response


def void_response(media_type: str) -> Response:
    """The VoID and DCAT description in an RDF syntax, from the build's own figures."""
    figures = figures_in_summary(served().summary)
    statistics = figures.statistics if figures is not None else None
    graph = void_graph(served().summary, statistics, list_dumps(served().path), source_labels())
    add_linksets(graph, figures.linksets if figures is not None else ())
    return negotiated_response(serialize_graph(graph, media_type), media_type)


@bp.route("/.well-known/void")
def well_known_void() -> Response:
    """The VoID and DCAT description of the dataset (Turtle unless asked otherwise)."""
    if request.args.get("format"):
        return void_response(negotiate(VOID_MEDIA_TYPES))
    if prefers_html():  # a browser (its Accept also takes application/xml): Turtle, not RDF/XML
        return void_response(TURTLE)
    try:
        media_type = choose_media_type(VOID_MEDIA_TYPES, request.headers.get("Accept"))
    except NotAcceptable:
        media_type = TURTLE
    return void_response(media_type)


# -- Exports ------------------------------------------------------------------


@bp.route("/export/popolo.json")
def popolo_export() -> Response:
    """Persons, organizations, posts and memberships in Popolo JSON (see kzgov.web.popolo)."""
    document = cached("popolo", lambda: popolo_document(executor(), served().source_of_graph))
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", content_type=JSON
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
