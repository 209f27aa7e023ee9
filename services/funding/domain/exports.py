"""The funding workbook (XLSX) with Chinese headings: totals, projects, no-award reasons, journal.

Amounts are shown in yuan as exact Decimals (fen / 100, two places, never float), formatted
`#,##0.00`; a reader can add a column in Excel and get the journal's figures to the fen.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.funding.domain.journal import Account, Movement

YUAN = "#,##0.00"

ACCOUNT_ZH = {
    Account.AWARD_EXPENSE: "奖补支出",
    Account.AWARD_PAYABLE: "应付奖补",
    Account.TREASURY: "财政资金",
    Account.CENTRAL_SUBSIDY: "中央补助资金支出",
    Account.CENTRAL_FUND: "中央补助资金",
    Account.PROPERTY_SUBSIDY_EXPENSE: "物业服务补贴支出",
    Account.PROPERTY_SUBSIDY_PAYABLE: "应付物业服务补贴",
    Account.DISTRICT_TREASURY: "区级财政资金",
}
MOVEMENT_ZH = {
    Movement.AWARD_APPROVED: "奖补批准",
    Movement.AWARD_ADJUSTED: "决算审计调整",
    Movement.TRANCHE_PAID: "拨付",
    Movement.TRANCHE_REVERSED: "拨付冲正",
    Movement.CENTRAL_ALLOCATED: "中央资金分配",
    Movement.PROPERTY_SUBSIDY_SCHEDULED: "物业服务补贴计划",
    Movement.PROPERTY_SUBSIDY_PAID: "物业服务补贴拨付",
}


def yuan(fen: int | None) -> Decimal | None:
    """Fen as an exact yuan Decimal with two places."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


class Sheet:
    """One worksheet: a title, Chinese headings, rows, and which columns hold yuan."""

    def __init__(self, title: str, headings: Sequence[str], money_columns: Iterable[int] = ()) -> None:
        self.title = title
        self.headings = list(headings)
        self.money_columns = set(money_columns)
        self.rows: list[list[Any]] = []

    def add(self, *values: Any) -> None:
        if len(values) != len(self.headings):
            raise ValueError(f"{self.title}: {len(values)} values for {len(self.headings)} headings")
        self.rows.append(list(values))


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as an XLSX document."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet.title)
        page.append(sheet.headings)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            page.append(row)
        for index in sheet.money_columns:
            for (cell,) in page.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = YUAN
        for column, heading in zip(page.columns, sheet.headings, strict=False):
            page.column_dimensions[column[0].column_letter].width = max(12, len(heading) * 2 + 2)
        page.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
