"""What /healthz checks: the release's files are there and the store answers, uncached.

The query goes to a worker past the result cache (the app's "kzgov.uncached_executor"),
and reads a triple, so that a store whose files are gone or damaged shows up here as it
would on any query. The problems are worded without the server's file-system paths.
"""

from __future__ import annotations

from pathlib import Path

from kzgov.core.errors import KzgovError
from kzgov.core.release import release_files_missing
from kzgov.store.base import Store
from kzgov.web.executor import Executor

# It must read the store (ASK {} would not), and stay cheap on any build.
HEALTH_QUERY = "ASK { ?s ?p ?o }"
HEALTH_MEDIA_TYPE = "application/sparql-results+json"


def store_files_missing(store: Store) -> list[str]:
    """The folder of an on-disk store, if the store has one and it is gone."""
    location = getattr(store, "location", None)
    if isinstance(location, Path) and not location.is_dir():
        return [f"the store folder {location.name}/"]
    return []


def health_problems(release: Path, store: Store, uncached: Executor) -> list[str]:
    """What is wrong with the release served and its store (nothing: healthy).

    Args:
        release: the release folder the server pinned.
        store: the loaded store.
        uncached: the executor past the result cache.

    Returns:
        One line per problem, without absolute paths.
    """
    problems = [
        f"the release {release.name} lacks {name}"
        for name in [*release_files_missing(release), *store_files_missing(store)]
    ]
    try:
        uncached.run(HEALTH_QUERY, HEALTH_MEDIA_TYPE)
    except KzgovError as error:
        problems.append(f"the store does not answer: {error}")
    return problems
