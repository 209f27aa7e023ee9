"""Importing a ledger spreadsheet (`services.registry.domain.ledger_import`), as a district sees it:
which files are taken, how rows are numbered and read, what each refusal names, and when a row
is new, unchanged, a duplicate or past Kaifeng's central-fund list (三: 117 communities)."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from services.registry.domain import ledger_columns, ledger_import
from services.registry.domain.ledger_columns import COLUMNS, MAX_CELL_CHARS, MAX_COLUMNS, template_xlsx
from services.registry.domain.ledger_import import (
    XLSX_MEDIA_TYPE,
    FileProblem,
    Problem,
    RawSheet,
    SpreadsheetFormat,
    ValidRow,
    map_headings,
    natural_key,
    over_central_fund_list,
    read_sheet,
    same_facts,
    sniff,
    validate_rows,
)
from shared.access import Principal, default_scopes
from shared.directory import OrganisationKind
from shared.policy import get_profile

KAIFENG = get_profile("kaifeng-2019")
ZHENGZHOU = get_profile("zhengzhou-2019")
REQUIRED = ["名称", "建成年份", "楼栋数", "户数", "建筑面积（平方米）"]
GOOD = ["好院", 1995.0, 6.0, 300.0, 1200.5]


@pytest.fixture(autouse=True)
def fresh_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test reads the programme's names anew (the module keeps them per programme)."""
    monkeypatch.setattr(ledger_columns, "_NAMES", {})


def gulou() -> Principal:
    kind = OrganisationKind.DISTRICT
    return Principal(
        "u@kf-gulou", "kf-gulou", kind, default_scopes(kind, "kf-gulou"), district_code="kf-gulou"
    )


def file_problem(call: object, *args: object) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def workbook(*sheets: tuple[str, list[list[object]]], start_row: int = 1) -> bytes:
    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for _ in range(start_row - 1):
            sheet.append([])
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def validate(headings: list[str], *rows: list[object], profile: object = KAIFENG) -> ledger_import.Validation:
    sheet = RawSheet(1, headings, [(n, cells) for n, cells in enumerate(rows, start=2)])
    return validate_rows(sheet, map_headings(sheet), profile, "kf-gulou", gulou())  # type: ignore[arg-type]


# --- sniff: which uploads are spreadsheets -------------------------------------------------


@pytest.mark.parametrize(
    "media_type",
    [
        None,
        "",
        "text/csv",
        "text/csv; charset=utf-8",
        " Text/CSV ",
        "application/csv",
        "text/plain",
        "application/octet-stream",
        "binary/octet-stream",
    ],
)
def test_text_declared_as_csv_or_as_nothing_in_particular_is_read_as_csv(media_type: str | None) -> None:
    assert sniff("名称,户数\n院,3\n".encode(), media_type) is SpreadsheetFormat.CSV


@pytest.mark.parametrize(
    "media_type", [None, XLSX_MEDIA_TYPE, f"{XLSX_MEDIA_TYPE}; charset=binary", "application/octet-stream"]
)
def test_a_zip_declared_as_a_workbook_or_as_nothing_in_particular_is_read_as_xlsx(
    media_type: str | None,
) -> None:
    assert sniff(template_xlsx(), media_type) is SpreadsheetFormat.XLSX


def test_a_media_type_that_is_no_spreadsheet_is_a_415_naming_it() -> None:
    error = file_problem(sniff, b"%PDF-1.7", "Application/PDF; version=1.7")
    assert (error.status, error.rule) == (415, "spreadsheet_type")
    assert str(error) == "'application/pdf' is not a ledger format: upload XLSX or CSV (UTF-8)"


@pytest.mark.parametrize("content", [b"", b" \r\n\t "])
def test_an_empty_upload_is_a_422(content: bytes) -> None:
    error = file_problem(sniff, content, "text/csv")
    assert (error.status, error.rule, str(error)) == (422, "spreadsheet_empty", "the file is empty")


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"PK\x03\x04 a workbook", "text/csv"),  # a workbook renamed .csv
        (b"name,households\n", XLSX_MEDIA_TYPE),  # a CSV renamed .xlsx
        (b"\xd0\xcf\x11\xe0 an old .xls", "application/octet-stream"),
    ],
)
def test_content_that_is_not_what_was_declared_is_a_422_asking_for_xlsx_or_csv(
    content: bytes, media_type: str
) -> None:
    error = file_problem(sniff, content, media_type)
    assert (error.status, error.rule) == (422, "spreadsheet_unreadable")
    assert str(error) == "not an XLSX workbook (save it as .xlsx, or as CSV UTF-8)"


