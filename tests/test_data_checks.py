"""The build refuses a link that merges two different things, with the file and line of the link.

The merge guard (queries/data-checks/merge-of-different-things.rq) and the closed
vocabulary (queries/data-checks/undeclared-term.rq) run on the asserted data before the
closure; each refusal names data/<file>:<line> of the offending triple, and the last good
build stays published.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import copy_project
from kzgov.build.data_checks import check_files
from kzgov.build.pipeline import build, load_dataset
from kzgov.core.errors import ValidationFailed
from kzgov.core.layout import PROJECT_ROOT, Layout
from kzgov.core.release import current_release
from kzgov.reasoning.infer_fast import needs_owlrl

SOURCE = "data/reforms-article-2022.ttl"
LINKS = "data/links.ttl"
OWL_SAME_AS = "<http://www.w3.org/2002/07/owl#sameAs>"


@dataclass(frozen=True)
class Link:
    """A line appended to a data file, and what the refusal must say about it."""

    file: str
    line: str
    message: str


MERGES = {
    "two-registry-people": Link(
        SOURCE,
        f"person:kassym-jomart-tokayev {OWL_SAME_AS} person:nursultan-nazarbayev .",
        "the same as person:nursultan-nazarbayev",
    ),
    "president-and-prime-minister-posts": Link(
        SOURCE,
        f"post:president {OWL_SAME_AS} post:prime-minister .",
        "the same as post:prime-minister",
    ),
    "a-post-and-a-body": Link(
        SOURCE,
        "post:prime-minister skos:exactMatch body:government .",
        "makes body:government the same as post:prime-minister",
    ),
    "two-posts-linked-to-one-wikidata-item": Link(
        LINKS,
        "<https://w3id.org/kzgov/id/post/oblast-akim> skos:exactMatch wd:Q2416315 .",
        "skos:exactMatch wd:Q2416315 makes post:oblast-akim the same as post:prime-minister",
    ),
    "two-outside-items-declared-the-same": Link(
        LINKS,
        f"wd:Q5256775 {OWL_SAME_AS} wd:Q2416315 .",
        "wd:Q5256775 owl:sameAs wd:Q2416315 makes post:president the same as post:prime-minister",
    ),
    "misspelt-property": Link(
        SOURCE,
        "post:prime-minister kz:appointedby post:president .",
        "kz:appointedby is not a term of the kzgov ontology",
    ),
}


@pytest.fixture(scope="module")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    layout = copy_project(tmp_path_factory.mktemp("merges"))
    build(layout)
    return layout


@pytest.mark.parametrize("name", sorted(MERGES))
def test_build_refuses_the_link_with_file_and_line(name: str, good_project: Layout) -> None:
    link = MERGES[name]
    target = good_project.root / link.file
    original = target.read_text(encoding="utf-8")
    good = current_release(good_project.build_dir)
    line_number = len(original.splitlines()) + 2
    try:
        target.write_text(original + "\n" + link.line + "\n", encoding="utf-8")
        with pytest.raises(ValidationFailed) as refused:
            build(good_project)
    finally:
        target.write_text(original, encoding="utf-8")
    message = str(refused.value)
    assert f"{link.file}:{line_number}: " in message
    assert link.message in message
    assert refused.value.exit_code == 2
    assert current_release(good_project.build_dir) == good


def test_the_real_data_passes_every_data_check(real_build: object) -> None:
    assert len(check_files(PROJECT_ROOT / "queries" / "data-checks")) == 3


def test_the_guard_leaves_the_closure_to_the_fast_reasoner(real_layout: Layout) -> None:
    asserted = load_dataset(real_layout)
    assert not needs_owlrl((s, p, o) for s, p, o, _g in asserted.quads((None, None, None, None)))
