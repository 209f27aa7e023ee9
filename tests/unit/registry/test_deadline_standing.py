"""Where each profile deadline stands for a project: a pure function of its timeline and the day."""

from __future__ import annotations

from datetime import date

from services.registry.domain.deadlines import Standing, met_statuses, passed_deadlines, scopes_of, track
from shared.policy import get_profile
from shared.policy.models.lifecycle import DeadlineMet

D = date
ZY = get_profile("zhongyuan-2013")
KF = get_profile("kaifeng-2019")
ZZ19 = get_profile("zhengzhou-2019")
OPENED = ("tender", "opened", D(2013, 7, 10))
TENDERED = ("tender", "tender_awarded", D(2013, 7, 20))


def _standings(profile, timeline, today, **kinds):  # type: ignore[no-untyped-def]
    flags = {"demonstration": False, "centrally_funded": False, "in_area": False, **kinds}
    return {
        t.deadline.code: (t.standing, t.met_on, t.days_overdue)
        for t in track(profile, scopes_of(**flags), timeline, today)
    }


def test_zhongyuan_works_started_in_time_are_met_and_later_steps_are_due_or_upcoming() -> None:
    started = ("construction", "construction_started", D(2013, 7, 25))
    standings = _standings(ZY, [OPENED, TENDERED, started], D(2013, 8, 15))
    assert standings == {
        "budget-and-tender": (Standing.PAST_AT_ISSUE, D(2013, 7, 20), None),
        "construction-start": (Standing.MET, D(2013, 7, 25), None),
        "construction-complete": (Standing.DUE, None, None),
        "acceptance-window": (Standing.UPCOMING, None, None),
    }


def test_works_started_after_the_date_are_met_late_and_not_started_is_overdue_by_days() -> None:
    late = ("construction", "construction_started", D(2013, 8, 5))
    assert (
        _standings(ZY, [OPENED, TENDERED, late], D(2013, 8, 15))["construction-start"][0] is Standing.MET_LATE
    )
    assert _standings(ZY, [OPENED, TENDERED], D(2013, 8, 15))["construction-start"] == (
        Standing.OVERDUE,
        None,
        15,
    )


def test_a_past_at_issue_deadline_is_never_overdue() -> None:
    assert _standings(ZY, [OPENED], D(2026, 1, 1))["budget-and-tender"][0] is Standing.PAST_AT_ISSUE


def test_kaifeng_list_and_demonstration_deadlines_bind_only_their_communities_and_programme_ones_none() -> (
    None
):
    timeline = [("survey", "opened", D(2020, 1, 2))]
    assert set(_standings(KF, timeline, D(2020, 1, 2))) == {"programme-complete"}
    funded = _standings(KF, timeline, D(2020, 1, 2), centrally_funded=True)
    assert set(funded) == {"funded-communities-ready", "funded-communities-complete", "programme-complete"}
    assert funded["funded-communities-ready"] == (Standing.OVERDUE, None, 2)
    demo = _standings(KF, timeline, D(2020, 1, 2), demonstration=True)
    assert set(demo) == {"demonstration-communities", "programme-complete"}


def test_zhengzhou_2019_plans_to_the_office_are_met_by_the_plan_submission() -> None:
    submitted = ("planning", "plan_submitted", D(2019, 4, 12))
    standings = _standings(
        ZZ19,
        [("survey", "opened", D(2019, 4, 5)), ("consultation", "consulted", D(2019, 4, 10)), submitted],
        D(2019, 5, 1),
    )
    assert standings == {"plans-and-ledgers-due": (Standing.MET, D(2019, 4, 12), None)}


def test_statuses_that_have_met_a_started_deadline_are_the_step_and_every_later_one() -> None:
    statuses = met_statuses(ZY, "construction", DeadlineMet.STARTED)
    assert "construction_started" in statuses and "taken_over" in statuses
    assert not statuses & {"opened", "tender_awarded"}
    assert "construction_started" not in met_statuses(ZY, "construction", DeadlineMet.COMPLETED)


def test_passed_deadlines_leave_out_those_past_at_issue_and_those_still_open() -> None:
    assert [d.code for _, d in passed_deadlines(ZY, D(2013, 8, 15))] == ["construction-start"]
