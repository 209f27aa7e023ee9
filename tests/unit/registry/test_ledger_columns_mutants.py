"""The ledger's columns (`services.registry.domain.ledger_columns`): how each cell a spreadsheet
holds is read, what an unreadable one is refused with, and what the templates tell a district
(Kaifeng 六(三) asks for the library tier, the demonstration flag and the 117 central-fund list)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.registry.domain import ledger_columns
from services.registry.domain.ledger_columns import (
    COLUMNS,
    MAX_CELL_CHARS,
    CellError,
    column_for,
    convert,
    heading_key,
    help_rows,
    template_csv,
    template_xlsx,
)
from shared.policy import get_profile

KAIFENG = get_profile("kaifeng-2019")
ZHENGZHOU = get_profile("zhengzhou-2019")
BY_FIELD = {c.field: c for c in COLUMNS}
HELP_HEADINGS = ["列名", "字段", "必填", "填写说明", "示例", "可填写的值"]


@pytest.fixture(autouse=True)
def fresh_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test reads the programme's names anew (the module keeps them per programme)."""
    monkeypatch.setattr(ledger_columns, "_NAMES", {})


def read(field: str, cell: object, profile: object = KAIFENG) -> object:
    return convert(BY_FIELD[field], cell, profile)  # type: ignore[arg-type]


def refusal(field: str, cell: object, profile: object = KAIFENG) -> CellError:
    with pytest.raises(CellError) as caught:
        read(field, cell, profile)
    return caught.value


def test_a_heading_is_compared_after_nfkc_without_spaces_in_lower_case() -> None:
    assert heading_key(" 建筑面积（平方米） ") == "建筑面积(平方米)"
    assert heading_key("Year\u3000 Built\n") == "yearbuilt"
    assert column_for("YEAR BUILT") is BY_FIELD["built_year"]
    assert column_for("楼层") is None


def test_a_cell_error_carries_its_rule_and_message() -> None:
    error = CellError("ledger_flag", "write 是 or 否")
    assert error.rule == "ledger_flag" and str(error) == "write 是 or 否"


@pytest.mark.parametrize("cell", ["是", "Y", "yes", " TRUE ", "1", "√", "✓", "有", 1.0, 1, True])
def test_a_flag_cell_saying_yes_in_any_usual_way_is_true(cell: object) -> None:
    assert read("demonstration", cell) is True


@pytest.mark.parametrize("cell", ["否", "n", "No", "false", "0", "×", "无", "", "   ", None, 0.0, False])
def test_a_flag_cell_saying_no_or_nothing_is_false(cell: object) -> None:
    assert read("centrally_funded", cell) is False


def test_a_flag_cell_saying_anything_else_asks_for_yes_or_no() -> None:
    error = refusal("demonstration", " 也许 ")
    assert (error.rule, str(error)) == ("ledger_flag", "'也许': write 是 or 否")
    assert str(refusal("demonstration", 2.0)) == "'2': write 是 or 否"


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (1995.0, 1995),
        (1995, 1995),
        ("１９９５", 1995),
        (" +12 ", 12),
        ("-3", -3),
        ("320.00", 320),
        ("7.0", 7),
    ],
)
def test_a_whole_number_cell_is_read_from_a_float_an_int_or_text(cell: object, value: int) -> None:
    result = read("households", cell)
    assert result == value and type(result) is int


def test_a_whole_number_held_by_a_float_subclass_is_read_too() -> None:
    class Float(float):
        """What a numeric library hands over instead of a plain float (numpy.float64 is one)."""

    assert read("households", Float(320.0)) == 320
    assert refusal("households", Float(320.5)).rule == "int_parsing"


def test_yes_or_no_in_a_number_column_is_not_a_number() -> None:
    assert refusal("households", "是").rule == "int_parsing"
    assert refusal("floor_area_m2", "否").rule == "decimal_parsing"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (True, "must be a whole number"),
        (1995.5, "1995.5 is not a whole number"),
        ("12.5", "'12.5' is not a whole number"),
        (" 三百 ", "'三百' is not a whole number"),
        ("1,200", "'1,200' is not a whole number"),
    ],
)
def test_a_cell_that_is_not_a_whole_number_is_refused(cell: object, message: str) -> None:
    error = refusal("buildings", cell)
    assert (error.rule, str(error)) == ("int_parsing", message)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (0.1, Decimal("0.1")),
        (25000.5, Decimal("25000.5")),
        (12, Decimal(12)),
        ("１２.５０", Decimal("12.50")),
    ],
)
def test_an_area_cell_is_read_as_the_decimal_a_person_sees(cell: object, value: Decimal) -> None:
    result = read("floor_area_m2", cell)
    assert result == value and str(result) == str(value)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (False, "must be a number"),
        ("大约", "'大约' is not a number"),
        ("Infinity", "'Infinity' is not a number"),
        (" -inf ", "'-inf' is not a number"),
        ("sNaN", "'sNaN' is not a number"),
    ],
)
def test_an_area_cell_that_is_not_a_finite_number_is_refused(cell: object, message: str) -> None:
    error = refusal("floor_area_m2", cell)
    assert (error.rule, str(error)) == ("decimal_parsing", message)


def test_a_text_cell_is_trimmed_and_blank_text_is_no_value() -> None:
    assert read("name", "  文化路3号院\t") == "文化路3号院"
    assert read("address", " \n ") is None
    assert read("address", None) is None


