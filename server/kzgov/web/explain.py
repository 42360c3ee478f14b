"""The /explain service and the "why" of inferred rows on the pages.

`/explain?s=&p=&o=` answers with the proof of a triple (`kzgov.explain`): an HTML page for
browsers, JSON (`application/json`), or PROV-O in Turtle, JSON-LD or N-Triples, by Accept
or `?format=`. The terms may be full IRIs (with or without angle brackets), prefixed
names (`kz:appointedBy`, `post:president`) or, for the object, a literal
(`"1990"^^xsd:gYear`). Every query runs through the server's query executor, so the
deadline and the queue that protect /sparql protect this service too.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from rdflib import URIRef
from rdflib.term import Node

from kzgov.core.errors import KzgovError
from kzgov.core.serialize import JSON_LD, N_TRIPLES, TURTLE
from kzgov.reasoning.explain import (
    BadTerm,
    DatasetFacts,
    Explainer,
    Facts,
    NoDerivation,
    NotInDataset,
    Proof,
    SparqlFacts,
    StoreFacts,
    Triple,
    parse_triple,
    proof_graph,
    proof_json,
)
from kzgov.store.memory import MemoryStore
from kzgov.store.oxigraph import OxigraphStore
from kzgov.web.bounded_lru import BoundedLru
from kzgov.web.describe import Attribution, Description, attribute, fetch_labels
from kzgov.web.direct_answers import LOCAL_STORE
from kzgov.web.explain_turns import Turns
from kzgov.web.lookup import Executor, select
from kzgov.web.pages import (
    HTML,
    JSON,
    PAGE_ERROR_TO_STATUS,
    WHY_OF_ROWS_KEY,
    add_security_headers,
    error_response,
    executor,
    negotiate,
    negotiated_response,
    render,
    serialize_graph,
    served,
    source_labels,
)

bp = Blueprint("explain", __name__, template_folder="templates")
bp.after_request(add_security_headers)

EXPLAINER_KEY = "kzgov.explainer"
PROOFS_KEY = "kzgov.explainer.proofs"
TURNS_KEY = "kzgov.explainer.turns"
EXPLAIN_MEDIA_TYPES = (HTML, JSON, TURTLE, JSON_LD, N_TRIPLES)
# Proofs kept per server: the build never changes under a server.
MAX_CACHED_PROOFS = 20_000
# The most inferred rows of one page whose premises' sources are shown (all get a link).
MAX_EXPLAINED_ROWS = 300

CREATE_LOCK = threading.Lock()

STATUS_OF: dict[type[KzgovError], int] = {NotInDataset: 404, NoDerivation: 404, BadTerm: 400}


@dataclass(frozen=True)
class Why:
    """What an inferred row of a page shows: the link to its proof, and its premises' sources.

    Attributes:
        href: the /explain link.
        sources: the sources (and graphs) stating the premises of its shortest derivations.
    """

    href: str
    sources: tuple[Attribution, ...] = ()


def explain_href(triple: Triple) -> str:
    """The /explain link of a triple."""
    s, p, o = triple
    return "/explain?" + urlencode({"s": str(s), "p": str(p), "o": written(o)})


def written(term: Node) -> str:
    """A term as /explain reads it: an IRI as is, a literal in Turtle syntax."""
    return str(term) if isinstance(term, URIRef) else term.n3()


def facts_of(extensions: dict[str, Any]) -> Facts:
    """How the explainer reads the served dataset: in this process if the store allows.

    The memory store's dataset and the Oxigraph store are read in place, pattern by
    pattern (an explanation is dozens of lookups, each a few microseconds there, where
    a SPARQL query through the workers costs milliseconds), and so is the Oxigraph store
    an HTTP process of `kzgov serve` opens read-only; a remote store is asked by
    SPARQL through the query executor, within its deadline.
    """
    store = extensions["kzgov.store"]
    local = extensions.get(LOCAL_STORE)  # an HTTP process of `kzgov serve` (kzgov.web.front)
    if local is not None:
        return StoreFacts(local)
    if isinstance(store, MemoryStore):
        return DatasetFacts(store.dataset)
    if isinstance(store, OxigraphStore):
        return StoreFacts(store.store)
    runner: Executor = extensions["kzgov.executor"]
    return SparqlFacts(lambda text: select(runner, text))


def explainer() -> Explainer:
    """The server's explainer, made on first use (it reads the schema once)."""
    extensions = current_app.extensions
    with CREATE_LOCK:
        if EXPLAINER_KEY not in extensions:
            facts = facts_of(extensions)
            extensions[EXPLAINER_KEY] = Explainer(facts)
            # Searches that read the store in this process are CPU-bound: they take turns.
            # One that asks the workers mostly waits for them, and waits in parallel.
            extensions[TURNS_KEY] = None if isinstance(facts, SparqlFacts) else Turns()
            extensions[PROOFS_KEY] = BoundedLru[Triple, Proof](
                MAX_CACHED_PROOFS, MAX_CACHED_PROOFS, lambda _proof: 1
            )
    found: Explainer = extensions[EXPLAINER_KEY]
    return found


