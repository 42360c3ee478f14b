"""The VoID statistics and linksets: counted by the build, read from the release by the server.

The SPARQL queries of `kzgov.core.void_statistics` define the figures. The build counts
them with Oxigraph on its own store; here rdflib runs the same queries on the built
dataset (the memory store's engine), and the answers must agree. The server must take
the figures from the release and scan nothing: served a release whose summary carries
figures no scan could give, it says those; served a release built before the build
counted them, it leaves them out and says so.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID
from rdflib.query import ResultRow

from conftest import running_server, send
from kzgov.build.pipeline import RELEASES_DIR, BuildResult, build
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.namespaces import DATASET
from kzgov.core.release import CURRENT_LINK, SUMMARY_JSON
from kzgov.core.void_statistics import (
    STATISTICS_QUERY,
    SUMMARY_KEY,
    VOCABULARY_TERMS_QUERY,
    VoidFigures,
    count_links,
    figures_in_summary,
    links_query,
    statistics_of,
)
from kzgov.store.memory import open_dataset
from kzgov.web.void import OLDER_RELEASE_NOTE
from test_infer_fast import load_generator

GENERATED_TRIPLES = 3_000


def rows(dataset: Dataset, query: str) -> list[ResultRow]:
    """A SELECT query's rows, evaluated by rdflib on a dataset."""
    return [row for row in dataset.query(query) if isinstance(row, ResultRow)]


def figures_by_query(dataset: Dataset) -> VoidFigures:
    """The figures as the definitions' queries give them on a dataset, evaluated by rdflib."""
    (row,) = rows(dataset, STATISTICS_QUERY)
    counts = {name: int(str(row[name])) for name in ("subjects", "properties", "objects")}
    terms = [
        str(r.term) for r in rows(dataset, VOCABULARY_TERMS_QUERY) if isinstance(r.term, URIRef)
    ]
    links = [(str(r.p), str(r.o), isinstance(r.o, URIRef)) for r in rows(dataset, links_query())]
    return VoidFigures(statistics_of(counts, terms), count_links(links))


def test_build_figures_are_what_the_statistics_queries_give(
    real_build: BuildResult, built_dataset: Dataset
) -> None:
    figures = figures_in_summary(real_build.summary)
    assert figures is not None
    assert figures == figures_by_query(built_dataset)
    targets = {linkset.target.key for linkset in figures.linksets}
    assert {"wikidata", "geonames", "iso3166-2"} <= targets


def test_build_figures_of_a_generated_project_are_what_the_queries_give(tmp_path: Path) -> None:
    project = tmp_path / "project"
    load_generator().generate(project, triples=GENERATED_TRIPLES, seed=1)
    layout = Layout(root=project, build_dir=tmp_path / "build")
    built = build(layout)
    figures = figures_in_summary(built.summary)
    assert figures is not None
    assert figures == figures_by_query(open_dataset(layout))
    assert figures.statistics.distinct_subjects > GENERATED_TRIPLES // 20


# -- The server reads the release's figures ----------------------------------------------


def copied_release(
    real_build: BuildResult, into: Path, edit: Callable[[dict[str, object]], None]
) -> Layout:
    """A build folder holding a copy of the real release, its summary edited."""
    release = into / RELEASES_DIR / real_build.release_dir.name
    shutil.copytree(real_build.release_dir, release, ignore=shutil.ignore_patterns("oxigraph"))
    summary = json.loads((release / SUMMARY_JSON).read_text(encoding="utf-8"))
    edit(summary)
    (release / SUMMARY_JSON).write_text(json.dumps(summary), encoding="utf-8")
    (into / CURRENT_LINK).symlink_to(Path(RELEASES_DIR) / release.name)
    return Layout(root=PROJECT_ROOT, build_dir=into)


def served_void(layout: Layout, folder: Path, store: str) -> Graph:
    """The VoID description a server on a layout's build gives."""
    with running_server(layout, folder / "server.log", "--workers", "1", "--store", store) as s:
        response = send("GET", f"{s.base_url}/.well-known/void", headers={"Accept": "text/turtle"})
        logged = s.log()
    assert response.status == 200, response.text
    assert "Warning" not in logged, logged  # e.g. rdflib's on a term its namespace lacks
    return Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_void_says_the_figures_of_the_release_and_scans_nothing(
    real_build: BuildResult, tmp_path: Path, store: str
) -> None:
    def impossible_figures(summary: dict[str, object]) -> None:
        figures = summary[SUMMARY_KEY]
        assert isinstance(figures, dict)
        figures["distinct_subjects"] = 424242
        figures["properties"] = 4242
        figures["vocabularies"] = ["https://example.org/only-in-the-summary#"]
        figures["linksets"] = [{"target": "adilet", "predicate": str(RDFS.seeAlso), "triples": 777}]

    layout = copied_release(real_build, tmp_path / "build", impossible_figures)
    void = served_void(layout, tmp_path, store)
    assert void.value(DATASET, VOID.distinctSubjects) == Literal(424242)
    assert void.value(DATASET, VOID.properties) == Literal(4242)
    assert set(void.objects(DATASET, VOID.vocabulary)) == {
        URIRef("https://example.org/only-in-the-summary#")
    }
    linksets = list(void.subjects(RDF.type, VOID.Linkset))
    assert len(linksets) == 1
    assert void.value(linksets[0], VOID.triples) == Literal(777)
    assert void.value(linksets[0], VOID.linkPredicate) == RDFS.seeAlso


def drop_figures(summary: dict[str, object]) -> None:
    """Make a summary as a kzgov that did not count the VoID figures wrote it."""
    del summary[SUMMARY_KEY]


def test_a_release_built_without_the_figures_is_described_without_them(
    real_build: BuildResult, tmp_path: Path
) -> None:
    layout = copied_release(real_build, tmp_path / "build", drop_figures)
    void = served_void(layout, tmp_path, "memory")
    for statistic in (VOID.distinctSubjects, VOID.distinctObjects, VOID.properties):
        assert void.value(DATASET, statistic) is None
    assert void.value(DATASET, VOID.vocabulary) is None
    assert not list(void.subjects(RDF.type, VOID.Linkset))
    assert void.value(DATASET, RDFS.comment) == Literal(OLDER_RELEASE_NOTE, lang="en")
    # What the summary had before the figures is still said.
    triples = real_build.summary["triples"]
    assert isinstance(triples, dict)
    assert void.value(DATASET, VOID.triples) == Literal(triples["total"])
    assert void.value(DATASET, VOID.classes) is not None