# --- read_sheet: CSV ------------------------------------------------------------------------


def test_a_csv_keeps_a_line_break_inside_a_quoted_cell_as_written() -> None:
    sheet = read_sheet('名称,备注\r\n院,"一楼\r\n二楼"\r\n'.encode(), SpreadsheetFormat.CSV)
    assert sheet.rows == [(2, ["院", "一楼\r\n二楼"])]


def test_a_csv_saved_with_old_mac_line_endings_is_read_row_by_row() -> None:
    sheet = read_sheet("名称,户数\r院一,3\r院二,4\r".encode(), SpreadsheetFormat.CSV)
    assert sheet.rows == [(2, ["院一", "3"]), (3, ["院二", "4"])]


def test_a_csv_with_a_bom_reads_its_first_heading_without_it() -> None:
    sheet = read_sheet("\ufeff名称,户数\n院,3\n".encode(), SpreadsheetFormat.CSV)
    assert sheet.headings == ["名称", "户数"] and sheet.heading_row == 1


def test_a_csv_that_is_not_utf8_is_refused_with_the_excel_hint() -> None:
    error = file_problem(read_sheet, "名称,户数\n院,3\n".encode("gbk"), SpreadsheetFormat.CSV)
    assert (error.status, error.rule) == (422, "spreadsheet_encoding")
    assert str(error) == "a CSV must be UTF-8 (in Excel: Save As, CSV UTF-8)"


def test_a_csv_with_binary_content_is_refused() -> None:
    error = file_problem(read_sheet, b"name,households\n\x00\x01,3\n", SpreadsheetFormat.CSV)
    assert (error.status, error.rule, str(error)) == (
        422,
        "spreadsheet_unreadable",
        "not a CSV file (binary content)",
    )


def test_a_csv_cell_beyond_the_csv_readers_limit_is_a_422_not_a_crash() -> None:
    limit = csv.field_size_limit()
    content = f'名称\n"{"长" * (limit + 1)}"\n'.encode()
    error = file_problem(read_sheet, content, SpreadsheetFormat.CSV)
    assert (error.status, error.rule) == (422, "spreadsheet_unreadable")
    assert str(error).startswith("the CSV cannot be read: ") and "field larger than field limit" in str(error)


def test_blank_lines_before_the_headings_move_the_heading_row_and_whitespace_rows_are_skipped() -> None:
    sheet = read_sheet("\n , \n名称,户数\n院一,0\n  ,\t\n院二,4\n".encode(), SpreadsheetFormat.CSV)
    assert sheet.heading_row == 3
    assert sheet.rows == [(4, ["院一", "0"]), (6, ["院二", "4"])]


def test_headings_are_trimmed_and_cut_at_the_longest_cell_and_cells_past_the_headings_dropped() -> None:
    long_heading = "长" * (MAX_CELL_CHARS + 5)
    sheet = read_sheet(f" 名称 ,{long_heading}\n院,3,多余,也多余\n".encode(), SpreadsheetFormat.CSV)
    assert sheet.headings == ["名称", "长" * MAX_CELL_CHARS]
    assert sheet.rows == [(2, ["院", "3"])]


def test_a_sheet_with_nothing_in_it_has_no_heading_row() -> None:
    error = file_problem(read_sheet, b" \n,,\n", SpreadsheetFormat.CSV)
    assert (error.status, error.rule, str(error)) == (
        422,
        "spreadsheet_empty",
        "the sheet has no heading row",
    )


def test_sixty_four_columns_are_read_and_sixty_five_refused() -> None:
    read_sheet((",".join(f"h{i}" for i in range(MAX_COLUMNS)) + "\n").encode(), SpreadsheetFormat.CSV)
    wide = (",".join(f"h{i}" for i in range(MAX_COLUMNS + 1)) + "\n").encode()
    error = file_problem(read_sheet, wide, SpreadsheetFormat.CSV)
    assert (error.status, error.rule, str(error)) == (422, "spreadsheet_too_wide", "more than 64 columns")


