"""The shared input types' JSON Schemas state exactly what their validators accept (issue 7 item 8)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.types import (
    DATE_PATTERN,
    TEXT_PATTERN,
    DecimalText,
    Name,
    Note,
    ProcessDate,
    clean_text,
    decimal_pattern,
)

TEXT = re.compile(TEXT_PATTERN)
# every kind of character the rules care about, with ordinary text around them (a lone surrogate
# is not text a JSON Schema regex can name: tested on its own below)
AWKWARD = st.sampled_from(
    list("\x00\x0b\r\n\t \u3000\u00a0\u202e\u200b\ufeff\ue000\U000e0001\u0301a名😀\U00050000")
)
MIXED = st.lists(st.one_of(AWKWARD, st.characters(exclude_categories=["Cs"])), max_size=12).map("".join)


def _accepts(value: str) -> bool:
    try:
        clean_text(value)
    except ValueError:
        return False
    return True


@settings(max_examples=250, deadline=None, database=None)
@given(MIXED)
def test_clean_text_accepts_exactly_what_the_text_pattern_matches(value: str) -> None:
    assert _accepts(value) == bool(TEXT.search(value)), repr(value)


@settings(max_examples=100, deadline=None, database=None)
@given(st.from_regex(TEXT, fullmatch=True))
def test_every_string_the_text_pattern_generates_is_accepted(value: str) -> None:
    assert _accepts(value), repr(value)


@pytest.mark.parametrize("value", ["\x00名字", "名字\u202e", "   ", "", "a\rb"])
def test_nul_bidi_overrides_and_blank_are_outside_the_pattern(value: str) -> None:
    assert not TEXT.search(value) and not _accepts(value)


def test_a_lone_surrogate_no_pattern_can_name_is_refused_by_the_validator() -> None:
    assert not _accepts("名\ud800字")


def test_the_patterns_are_usable_by_schema_driven_tools() -> None:
    # schemathesis drops a pattern its Rust validator cannot compile, and then generates anything
    from schemathesis.core.jsonschema.patterns import enforced_pattern

    assert enforced_pattern(TEXT_PATTERN) is not None
    assert enforced_pattern(AREA_PATTERN.pattern) is not None
    assert enforced_pattern(DATE_PATTERN) is not None


class Body(BaseModel):
    name: Name
    note: Note | None = None
    tags: list[Name] = []


def test_name_and_note_schemas_carry_the_pattern_and_their_lengths() -> None:
    schema = Body.model_json_schema()["properties"]
    assert schema["name"]["pattern"] == TEXT_PATTERN
    assert (schema["name"]["minLength"], schema["name"]["maxLength"]) == (1, 200)
    (text, null) = schema["note"]["anyOf"]
    assert text["pattern"] == TEXT_PATTERN and text["maxLength"] == 2000 and null == {"type": "null"}
    assert schema["tags"]["items"]["pattern"] == TEXT_PATTERN


FLOOR_AREA = DecimalText(places=2, maximum=Decimal(10_000_000), exclusive_minimum=True)
AREA = TypeAdapter(FLOOR_AREA)
AREA_PATTERN = re.compile(decimal_pattern(places=2, maximum=Decimal(10_000_000), exclusive_minimum=True))


def _area(value: object) -> Decimal | None:
    try:
        return AREA.validate_python(value)  # type: ignore[no-any-return]
    except ValidationError:
        return None


@settings(max_examples=150, deadline=None, database=None)
@given(st.from_regex(AREA_PATTERN, fullmatch=True))
def test_every_decimal_string_the_schema_allows_is_accepted(value: str) -> None:
    assert _area(value) is not None, value


DECIMALISH = st.one_of(
    st.from_regex(r"[+\- ]?[0-9٣１]{0,9}(\.[0-9]{0,4})?([eE][+-]?[0-9])?[ _\n]?", fullmatch=True),
    st.text(max_size=6),
)


@settings(max_examples=250, deadline=None, database=None)
@given(DECIMALISH)
def test_a_decimal_string_is_accepted_exactly_when_the_pattern_matches(value: str) -> None:
    # fullmatch: in a JSON Schema (ECMA-262) pattern `$` never matches before a final newline
    assert (_area(value) is not None) == bool(AREA_PATTERN.fullmatch(value)), repr(value)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("25000.50", True),
        ("0.01", True),
        ("10000000", True),
        ("10000000.00", True),
        (25000, True),
        ("", False),
        ("0", False),
        ("0.00", False),
        ("1e3", False),
        (" 1.5", False),
        ("1_000", False),
        ("٣", False),
        ("25000.50\n", False),
        ("10000000.01", False),
        (25000.5, False),  # a float cannot hold every decimal: written as a string
        (True, False),
    ],
)
def test_decimal_text_examples(value: object, accepted: bool) -> None:
    assert (_area(value) is not None) == accepted


def test_pydantic_rule_codes_are_kept_for_places_and_bounds() -> None:
    with pytest.raises(ValidationError) as places:
        AREA.validate_python("12.345")
    assert places.value.errors()[0]["type"] == "decimal_max_places"
    with pytest.raises(ValidationError) as plain:
        AREA.validate_python("1e3")
    assert plain.value.errors()[0]["type"] == "decimal_format"


def test_decimal_text_schema_is_a_patterned_string_or_a_bounded_integer() -> None:
    schema = AREA.json_schema()
    assert schema["anyOf"] == [
        {"type": "string", "pattern": AREA_PATTERN.pattern},
        {"type": "integer", "maximum": 10_000_000, "exclusiveMinimum": 0},
    ]


DATES = TypeAdapter(ProcessDate)
DATE = re.compile(DATE_PATTERN)


def _date(value: object) -> bool:
    try:
        DATES.validate_python(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=200, deadline=None, database=None)
@given(st.from_regex(DATE, fullmatch=True))
def test_every_date_the_pattern_allows_is_accepted(value: str) -> None:
    assert _date(value), value


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.one_of(
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
        st.dates().map(date.isoformat),
        st.text(max_size=12),
    )
)
def test_a_date_is_accepted_exactly_when_the_pattern_matches(value: str) -> None:
    assert _date(value) == bool(DATE.fullmatch(value)), value


@pytest.mark.parametrize(
    "value", ["2023-01-01T00:00:00", 946684800, "0001-01-01", "9999-12-31", "2100-02-29"]
)
def test_datetimes_timestamps_and_dates_out_of_the_window_are_refused(value: object) -> None:
    assert not _date(value)
