"""The office's spreadsheets: which cells are yuan, how headings read, and what Excel opens.

Amounts are fen in the API and exact yuan (fen / 100, two places) in the sheet; areas are dm² in the
API and m² in the sheet; a figure the rollup leaves out is an empty cell.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from services.reporting.domain.exports import (
    ROLLUP_COLUMNS,
    Column,
    Table,
    district_name,
    rollup_table,
    to_csv,
    to_xlsx,
    yuan,
)

D = Decimal
MONEY_FIELDS = {
    "registered_investment_fen",
    "accepted_investment_fen",
    "approved_award_fen",
    "award_adjustment_fen",
    "paid_fen",
    "taken_over_floor_area_dm2",
    "benefited_floor_area_dm2",
    "eligible_floor_area_dm2",
}


def _row(code: str, *, as_of: date | None = date(2026, 11, 22), **figures: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"district_code": code, "as_of": as_of}
    found.update({c.field: 0 for c in ROLLUP_COLUMNS})
    found.update(figures)
    return found


def test_fen_become_exact_yuan_with_two_places() -> None:
    assert str(yuan(123_456_78)) == "123456.78"
    assert str(yuan(0)) == "0.00"
    assert str(yuan(100)) == "1.00"
    assert str(yuan(-5)) == "-0.05"
    assert str(yuan(10**15 + 1)) == "10000000000000.01"  # no float on the way


def test_money_and_areas_are_in_hundredths_and_counts_are_not() -> None:
    assert {c.field for c in ROLLUP_COLUMNS if c.in_hundredths} == MONEY_FIELDS
    assert Column("x_fen", "甲", "A").in_hundredths and Column("x_dm2", "甲", "A").in_hundredths
    assert not Column("fen_count", "甲", "A").in_hundredths


def test_a_column_heading_is_chinese_unless_english_is_asked_for() -> None:
    column = Column("paid_fen", "已拨付（元）", "Paid (yuan)")
    assert (column.heading("zh-CN"), column.heading("en"), column.heading("fr")) == (
        "已拨付（元）",
        "Paid (yuan)",
        "已拨付（元）",
    )


def test_district_names_come_from_the_profiles_and_unknown_codes_stay_codes() -> None:
    assert (district_name("zz-guancheng", "zh-CN"), district_name("kf-lankao", "zh-CN")) == (
        "管城回族区",
        "兰考县",
    )
    assert district_name("zz-jinshui", "en") == "Jinshui District"
    assert (district_name("xx-nowhere", "zh-CN"), district_name("xx-nowhere", "en")) == (
        "xx-nowhere",
        "xx-nowhere",
    )


def test_every_heading_in_chinese_and_in_english() -> None:
    zh = rollup_table([], "zh-CN")
    en = rollup_table([], "en")
    assert zh.headings == ["区县代码", "区县", "截至", *[c.zh for c in ROLLUP_COLUMNS]]
    assert en.headings == ["District code", "District", "As of", *[c.en for c in ROLLUP_COLUMNS]]
    assert (zh.title, en.title) == ("各区县汇总", "Districts")
    assert zh.rows == [] and en.rows == []


def test_the_money_columns_are_those_shown_in_yuan_or_square_metres() -> None:
    table = rollup_table([], "zh-CN")
    assert {table.headings[i] for i in table.money} == {
        "计划投资（元）",
        "验收项目投资（元）",
        "批准奖补金额（元）",
        "决算调整（元）",
        "已拨付（元）",
        "接管小区面积（平方米）",
        "已验收改造面积（平方米）",
        "改造面积（平方米）",
    }
    assert table.money == rollup_table([], "en").money


def test_a_row_holds_code_name_as_of_and_every_figure_in_its_unit() -> None:
    figures: dict[str, Any] = {c.field: n + 1 for n, c in enumerate(ROLLUP_COLUMNS)}
    table = rollup_table([_row("kf-gulou", **figures)], "en")
    (row,) = table.rows
    assert row[:3] == ["kf-gulou", "Gulou District", "2026-11-22"]
    for column, cell in zip(ROLLUP_COLUMNS, row[3:], strict=True):
        raw = figures[column.field]
        if column.field in MONEY_FIELDS:
            assert cell == D(raw) / 100 and isinstance(cell, Decimal), column.field
        else:
            assert cell == raw and type(cell) is int, column.field


def test_figures_arriving_as_other_numbers_are_written_as_whole_counts() -> None:
    (row,) = rollup_table([_row("zz-erqi", registered_projects=D(12), paid_fen=0)], "zh-CN").rows
    assert type(row[3]) is int and row[3] == 12
    assert row[3 + [c.field for c in ROLLUP_COLUMNS].index("paid_fen")] == D("0.00")


def test_without_an_as_of_day_the_cell_is_empty_and_absent_figures_are_none() -> None:
    bare = {"district_code": "zz-erqi", "registered_projects": 3, "paid_fen": None}
    (row,) = rollup_table([bare], "zh-CN").rows
    assert row[:4] == ["zz-erqi", "二七区", "", 3]
    assert row[4:] == [None] * (len(ROLLUP_COLUMNS) - 1)
    (no_day,) = rollup_table([_row("zz-erqi", as_of=None)], "zh-CN").rows
    assert no_day[2] == ""


def test_rows_keep_the_order_given() -> None:
    table = rollup_table([_row("zz-jinshui"), _row("zz-erqi"), _row("zz-huiji")], "zh-CN")
    assert [r[1] for r in table.rows] == ["金水区", "二七区", "惠济区"]


def test_csv_lines_end_in_crlf_and_cells_are_quoted_when_needed() -> None:
    table = Table("t", ["区县", "备注"], [["二七区", None], ["a,b", D("1.50")], ["x\ny", 3]], frozenset())
    body = to_csv(table)
    assert body[:3] == b"\xef\xbb\xbf"  # the BOM Excel needs, in UTF-8
    assert body.decode("utf-8") == '\ufeff区县,备注\r\n二七区,\r\n"a,b",1.50\r\n"x\ny",3\r\n'


def _sheets(tables: list[Table]) -> Any:
    return load_workbook(io.BytesIO(to_xlsx(tables)))


def test_each_table_is_a_sheet_with_no_extra_default_sheet() -> None:
    first = Table("甲", ["a"], [[1]], frozenset())
    second = Table("乙" * 40, ["b"], [[2]], frozenset())
    book = _sheets([first, second])
    assert book.sheetnames == ["甲", "乙" * 31]  # Excel allows 31 characters
    assert book["甲"]["A2"].value == 1


def test_the_sheet_has_bold_headings_frozen_beside_the_district_and_yuan_formatted() -> None:
    book = _sheets([rollup_table([_row("zz-erqi", paid_fen=123_45, registered_projects=7)], "zh-CN")])
    sheet = book["各区县汇总"]
    headings = [c.value for c in sheet[1]]
    assert headings == rollup_table([], "zh-CN").headings
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    assert sheet.freeze_panes == "C2"
    paid = sheet.cell(row=2, column=headings.index("已拨付（元）") + 1)
    count = sheet.cell(row=2, column=headings.index("台账项目数") + 1)
    assert (paid.value, paid.number_format) == (123.45, "#,##0.00")
    assert (count.value, count.number_format) == (7, "General")
    assert sheet.cell(row=1, column=headings.index("已拨付（元）") + 1).number_format == "General"


def test_yuan_format_reaches_every_row() -> None:
    table = rollup_table([_row("zz-erqi", paid_fen=1), _row("zz-huiji", paid_fen=2)], "en")
    sheet = _sheets([table])["Districts"]
    column = table.headings.index("Paid (yuan)") + 1
    assert [sheet.cell(row=r, column=column).number_format for r in (2, 3)] == ["#,##0.00"] * 2


def test_columns_are_wide_enough_for_their_headings() -> None:
    table = Table("t", ["区县", "批准奖补金额（元）", "District code"], [], frozenset())
    sheet = _sheets([table])["t"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths == [12, 20, 28]  # at least 12; else two per character and two spare


def test_a_table_without_headings_is_still_a_sheet() -> None:
    assert _sheets([Table("空", [], [], frozenset())]).sheetnames == ["空"]