def prepare_explainer(app: Flask) -> None:
    """Make an app's explainer now (it reads and closes the schema), so no request waits.

    An HTTP process of `kzgov serve` calls it in a thread of its own as it starts.
    """
    with app.app_context(), contextlib.suppress(KzgovError):
        explainer()


def proofs_of(triples: Sequence[Triple]) -> dict[Triple, Proof]:
    """The proofs of some triples, from the cache or searched together.

    Raises:
        NotInDataset: a triple is not in the dataset.
        KzgovError: the executor refused or stopped a query.
    """
    finder = explainer()
    cache: BoundedLru[Triple, Proof] = current_app.extensions[PROOFS_KEY]
    found: dict[Triple, Proof] = {}
    missing = []
    for triple in triples:
        proof = cache.get(triple)
        if proof is None:
            missing.append(triple)
        else:
            found[triple] = proof
    if missing:
        for triple, proof in finder.explain_all(missing).items():
            cache.put(triple, proof)
            found[triple] = proof
    return found


def why_of_rows(description: Description) -> dict[tuple[str, URIRef, Node], Why]:
    """The "why" of each inferred row of a page: ("out" or "in", property, value) to Why.

    Rows past MAX_EXPLAINED_ROWS get the link only, and so do all rows if a query fails:
    a page never fails for its explanations.
    """
    rows: dict[tuple[str, URIRef, Node], Triple] = {}
    for statement in description.outgoing:
        if statement.inferred:
            rows[("out", statement.predicate, statement.value)] = (
                description.iri,
                statement.predicate,
                statement.value,
            )
    for statement in description.incoming:
        if statement.inferred:
            rows[("in", statement.predicate, statement.value)] = (
                statement.value,
                statement.predicate,
                description.iri,
            )
    wanted = list(rows.values())[:MAX_EXPLAINED_ROWS]
    try:
        proofs = proofs_of(wanted)
        labels = source_labels()
    except KzgovError:
        proofs, labels = {}, {}
    source_of_graph = served().source_of_graph
    why = {}
    for key, triple in rows.items():
        proof = proofs.get(triple)
        sources = attribute(proof.all_source_graphs(), source_of_graph, labels) if proof else ()
        why[key] = Why(explain_href(triple), sources)
    return why


def read_triple() -> Triple:
    """The triple /explain is asked about, from s, p and o.

    Raises:
        BadTerm: a parameter is missing or is no term.
    """
    values = {}
    for name, role in (("s", "subject"), ("p", "predicate"), ("o", "object")):
        value = request.args.get(name, "").strip()
        if not value:
            raise BadTerm(f"give the {role} as ?{name}= (the triple is ?s=&p=&o=)")
        values[name] = value
    return parse_triple(values["s"], values["p"], values["o"])


@bp.errorhandler(KzgovError)
def explain_error(error: KzgovError) -> Response:
    """An error of /explain: HTML for browsers, else plain text, with its status."""
    statuses: dict[type[KzgovError], int] = {**STATUS_OF, **PAGE_ERROR_TO_STATUS}
    status = next((s for kind, s in statuses.items() if isinstance(error, kind)), 500)
    return error_response(status, str(error))


@bp.route("/explain")
def explain_page() -> Response:
    """Why a triple holds: its proof, as HTML, JSON or PROV-O."""
    triple = read_triple()
    # The triple alone, as `kzgov explain` asks it: a proof searched in a batch of a
    # page's rows may have met other steps of the same height. Searches take turns
    # (kzgov.web.explain_turns).
    finder = explainer()
    turns: Turns | None = current_app.extensions[TURNS_KEY]
    proof = finder.explain(triple) if turns is None else turns.run(lambda: finder.explain(triple))
    media_type = negotiate(EXPLAIN_MEDIA_TYPES)
    if media_type == JSON:
        # Unindented: json writes that in C, indented in Python, several times slower.
        body = json.dumps(proof_json(proof), ensure_ascii=False)
        return negotiated_response(body, JSON)
    if media_type != HTML:
        return negotiated_response(serialize_graph(proof_graph(proof), media_type), media_type)
    iris = {
        term
        for node in (*proof.walk(), *proof.other_leaves())
        for term in (*node.triple, *node.where.graphs)
        if isinstance(term, URIRef)
    }
    labels = fetch_labels(executor(), iris)
    context: dict[str, Any] = {
        "proof": proof,
        "others": proof.other_leaves(),
        "labels": labels,
        "sources": attribute(proof.all_source_graphs(), served().source_of_graph, source_labels()),
        "stated": attribute(proof.where.graphs, served().source_of_graph, source_labels()),
        "json_link": request.path + "?" + urlencode({**request.args, "format": "json"}),
        "turtle_link": request.path + "?" + urlencode({**request.args, "format": "turtle"}),
    }
    return render("explain.html", **context)


def offer_why_to_pages(state: BlueprintSetupState) -> None:
    """Let the entity pages show the "why" of their inferred rows (see kzgov.web.pages)."""
    state.app.extensions[WHY_OF_ROWS_KEY] = why_of_rows


bp.record_once(offer_why_to_pages)
