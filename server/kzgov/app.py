"""The Flask application factory: wires the store, the query executor and the blueprints."""

from __future__ import annotations

from flask import Flask

from kzgov.config import ServerConfig
from kzgov.executor import InProcessExecutor
from kzgov.store import open_dataset


def create_app(config: ServerConfig | None = None) -> Flask:
    """Create the kzgov web application.

    Args:
        config: the server's settings (default: from the environment).

    Returns:
        The Flask app. `app.extensions["kzgov.config"]` holds the settings,
        `app.extensions["kzgov.executor"]` the query executor.

    Raises:
        MissingBuild: there is no build to serve.
    """
    config = config or ServerConfig.from_environment()
    app = Flask(__name__)
    app.extensions["kzgov.config"] = config
    app.extensions["kzgov.executor"] = InProcessExecutor(open_dataset(config.layout))
    return app
