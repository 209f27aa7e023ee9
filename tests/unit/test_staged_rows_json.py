"""The JSON document staged rows go to PostgreSQL in (`shared.db.staged_rows._rows_json`): each
value as PostgreSQL reads it into its plain column, and a naive instant refused before anything is
sent. The stored values are compared with executemany's in tests/integration/test_staged_rows_postgres.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic_core import PydanticSerializationError

from shared.db.staged_rows import _rows_json


def test_values_are_written_as_postgresql_reads_them() -> None:
    event_id = uuid.uuid4()
    rows = [
        {
            "at": datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
            "fen": 9_007_199_254_740_993,  # past a double's exact integers
            "rate": Decimal("0.1235"),
            "nan": float("nan"),
            "id": event_id,
            "day": date(2026, 11, 25),
            "note": '中文 " \\',
            "flag": None,
        }
    ]
    (row,) = json.loads(_rows_json(rows, ("at",)))
    assert row == {
        "at": "2026-11-25T12:00:00.123456+08:00",
        "fen": 9_007_199_254_740_993,
        "rate": "0.1235",
        "nan": "NaN",
        "id": str(event_id),
        "day": "2026-11-25",
        "note": '中文 " \\',
        "flag": None,
    }


@pytest.mark.parametrize("bad", [datetime(2026, 11, 25, 12, 0), date(2026, 11, 25), "2026-11-25T12:00:00Z"])
def test_an_instant_column_takes_only_an_aware_datetime(bad: object) -> None:
    rows = [{"at": datetime.now(UTC)}, {"at": bad}]
    with pytest.raises(ValueError, match="at: an instant must be a timezone-aware datetime"):
        _rows_json(rows, ("at",))


def test_a_null_or_left_out_instant_is_written_as_such() -> None:
    rows = [{"at": None, "n": 1}, {"n": 2}]
    assert json.loads(_rows_json(rows, ("at",))) == [{"at": None, "n": 1}, {"n": 2}]


def test_a_value_with_no_json_form_is_refused() -> None:
    with pytest.raises(PydanticSerializationError):
        _rows_json([{"x": object()}], ())
