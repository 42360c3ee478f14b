"""Where the inputs and outputs of kzgov live on disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from kzgov.core.namespaces import KZG

PROJECT_ROOT = Path(__file__).resolve().parents[3]

REGISTRY_STEMS = ("registry", "catalog", "links", "conflicts")


@dataclass(frozen=True)
class Layout:
    """The folders of one kzgov project: its inputs and its build.

    Attributes:
        root: the project folder holding ontology/, data/ and queries/.
        build_dir: the folder holding the last good build.
        served_release: the release a server pinned and serves
            (`kzgov.core.release.pin_current_release`); None: whatever build/current is.
    """

    root: Path
    build_dir: Path
    served_release: Path | None = None

    @classmethod
    def default(cls) -> Layout:
        """The layout of this checkout, with the build folder from KZGOV_BUILD_DIR if set."""
        root = Path(os.environ.get("KZGOV_ROOT", PROJECT_ROOT))
        build = Path(os.environ.get("KZGOV_BUILD_DIR", root / "build"))
        return cls(root=root, build_dir=build)

    @property
    def ontology_dir(self) -> Path:
        """The folder of ontology modules."""
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        """The folder of SHACL shapes, one file per ontology module."""
        return self.ontology_dir / "shapes"

    @property
    def data_dir(self) -> Path:
        """The folder of Turtle facts, one file per source plus registry, catalog, links and conflicts."""
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        """The folder of named SPARQL queries."""
        return self.root / "queries"

    @property
    def data_checks_dir(self) -> Path:
        """The folder of checks run on the asserted data: any row fails the build."""
        return self.queries_dir / "data-checks"

    @property
    def checks_dir(self) -> Path:
        """The folder of quality-rule queries run on the closure: any row fails the build."""
        return self.queries_dir / "checks"

    def ontology_files(self) -> list[Path]:
        """The ontology modules, in name order."""
        return sorted(self.ontology_dir.glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        """The shape files, in name order."""
        return sorted(self.shapes_dir.glob("*.ttl"))

    def data_files(self) -> list[Path]:
        """The data files, in name order."""
        return sorted(self.data_dir.glob("*.ttl"))


def graph_for_data_file(path: Path) -> URIRef:
    """The named graph a data file is loaded into: one name for the file, the graph and the source.

    Args:
        path: a file in data/, such as data/reforms-article-2022.ttl.

    Returns:
        The graph IRI, such as <https://w3id.org/kzgov/graph/reforms-article-2022>.
    """
    return URIRef(KZG[path.stem])


def is_source_file(path: Path) -> bool:
    """Whether a data file holds a source's facts (not the registry, catalogue, links or conflicts)."""
    return path.stem not in REGISTRY_STEMS
