"""Central funds as funding applies them (Kaifeng 三: 117 listed communities; 七(二): Housing proposes,
Finance allocates; 七(三): per project, priority to complete approvals and fast progress): who may
act, the listed projects Housing states, and what the ranking is fed for each project."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.funding.domain.central_funds import (
    Known,
    candidate,
    check_listed,
    has_central_funds,
    may_approve,
    may_propose,
    need_fen,
    not_listed_reason,
    progress,
    weights,
)
from shared.access import OrganisationKind, Principal
from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, get_profile

KAIFENG = get_profile("kaifeng-2019")
ZHENGZHOU = get_profile("zhengzhou-2019")
A, B, C, D = (uuid.UUID(int=n) for n in (1, 2, 3, 4))


def department(code: str, kind: OrganisationKind = OrganisationKind.DEPARTMENT) -> Principal:
    return Principal(subject=f"{code}-clerk", org_code=code, org_kind=kind)


def known(project_id: uuid.UUID, programme: str = "kaifeng-2019", **changes: object) -> Known:
    fields: dict[str, object] = {
        "project_id": project_id,
        "district_code": "kf-gulou",
        "programme_code": programme,
        "name": None,
        "steps": {},
        "progress_percent": None,
        "completed": False,
        "investment_fen": None,
        "covered_fen": 0,
    }
    return Known(**{**fields, **changes})  # type: ignore[arg-type]


def listing(limit: int) -> ProgrammeProfile:
    """Kaifeng with room for `limit` listed communities instead of 117."""
    assert KAIFENG.funding is not None and KAIFENG.funding.central_subsidy is not None
    central = KAIFENG.funding.central_subsidy.model_copy(update={"funded_communities": limit})
    return KAIFENG.model_copy(
        update={"funding": KAIFENG.funding.model_copy(update={"central_subsidy": central})}
    )


def test_housing_proposes_and_finance_allocates_and_no_one_else() -> None:
    assert may_propose(department("housing"), KAIFENG)
    assert not may_propose(department("finance"), KAIFENG)
    assert not may_propose(department("housing", OrganisationKind.OFFICE), KAIFENG)
    assert may_approve(department("finance"), KAIFENG)
    assert not may_approve(department("housing"), KAIFENG)
    assert not may_approve(department("finance", OrganisationKind.DISTRICT), KAIFENG)


def test_a_programme_without_central_funds_has_no_proposer_or_allocator() -> None:
    assert not may_propose(department("housing"), ZHENGZHOU)
    assert not may_approve(department("finance"), ZHENGZHOU)
    assert has_central_funds(KAIFENG)
    assert not has_central_funds(ZHENGZHOU)


def test_kaifengs_list_holds_up_to_117_communities() -> None:
    ids = [uuid.UUID(int=n) for n in range(1, 119)]
    projects = {i: known(i) for i in ids}
    check_listed(KAIFENG, ids[:117], projects)
    with pytest.raises(RuleViolation) as refused:
        check_listed(KAIFENG, ids, projects)
    assert refused.value.errors == [
        FieldProblem(
            "listed_project_ids", "within_listed_count", "at most 117 listed communities (kaifeng-2019 三)"
        )
    ]


def test_the_listed_count_comes_from_the_profile() -> None:
    projects = {p: known(p) for p in (A, B, C)}
    check_listed(listing(2), [A, B], projects)
    with pytest.raises(RuleViolation) as refused:
        check_listed(listing(2), [A, B, C], projects)
    assert [p.rule for p in refused.value.errors] == ["within_listed_count"]
    assert refused.value.errors[0].message.startswith("at most 2 listed communities")


def test_each_offending_listed_project_is_named_by_its_position() -> None:
    projects = {A: known(A), B: known(B, programme="zhengzhou-2019")}
    with pytest.raises(RuleViolation) as refused:
        check_listed(KAIFENG, [A, A, B, C], projects)
    assert refused.value.detail == "the central-fund list is refused"
    assert refused.value.errors == [
        FieldProblem("listed_project_ids.1", "unique", f"{A} is listed twice"),
        FieldProblem("listed_project_ids.2", "same_programme", f"{B} belongs to zhengzhou-2019"),
        FieldProblem("listed_project_ids.3", "known_project", f"funding has heard of no project {C}"),
    ]


def test_an_empty_list_is_accepted() -> None:
    check_listed(KAIFENG, [], {})


def test_the_need_is_the_investment_no_source_covers_yet() -> None:
    assert need_fen(known(A, investment_fen=1_000_000, covered_fen=250_000)) == 750_000
    assert need_fen(known(A, investment_fen=1_000_000, covered_fen=1_000_000)) == 0
    assert need_fen(known(A, investment_fen=1_000_000, covered_fen=1_000_001)) == 0
    assert need_fen(known(A, investment_fen=None, covered_fen=0)) == 0


def test_progress_is_the_reported_percent_or_all_of_it_once_completed() -> None:
    assert progress(known(A, progress_percent=45)) == Decimal("0.45")
    assert progress(known(A, progress_percent=None)) == Decimal(0)
    assert progress(known(A, progress_percent=40, completed=True)) == Decimal(1)


def test_a_candidate_counts_only_the_four_approval_steps_and_when_the_last_was_done() -> None:
    steps = {
        "approval": date(2019, 9, 1),
        "design_review": date(2019, 10, 2),
        "cost_review": date(2019, 11, 3),
        "tender": date(2019, 10, 20),
        "completion": date(2020, 6, 30),  # not an approval step: neither counted nor dated
    }
    project = known(A, steps=steps, progress_percent=30, investment_fen=900, covered_fen=100)
    seen = candidate(KAIFENG, project)
    assert seen.key == A
    assert seen.steps_done == frozenset({"approval", "design_review", "cost_review", "tender"})
    assert seen.steps_complete_on == date(2019, 11, 3)
    assert seen.progress == Decimal("0.30")
    assert seen.need_fen == 800


def test_a_candidate_missing_one_approval_step_has_no_completion_day() -> None:
    steps = {"approval": date(2019, 9, 1), "design_review": date(2019, 10, 2), "tender": date(2019, 12, 1)}
    seen = candidate(KAIFENG, known(B, steps=steps))
    assert seen.steps_done == frozenset({"approval", "design_review", "tender"})
    assert seen.steps_complete_on is None
    assert seen.progress == 0 and seen.need_fen == 0


def test_the_weights_are_shown_as_the_profile_states_them() -> None:
    assert weights(KAIFENG) == "0.50/0.30/0.20"


def test_a_project_left_off_the_list_is_told_why_with_the_count_and_clause() -> None:
    assert not_listed_reason(KAIFENG) == (
        "not on the list of 117 centrally funded communities (kaifeng-2019 三): no central funds"
    )
    assert "list of 5 centrally" in not_listed_reason(listing(5))
