"""docs/examples/kzgov_wikidata_join.py against a live kzgov and a local Wikidata-shaped Oxigraph."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OXIGRAPH_BINARY, LiveServer, oxigraph_server
from kzgov.core.layout import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "kzgov_wikidata_join.py"
FIXTURE = Path(__file__).parent / "wikidata" / "labels.ttl"
ID = "https://w3id.org/kzgov/id/"

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)


def test_example_joins_kzgov_and_wikidata_answers_on_qids(
    live_server: LiveServer, tmp_path: Path
) -> None:
    location = tmp_path / "wikidata"
    subprocess.run(
        [str(OXIGRAPH_BINARY), "load", "--location", str(location), "--file", str(FIXTURE)],
        check=True,
        capture_output=True,
    )
    with oxigraph_server(location, tmp_path / "oxigraph.log") as wikidata:
        done = subprocess.run(
            [sys.executable, str(EXAMPLE), "--kzgov", live_server.endpoint,
             "--wikidata", wikidata.query_url, "--languages", "ru,kk"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    by_entity = {row["kzgov"]: row for row in rows}
    president = by_entity[ID + "post/president"]
    assert president == {
        "kzgov": ID + "post/president",
        "name": "President of Kazakhstan",
        "qid": "Q5256775",
        "match": "exact",
        "label_ru": "Президент Республики Казахстан",
        "label_kk": "Қазақстан Республикасының Президенті",
    }
    assert by_entity[ID + "territory/kazakhstan"]["label_kk"] == "Қазақстан"
    # Linked in kzgov but not in the fixture: joined with empty labels, not dropped.
    assert by_entity[ID + "territory/ussr"]["qid"] == "Q15180"
    assert by_entity[ID + "territory/ussr"]["label_ru"] == ""
    assert {row["match"] for row in rows} == {"exact", "close"}
