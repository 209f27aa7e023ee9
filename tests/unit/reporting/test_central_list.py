"""The central-fund list's milestones read from the profiles, and the pace arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.api.dashboard import list_programmes
from services.reporting.domain.central_list import (
    MilestoneStatus,
    central_list_milestones,
    milestone_progress,
)
from services.reporting.models.streets import ProjectStreet
from shared.access import OrganisationKind, Principal
from shared.policy import ProgrammeProfile, bundled_profiles, get_profile
from shared.policy.models.lifecycle import Deadline, DeadlineMet, DeadlineScope

ISSUED, DUE = date(2019, 12, 29), date(2020, 6, 30)  # 184 days apart


@pytest.mark.parametrize("code", bundled_profiles())
def test_every_bundled_central_fund_deadline_sits_on_a_step_whose_day_reporting_keeps(code: str) -> None:
    for milestone in central_list_milestones(get_profile(code)):  # raises on a step it cannot track
        assert milestone.day_column in ProjectStreet.__table__.columns  # type: ignore[attr-defined]


def test_kaifeng_lists_the_tender_and_the_completion_of_the_117_in_date_order() -> None:
    found = central_list_milestones(get_profile("kaifeng-2019"))
    assert [(m.step, m.deadline.due_on, m.day_column) for m in found] == [
        ("tender", date(2019, 12, 31), "tendered_on"),
        ("construction", date(2020, 6, 30), "completed_on"),
    ]
    assert all(m.deadline.met_when is DeadlineMet.COMPLETED for m in found)
    assert central_list_milestones(get_profile("zhengzhou-2019")) == ()


def test_the_pace_grows_evenly_by_day_from_the_plans_issue_and_rounds_down() -> None:
    p = milestone_progress(117, 10, ISSUED, DUE, date(2020, 1, 15))
    assert p.expected_by_now == 117 * 17 // 184 == 10
    assert (p.status, p.behind_by, p.remaining) == (MilestoneStatus.ON_TRACK, 0, 107)
    assert (p.weeks_left, p.needed_per_week) == (24, 5)  # 167 days → 24 weeks; ceil(107 / 24)
    behind = milestone_progress(117, 9, ISSUED, DUE, date(2020, 1, 15))
    assert (behind.status, behind.behind_by) == (MilestoneStatus.BEHIND, 1)


def test_before_the_issue_nothing_is_due_and_on_the_due_day_everything_is() -> None:
    assert milestone_progress(5, 0, ISSUED, DUE, date(2019, 12, 1)).expected_by_now == 0
    on_due = milestone_progress(5, 4, ISSUED, DUE, DUE)
    assert (on_due.expected_by_now, on_due.status, on_due.weeks_left, on_due.needed_per_week) == (
        5,
        MilestoneStatus.BEHIND,  # the due day itself is still in time
        0,
        1,
    )
    assert milestone_progress(5, 4, ISSUED, DUE, date(2020, 7, 1)).status is MilestoneStatus.MISSED


def test_a_milestone_every_listed_community_reached_is_met_even_late_or_with_none_listed() -> None:
    assert milestone_progress(5, 5, ISSUED, DUE, date(2021, 1, 1)).status is MilestoneStatus.MET
    assert milestone_progress(0, 0, ISSUED, DUE, date(2020, 1, 1)).status is MilestoneStatus.MET
    assert milestone_progress(3, 7, ISSUED, DUE, date(2020, 1, 1)).remaining == 0


def test_a_due_date_at_or_before_the_issue_is_due_in_full_from_the_start() -> None:
    p = milestone_progress(4, 1, ISSUED, date(2019, 12, 15), date(2019, 12, 1))
    assert (p.expected_by_now, p.status) == (4, MilestoneStatus.BEHIND)


async def test_the_dashboard_is_told_which_programmes_date_a_central_fund_list() -> None:
    office = Principal("o", "office", OrganisationKind.OFFICE)
    found = {p.code: p.central_list for p in await list_programmes(office, get_profile)}
    assert found == {
        "kaifeng-2019": True,
        "zhengzhou-2018": False,
        "zhengzhou-2019": False,
        "zhongyuan-2013": False,
    }


def _with_deadline(step: str, deadline: Deadline) -> ProgrammeProfile:
    """Kaifeng's profile with one more deadline on `step`."""
    kaifeng = get_profile("kaifeng-2019")
    stages = tuple(
        s.model_copy(update={"deadlines": (*s.deadlines, deadline)}) if s.code == step else s
        for s in kaifeng.lifecycle.stages
    )
    return kaifeng.model_copy(update={"lifecycle": kaifeng.lifecycle.model_copy(update={"stages": stages})})


def _deadline(code: str, due: date, applies_to: DeadlineScope) -> Deadline:
    return Deadline(
        code=code,
        description_zh="某节点",
        description_en="A milestone",
        due_on=due,
        applies_to=applies_to,
        clause="三",
    )


def test_a_deadline_for_every_project_due_first_does_not_hide_the_lists_own() -> None:
    early = _deadline("early-for-all", date(2019, 12, 30), DeadlineScope.EVERY_PROJECT)
    found = central_list_milestones(_with_deadline("consultation", early))
    assert [m.deadline.code for m in found] == ["funded-communities-ready", "funded-communities-complete"]


def test_a_list_deadline_on_a_step_reporting_does_not_date_is_refused_by_name() -> None:
    odd = _deadline("consulted-early", date(2020, 1, 31), DeadlineScope.CENTRALLY_FUNDED)
    with pytest.raises(ValueError, match="kaifeng-2019: deadline 'consulted-early' on .*consultation"):
        central_list_milestones(_with_deadline("consultation", odd))


def test_after_the_due_date_no_weeks_are_left_and_all_that_remains_is_needed_now() -> None:
    late = milestone_progress(117, 100, ISSUED, DUE, date(2020, 8, 1))
    assert (late.weeks_left, late.needed_per_week, late.remaining) == (0, 17, 17)


def test_a_due_date_on_the_issue_day_is_due_in_full_from_the_start() -> None:
    p = milestone_progress(4, 0, ISSUED, ISSUED, date(2019, 12, 1))
    assert p.expected_by_now == 4
