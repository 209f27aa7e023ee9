"""Bounded input types every API body uses, so no value can overflow, smuggle or surprise.

Money is strict integer fen (a JSON string "100", a float 100.0 or 1e3 is refused, never
coerced) between 0 and `MONEY_CEILING_FEN`; counts have realistic maxima; text is normalised (NFC,
trimmed) and refused when blank or carrying control or bidirectional-override characters; dates
sit in a plausible static window (the domain adds the window that needs `now`). Why one module:
every service's request bodies share these limits, so an amount or a name is refused the same way
(a 422 naming the field and the rule) wherever it enters.

The JSON Schema of each type states exactly what its validator accepts (issue 7: "make the schemas
as strict as the rules"): `Name` and `Note` carry a `pattern` built from the same character set
`clean_text` refuses, and `DecimalText` a `pattern` its validator checks, so a client (or a
schema-driven fuzzer) never meets a schema-valid value the API refuses, nor the reverse.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictInt,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "MONEY_CEILING_FEN",
    "BODY",
    "DATE_PATTERN",
    "TEXT_PATTERN",
    "Count",
    "DecimalText",
    "EarliestDate",
    "Fen",
    "LatestDate",
    "Name",
    "Note",
    "ProcessDate",
    "SignedFen",
    "clean_text",
    "decimal_pattern",
]

MONEY_CEILING_FEN = 10**13
"""100 billion yuan in fen: far above any renovation project or programme, far below 2**63."""

EarliestDate = date(1990, 1, 1)
"""The earliest `ProcessDate`: before any of the programmes' communities were renovated."""

LatestDate = date(2100, 12, 31)
"""The latest `ProcessDate`: a typo guard; "not in the future" is the domain's check (needs now)."""

BODY = ConfigDict(extra="forbid")
"""Request bodies refuse unknown fields (a typo in an optional field is an error, not lost)."""

Fen = Annotated[StrictInt, Field(ge=0, le=MONEY_CEILING_FEN, description="Amount in fen (分).")]
"""A strict integer amount in fen, 0..`MONEY_CEILING_FEN`; "100", 100.0 and 1e3 are refused."""

SignedFen = Annotated[
    StrictInt,
    Field(ge=-MONEY_CEILING_FEN, le=MONEY_CEILING_FEN, description="Signed amount in fen (分)."),
]
"""A strict integer amount in fen that may be negative (adjustments, reversals), within ±ceiling."""


def Count(maximum: int, *, minimum: int = 0) -> object:  # noqa: N802 - reads as a type
    """A strict integer count between `minimum` and `maximum` (e.g. households in a community).

    Args:
        maximum: the largest realistic value.
        minimum: the smallest allowed value (0 by default).

    Returns:
        An `Annotated[int, ...]` usable as a field type.
    """
    return Annotated[StrictInt, Field(ge=minimum, le=maximum)]


_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
"""Control, format (bidi overrides, zero-width), surrogate and private-use characters."""
_KEPT = "\n\t"
_PRIVATE_PLANES = 0xF0000
"""Planes 15 and 16 are private use too, but allowed: as harmless as an unassigned code point, and
a pattern naming their 131,068 code points makes schema-driven test generators crawl."""


def _forbidden_ranges() -> list[tuple[int, int]]:
    """The code point ranges `clean_text` refuses, from this Python's Unicode database."""
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for code in range(sys.maxunicode + 2):
        bad = code < _PRIVATE_PLANES and (
            unicodedata.category(chr(code)) in _FORBIDDEN_CATEGORIES and chr(code) not in _KEPT
        )
        if bad and start is None:
            start = code
        elif not bad and start is not None:
            ranges.append((start, code - 1))
            start = None
    return ranges


def _class_item(code: int) -> str:
    """One code point inside a regex character class: escaped in the BMP, literal above it."""
    return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)


