"""The ledger's column definition, cell reading, file sniffing and row validation (pure)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.registry.domain.ledger_columns import (
    COLUMNS,
    MAX_CELL_CHARS,
    MAX_IMPORT_BYTES,
    CellError,
    column_for,
    convert,
    template_csv,
    template_xlsx,
)
from services.registry.domain.ledger_import import (
    FileProblem,
    RawSheet,
    SpreadsheetFormat,
    map_headings,
    read_sheet,
    sniff,
    validate_rows,
)
from services.registry.models.communities import CommunityCreate
from shared.access import Principal, default_scopes
from shared.directory import OrganisationKind
from shared.policy import get_profile
from shared.web.body_limit import ROUTE_LIMITS

KAIFENG = get_profile("kaifeng-2019")
BY_FIELD = {c.field: c for c in COLUMNS}


def gulou() -> Principal:
    kind = OrganisationKind.DISTRICT
    return Principal(
        "u@kf-gulou", "kf-gulou", kind, default_scopes(kind, "kf-gulou"), district_code="kf-gulou"
    )


def test_every_body_field_of_a_registration_has_a_column() -> None:
    body_fields = set(CommunityCreate.model_fields) - {"programme_code"}
    assert body_fields <= set(BY_FIELD)
    assert len({c.heading for c in COLUMNS}) == len(COLUMNS)


def test_the_import_route_gets_the_documented_body_limit() -> None:
    assert ROUTE_LIMITS["/ledger/imports"] == MAX_IMPORT_BYTES


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("建筑面积（平方米）", "floor_area_m2"),
        ("建筑面积(平方米)", "floor_area_m2"),
        (" 户 数 ", "households"),
        ("households", "households"),
        ("Year built", "built_year"),
    ],
)
def test_a_heading_is_matched_by_its_chinese_or_english_name_or_field(heading: str, field: str) -> None:
    column = column_for(heading)
    assert column is not None and column.field == field


@pytest.mark.parametrize(
    ("field", "cell", "value"),
    [
        ("built_year", 1995.0, 1995),
        ("built_year", "１９９５", 1995),
        ("floor_area_m2", 25000.5, Decimal("25000.5")),
        ("floor_area_m2", " 1200.25 ", Decimal("1200.25")),
        ("demonstration", "是", True),
        ("demonstration", "", False),
        ("district_code", "鼓楼区", "kf-gulou"),
        ("district_code", "kf-gulou", "kf-gulou"),
        ("tier", "储备一批", "reserve"),
        ("exclusions", "城中村、urban-village", ["urban-village", "urban-village"]),
        ("name", "  文化路3号院 ", "文化路3号院"),
        ("notes", None, None),
    ],
)
def test_a_cell_is_read_as_its_column_says(field: str, cell: object, value: object) -> None:
    assert convert(BY_FIELD[field], cell, KAIFENG) == value


@pytest.mark.parametrize(
    ("field", "cell", "rule"),
    [
        ("built_year", 1995.5, "int_parsing"),
        ("built_year", "九五年", "int_parsing"),
        ("floor_area_m2", "大约", "decimal_parsing"),
        ("floor_area_m2", "NaN", "decimal_parsing"),
        ("demonstration", "也许", "ledger_flag"),
        ("tier", "以后再说", "programme_tier"),
        ("exclusions", "违章建筑", "known_exclusion"),
        ("notes", "长" * (MAX_CELL_CHARS + 1), "cell_too_long"),
    ],
)
def test_an_unreadable_cell_names_its_rule(field: str, cell: object, rule: str) -> None:
    with pytest.raises(CellError) as caught:
        convert(BY_FIELD[field], cell, KAIFENG)
    assert caught.value.rule == rule


def test_the_templates_carry_the_headings_and_nothing_to_import() -> None:
    csv_text = template_csv().decode("utf-8")
    assert csv_text.startswith("\ufeff") and csv_text.strip("\ufeff\r\n").split(",") == [
        c.heading for c in COLUMNS
    ]
    workbook = load_workbook(io.BytesIO(template_xlsx(KAIFENG)))
    assert [list(r) for r in workbook["台账"].iter_rows(values_only=True)] == [[c.heading for c in COLUMNS]]
    sheet = read_sheet(template_xlsx(KAIFENG), SpreadsheetFormat.XLSX)
    assert sheet.rows == [] and map_headings(sheet)[0] is BY_FIELD["name"]


@pytest.mark.parametrize(
    ("content", "media_type", "status", "rule"),
    [
        (b"%PDF-1.7", "application/pdf", 415, "spreadsheet_type"),
        (
            b"%PDF-1.7",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            422,
            "spreadsheet_unreadable",
        ),
        (b"\xd0\xcf\x11\xe0old xls", None, 422, "spreadsheet_unreadable"),
        (b"   ", "text/csv", 422, "spreadsheet_empty"),
    ],
)
def test_a_file_that_is_not_a_ledger_is_refused_by_kind(
    content: bytes, media_type: str | None, status: int, rule: str
) -> None:
    with pytest.raises(FileProblem) as caught:
        sniff(content, media_type)
    assert (caught.value.status, caught.value.rule) == (status, rule)


def test_a_damaged_workbook_or_a_non_utf8_csv_is_a_422() -> None:
    with pytest.raises(FileProblem) as caught:
        read_sheet(b"PK\x03\x04broken", SpreadsheetFormat.XLSX)
    assert caught.value.rule == "spreadsheet_unreadable"
    with pytest.raises(FileProblem) as caught:
        read_sheet("名称,户数\n院,3\n".encode("gbk"), SpreadsheetFormat.CSV)
    assert caught.value.rule == "spreadsheet_encoding"


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them_skipping_blank_lines() -> None:
    sheet = read_sheet("\ufeff名称,户数\r\n院一,3\r\n,\r\n院二,4\r\n".encode(), SpreadsheetFormat.CSV)
    assert sheet.headings == ["名称", "户数"]
    assert [(n, cells[0]) for n, cells in sheet.rows] == [(2, "院一"), (4, "院二")]


def test_unknown_repeated_or_missing_headings_are_named() -> None:
    headings = [c.heading for c in COLUMNS]
    for changed, words in [
        ([*headings, "楼层"], "楼层"),
        ([*headings, "户数"], "repeated"),
        ([h for h in headings if h != "户数"], "户数"),
    ]:
        with pytest.raises(FileProblem) as caught:
            map_headings(RawSheet(1, changed, []))
        assert caught.value.rule == "ledger_column" and words in str(caught.value)
    assert map_headings(RawSheet(1, ["序号", *headings], []))[0] is None  # the serial number is ignored


def test_rows_are_validated_as_a_registration_with_row_column_and_rule() -> None:
    headings = ["名称", "区", "建成年份", "楼栋数", "户数", "建筑面积（平方米）"]
    sheet = RawSheet(
        1,
        headings,
        [
            (2, ["好院", "", 1995.0, 6.0, 300.0, 1200.5]),
            (3, ["远院", "龙亭区", 1995.0, 6.0, 300.0, 1200.5]),
            (4, ["坏院", "", 1995.0, 0.0, 300.0, -1.0]),
            (5, ["好院", "鼓楼区", 1995.0, 6.0, 300.0, 1200.5]),
        ],
    )
    result = validate_rows(sheet, map_headings(sheet), KAIFENG, "kf-gulou", gulou())
    assert [r.row for r in result.valid] == [2]
    assert result.valid[0].body.district_code == "kf-gulou"
    assert {(p.row, p.column, p.rule) for p in result.problems} == {
        (3, "区", "own_district"),
        (4, "楼栋数", "greater_than_equal"),
        (4, "建筑面积（平方米）", "greater_than"),
        (5, "名称", "ledger_duplicate_row"),
    }
    assert result.invalid_rows == {3, 4, 5}
