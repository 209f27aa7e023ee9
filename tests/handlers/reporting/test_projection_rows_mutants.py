"""The rows a transaction's merged deltas are written with on PostgreSQL: one JSON array, in key
order (so replicas lock rows in the same order), each row naming its programme, district, period
start and time, and only the figures its events named (the statement coalesces the rest to 0).

SQLite never takes this path, so the parameter is checked as built; the statement it feeds is
proven against PostgreSQL by the integration tier.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from services.reporting.handlers.projections import _json_rows, _Pending

EARLY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)


def _pending(now: datetime, **amounts: int) -> _Pending:
    row = _Pending(now)
    row.add(amounts, now)
    return row


def test_rows_are_one_compact_json_array_in_key_order_with_only_the_figures_named() -> None:
    pending = {
        ("zhengzhou-2019", "zz-jinshui", date(2026, 11, 20)): _pending(LATE, accepted_projects=2),
        ("zhengzhou-2019", "zz-erqi", date(2026, 11, 21)): _pending(
            EARLY, registered_projects=1, paid_fen=-5
        ),
        ("kaifeng-2019", "kf-gulou", date(2026, 11, 1)): _pending(EARLY, registered_projects=3),
    }
    parameter = _json_rows(pending, "day")
    assert list(parameter) == ["rows"]
    assert json.loads(parameter["rows"]) == [
        {
            "registered_projects": 3,
            "programme_code": "kaifeng-2019",
            "district_code": "kf-gulou",
            "day": "2026-11-01",
            "updated_at": "2026-11-20T02:00:00+00:00",
        },
        {
            "registered_projects": 1,
            "paid_fen": -5,
            "programme_code": "zhengzhou-2019",
            "district_code": "zz-erqi",
            "day": "2026-11-21",
            "updated_at": "2026-11-20T02:00:00+00:00",
        },
        {
            "accepted_projects": 2,
            "programme_code": "zhengzhou-2019",
            "district_code": "zz-jinshui",
            "day": "2026-11-20",
            "updated_at": "2026-11-20T03:30:00+00:00",
        },
    ]
    assert " " not in parameter["rows"]  # compact: one parameter of a batch can be large


def test_a_month_row_names_its_period_month() -> None:
    pending = {("zhengzhou-2019", "zz-jinshui", date(2026, 11, 1)): _pending(EARLY, accepted_projects=1)}
    (row,) = json.loads(_json_rows(pending, "month")["rows"])
    assert row["month"] == "2026-11-01" and "day" not in row