def test_the_row_limit_takes_exactly_its_number_of_data_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_import, "MAX_IMPORT_ROWS", 3)
    sheet = read_sheet("名称\n一\n二\n三\n".encode(), SpreadsheetFormat.CSV)
    assert [n for n, _ in sheet.rows] == [2, 3, 4]
    error = file_problem(read_sheet, "名称\n一\n二\n三\n四\n".encode(), SpreadsheetFormat.CSV)
    assert (error.status, error.rule) == (422, "spreadsheet_too_long")
    assert str(error) == "more than 3 rows: split the ledger into files"


# --- read_sheet: XLSX -----------------------------------------------------------------------


def test_the_sheet_named_taizhang_is_read_wherever_it_stands() -> None:
    content = workbook(("说明", [["列名"], ["名称"]]), ("台账", [["名称", "户数"], ["院", 3]]))
    sheet = read_sheet(content, SpreadsheetFormat.XLSX)
    assert sheet.headings == ["名称", "户数"] and sheet.rows == [(2, ["院", 3])]


def test_without_a_taizhang_sheet_the_first_sheet_is_read() -> None:
    content = workbook(("Sheet1", [["名称"], ["一院"]]), ("Sheet2", [["户数"], [9]]))
    assert read_sheet(content, SpreadsheetFormat.XLSX).rows == [(2, ["一院"])]


def test_xlsx_rows_are_numbered_as_excel_shows_them_when_the_ledger_starts_lower_down() -> None:
    content = workbook(("台账", [["名称", "户数"], ["院一", 3], [None, None], ["院二", 4]]), start_row=3)
    sheet = read_sheet(content, SpreadsheetFormat.XLSX)
    assert sheet.heading_row == 3
    assert [(n, cells[0]) for n, cells in sheet.rows] == [(4, "院一"), (6, "院二")]


def test_an_empty_ledger_sheet_has_no_heading_row() -> None:
    error = file_problem(read_sheet, workbook(("台账", [])), SpreadsheetFormat.XLSX)
    assert (error.status, error.rule, str(error)) == (
        422,
        "spreadsheet_empty",
        "the sheet has no heading row",
    )


def test_a_blank_heading_cell_is_read_as_an_empty_heading() -> None:
    content = workbook(("台账", [["名称", None, "户数"], ["院", None, 3]]))
    assert read_sheet(content, SpreadsheetFormat.XLSX).headings == ["名称", "", "户数"]


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    error = file_problem(read_sheet, out.getvalue(), SpreadsheetFormat.XLSX)
    assert (error.status, error.rule, str(error)) == (422, "spreadsheet_unreadable", "not an XLSX workbook")


def test_a_damaged_zip_is_refused_as_damaged() -> None:
    error = file_problem(read_sheet, b"PK\x03\x04broken", SpreadsheetFormat.XLSX)
    assert str(error) == "not an XLSX workbook (a damaged file?)" and error.status == 422


def test_a_workbook_calamine_cannot_read_is_refused_with_its_reason() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    error = file_problem(read_sheet, out.getvalue(), SpreadsheetFormat.XLSX)
    assert (error.status, error.rule) == (422, "spreadsheet_unreadable")
    assert str(error).startswith("the workbook cannot be read: ")


def test_a_workbook_inflating_past_the_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    content = workbook(("台账", [["名称"], ["院"]]))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        inflated = sum(info.file_size for info in archive.infolist())
    monkeypatch.setattr(ledger_import, "MAX_UNCOMPRESSED_BYTES", inflated)
    assert read_sheet(content, SpreadsheetFormat.XLSX).rows == [(2, ["院"])]
    monkeypatch.setattr(ledger_import, "MAX_UNCOMPRESSED_BYTES", inflated - 1)
    error = file_problem(read_sheet, content, SpreadsheetFormat.XLSX)
    assert (error.status, error.rule) == (422, "spreadsheet_too_long")
    assert str(error) == "the workbook inflates beyond the import limit"


def test_the_zip_bomb_limit_is_256_mib() -> None:
    assert ledger_import.MAX_UNCOMPRESSED_BYTES == 256 * 1024 * 1024


