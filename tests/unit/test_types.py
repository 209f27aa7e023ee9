"""The bounded input types: counts, plain decimals, clean text and process dates.

Most of these types and patterns are built once when `shared.types` is imported; the tests here
build them again (with small, hand-checked arguments) so that what the builders produce is itself
under test, not only the module constants they made.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.types import (
    Count,
    DecimalText,
    ProcessDate,
    _class,
    _class_item,
    _forbidden_ranges,
    _JsonPattern,
    _without_surrogates,
    clean_text,
    decimal_pattern,
)


def _error(adapter: TypeAdapter[Any], value: object) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    (error,) = caught.value.errors()
    return dict(error)


# --- Count ------------------------------------------------------------------------------------


def test_a_count_takes_zero_and_its_maximum() -> None:
    households = TypeAdapter(Count(5))
    assert households.validate_python(0) == 0
    assert households.validate_python(5) == 5


def test_a_count_refuses_a_negative_value_and_one_above_its_maximum() -> None:
    households = TypeAdapter(Count(5))
    assert _error(households, -1)["type"] == "greater_than_equal"
    assert _error(households, 6)["type"] == "less_than_equal"


def test_a_count_with_a_minimum_refuses_the_value_below_it() -> None:
    floors = TypeAdapter(Count(30, minimum=1))
    assert _error(floors, 0)["type"] == "greater_than_equal"
    assert floors.validate_python(1) == 1


@pytest.mark.parametrize("value", ["3", 3.0, True])
def test_a_count_is_a_strict_integer(value: object) -> None:
    assert _error(TypeAdapter(Count(5)), value)["type"] == "int_type"


def test_a_count_schema_states_both_bounds() -> None:
    assert TypeAdapter(Count(5, minimum=2)).json_schema() == {"type": "integer", "minimum": 2, "maximum": 5}


# --- decimal_pattern ----------------------------------------------------------------------------

# places=2, maximum=100: below 10**2 up to two digits before the point, then exactly 100
UP_TO_100 = r"^(?:(?:0|[1-9][0-9]{0,1})(?:\.[0-9]{1,2})?|100(?:\.0{1,2})?)$"
# the same above zero: no "0" alone, and after "0." some decimal that is not zero
ABOVE_0_UP_TO_100 = (
    r"^(?:[1-9][0-9]{0,1}(?:\.[0-9]{1,2})?|0\.(?:[1-9][0-9]{0,1}|0[1-9][0-9]{0,0})|100(?:\.0{1,2})?)$"
)


def test_the_pattern_for_two_places_up_to_a_hundred() -> None:
    assert decimal_pattern(places=2, maximum=Decimal(100)) == UP_TO_100


def test_the_pattern_for_two_places_above_zero_up_to_a_hundred() -> None:
    assert decimal_pattern(places=2, maximum=Decimal(100), exclusive_minimum=True) == ABOVE_0_UP_TO_100


@pytest.mark.parametrize(
    ("places", "maximum", "exclusive_minimum", "pattern"),
    [
        (0, 1, False, "^(?:0|1)$"),
        (0, 1, True, "^(?:1)$"),
        (0, 10, False, "^(?:(?:0|[1-9][0-9]{0,0})|10)$"),
        (2, 5, False, r"^(?:0(?:\.[0-9]{1,2})?)$"),  # not a power of ten: only below 1
        (1, 5, True, r"^(?:0\.(?:[1-9][0-9]{0,0}))$"),
        (2, 250, False, r"^(?:(?:0|[1-9][0-9]{0,1})(?:\.[0-9]{1,2})?)$"),  # only below 100
    ],
)
def test_patterns_for_small_and_uneven_maxima(
    places: int, maximum: int, exclusive_minimum: bool, pattern: str
) -> None:
    assert decimal_pattern(places=places, maximum=Decimal(maximum), exclusive_minimum=exclusive_minimum) == (
        pattern
    )


@pytest.mark.parametrize("text", ["0", "0.0", "0.00", "5", "5.5", "99", "99.99", "100", "100.0", "100.00"])
def test_plain_decimals_from_zero_to_a_hundred_match(text: str) -> None:
    assert re.fullmatch(decimal_pattern(places=2, maximum=Decimal(100)), text)


@pytest.mark.parametrize(
    "text",
    ["100.01", "101", "999", "1000", "1e2", "01", "00", "-1", "+1", "0.001", "1.", ".5", "1,5", " 1", ""],
)
def test_out_of_range_or_not_plain_decimals_do_not_match(text: str) -> None:
    assert not re.fullmatch(decimal_pattern(places=2, maximum=Decimal(100)), text)


@pytest.mark.parametrize("text", ["0.01", "0.1", "0.10", "0.99", "1", "99.99", "100", "100.00"])
def test_above_zero_every_positive_plain_decimal_matches(text: str) -> None:
    assert re.fullmatch(decimal_pattern(places=2, maximum=Decimal(100), exclusive_minimum=True), text)


@pytest.mark.parametrize("text", ["0", "0.0", "0.00", "0.001", "0.012", "0.123", "100.01"])
def test_above_zero_zero_itself_and_a_third_decimal_do_not_match(text: str) -> None:
    assert not re.fullmatch(decimal_pattern(places=2, maximum=Decimal(100), exclusive_minimum=True), text)


@pytest.mark.parametrize(
    ("text", "matches"), [("0", True), ("5", True), ("10", True), ("11", False), ("5.0", False)]
)
def test_without_places_only_whole_numbers_match(text: str, matches: bool) -> None:
    assert bool(re.fullmatch(decimal_pattern(places=0, maximum=Decimal(10)), text)) == matches


@pytest.mark.parametrize(("places", "maximum"), [(2, Decimal("0.5")), (2, Decimal(0)), (-1, Decimal(100))])
def test_a_maximum_below_one_or_negative_places_are_refused(places: int, maximum: Decimal) -> None:
    with pytest.raises(ValueError, match=r"^decimal_pattern needs maximum >= 1 and places >= 0$"):
        decimal_pattern(places=places, maximum=maximum)


# --- DecimalText --------------------------------------------------------------------------------


def test_a_decimal_text_takes_plain_strings_and_integers_as_exact_decimals() -> None:
    area = TypeAdapter(DecimalText(places=2, maximum=Decimal(100)))
    assert area.validate_python("99.99") == Decimal("99.99")
    assert area.validate_python("0") == Decimal(0)
    assert area.validate_python("100.00") == Decimal(100)
    assert area.validate_python(25) == Decimal(25)
    assert area.validate_python(0) == Decimal(0)


def test_a_decimal_text_above_zero_refuses_zero_as_text_or_integer() -> None:
    area = TypeAdapter(DecimalText(places=2, maximum=Decimal(100), exclusive_minimum=True))
    assert _error(area, 0)["type"] == "greater_than"
    assert _error(area, "0.00")["type"] == "greater_than"
    assert area.validate_python("0.01") == Decimal("0.01")
    assert area.validate_python(1) == Decimal(1)


def test_a_decimal_text_keeps_pydantics_rule_codes_for_bounds_and_places() -> None:
    area = TypeAdapter(DecimalText(places=2, maximum=Decimal(100)))
    assert _error(area, -1)["type"] == "greater_than_equal"
    assert _error(area, 101)["type"] == "less_than_equal"
    assert _error(area, "100.01")["type"] == "less_than_equal"
    assert _error(area, "1.234")["type"] == "decimal_max_places"


@pytest.mark.parametrize("value", [2.5, 1.0, True, False])
def test_a_decimal_text_refuses_floats_and_booleans(value: object) -> None:
    error = _error(TypeAdapter(DecimalText(places=2, maximum=Decimal(100))), value)
    assert (error["type"], error["msg"]) == (
        "decimal_format",
        'write the number as a decimal string, e.g. "25000.50"',
    )


@pytest.mark.parametrize("value", ["1e1", "01", " 5", "5 ", "1_0"])
def test_a_decimal_text_refuses_a_string_that_is_not_plain_naming_its_places(value: str) -> None:
    error = _error(TypeAdapter(DecimalText(places=3, maximum=Decimal(100))), value)
    assert error["type"] == "decimal_format"
    assert error["msg"] == "must be a plain decimal: digits, at most 3 after the point, no sign or exponent"
    assert error["ctx"] == {"places": 3}


@pytest.mark.parametrize("value", ["5\n", "99.99\n"])
def test_a_trailing_newline_is_refused_as_the_schema_pattern_refuses_it(value: str) -> None:
    # in a JSON Schema (ECMA-262) pattern `$` is the end of the text, never "before a final newline"
    assert _error(TypeAdapter(DecimalText(places=2, maximum=Decimal(100))), value)["type"] == "decimal_format"


def test_a_decimal_text_schema_is_the_pattern_or_an_integer_from_zero() -> None:
    schema = TypeAdapter(DecimalText(places=2, maximum=Decimal(100))).json_schema()
    assert schema == {
        "anyOf": [
            {"type": "string", "pattern": UP_TO_100},
            {"type": "integer", "maximum": 100, "minimum": 0},
        ]
    }


def test_a_decimal_text_schema_above_zero_has_an_exclusive_minimum() -> None:
    schema = TypeAdapter(DecimalText(places=2, maximum=Decimal(100), exclusive_minimum=True)).json_schema()
    assert schema == {
        "anyOf": [
            {"type": "string", "pattern": ABOVE_0_UP_TO_100},
            {"type": "integer", "maximum": 100, "exclusiveMinimum": 0},
        ]
    }


def test_a_decimal_text_with_an_impossible_range_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="maximum >= 1"):
        DecimalText(places=2, maximum=Decimal("0.5"))


# --- clean_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   ", "\n\t", "\u3000"])
def test_blank_text_is_refused_as_blank(value: str) -> None:
    with pytest.raises(ValueError) as caught:
        clean_text(value)
    assert str(caught.value) == "must not be blank"


@pytest.mark.parametrize(
    ("value", "code"), [("名字\u202e", "U+202E"), ("a\x00b", "U+0000"), ("a\u200bb", "U+200B")]
)
def test_a_forbidden_character_is_named_by_its_code_point(value: str, code: str) -> None:
    with pytest.raises(ValueError) as caught:
        clean_text(value)
    assert str(caught.value) == f"must not contain control or formatting characters ({code})"


# --- the forbidden characters and their regex class ---------------------------------------------


def test_the_forbidden_controls_spare_tab_and_newline() -> None:
    ranges = _forbidden_ranges()
    assert ranges[:3] == [(0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F)]


def test_soft_hyphen_zero_width_bidi_and_byte_order_marks_are_forbidden() -> None:
    ranges = _forbidden_ranges()
    for expected in [
        (0x00AD, 0x00AD),  # soft hyphen
        (0x200B, 0x200F),  # zero-width space, joiners, left-to-right and right-to-left marks
        (0x202A, 0x202E),  # bidi embeddings and overrides
        (0x2060, 0x2064),  # word joiner, invisible operators
        (0x2066, 0x206F),  # bidi isolates and deprecated format controls
        (0xD800, 0xF8FF),  # surrogates, then the BMP private-use area
        (0xFEFF, 0xFEFF),  # byte order mark
        (0xFFF9, 0xFFFB),  # interlinear annotation
    ]:
        assert expected in ranges, [hex(code) for code in expected]


def test_the_forbidden_ranges_end_with_the_language_tags_below_plane_fifteen() -> None:
    ranges = _forbidden_ranges()
    assert ranges[-1] == (0xE0020, 0xE007F)
    assert all(lo <= hi < 0xF0000 for lo, hi in ranges)
    assert all(hi + 1 < lo for (_, hi), (lo, _) in zip(ranges, ranges[1:], strict=False))


def test_surrogates_are_cut_out_of_the_ranges() -> None:
    assert _without_surrogates([(0xD800, 0xF8FF)]) == [(0xE000, 0xF8FF)]
    assert _without_surrogates([(0xD000, 0xDFFF)]) == [(0xD000, 0xD7FF)]
    assert _without_surrogates([(0xD800, 0xE000)]) == [(0xE000, 0xE000)]
    assert _without_surrogates([(0xD7FF, 0xE000)]) == [(0xD7FF, 0xD7FF), (0xE000, 0xE000)]
    assert _without_surrogates([(0xD800, 0xDFFF)]) == []


def test_ranges_clear_of_the_surrogates_are_kept_as_they_are() -> None:
    ranges = [(0x00, 0x08), (0x202A, 0x202E), (0xE0020, 0xE007F)]
    assert _without_surrogates(ranges) == ranges


def test_a_class_item_is_escaped_in_the_basic_plane_and_literal_above_it() -> None:
    assert _class_item(0x0B) == "\\u000b"
    assert _class_item(0xFFFF) == "\\uffff"
    assert _class_item(0x10000) == "\U00010000"
    assert _class_item(0xE0001) == "\U000e0001"


def test_a_class_names_single_code_points_and_ranges() -> None:
    assert _class([(0x00, 0x08), (0xAD, 0xAD), (0xE0020, 0xE007F)]) == (
        "\\u0000-\\u0008\\u00ad\U000e0020-\U000e007f"
    )


def test_a_class_matches_exactly_the_code_points_of_its_ranges() -> None:
    forbidden = re.compile(f"[{_class([(0x0B, 0x0D), (0x10000, 0x10000)])}]")
    assert [bool(forbidden.search(text)) for text in ["\x0a", "\x0b", "\x0d", "\x0e", "\U00010000", "0"]] == [
        False,
        True,
        True,
        False,
        True,
        False,
    ]


# --- schema metadata and process dates ----------------------------------------------------------


def test_a_json_pattern_is_added_to_the_string_schema() -> None:
    code = TypeAdapter(Annotated[str, _JsonPattern("^[A-Z]{3}$")])
    assert code.json_schema() == {"type": "string", "pattern": "^[A-Z]{3}$"}


def test_a_process_date_that_is_not_text_is_refused_as_a_date_type() -> None:
    error = _error(TypeAdapter(ProcessDate), 20240101)
    assert (error["type"], error["msg"]) == ("date_type", "must be a date written YYYY-MM-DD")


@pytest.mark.parametrize("value", ["2024-01-01T00:00:00", "2024-1-1", "20240101"])
def test_a_process_date_in_another_form_is_refused_as_a_parsing_error(value: str) -> None:
    error = _error(TypeAdapter(ProcessDate), value)
    assert (error["type"], error["msg"]) == ("date_parsing", "must be a date written YYYY-MM-DD")


def test_a_process_date_takes_a_date_or_its_text() -> None:
    dates = TypeAdapter(ProcessDate)
    assert dates.validate_python("2024-02-29") == date(2024, 2, 29)
    assert dates.validate_python(date(2024, 2, 29)) == date(2024, 2, 29)