def test_a_text_cell_holding_a_number_or_a_date_is_read_as_people_write_them() -> None:
    assert read("address", 12.0) == "12"
    assert read("address", 12.5) == "12.5"
    assert read("notes", 7) == "7"
    assert read("notes", date(2020, 3, 1)) == "2020-03-01"
    assert read("notes", datetime(2020, 3, 1, 8, 30)) == "2020-03-01T08:30:00"


def test_a_cell_of_exactly_the_longest_length_is_read_and_one_more_character_refused() -> None:
    assert read("notes", "长" * MAX_CELL_CHARS) == "长" * MAX_CELL_CHARS
    error = refusal("notes", "长" * (MAX_CELL_CHARS + 1))
    assert (error.rule, str(error)) == ("cell_too_long", "longer than 2000 characters")
    assert refusal("demonstration", "是" * (MAX_CELL_CHARS + 1)).rule == "cell_too_long"


def test_a_district_is_named_by_code_or_chinese_name_and_an_unknown_one_is_kept_as_written() -> None:
    assert read("district_code", "鼓楼区") == "kf-gulou"
    assert read("district_code", " KF-GULOU ") == "kf-gulou"
    assert read("district_code", "金水区") == "金水区"
    assert read("district_code", 101.0) == "101"
    assert read("district_code", "") is None


def test_a_tier_is_named_by_code_or_chinese_name() -> None:
    assert read("tier", "实施一批") == "implement"
    assert read("tier", "Plan") == "plan"
    assert read("tier", None) is None


def test_a_tier_the_programme_lacks_is_refused_naming_the_cell() -> None:
    error = refusal("tier", "以后再说")
    assert (error.rule, str(error)) == (
        "programme_tier",
        "'以后再说' is not a library tier of this programme",
    )
    assert refusal("tier", "实施一批", ZHENGZHOU).rule == "programme_tier"  # Zhengzhou 2019 has no tiers


def test_exclusions_are_split_on_every_usual_separator_and_read_by_name_or_code() -> None:
    cell = "城中村，self-built-housing-area；以居民自建住房为主的区域,\n three-supplies-one-property;、"
    assert read("exclusions", cell) == [
        "urban-village",
        "self-built-housing-area",
        "self-built-housing-area",
        "three-supplies-one-property",
    ]
    assert read("exclusions", "") is None


def test_an_exclusion_the_programme_lacks_is_refused_naming_it() -> None:
    error = refusal("exclusions", "城中村、违章建筑")
    assert (error.rule, str(error)) == ("known_exclusion", "'违章建筑' is not an exclusion of this programme")


def test_each_programme_reads_its_own_district_names() -> None:
    assert read("district_code", "金水区", ZHENGZHOU) == "zz-jinshui"
    assert read("district_code", "鼓楼区", KAIFENG) == "kf-gulou"
    assert read("exclusions", "已列入棚户区改造", ZHENGZHOU) == ["shanty-town-programme"]


def test_every_exclusion_name_the_template_offers_is_read_back() -> None:
    """Kaifeng 四's shanty-town exclusion has a 、 in its name: it is still one exclusion."""
    for exclusion in KAIFENG.eligibility.exclusions:
        assert read("exclusions", exclusion.name_zh) == [exclusion.code]
    everything = "、".join(e.name_zh for e in KAIFENG.eligibility.exclusions)
    assert read("exclusions", everything) == [e.code for e in KAIFENG.eligibility.exclusions]


def test_the_instructions_sheet_describes_every_column_without_a_programme() -> None:
    rows = help_rows()
    assert rows[0] == HELP_HEADINGS
    assert len(rows) == len(COLUMNS) + 1
    assert rows[1] == ["名称", "name", "是", "小区名称，最长200字", "文化路3号院", ""]
    assert rows[2] == ["地址", "address", "否", "详细地址", "金水区文化路3号", ""]
    assert rows[6] == ["建成年份", "built_year", "是", "四位年份，如1995", "1995", ""]
    assert all(row[5] == "" for row in rows[1:])


def test_the_instructions_sheet_lists_a_programmes_districts_exclusions_and_tiers() -> None:
    allowed = {row[1]: row[5] for row in help_rows(KAIFENG)[1:]}
    assert allowed["district_code"] == "、".join(d.name_zh for d in KAIFENG.jurisdiction.districts)
    assert allowed["district_code"].startswith("龙亭区、顺河回族区、鼓楼区")
    assert allowed["tier"] == "实施一批、谋划一批、储备一批"
    assert allowed["exclusions"].endswith("、以居民自建住房为主的区域、城中村、已实施“三供一业”改造的小区")
    assert {field for field, values in allowed.items() if values} == {"district_code", "tier", "exclusions"}
    assert {row[1]: row[5] for row in help_rows(ZHENGZHOU)[1:]}["tier"] == ""


def test_the_csv_template_is_one_crlf_heading_line_with_a_bom() -> None:
    content = template_csv()
    assert content.startswith("\ufeff".encode()) and content.endswith(b"\r\n") and content.count(b"\r\n") == 1
    assert next(csv.reader(io.StringIO(content.decode("utf-8-sig")))) == [c.heading for c in COLUMNS]


def test_the_xlsx_template_has_the_ledger_sheet_first_and_the_instructions_after() -> None:
    book = load_workbook(io.BytesIO(template_xlsx(KAIFENG)))
    assert book.sheetnames == ["台账", "说明"]
    guide = [
        [cell if cell is not None else "" for cell in row] for row in book["说明"].iter_rows(values_only=True)
    ]
    assert guide == help_rows(KAIFENG)
    plain = load_workbook(io.BytesIO(template_xlsx()))
    assert [list(r) for r in plain["说明"].iter_rows(values_only=True)][0] == HELP_HEADINGS