def test_a_sheet_ten_thousand_rows_taller_than_the_limit_is_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ledger_import, "MAX_IMPORT_ROWS", 0)
    # A heading and 9,999 rows of spaces: 10,000 rows tall, no data row; one more row is too tall.
    fits = workbook(("台账", [["名称"], *[[" "]] * 9_999]))
    assert read_sheet(fits, SpreadsheetFormat.XLSX).rows == []
    too_tall = workbook(("台账", [["名称"], *[[" "]] * 10_000]))
    error = file_problem(read_sheet, too_tall, SpreadsheetFormat.XLSX)
    assert (error.status, error.rule) == (422, "spreadsheet_too_long")
    assert str(error) == "more than 0 rows: split the ledger into files"


def test_a_sheet_four_times_wider_than_the_column_limit_is_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ledger_import, "MAX_COLUMNS", 1)
    error = file_problem(read_sheet, workbook(("台账", [["名称", "a", "b", "c"]])), SpreadsheetFormat.XLSX)
    assert error.rule == "spreadsheet_too_wide"  # 4 columns: read, then refused as too wide
    error = file_problem(
        read_sheet, workbook(("台账", [["名称", "a", "b", "c", "d"]])), SpreadsheetFormat.XLSX
    )
    assert (error.status, error.rule) == (422, "spreadsheet_too_long")


# --- map_headings ---------------------------------------------------------------------------


def test_unknown_headings_are_all_named_in_order() -> None:
    error = file_problem(map_headings, RawSheet(1, [*REQUIRED, "楼层", "", "电梯"], []))
    assert str(error) == "unknown columns: 楼层、电梯 (download the template for the headings)"
    assert (error.status, error.rule) == (422, "ledger_column")


def test_a_column_named_twice_in_any_of_its_names_is_repeated() -> None:
    error = file_problem(map_headings, RawSheet(1, [*REQUIRED, "households", "Name"], []))
    assert str(error) == "repeated columns: households、Name"
    assert (error.status, error.rule) == (422, "ledger_column")


def test_every_missing_required_column_is_named_in_template_order() -> None:
    error = file_problem(map_headings, RawSheet(1, ["名称", "楼栋数"], []))
    assert str(error) == "missing columns: 建成年份、户数、建筑面积（平方米）"
    assert (error.status, error.rule) == (422, "ledger_column")


def test_serial_number_and_blank_headings_are_ignored_columns() -> None:
    columns = map_headings(RawSheet(1, ["NO.", "", *REQUIRED, "#"], []))
    assert columns[0] is None and columns[1] is None and columns[-1] is None
    assert [c.field for c in columns[2:-1] if c] == [
        "name",
        "built_year",
        "buildings",
        "households",
        "floor_area_m2",
    ]


# --- validate_rows --------------------------------------------------------------------------


def test_a_problem_is_stored_with_its_row_column_field_rule_and_message() -> None:
    problem = Problem(7, "户数", "households", "int_parsing", "'x' is not a whole number")
    assert problem.as_json() == {
        "row": 7,
        "column": "户数",
        "field": "households",
        "rule": "int_parsing",
        "message": "'x' is not a whole number",
    }


def test_a_valid_row_carries_the_body_and_the_classification_apart() -> None:
    result = validate(
        [*REQUIRED, "地址", "项目库批次", "示范小区", "中央补助名单", "备注"],
        [*GOOD, "文化路3号", "实施一批", "是", "否", ""],
    )
    assert result.problems == [] and result.rows_read == 1
    row = result.valid[0]
    assert row.row == 2
    assert row.classification == {"tier": "implement", "demonstration": True, "centrally_funded": False}
    assert row.fields["programme_code"] == "kaifeng-2019" and row.fields["district_code"] == "kf-gulou"
    assert row.fields["floor_area_m2"] == Decimal("1200.5") and row.fields["notes"] is None
    assert row.key == ("kaifeng-2019", "kf-gulou", "好院", "文化路3号")
    assert row.facts()["tier"] == "implement" and row.facts()["households"] == 300


def test_a_row_without_classification_columns_is_not_classified() -> None:
    row = validate(REQUIRED, GOOD).valid[0]
    assert row.classification == {"tier": None, "demonstration": False, "centrally_funded": False}
    assert row.key[3] == "" and natural_key("p", "d", "n", None) == ("p", "d", "n", "")


