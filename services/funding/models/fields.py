"""Request-body field types whose JSON schema states every rule pydantic checks, so a request the
OpenAPI document calls valid is never refused for a rule the document does not show.

Dates carry a pattern for the platform's window (1990..2100, shared.types) because JSON Schema's
`format: date` has no minimum; codes, areas and free text carry the patterns they are checked by.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StrictStr, WithJsonSchema

from shared.types import Name, Note, ProcessDate

_YEAR = r"(199\d|20\d\d|2100)"
_DAY_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
_MONTH_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])-01$"
_AREA_PATTERN = r"^([1-9]\d{0,7}(\.\d{1,2})?|0\.(0[1-9]|[1-9]\d?))$"
_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"


def _area_string(value: object) -> object:
    """Only a plain decimal string ("25000.50"): no JSON number (it may be a float), no exponent."""
    if not isinstance(value, str) or re.fullmatch(_AREA_PATTERN, value) is None:
        raise ValueError(
            'square metres as a decimal string above 0 with at most two decimals, e.g. "25000.50"'
        )
    return value


def _first_of_month(value: object) -> object:
    if getattr(value, "day", 1) != 1:
        raise ValueError("must be the first day of a month")
    return value


Day = Annotated[
    ProcessDate,
    WithJsonSchema({"type": "string", "format": "date", "pattern": _DAY_PATTERN, "examples": ["2026-11-20"]}),
]
"""A calendar day in the platform's window, 1990-01-01..2100-12-31."""

Month = Annotated[
    ProcessDate,
    AfterValidator(_first_of_month),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": _MONTH_PATTERN, "examples": ["2026-12-01"]}
    ),
]
"""A month, given as its first day."""

AreaM2 = Annotated[
    Decimal,
    BeforeValidator(_area_string),
    Field(gt=0, lt=100_000_000, max_digits=10, decimal_places=2),
    WithJsonSchema({"type": "string", "pattern": _AREA_PATTERN, "examples": ["25000.50"]}),
]
"""Square metres as a decimal string (at most two decimals, above 0, below 10^8); never a float."""

Code = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", examples=["owners"])]
"""A profile code (a source, an item)."""

Text = Annotated[
    Name, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "pattern": _TEXT_PATTERN})
]
LongText = Annotated[
    Note, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 2000, "pattern": _TEXT_PATTERN})
]


def _central_programmes() -> list[str]:
    from shared.policy import bundled_profiles

    return sorted(
        code
        for code, profile in bundled_profiles().items()
        if profile.funding is not None
        and profile.funding.central_subsidy is not None
        and profile.funding.central_subsidy.ranking is not None
    )


CentralProgramme = Annotated[
    StrictStr,
    Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$"),
    WithJsonSchema({"type": "string", "enum": _central_programmes()}),
]
"""A programme whose profile ranks central funds (the bundled ones in the schema; the handler
asks the injected profiles, so any other code is a 422 `has_central_funds`)."""