def _without_surrogates(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges minus U+D800..U+DFFF: a JSON Schema regex cannot name a surrogate (it is no
    character of UTF-8 text); the validator refuses a lone one all the same."""
    kept: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if lo < 0xD800:
            kept.append((lo, min(hi, 0xD7FF)))
        if hi > 0xDFFF:
            kept.append((max(lo, 0xE000), hi))
    return kept


def _class(ranges: list[tuple[int, int]]) -> str:
    """The inside of a character class naming these ranges."""
    return "".join(
        _class_item(lo) if lo == hi else f"{_class_item(lo)}-{_class_item(hi)}" for lo, hi in ranges
    )


_FORBIDDEN = _forbidden_ranges()
_FORBIDDEN_CLASS = _class(_without_surrogates(_FORBIDDEN))
_FORBIDDEN_RE = re.compile(f"[{_class(_FORBIDDEN)}]")
# Every character `str.strip()` removes (some of them are refused inside the text, e.g. "\r").
_SPACES = "".join(_class_item(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())

TEXT_PATTERN = (
    f"^[{_SPACES}]*[^{_FORBIDDEN_CLASS}{_SPACES}]"
    f"(?:[^{_FORBIDDEN_CLASS}]*[^{_FORBIDDEN_CLASS}{_SPACES}])?[{_SPACES}]*$"
)
"""What `clean_text` accepts, as a regular expression: after the surrounding whitespace, something
other than whitespace, and no control, format, surrogate or private-use character (newline and tab
allowed). In `Name` and `Note`'s JSON Schema; derived from the same Unicode data as the validator,
so the two cannot disagree (except on lone surrogates, which no regex can name and the validator
refuses)."""


def clean_text(value: str) -> str:
    """NFC-normalise and trim; refuse blank text and control, format or bidi characters.

    Used as the validator of `Name` and `Note`; newlines and tabs inside the text are kept. The
    text is accepted exactly when it matches `TEXT_PATTERN` (unassigned code points are allowed:
    which ones are unassigned changes with each Unicode version).

    Args:
        value: the text as received.

    Returns:
        The NFC-normalised text without leading or trailing whitespace.

    Raises:
        ValueError: blank after trimming, or a forbidden character (its code point named).
    """
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValueError("must not be blank")
    found = _FORBIDDEN_RE.search(text)
    if found:
        raise ValueError(f"must not contain control or formatting characters (U+{ord(found.group()):04X})")
    return text


class _JsonPattern:
    """Annotated metadata that adds a `pattern` to a string type's JSON Schema only (the type's
    own validator does the checking, with its own rule code and message)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


Name = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(clean_text), _JsonPattern(TEXT_PATTERN)
]
"""A short text (names, titles, references): 1..200 characters as received, then `clean_text`."""

Note = Annotated[
    str, Field(min_length=1, max_length=2000), AfterValidator(clean_text), _JsonPattern(TEXT_PATTERN)
]
"""A longer text (remarks, reasons): 1..2000 characters as received, then `clean_text`."""

