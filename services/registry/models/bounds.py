"""The registry's realistic maxima, named once so bodies, queries and tests agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Query
from pydantic import Field

from shared.policy.models.base import Code as PolicyCode
from shared.types import clean_text

MAX_HOUSEHOLDS = 50_000
"""A community, or a contiguous group of them (集中连片), above any real one in the four cities."""
MAX_BUILDINGS = 2_000
MAX_FLOOR_AREA_M2 = Decimal("10000000")
"""Ten square kilometres of floor area."""
MAX_OFFSET = 1_000_000
MAX_LIMIT = 500
MAX_LIST_ITEMS = 100
"""Items in a plan, defects in a failed acceptance, signatures on a form."""

Code = PolicyCode
"""A profile code (programme, district, item, party): lower-case words joined by hyphens."""

FloorArea = Annotated[Decimal, Field(gt=0, le=MAX_FLOOR_AREA_M2, max_digits=12, decimal_places=2)]
Percent = Annotated[int, Field(strict=True, ge=0, le=100)]
TextFilter = Annotated[str, Query(min_length=1, max_length=200)]
"""A text filter on a list: compared, never stored, so any text is accepted (and matches nothing odd)."""


def text_filter(value: str | None) -> tuple[bool, str | None]:
    """(can match, the filter as stored names are) for a text filter.

    Stored names are cleaned (`shared.types.clean_text`), so a filter that is not clean text
    (a NUL, a bidi override, blank) can match nothing: say so instead of sending it to the database.
    """
    if value is None:
        return True, None
    try:
        return True, clean_text(value)
    except ValueError:
        return False, None