def test_an_unreadable_cell_is_named_once_not_again_as_a_missing_field() -> None:
    result = validate(REQUIRED, ["院", "九五年", 6.0, 300.0, 1200.5])
    assert [p.as_json() for p in result.problems] == [
        {
            "row": 2,
            "column": "建成年份",
            "field": "built_year",
            "rule": "int_parsing",
            "message": "'九五年' is not a whole number",
        }
    ]
    assert result.invalid_rows == {2} and result.valid == []


def test_an_unreadable_cell_and_a_broken_bound_in_one_row_are_both_named() -> None:
    result = validate(REQUIRED, ["院", "九五年", 0.0, 300.0, 1200.5])
    assert [(p.column, p.field, p.rule) for p in result.problems] == [
        ("建成年份", "built_year", "int_parsing"),
        ("楼栋数", "buildings", "greater_than_equal"),
    ]


def test_a_short_row_leaves_its_last_cells_blank_and_the_missing_field_is_named() -> None:
    result = validate(REQUIRED, ["院", 1995.0, 6.0])
    assert {(p.row, p.column, p.rule) for p in result.problems} == {
        (2, "户数", "missing"),
        (2, "建筑面积（平方米）", "missing"),
    }


def test_a_cell_past_the_longest_text_is_refused_as_too_long() -> None:
    result = validate(["备注", *REQUIRED], ["长" * (MAX_CELL_CHARS + 1), *GOOD])
    assert [(p.column, p.rule) for p in result.problems] == [("备注", "cell_too_long")]
    result = validate(["备注", *REQUIRED], ["长" * MAX_CELL_CHARS, *GOOD])
    assert result.problems == [] and result.valid[0].fields["notes"] == "长" * MAX_CELL_CHARS


def test_a_text_cell_that_is_a_number_in_the_sheet_is_read_as_its_digits() -> None:
    result = validate([*REQUIRED, "地址"], [*GOOD, 12.0], [" 坏院 ", 1995.0, 6.0, 300.0, 1200.5, "  "])
    assert result.valid[0].fields["address"] == "12"
    assert result.valid[1].fields["name"] == "坏院" and result.valid[1].fields["address"] is None


def test_the_same_unreadable_category_in_two_rows_is_refused_in_both() -> None:
    result = validate([*REQUIRED, "项目库批次"], [*GOOD, "以后再说"], ["另院", *GOOD[1:], "以后再说"])
    assert [(p.row, p.rule) for p in result.problems] == [(2, "programme_tier"), (3, "programme_tier")]


def test_a_district_typed_as_a_number_is_refused_at_its_column_as_no_district_code() -> None:
    result = validate([*REQUIRED, "区"], [*GOOD, 101.0])  # read as "101": not a code's pattern
    assert [(p.row, p.column, p.rule) for p in result.problems] == [(2, "区", "string_pattern_mismatch")]


def test_flags_typed_as_booleans_are_read_in_every_row() -> None:
    result = validate(
        [*REQUIRED, "示范小区"], [*GOOD, True], ["另院", *GOOD[1:], True], ["三院", *GOOD[1:], False]
    )
    assert [r.classification["demonstration"] for r in result.valid] == [True, True, False]


def test_exclusions_read_once_are_given_to_each_row_as_its_own_list() -> None:
    result = validate([*REQUIRED, "不纳入改造情形"], [*GOOD, "城中村"], ["另院", *GOOD[1:], "城中村"])
    first, second = (r.fields["exclusions"] for r in result.valid)
    assert first == second == ["urban-village"]
    first.append("changed")
    assert second == ["urban-village"]


def test_another_districts_row_is_refused_and_a_later_copy_of_a_row_names_the_first() -> None:
    result = validate(
        [*REQUIRED, "区", "地址"],
        [*GOOD, "", "一号"],
        [*GOOD, "龙亭区", "一号"],
        [*GOOD, "鼓楼区", "一号"],
        [*GOOD, "kf-gulou", "二号"],
    )
    assert [(p.row, p.column, p.field, p.rule, p.message) for p in result.problems] == [
        (3, "区", "district_code", "own_district", "a district imports its own ledger only"),
        (4, "名称", "name", "ledger_duplicate_row", "the same community as row 2"),
    ]
    assert [r.row for r in result.valid] == [2, 5] and result.invalid_rows == {3, 4}


