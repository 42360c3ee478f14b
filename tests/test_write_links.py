"""tools/write_links.py: every name of the links file is matched, or the tool fails."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from kzgov.core.layout import PROJECT_ROOT


def load_tool() -> ModuleType:
    """The write_links module, imported from tools/."""
    spec = importlib.util.spec_from_file_location(
        "write_links", PROJECT_ROOT / "tools" / "write_links.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_links_file_is_what_the_tool_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = load_tool()
    monkeypatch.setattr(tool, "OUTPUT", tmp_path / "links.ttl")
    assert tool.main() == 0
    written = (tmp_path / "links.ttl").read_text(encoding="utf-8")
    assert written == (PROJECT_ROOT / "data" / "links.ttl").read_text(encoding="utf-8")
    assert "<https://w3id.org/kzgov/id/territory/ussr>\n    skos:exactMatch wd:Q15180" in written
    assert (
        "<https://w3id.org/kzgov/id/body/ak-zhol-party>\n    skos:exactMatch wd:Q1186246" in written
    )


def test_an_unmatched_name_fails_the_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = load_tool()
    with tool.LINKS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    changed = tmp_path / "links.csv"
    with changed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        writer.writerow({**rows[0], "entity_en": "Soviet Union (misspelt)"})
    monkeypatch.setattr(tool, "LINKS_CSV", changed)
    monkeypatch.setattr(tool, "OUTPUT", tmp_path / "links.ttl")
    assert tool.main() == 1
    assert not (tmp_path / "links.ttl").exists()
    error = capsys.readouterr().err
    assert f"links.csv:{len(rows) + 2}: 'Soviet Union (misspelt)' is not in ENTITY_TO_IRI" in error


def test_a_name_mapped_to_an_iri_the_registry_lacks_fails_the_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = load_tool()
    monkeypatch.setitem(tool.ENTITY_TO_IRI, "Soviet Union", "territory/soviet-union")
    monkeypatch.setattr(tool, "OUTPUT", tmp_path / "links.ttl")
    assert tool.main() == 1
    assert (
        "maps to territory/soviet-union, which data/registry.ttl does not have"
        in capsys.readouterr().err
    )
