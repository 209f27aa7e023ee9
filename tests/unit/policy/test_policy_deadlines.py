"""A deadline the plan set before its own issue date is past at issue, never overdue (issue 16
item 6: Kaifeng 六(三) asks for plans by 2019-12-15 in a plan issued on 2019-12-29)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import mutated

from shared.policy import (
    DeadlineStatus,
    ProfileError,
    bundled_profiles,
    deadline_status,
    deadlines,
    get_profile,
    load_profile,
    past_at_issue,
)

PROFILES = bundled_profiles()
ALL_DEADLINES = [(code, d.code) for code, p in sorted(PROFILES.items()) for d in deadlines(p)]


def test_kaifeng_county_plans_were_due_before_the_plan_was_issued() -> None:
    """六(三): 2019年12月15日前，制定完善本县(区)老旧小区改造工作实施方案和细则."""
    kf = get_profile("kaifeng-2019")
    rule = next(d for d in deadlines(kf) if d.code == "county-implementation-plan")
    assert rule.clause == "六(三)"
    assert rule.due_on < kf.issued_on
    assert past_at_issue(kf, rule)
    for day in (kf.issued_on, rule.due_on + timedelta(days=365)):
        assert deadline_status(kf, rule, day) is DeadlineStatus.PAST_AT_ISSUE


def test_zhongyuan_tender_window_closed_before_issue() -> None:
    """三(一): 2013年上半年开展工程预算及招投标工作, in a plan issued on 2013-07-08."""
    zy = get_profile("zhongyuan-2013")
    assert past_at_issue(zy, "budget-and-tender")
    assert deadline_status(zy, "budget-and-tender", zy.issued_on) is DeadlineStatus.PAST_AT_ISSUE


@pytest.mark.parametrize(("code", "deadline"), ALL_DEADLINES)
def test_status_follows_the_dates_in_the_profile(code: str, deadline: str) -> None:
    profile = PROFILES[code]
    rule = next(d for d in deadlines(profile) if d.code == deadline)
    if past_at_issue(profile, rule):
        assert rule.note, "a deadline past at issue must say so"
        return
    assert deadline_status(profile, rule, rule.due_on) is DeadlineStatus.OPEN
    assert deadline_status(profile, rule, rule.due_on + timedelta(days=1)) is DeadlineStatus.PASSED
    if rule.starts_on is not None and rule.starts_on > profile.issued_on:
        before = rule.starts_on - timedelta(days=1)
        assert deadline_status(profile, rule, before) is DeadlineStatus.UPCOMING
        assert deadline_status(profile, rule, rule.starts_on) is DeadlineStatus.OPEN


def test_unknown_deadline_is_refused() -> None:
    with pytest.raises(KeyError):
        past_at_issue(get_profile("kaifeng-2019"), "no-such-deadline")
    foreign = deadlines(get_profile("zhongyuan-2013"))[0]
    with pytest.raises(KeyError):
        deadline_status(get_profile("kaifeng-2019"), foreign, foreign.due_on)


def test_a_deadline_before_issue_without_a_note_is_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        planning = next(s for s in data["lifecycle"]["stages"] if s["code"] == "planning")
        planning["deadlines"][0].pop("note")

    with pytest.raises(ProfileError, match="before the plan was issued"):
        load_profile(mutated(tmp_path, "kaifeng-2019", change))
