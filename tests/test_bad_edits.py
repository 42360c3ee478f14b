"""The 22 realistic bad edits of the 2026-12 ontology review (section 4.2) each fail the build.

Each edit is appended to a data file of a scratch copy of the project, as an editor would
make it; the build must refuse it (exit code 2, SHACL or a data check) with a message that
says what is wrong and names the file, and leave the last good build in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from conftest import copy_project
from kzgov.build.pipeline import build
from kzgov.core.errors import ValidationFailed
from kzgov.core.layout import Layout
from kzgov.core.release import current_release

SOURCE = "data/reforms-article-2022.ttl"
REGISTRY = "data/registry.ttl"
NEW_SOURCE = "data/new-source-2024.ttl"


@dataclass(frozen=True)
class BadEdit:
    """Turtle appended to a file, and what the refusal must say."""

    file: str
    turtle: str
    message: str
    shape: str | None = None
    where: str | None = None  # where the refusal points, if not the edited file


BAD_EDITS = {
    "01-validFrom-integer": BadEdit(
        SOURCE,
        "rule:oblast-akim-appointment kz:validFrom 2021 .",
        "A rule's kz:validFrom is not typed as a year",
        "kzsh:RuleShape-validFrom",
    ),
    "02-termYears-word": BadEdit(
        SOURCE,
        'rule:oblast-akim-appointment kz:termYears "six" .',
        "kz:termYears is not a whole number of years",
        "kzsh:AppointmentRuleShape-termYears",
    ),
    "03-year-malformed": BadEdit(
        SOURCE,
        'rule:oblast-akim-appointment kz:validFrom "20x1"^^xsd:gYear .',
        "is not a well-formed year or day",
        "kzsh:DateLiteralShape",
    ),
    "04-rule-without-passage": BadEdit(
        SOURCE,
        "post:oblast-akim kz:dismissalRule rule:test-oblast-akim-dismissal .\n"
        "rule:test-oblast-akim-dismissal a kz:DismissalRule ; kz:dismisser post:president .",
        "does not quote its source",
        "kzsh:QuotedRuleShape",
    ),
    "05-no-appointer": BadEdit(
        SOURCE,
        "post:oblast-akim kz:appointmentRule rule:test-no-appointer .\n"
        'rule:test-no-appointer a kz:AppointmentRule ; kz:sourcePassage "test"@en .',
        "An appointment rule does not say who appoints",
        "kzsh:AppointmentRuleShape-appointer",
    ),
    "06-tenure-years-reversed": BadEdit(
        SOURCE,
        "person:kassym-jomart-tokayev kz:tenure tenure:test-tenure .\n"
        "tenure:test-tenure a kz:Tenure ; kz:tenureOf post:prime-minister ;\n"
        '    kz:startYear "2002"^^xsd:gYear ; kz:endYear "1999"^^xsd:gYear ;\n'
        '    kz:sourcePassage "test"@en .',
        "A tenure starts after it ends: its kz:startYear is later than its kz:endYear",
        "kzsh:TenureShape",
    ),
    "07-validity-reversed": BadEdit(
        SOURCE,
        'rule:oblast-akim-appointment kz:validFrom "2022"^^xsd:gYear ;\n'
        '    kz:validUntil "2020"^^xsd:gYear .',
        "valid from a year after it stops being valid",
        "kzsh:RuleShape",
    ),
    "08-start-year-after-end-date": BadEdit(
        SOURCE,
        "person:kassym-jomart-tokayev kz:tenure tenure:test-tenure .\n"
        "tenure:test-tenure a kz:Tenure ; kz:tenureOf post:prime-minister ;\n"
        '    kz:startYear "2013"^^xsd:gYear ; kz:endDate "2011-10-16"^^xsd:date ;\n'
        '    kz:sourcePassage "test"@en .',
        "This starts in a later year than it ends",
        "kzsh:SpanOrderShape",
    ),
    "09-label-without-language": BadEdit(
        REGISTRY,
        'post:test-deputy-akim a kz:Post ; rdfs:label "deputy akim" .',
        "A post has no English label",
        "kzsh:PostShape-label",
    ),
    "10-misspelt-class": BadEdit(
        REGISTRY,
        'body:test-ministry-of-energy a kz:Ministy ; rdfs:label "Ministry of Energy"@en .',
        "kz:Ministy is not a term of the kzgov ontology",
    ),
    "11-misspelt-property": BadEdit(
        SOURCE,
        "post:prime-minister kz:appointedby post:president .",
        "kz:appointedby is not a term of the kzgov ontology",
    ),
    "12-appointer-person": BadEdit(
        SOURCE,
        "rule:oblast-akim-appointment kz:appointer person:kassym-jomart-tokayev .",
        "must be a post or a body",
        "kzsh:PostOrBodyShape",
    ),
    "13-appointer-territory": BadEdit(
        SOURCE,
        "rule:oblast-akim-appointment kz:appointer territory:almaty .",
        "must be a post or a body",
        "kzsh:PostOrBodyShape",
    ),
    "14-self-appointment": BadEdit(
        SOURCE,
        "rule:oblast-akim-appointment kz:appointer post:oblast-akim .",
        "This post is appointed by itself",
        "kzsh:SelfAppointmentShape",
    ),
    "15-appointer-literal": BadEdit(
        SOURCE,
        'rule:oblast-akim-appointment kz:appointer "the President" .',
        "must be a post or a body",
        "kzsh:PostOrBodyShape",
    ),
    "16-accountability-cycle": BadEdit(
        SOURCE,
        "body:maslikhat kz:accountabilityRule rule:test-maslikhat-accountability .\n"
        "rule:test-maslikhat-accountability a kz:AccountabilityRule ;\n"
        '    kz:principal body:akimat ; kz:sourcePassage "test"@en .',
        "accountable to itself through a chain of accountability rules",
        "kzsh:AccountabilityCycleShape",
    ),
    "17-proposed-rule-in-force": BadEdit(
        "data/abai-kaznpu-2025.ttl",
        "post:district-akim kz:electionRule rule:proposed-district-akim-direct-election .",
        "A proposal's rule is also hung off a post or body",
        "kzsh:ProposalShape",
    ),
    "18-appointed-and-elected": BadEdit(
        SOURCE,
        "post:oblast-akim kz:electionRule rule:test-oblast-akim-election .\n"
        "rule:test-oblast-akim-election a kz:ElectionRule ;\n"
        "    kz:electionMethod kz:DirectElection ; kz:electorate territory:kazakhstan ;\n"
        '    kz:validFrom "2021"^^xsd:gYear ; kz:sourcePassage "test"@en .',
        "One source says this is both appointed",
        "kzsh:FillingConflictShape",
    ),
    "19-person-also-body": BadEdit(
        REGISTRY,
        "person:kassym-jomart-tokayev a kz:Body .",
        "A person is also typed as a body or a post",
        "kzsh:PersonShape",
    ),
    "20-tenure-of-body": BadEdit(
        SOURCE,
        "person:kassym-jomart-tokayev kz:tenure tenure:test-tenure .\n"
        "tenure:test-tenure a kz:Tenure ; kz:tenureOf body:government ;\n"
        '    kz:sourcePassage "test"@en .',
        "A tenure does not say which post was held",
        "kzsh:TenureShape-tenureOf",
    ),
    "21-consent-of-person": BadEdit(
        SOURCE,
        "rule:oblast-akim-appointment kz:withConsentOf person:nursultan-nazarbayev .",
        "must be a post or a body",
        "kzsh:PostOrBodyShape",
    ),
    "22-source-without-catalog": BadEdit(
        NEW_SOURCE,
        "@prefix kz: <https://w3id.org/kzgov/ontology#> .\n"
        "@prefix post: <https://w3id.org/kzgov/id/post/> .\n"
        "@prefix rule: <https://w3id.org/kzgov/id/rule/new-source-2024/> .\n"
        "post:oblast-akim kz:appointmentRule rule:oblast-akim-appointment .\n"
        "rule:oblast-akim-appointment a kz:AppointmentRule ; kz:appointer post:president ;\n"
        '    kz:sourcePassage "test"@en .',
        "A data file's graph is not tied to a source document",
        "kzsh:SourceGraphShape-wasDerivedFrom",
        where="data/catalog.ttl",
    ),
}


@pytest.fixture(scope="module")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    layout = copy_project(tmp_path_factory.mktemp("bad-edits"))
    build(layout)
    return layout


def test_every_edit_of_the_review_is_a_case() -> None:
    assert len(BAD_EDITS) == 22


@pytest.mark.parametrize("name", sorted(BAD_EDITS))
def test_bad_edit_fails_the_build_with_its_message(name: str, good_project: Layout) -> None:
    edit = BAD_EDITS[name]
    target = good_project.root / edit.file
    original = target.read_text(encoding="utf-8") if target.exists() else None
    good = current_release(good_project.build_dir)
    try:
        target.write_text((original or "") + "\n" + edit.turtle + "\n", encoding="utf-8")
        with pytest.raises(ValidationFailed) as refused:
            build(good_project)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_text(original, encoding="utf-8")
    message = str(refused.value)
    assert edit.message in message
    assert (edit.where or edit.file) in message
    if edit.shape is not None:
        assert f"shape:      {edit.shape}" in message
    assert refused.value.exit_code == 2
    assert current_release(good_project.build_dir) == good


def test_the_project_builds_again_once_each_edit_is_undone(good_project: Layout) -> None:
    assert build(good_project).release_dir.exists()
