"""Residents decide (#8): where a profile states a consent threshold, the plan waits for a
consultation round that meets it, and another round may follow one that fell short.

The profile is Zhengzhou 2019 with `consent: {share_in_favour: "0.67", publicity_days: 7}` written
into its YAML and loaded as every profile is. The community has 320 households; the first round
consults 300, of whom 200 are in favour: 200/300 = 0.6667 < 0.67, and its notice was up 10–14
January, 5 days < 7. The second round: 210 of 300 = 0.7 with the notice up 10–17 January, 8 days.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.registry.domain import programmes
from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.consultation import ResidentsConsultation
from services.registry.models.projects import Project
from shared.errors import InvalidState, RuleViolation
from shared.policy import get_profile
from tests.handlers.registry.walk import act, open_project
from tests.unit.registry.consent import with_consent

ZHENGZHOU_2019 = "zhengzhou-2019"


def _round(in_favour: int, publicity_to: date, consulted_on: date) -> ResidentsConsultation:
    return ResidentsConsultation(
        consulted_on=consulted_on,
        households_consulted=300,
        households_in_favour=in_favour,
        publicity_notice="文化路3号院改造公示",
        publicity_from=date(2026, 1, 10),
        publicity_to=publicity_to,
    )


SHORT = _round(200, date(2026, 1, 14), date(2026, 1, 20))
MET = _round(210, date(2026, 1, 17), date(2026, 1, 25))


@pytest.fixture
def consent_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = with_consent(tmp_path, share_in_favour="0.67", publicity_days=7, reading="platform")
    bundled = get_profile

    def lookup(code: str):  # type: ignore[no-untyped-def]
        return profile if code == ZHENGZHOU_2019 else bundled(code)

    monkeypatch.setattr(programmes, "get_profile", lookup)


async def test_a_plan_waits_for_a_round_that_meets_the_threshold(harness_for, consent_profile) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    consulted = await act(harness, project.id, "residents-consultation", SHORT)
    assert consulted.allowed_actions == ["residents-consultation", "plan-submission"]

    before = (await harness.outbox_types(), await harness.audit_actions())
    with pytest.raises(RuleViolation) as refused:
        await act(harness, project.id, "plan-submission")
    assert [(p.field, p.rule) for p in refused.value.errors] == [
        ("consultation", "consultation_threshold"),
        ("consultation", "publicity_period"),
    ]
    assert [p.message for p in refused.value.errors] == [
        "0.6667 of households in favour; the programme needs 0.67",
        "publicity ran 5 days; the programme needs 7",
    ]
    assert (await harness.outbox_types(), await harness.audit_actions()) == before  # nothing changed

    await act(harness, project.id, "residents-consultation", MET)  # the second round
    submitted = await act(harness, project.id, "plan-submission")
    assert submitted.status == "plan_submitted"
    consulted_events = [e.data for e in await harness.outbox() if e.type.endswith("residents_consulted.v1")]
    assert [(e["households_in_favour"], e["share_in_favour"]) for e in consulted_events] == [
        (200, "0.6667"),
        (210, "0.7000"),
    ]
    (row,) = await harness.all(Project)
    assert (row.households_in_favour, row.publicity_to) == (210, date(2026, 1, 17))  # the latest round


async def test_once_the_plan_is_in_no_further_round_is_taken(harness_for, consent_profile) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    await act(harness, project.id, "residents-consultation", MET)
    await act(harness, project.id, "plan-submission")
    with pytest.raises(InvalidState):
        await act(harness, project.id, "residents-consultation", MET)


async def test_without_a_threshold_a_repeated_consultation_is_out_of_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    consulted = await act(harness, project.id, "residents-consultation", SHORT)
    assert consulted.allowed_actions == ["plan-submission"]
    with pytest.raises(InvalidState):
        await act(harness, project.id, "residents-consultation", MET)
    assert (await act(harness, project.id, "plan-submission")).status == "plan_submitted"
