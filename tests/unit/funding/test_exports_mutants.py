"""The funding workbook: yuan as exact two-place Decimals, Chinese headings, XLSX layout."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.funding.domain.exports import ACCOUNT_ZH, MOVEMENT_ZH, YUAN, Sheet, workbook, yuan
from services.funding.domain.journal import Account, Movement


@pytest.mark.parametrize(
    ("fen", "expected"),
    [(0, "0.00"), (1, "0.01"), (100, "1.00"), (123456789, "1234567.89"), (-250, "-2.50")],
)
def test_yuan_is_fen_over_a_hundred_with_two_places(fen: int, expected: str) -> None:
    value = yuan(fen)
    assert isinstance(value, Decimal)
    assert str(value) == expected


def test_yuan_of_none_is_none() -> None:
    assert yuan(None) is None


def test_every_account_and_movement_has_a_chinese_name() -> None:
    assert set(ACCOUNT_ZH) == set(Account)
    assert set(MOVEMENT_ZH) == set(Movement)
    assert ACCOUNT_ZH[Account.TREASURY] == "财政资金"
    assert MOVEMENT_ZH[Movement.TRANCHE_PAID] == "拨付"
    assert MOVEMENT_ZH[Movement.TRANCHE_REVERSED] == "拨付冲正"


def test_a_row_must_fill_every_heading() -> None:
    sheet = Sheet("项目", ["项目编号", "金额（元）"], money_columns=[1])
    sheet.add("p-1", yuan(100))
    assert sheet.rows == [["p-1", Decimal("1.00")]]
    with pytest.raises(ValueError, match=r"^项目: 1 values for 2 headings$"):
        sheet.add("p-2")
    with pytest.raises(ValueError, match=r"^项目: 3 values for 2 headings$"):
        sheet.add("p-2", 1, 2)
    assert len(sheet.rows) == 1


def test_sheet_defaults() -> None:
    sheet = Sheet("合计", ("科目",))
    assert sheet.title == "合计"
    assert sheet.headings == ["科目"]
    assert sheet.money_columns == set()
    assert sheet.rows == []


def _read(sheets: list[Sheet]):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(workbook(sheets)))


def test_workbook_has_only_the_given_sheets_in_order_with_bold_headings_and_rows() -> None:
    totals = Sheet("合计", ["科目", "金额（元）"], money_columns=[1])
    totals.add("财政资金", yuan(1234567))
    totals.add("应付奖补", yuan(5))
    projects = Sheet("项目", ["项目编号"])
    projects.add("p-1")
    book = _read([totals, projects])
    assert book.sheetnames == ["合计", "项目"]
    page = book["合计"]
    assert [c.value for c in page[1]] == ["科目", "金额（元）"]
    assert all(c.font.bold for c in page[1])
    assert not page["A2"].font.bold
    assert page["A2"].value == "财政资金"
    assert Decimal(str(page["B2"].value)) == Decimal("12345.67")
    assert Decimal(str(page["B3"].value)) == Decimal("0.05")
    assert page.max_row == 3
    assert book["项目"]["A2"].value == "p-1"


def test_only_money_columns_below_the_heading_get_the_yuan_format() -> None:
    assert YUAN == "#,##0.00"
    sheet = Sheet("拨付", ["项目", "金额", "比例", "冲正"], money_columns=[1, 3])
    sheet.add("p-1", yuan(100), 5, yuan(-100))
    sheet.add("p-2", yuan(200), 6, yuan(0))
    page = _read([sheet])["拨付"]
    for row in (2, 3):
        assert page.cell(row, 2).number_format == YUAN
        assert page.cell(row, 4).number_format == YUAN
        assert page.cell(row, 1).number_format == "General"
        assert page.cell(row, 3).number_format == "General"
    assert page.cell(1, 2).number_format == "General"


def test_column_widths_fit_the_heading_but_are_at_least_twelve() -> None:
    sheet = Sheet("日记账", ["号", "中央补助资金支出金额", "x" * 5])
    page = _read([sheet])["日记账"]
    assert page.column_dimensions["A"].width == 12  # 1 × 2 + 2 = 4 → 12
    assert page.column_dimensions["B"].width == 22  # 10 × 2 + 2
    assert page.column_dimensions["C"].width == 12  # 5 × 2 + 2 = 12 exactly


def test_the_heading_row_is_frozen() -> None:
    sheet = Sheet("合计", ["科目"])
    assert _read([sheet])["合计"].freeze_panes == "A2"
