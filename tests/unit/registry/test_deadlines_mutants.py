"""Deadline boundaries: met on the due day itself, and the scope of a demonstration area."""

from __future__ import annotations

from datetime import date

from services.registry.domain.deadlines import Standing, scopes_of, track
from shared.policy import StageCode, get_profile
from shared.policy.models.lifecycle import DeadlineScope

ZY = get_profile("zhongyuan-2013")


def test_a_community_in_a_demonstration_area_is_in_that_scope_only() -> None:
    assert scopes_of(demonstration=False, centrally_funded=False, in_area=True) == {
        DeadlineScope.DEMONSTRATION_AREA
    }
    assert scopes_of(demonstration=False, centrally_funded=False, in_area=False) == set()


def test_works_started_on_the_due_day_meet_the_deadline_in_time() -> None:
    # Zhongyuan 2013: works start by 31 July 2013; starting that very day is on time.
    timeline = [
        ("tender", "opened", date(2013, 7, 10)),
        ("tender", "tender_awarded", date(2013, 7, 20)),
        ("construction", "construction_started", date(2013, 7, 31)),
    ]
    tracked = {t.deadline.code: t for t in track(ZY, set(), timeline, date(2013, 8, 15))}
    start = tracked["construction-start"]
    assert (start.step, start.standing, start.met_on) == (
        StageCode.CONSTRUCTION,
        Standing.MET,
        date(2013, 7, 31),
    )
    assert tracked["acceptance-window"].step is StageCode.ACCEPTANCE
