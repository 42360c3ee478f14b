"""The Flask application factory: wires the store, the query executor and the blueprints.

What the blueprints find in `app.extensions`:

- "kzgov.config": the ServerConfig.
- "kzgov.store": the loaded Store (`graph_sizes()`, `triple_count()`; a MemoryStore
  also has `.dataset`, the rdflib Dataset).
- "kzgov.uncached_executor": the same Executor without the cache (for /healthz).
- "kzgov.release_pin": the ReleasePin of the release served (the build never prunes it),
  or None in an HTTP process of `kzgov serve` (the main process holds the pin).
- "kzgov.executor": the query Executor (`run(query_text, media_type,
  default_graph_uris, named_graph_uris) -> QueryAnswer`, see kzgov.web.executor),
  behind the result cache when the cache is on.
- "kzgov.result_cache": the ResultCache of kzgov.web.result_cache, or None when the
  cache is off (the endpoint then sends no ETag).
- "kzgov.replayed_answers": the ReplayedAnswers in front of the app's WSGI callable
  (kzgov.web.replayed_answers), when the cache is on.
- "kzgov.sparql_html" (optional, set by the pages): a view called with no arguments
  that answers a browser opening /sparql without a query; without it, /sparql
  redirects such a browser to /#query.

The SPARQL endpoint is `kzgov.web.protocol.bp`; the HTML pages, when the module exists,
are `kzgov.web.pages.bp`.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util

from flask import Blueprint, Flask

from kzgov.core.config import ServerConfig
from kzgov.core.release import ReleasePin
from kzgov.web import protocol
from kzgov.web.access_log import install_access_log
from kzgov.web.clients import install_client_identity
from kzgov.web.compression import install_compression
from kzgov.web.cors import install_cors
from kzgov.web.dispatcher import StoreFacts
from kzgov.web.executor import Executor
from kzgov.web.replayed_answers import ReplayedAnswers
from kzgov.web.result_cache import CachingExecutor, result_cache_of
from kzgov.web.served_releases import pin_and_start

PAGES_MODULE = "kzgov.web.pages"


def pages_blueprint() -> Blueprint | None:
    """The HTML pages' blueprint, if this installation has them."""
    if importlib.util.find_spec(PAGES_MODULE) is None:
        return None
    blueprint: Blueprint = importlib.import_module(PAGES_MODULE).bp
    return blueprint


def create_app(config: ServerConfig | None = None) -> Flask:
    """Create the kzgov web application.

    Pins the current release (`kzgov.core.release`), loads it and starts the query
    workers: call it before the WSGI server starts its threads, and call `close_app`
    (or let the interpreter exit) to stop the workers and let the release go.

    Args:
        config: the server's settings (default: from the environment).

    Returns:
        The Flask app (see the module docstring for its extensions).

    Raises:
        MissingBuild: there is no build to serve.
    """
    config = config or ServerConfig.from_environment()
    config, pin, store, executor = pin_and_start(config)
    atexit.register(executor.close)
    return assemble_app(config, store, executor, executor, pin)


def assemble_app(
    config: ServerConfig,
    store: StoreFacts,
    executor: Executor,
    uncached: Executor,
    pin: ReleasePin | None,
    cache_in_front: bool = True,
) -> Flask:
    """The Flask app over a loaded store and a running executor (see `create_app`).

    The HTTP processes of `kzgov serve` call it with the store's facts only, an
    executor that hands queries to the server's one pool of workers
    (kzgov.web.dispatcher), which keeps the one result cache of the server
    (`cache_in_front` False: the app then uses its cache for ETags only), the same
    past that cache (`uncached`, for /healthz), and no pin: the main process, which
    owns the store, holds the release's pin.
    """
    cache = None
    if config.cache == "on":
        cache = result_cache_of(config)
        if cache_in_front:
            executor = CachingExecutor(executor, cache)
    app = Flask(__name__)
    app.extensions["kzgov.config"] = config
    app.extensions["kzgov.store"] = store
    app.extensions["kzgov.executor"] = executor
    app.extensions["kzgov.uncached_executor"] = uncached
    app.extensions["kzgov.release_pin"] = pin
    app.extensions["kzgov.result_cache"] = cache
    app.register_blueprint(protocol.bp)
    pages = pages_blueprint()
    if pages is not None:
        app.register_blueprint(pages)
        from kzgov.web.explain import bp as explain  # the /explain service needs the pages

        app.register_blueprint(explain)
    install_access_log(app)
    install_client_identity(app)
    install_cors(app)
    install_compression(app)
    if cache is not None:
        replay = ReplayedAnswers(app.wsgi_app, cache.settings, config.max_request_body_bytes)
        app.wsgi_app = replay  # type: ignore[method-assign]
        app.extensions["kzgov.replayed_answers"] = replay
    return app


def close_app(app: Flask) -> None:
    """Stop the app's query workers and let its release go."""
    executor: Executor = app.extensions["kzgov.executor"]
    executor.close()
    pin: ReleasePin | None = app.extensions["kzgov.release_pin"]
    if pin is not None:
        pin.close()
