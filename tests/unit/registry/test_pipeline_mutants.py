"""Utilities' pipeline work (`services.registry.domain.pipeline`): the companies do their own lines
(Kaifeng 七(三), Zhengzhou 2019 五(二) and 六); an item outside the plan, a company not responsible
for the item, work out of order or wrongly dated is refused; open work holds up construction
completion until done or exempted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.registry.domain.lifecycle import Status
from services.registry.domain.pipeline import (
    EXEMPTION_ACTION,
    WORK_ACTIONS,
    OpenWork,
    WorkStatus,
    check_assignment,
    check_completion,
    check_exempted,
    check_project_open,
    check_start,
    open_works_block_completion,
    project_closed,
)
from shared.errors import FieldProblem, InvalidState, RuleViolation
from shared.policy import get_profile

ZHENGZHOU = get_profile("zhengzhou-2019")
KAIFENG = get_profile("kaifeng-2019")
# 16:00 UTC on 31 May is 1 June in Shanghai.
NOW = datetime(2026, 5, 31, 16, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


def assign(**overrides: object) -> None:
    given: dict[str, object] = {
        "plan_items": (),
        "item_code": "overhead-lines",
        "utility_code": "telecom",
        "utility_in_directory": True,
        "planned_start_on": date(2026, 5, 1),
        "planned_end_on": date(2026, 7, 31),
        **overrides,
    }
    profile = given.pop("profile", ZHENGZHOU)
    check_assignment(profile, **given)  # type: ignore[arg-type]


def refused(call: object, *args: object, **kwargs: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def conflict(call: object, *args: object, **kwargs: object) -> InvalidState:
    with pytest.raises(InvalidState) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def test_a_work_is_assigned_then_started_then_completed_each_once() -> None:
    assert WORK_ACTIONS == {
        WorkStatus.ASSIGNED: ("start",),
        WorkStatus.STARTED: ("completion",),
        WorkStatus.COMPLETED: (),
    }
    assert [s.value for s in WorkStatus] == ["assigned", "started", "completed"]


def test_a_closed_project_or_one_with_no_step_left_is_over() -> None:
    assert project_closed(ZHENGZHOU, Status.CLOSED, audited=True)
    assert project_closed(
        KAIFENG, Status.TAKEN_OVER, audited=False
    )  # Kaifeng has no audit step after takeover
    assert not project_closed(ZHENGZHOU, Status.TAKEN_OVER, audited=False)  # its final-accounts audit is left
    assert not project_closed(KAIFENG, Status.CONSTRUCTION_STARTED, audited=False)


def test_pipeline_work_on_a_closed_project_is_refused_naming_its_step() -> None:
    error = conflict(check_project_open, KAIFENG, "taken_over", audited=False, action="start")
    assert error.errors == [FieldProblem("project_id", "project_closed", "the project is taken_over")]
    assert error.allowed == [] and error.current == "property_takeover"
    assert error.detail == "the project is closed (taken_over): pipeline work cannot take 'start'"
    check_project_open(KAIFENG, "construction_started", audited=False, action="start")


def test_a_company_responsible_for_the_item_may_be_assigned_through_the_end_day_equal_to_the_start() -> None:
    assign(planned_end_on=date(2026, 5, 1))
    assign(plan_items=("overhead-lines", "roads-kerbs"), utility_code="cable-tv")


def test_an_item_without_named_companies_takes_any_utility_in_the_directory() -> None:
    assign(item_code="rain-sewage-separation", utility_code="gas")


def test_an_item_the_catalogue_lacks_is_named_and_no_company_rule_is_applied() -> None:
    error = refused(assign, item_code="space-lift", utility_code="gas", plan_items=("space-lift",))
    assert error.errors == [
        FieldProblem("item_code", "catalogue_item", "zhengzhou-2019 has no item 'space-lift'")
    ]
    assert error.detail == "the pipeline work cannot be assigned as given"


def test_an_item_outside_the_approved_plan_is_refused_listing_the_plan_sorted() -> None:
    error = refused(assign, plan_items=("roads-kerbs", "rain-sewage-separation"))
    assert error.errors == [
        FieldProblem("item_code", "planned_item", "planned: rain-sewage-separation, roads-kerbs")
    ]


def test_a_company_missing_from_the_directory_is_refused() -> None:
    error = refused(assign, utility_code="ghost", utility_in_directory=False)
    assert error.errors == [FieldProblem("utility_code", "utility_company", "no utility company 'ghost'")]


def test_a_company_not_responsible_for_the_item_is_refused_citing_the_clause() -> None:
    error = refused(assign, utility_code="water")
    assert error.errors == [
        FieldProblem(
            "utility_code",
            "responsible_utility",
            "overhead-lines: power, telecom, cable-tv (zhengzhou-2019 六)",
        )
    ]
    error = refused(assign, profile=KAIFENG, item_code="gas-supply", utility_code="power")
    assert error.errors[0].message == "gas-supply: gas (kaifeng-2019 七(二))"


def test_a_planned_end_one_day_before_the_start_is_refused() -> None:
    error = refused(assign, planned_end_on=date(2026, 4, 30))
    assert error.errors == [
        FieldProblem("planned_end_on", "planned_end_not_before_start", "on or after 2026-05-01")
    ]


def test_every_fault_of_an_assignment_is_named_at_once() -> None:
    error = refused(
        assign,
        plan_items=("roads-kerbs",),
        utility_code="x",
        utility_in_directory=False,
        planned_end_on=date(2026, 1, 1),
    )
    assert [(p.field, p.rule) for p in error.errors] == [
        ("item_code", "planned_item"),
        ("utility_code", "utility_company"),
        ("planned_end_on", "planned_end_not_before_start"),
    ]


def test_an_assigned_work_starts_on_or_before_today_in_shanghai() -> None:
    check_start("assigned", TODAY, now=NOW, programme_issued_on=date(2019, 4, 3))
    error = refused(check_start, "assigned", date(2026, 6, 2), now=NOW, programme_issued_on=date(2019, 4, 3))
    assert [(p.field, p.rule) for p in error.errors] == [("started_on", "not_in_future")]
    error = refused(check_start, "assigned", date(2019, 4, 2), now=NOW, programme_issued_on=date(2019, 4, 3))
    assert [(p.field, p.rule) for p in error.errors] == [("started_on", "not_before_programme")]


def test_a_work_already_started_cannot_start_again() -> None:
    error = conflict(check_start, "started", TODAY, now=NOW, programme_issued_on=date(2019, 4, 3))
    assert error.current == "started" and error.allowed == ["completion"]
    assert error.errors == [FieldProblem("status", "pipeline_work_order", "allowed now: completion")]
    assert error.detail == "a pipeline work that is started cannot take 'start'; allowed now: completion"


def test_a_completed_work_takes_nothing_more() -> None:
    error = conflict(check_completion, "completed", TODAY, now=NOW, started_on=None)
    assert error.allowed == [] and error.errors[0].message == "allowed now: none"
    assert error.detail.endswith("cannot take 'completion'; allowed now: none")


def test_a_work_not_started_cannot_complete() -> None:
    error = conflict(check_completion, "assigned", TODAY, now=NOW, started_on=None)
    assert error.allowed == ["start"] and error.current == "assigned"


def test_a_started_work_completes_today_or_earlier_and_not_before_its_start() -> None:
    check_completion("started", TODAY, now=NOW, started_on=TODAY)
    check_completion("started", date(2020, 1, 1), now=NOW, started_on=None)
    error = refused(check_completion, "started", date(2026, 6, 2), now=NOW, started_on=None)
    assert error.errors == [
        FieldProblem("completed_on", "not_in_future", "give a date on or before 2026-06-01")
    ]
    assert error.detail == "completed_on 2026-06-02 is in the future (today is 2026-06-01 in Asia/Shanghai)"
    error = refused(check_completion, "started", date(2026, 5, 9), now=NOW, started_on=date(2026, 5, 10))
    assert error.errors == [
        FieldProblem("completed_on", "not_before_work_start", "give a date on or after 2026-05-10")
    ]
    assert error.detail == "completed_on 2026-05-09 is before the work started (2026-05-10)"


def test_no_open_work_lets_construction_complete() -> None:
    open_works_block_completion(ZHENGZHOU, "construction_started", [], audited=False)


def test_open_work_holds_up_completion_naming_each_work_and_offering_the_exemption() -> None:
    works = [
        OpenWork("w-1", "overhead-lines", "power", "assigned"),
        OpenWork("w-2", "overhead-lines", "telecom", "started"),
    ]
    error = conflict(open_works_block_completion, ZHENGZHOU, "construction_started", works, audited=False)
    assert error.detail == (
        "construction cannot be completed while pipeline work is open: "
        "overhead-lines by power (assigned, w-1); overhead-lines by telecom (started, w-2)"
    )
    assert error.current == "construction"
    assert error.allowed == ["progress-report", EXEMPTION_ACTION]
    assert error.errors == [
        FieldProblem("pipeline_works", "open_pipeline_work", "w-1: overhead-lines by power"),
        FieldProblem("pipeline_works", "open_pipeline_work", "w-2: overhead-lines by telecom"),
    ]


def test_the_actions_offered_beside_open_work_follow_whether_the_audit_is_recorded() -> None:
    works = [OpenWork("w-1", "overhead-lines", "power", "started")]
    audited = conflict(open_works_block_completion, ZHENGZHOU, "accepted", works, audited=True)
    assert audited.allowed == ["property-takeover"] and audited.current == "acceptance"
    open_audit = conflict(open_works_block_completion, ZHENGZHOU, "accepted", works, audited=False)
    assert open_audit.allowed == ["property-takeover", "final-accounts-audit"]


def test_only_open_work_of_the_project_may_be_exempted_each_once() -> None:
    check_exempted(["w-2", "w-1"], {"w-1", "w-2", "w-3"})
    error = refused(check_exempted, ["w-1", "w-9", "w-1", "w-9"], {"w-2", "w-1"})
    assert error.errors == [
        FieldProblem("work_ids.1", "open_work_of_project", "open: w-1, w-2"),
        FieldProblem("work_ids.2", "unique", "w-1 is listed twice"),
        FieldProblem("work_ids.3", "unique", "w-9 is listed twice"),
    ]
    assert error.detail == "only open pipeline work of this project can be exempted"


def test_with_no_open_work_nothing_can_be_exempted() -> None:
    error = refused(check_exempted, ["w-1"], set())
    assert error.errors == [FieldProblem("work_ids.0", "open_work_of_project", "open: none")]
