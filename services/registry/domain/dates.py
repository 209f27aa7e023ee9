"""When a step may be dated: not in the future, not before its programme, not before the last step.

"Today" is the calendar day in Asia/Shanghai at `now`, so a step signed on the morning of the
1st in Zhengzhou is not "in the future" while UTC still reads the 31st.
"""

from __future__ import annotations

from datetime import date, datetime

from shared.clock import shanghai_date
from shared.errors import FieldProblem, RuleViolation


def check_step_date(
    field: str,
    on: date,
    *,
    now: datetime,
    programme_issued_on: date,
    previous_on: date | None,
) -> None:
    """Refuse a step date in the future, before the programme was issued, or before the last step.

    Args:
        field: the body field that carries the date, named in the problem.
        on: the date the step happened.
        now: the service clock's instant.
        programme_issued_on: the issue date of the programme's plan.
        previous_on: the date of the project's last step, if any.

    Raises:
        RuleViolation: naming `field` and the rule (not_in_future, not_before_programme,
            not_before_previous_step).
    """
    today = shanghai_date(now)
    if on > today:
        raise RuleViolation(
            f"{field} {on} is in the future (today is {today} in Asia/Shanghai)",
            [FieldProblem(field, "not_in_future", f"give a date on or before {today}")],
        )
    if on < programme_issued_on:
        raise RuleViolation(
            f"{field} {on} is before the programme was issued ({programme_issued_on})",
            [FieldProblem(field, "not_before_programme", f"give a date on or after {programme_issued_on}")],
        )
    if previous_on is not None and on < previous_on:
        raise RuleViolation(
            f"{field} {on} is before the project's previous step ({previous_on})",
            [FieldProblem(field, "not_before_previous_step", f"give a date on or after {previous_on}")],
        )


def check_registered_on(on: date, *, now: datetime, programme_year: int) -> None:
    """Refuse a project's ledger date in the future or before its programme's year began.

    A district enters a project with the day it entered its ledger (台账), which may be earlier
    than today; a programme's ledger opens on 1 January of the year its profile names (`year`):
    the plans set each year's tasks (e.g. Zhengzhou 2019 三, tasks for 2019–2020).

    Args:
        on: the business date the project entered the ledger.
        now: the service clock's instant.
        programme_year: the profile's `year`.

    Raises:
        RuleViolation: naming `registered_on` (not_in_future, not_before_programme_year).
    """
    today = shanghai_date(now)
    if on > today:
        raise RuleViolation(
            f"registered_on {on} is in the future (today is {today} in Asia/Shanghai)",
            [FieldProblem("registered_on", "not_in_future", f"give a date on or before {today}")],
        )
    opens = date(programme_year, 1, 1)
    if on < opens:
        raise RuleViolation(
            f"registered_on {on} is before the programme's year {programme_year}",
            [FieldProblem("registered_on", "not_before_programme_year", f"give a date on or after {opens}")],
        )
