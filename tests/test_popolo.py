"""The Popolo export over HTTP, validated against the Popolo JSON schemas (tests/popolo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from conftest import LiveServer, send

SCHEMAS = Path(__file__).parent / "popolo"
SCHEMA_BASE = "http://www.popoloproject.com/schemas/"
KINDS = {"persons": "person", "organizations": "organization", "posts": "post",
         "memberships": "membership"}  # fmt: skip
ID = "https://w3id.org/kzgov/id/"

pytestmark = pytest.mark.parametrize("backend", ["memory"], indirect=True)


def schema_registry() -> Registry:  # type: ignore[type-arg]
    """The Popolo schemas, each under the IRI its `$ref`s use."""
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((SCHEMA_BASE + path.name, Resource(contents, specification=DRAFT3)))
    return Registry().with_resources(resources)


@pytest.fixture(scope="module")
def popolo(live_server: LiveServer) -> dict[str, Any]:
    response = send("GET", live_server.base_url + "/export/popolo.json")
    assert response.status == 200
    assert response.media_type == "application/json"
    document: dict[str, Any] = json.loads(response.body)
    return document


@pytest.mark.parametrize("collection", sorted(KINDS))
def test_every_popolo_object_validates_against_its_schema(
    popolo: dict[str, Any], collection: str
) -> None:
    registry = schema_registry()
    schema = json.loads((SCHEMAS / f"{KINDS[collection]}.json").read_text(encoding="utf-8"))
    validator = Draft3Validator(schema, registry=registry)
    assert popolo[collection], f"the export has no {collection}"
    problems = [
        f"{item.get('id')}: {error.message}"
        for item in popolo[collection]
        for error in validator.iter_errors(item)
    ]
    assert not problems, problems[:5]


def test_a_broken_membership_fails_the_schema(popolo: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / "membership.json").read_text(encoding="utf-8"))
    validator = Draft3Validator(schema, registry=schema_registry())
    broken = dict(popolo["memberships"][0], start_date="the nineties")
    assert list(validator.iter_errors(broken))


def test_memberships_join_persons_to_posts_with_dates_and_sources(popolo: dict[str, Any]) -> None:
    persons = {p["id"] for p in popolo["persons"]}
    posts = {p["id"]: p for p in popolo["posts"]}
    organizations = {o["id"] for o in popolo["organizations"]}
    for membership in popolo["memberships"]:
        assert membership["person_id"] in persons
        assert membership["post_id"] in posts
        if "organization_id" in membership:
            assert membership["organization_id"] in organizations
    nazarbayev = next(
        m
        for m in popolo["memberships"]
        if m["id"] == ID + "tenure/reforms-article-2022/nazarbayev-president"
    )
    assert nazarbayev["person_id"] == ID + "person/nursultan-nazarbayev"
    assert nazarbayev["post_id"] == ID + "post/president"
    assert nazarbayev["start_date"] == "1990"
    assert nazarbayev["sources"] == [{"url": ID + "source/reforms-article-2022"}]


def test_persons_carry_their_wikidata_identifiers(popolo: dict[str, Any]) -> None:
    tokayev = next(p for p in popolo["persons"] if p["id"] == ID + "person/kassym-jomart-tokayev")
    assert tokayev["name"] == "Kassym-Jomart Tokayev"
    assert {"scheme": "wikidata", "identifier": "Q200881"} in tokayev["identifiers"]
    party = next(o for o in popolo["organizations"] if o["id"] == ID + "body/ak-zhol-party")
    assert {"scheme": "wikidata", "identifier": "Q1186246"} in party["identifiers"]