# --- same_facts -----------------------------------------------------------------------------


def a_row(**fields: object) -> ValidRow:
    body = {
        "programme_code": "kaifeng-2019",
        "district_code": "kf-gulou",
        "name": "好院",
        "address": None,
        "floor_area_m2": Decimal("1200.5"),
        "households": 300,
        "exclusions": ["urban-village", "shanty-town-programme"],
        **fields,
    }
    return ValidRow(2, body, {"tier": None, "demonstration": False, "centrally_funded": False})


def stored(**fields: object) -> dict[str, object]:
    return {**a_row().facts(), **fields}


def test_a_row_equal_to_the_ledger_differs_nowhere_whatever_the_stored_number_or_list_order() -> None:
    held = stored(floor_area_m2="1200.50", exclusions=["shanty-town-programme", "urban-village"])
    assert same_facts(a_row(), held) == []
    assert same_facts(a_row(), stored(floor_area_m2=1200.5)) == []
    assert same_facts(a_row(exclusions=[]), stored(exclusions=None)) == []


def test_every_differing_field_is_named_in_the_rows_order() -> None:
    held = stored(floor_area_m2="1200.51", households=301, exclusions=["urban-village"], demonstration=True)
    assert same_facts(a_row(), held) == ["floor_area_m2", "households", "exclusions", "demonstration"]


def test_a_number_or_list_the_ledger_lacks_differs() -> None:
    held = stored()
    del held["floor_area_m2"]
    held["exclusions"] = None
    assert same_facts(a_row(), held) == ["floor_area_m2", "exclusions"]


# --- over_central_fund_list -----------------------------------------------------------------


def flagged(row: int, centrally_funded: bool = True) -> ValidRow:
    return ValidRow(row, {}, {"tier": None, "demonstration": False, "centrally_funded": centrally_funded})


def test_rows_fitting_the_117_are_kept_and_each_later_flagged_row_is_a_problem() -> None:
    rows = [flagged(2), flagged(3, False), flagged(4), flagged(5)]
    problems = over_central_fund_list(KAIFENG, 115, rows)
    message = (
        "the central-fund list of kaifeng-2019 holds 117 communities (汴政办〔2019〕99号 三); "
        "115 are listed and this file flags 3: room for 2"
    )
    assert problems == [Problem(5, "中央补助名单", "centrally_funded", "central_fund_list_full", message)]


def test_exactly_filling_the_list_is_no_problem() -> None:
    assert over_central_fund_list(KAIFENG, 115, [flagged(2), flagged(3)]) == []


def test_a_list_already_past_its_size_leaves_no_room() -> None:
    problems = over_central_fund_list(KAIFENG, 120, [flagged(2), flagged(3)])
    assert [p.row for p in problems] == [2, 3]
    assert problems[0].message.endswith("120 are listed and this file flags 2: room for 0")


def test_no_flagged_row_is_never_a_problem_even_without_a_list() -> None:
    assert over_central_fund_list(ZHENGZHOU, 0, [flagged(2, False)]) == []
    assert over_central_fund_list(KAIFENG, 500, []) == []


def test_a_programme_without_any_funding_section_has_no_central_fund_list_either() -> None:
    problems = over_central_fund_list(get_profile("zhongyuan-2013"), 0, [flagged(2)])
    assert [(p.row, p.rule, p.message) for p in problems] == [
        (2, "central_fund_list", "zhongyuan-2013 has no central-fund list: leave 中央补助名单 blank or 否")
    ]


def test_a_programme_without_a_central_fund_list_refuses_every_flagged_row() -> None:
    problems = over_central_fund_list(ZHENGZHOU, 0, [flagged(2), flagged(3, False), flagged(4)])
    message = "zhengzhou-2019 has no central-fund list: leave 中央补助名单 blank or 否"
    assert problems == [
        Problem(2, "中央补助名单", "centrally_funded", "central_fund_list", message),
        Problem(4, "中央补助名单", "centrally_funded", "central_fund_list", message),
    ]


def test_every_column_heading_is_named_in_problems_of_its_field() -> None:
    for column in COLUMNS:
        assert ledger_import._problem(2, column.field, "r", "m").column == column.heading
    assert ledger_import._problem(2, None, "r", "m") == Problem(2, None, None, "r", "m")