_YEAR = "(?:199[0-9]|20[0-9]{2}|2100)"
_LEAP_YEAR = "(?:199[26]|20(?:[02468][048]|[13579][26]))"
DATE_PATTERN = (
    f"^(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    f"|02-(?:0[1-9]|1[0-9]|2[0-8]))|{_LEAP_YEAR}-02-29)$"
)
"""Every calendar date from `EarliestDate` to `LatestDate` written YYYY-MM-DD, and nothing else."""
_DATE_FORM = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _date_form(value: Any) -> Any:
    """Only YYYY-MM-DD text (or a `date`): pydantic would also take "2023-01-01T00:00:00" and Unix
    timestamps, which the schema does not state. Range and calendar are pydantic's checks after."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "must be a date written YYYY-MM-DD")
    if not _DATE_FORM.match(value):
        raise PydanticCustomError("date_parsing", "must be a date written YYYY-MM-DD")
    return value


ProcessDate = Annotated[
    date,
    BeforeValidator(_date_form),
    Field(ge=EarliestDate, le=LatestDate),
    _JsonPattern(DATE_PATTERN),
]
"""A calendar date of a process step, YYYY-MM-DD within `EarliestDate`..`LatestDate`; its schema's
`pattern` (`DATE_PATTERN`) names exactly the dates accepted."""


def decimal_pattern(*, places: int, maximum: Decimal, exclusive_minimum: bool = False) -> str:
    """A regular expression for the plain decimals from 0 (or just above) to `maximum`.

    Plain means digits, at most one point and at most `places` decimals, no sign, exponent,
    separator, space or leading zero: every string it matches is a value in range. When `maximum`
    is a power of ten the range is matched exactly; otherwise only up to the power of ten below it.

    Args:
        places: the most digits after the point (0 for none).
        maximum: the largest value (inclusive), at least 1.
        exclusive_minimum: refuse zero ("0", "0.00") as well.

    Returns:
        An anchored pattern, e.g. for 2 places up to 100:
        ``^(?:(?:0|[1-9][0-9]{0,1})(?:\\.[0-9]{1,2})?|100(?:\\.0{1,2})?)$``.

    Raises:
        ValueError: `maximum` below 1 or `places` negative.
    """
    if maximum < 1 or places < 0:
        raise ValueError("decimal_pattern needs maximum >= 1 and places >= 0")
    digits = len(str(int(maximum))) - 1  # values below 10**digits <= maximum
    fraction = f"(?:\\.[0-9]{{1,{places}}})?" if places else ""
    zeros = f"(?:\\.0{{1,{places}}})?" if places else ""
    leading = f"[1-9][0-9]{{0,{digits - 1}}}" if digits else None
    alternatives: list[str] = []
    if exclusive_minimum:
        if leading:
            alternatives.append(leading + fraction)
        if places:
            tails = [("0" * i) + f"[1-9][0-9]{{0,{places - 1 - i}}}" for i in range(places)]
            alternatives.append("0\\.(?:" + "|".join(tails) + ")")
    else:
        alternatives.append((f"(?:0|{leading})" if leading else "0") + fraction)
    if maximum == 10**digits:
        alternatives.append("1" + "0" * digits + zeros)
    return "^(?:" + "|".join(alternatives) + ")$"


def DecimalText(  # noqa: N802 - reads as a type
    *, places: int, maximum: Decimal, exclusive_minimum: bool = False
) -> object:
    """An exact decimal (areas, lengths): a JSON string matching `decimal_pattern`, or an integer.

    Why not a bare `Decimal`: pydantic also takes "1e3", " 1.5", "1_000", "٣" and floats, none of
    which a JSON Schema can state; this type accepts what its schema says and nothing else. A float
    is refused like a float ratio: it cannot hold 0.1 exactly (write "0.10"). The bounds and the
    places are still checked by pydantic first, so their rule codes (`decimal_max_places`,
    `less_than_equal` ...) are unchanged; a string pydantic takes that is not plain is refused with
    rule `decimal_format`.

    Args:
        places: the most digits after the point.
        maximum: the largest value (inclusive); a power of ten keeps the pattern exact.
        exclusive_minimum: refuse zero as well as negative values.

    Returns:
        An `Annotated[Decimal, ...]` usable as a field type; its validator raises
        `PydanticCustomError("decimal_format")` for a float or a string that is not plain.

    Raises:
        ValueError: `maximum` below 1 or `places` negative (from `decimal_pattern`).
    """
    pattern = decimal_pattern(places=places, maximum=maximum, exclusive_minimum=exclusive_minimum)
    matcher = re.compile(pattern)
    bounds = {"gt": 0} if exclusive_minimum else {"ge": 0}

    def exact(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Decimal:
        if isinstance(value, bool) or isinstance(value, float):
            raise PydanticCustomError(
                "decimal_format", 'write the number as a decimal string, e.g. "25000.50"'
            )
        result: Decimal = handler(value)
        if isinstance(value, str) and not matcher.fullmatch(value):
            raise PydanticCustomError(
                "decimal_format",
                "must be a plain decimal: digits, at most {places} after the point, no sign or exponent",
                {"places": places},
            )
        return result

    integer: dict[str, Any] = {"type": "integer", "maximum": int(maximum)}
    integer["exclusiveMinimum" if exclusive_minimum else "minimum"] = 0
    schema = {"anyOf": [{"type": "string", "pattern": pattern}, integer]}
    return Annotated[
        Decimal,
        Field(le=maximum, decimal_places=places, **bounds),  # type: ignore[arg-type]
        WrapValidator(exact),
        _WithSchema(schema),
    ]


class _WithSchema:
    """Annotated metadata replacing a type's JSON Schema (like pydantic's `WithJsonSchema`, kept
    here so `DecimalText` documents the exact alternatives its validator takes)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**self.schema, "anyOf": [dict(item) for item in self.schema["anyOf"]]}
