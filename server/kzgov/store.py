"""Opening the last good build as an rdflib dataset whose default graph is the union."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Dataset

from kzgov.build import DATASET_NQUADS, SUMMARY_JSON, current_release
from kzgov.errors import MissingBuild
from kzgov.layout import Layout


def release_or_fail(layout: Layout) -> Path:
    """The current release folder.

    Raises:
        MissingBuild: there is no build yet; the message says to run `kzgov build`.
    """
    release = current_release(layout.build_dir)
    if release is None or not (release / DATASET_NQUADS).exists():
        raise MissingBuild(str(layout.build_dir))
    return release


def open_dataset(layout: Layout) -> Dataset:
    """Load the current build into memory, with the union of all graphs as default graph.

    Args:
        layout: the project and its build folder.

    Returns:
        The dataset of asserted and inferred named graphs.

    Raises:
        MissingBuild: there is no build yet.
    """
    release = release_or_fail(layout)
    dataset = Dataset(default_union=True)
    dataset.parse(release / DATASET_NQUADS, format="nquads")
    return dataset


def read_summary(layout: Layout) -> dict[str, object]:
    """The summary of the current build: counts, sources, timings and version.

    Raises:
        MissingBuild: there is no build yet.
    """
    release = release_or_fail(layout)
    summary: dict[str, object] = json.loads((release / SUMMARY_JSON).read_text(encoding="utf-8"))
    return summary
