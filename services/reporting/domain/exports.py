"""Rollup tables for the office's spreadsheets: Chinese headings (English on request), yuan amounts.

Offices pass figures around as XLSX and CSV, so the tables use the words they use (区县, 台账项目数,
已验收) and amounts in yuan as exact Decimals (fen / 100, never float). The same table feeds the
workbook and the CSV, so both show exactly what `GET /rollups/districts` answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from shared.i18n import ENGLISH
from shared.policy import bundled_profiles

__all__ = [
    "ROLLUP_COLUMNS",
    "Column",
    "Table",
    "district_name",
    "rollup_table",
    "to_csv",
    "to_xlsx",
    "yuan",
]

YUAN_FORMAT = "#,##0.00"


def yuan(fen: int | None) -> Decimal | None:
    """Fen as an exact yuan Decimal with two places."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Column:
    """One figure of a rollup: its API field, its headings, and whether it is money (fen)."""

    field: str
    zh: str
    en: str

    @property
    def in_hundredths(self) -> bool:
        """Fen shown as yuan, dm² as m²: both exact hundredths, two places."""
        return self.field.endswith(("_fen", "_dm2"))

    def heading(self, language: str) -> str:
        return self.en if language == ENGLISH else self.zh


ROLLUP_COLUMNS: tuple[Column, ...] = (
    Column("registered_projects", "台账项目数", "Projects in the ledger"),
    Column("registered_investment_fen", "计划投资（元）", "Planned investment (yuan)"),
    Column("reviews_passed", "通过审查", "Reviews passed"),
    Column("tendered_projects", "已招标", "Tendered"),
    Column("started_projects", "已开工", "Started"),
    Column("completed_projects", "已竣工", "Completed"),
    Column("acceptance_failures", "验收未通过", "Acceptances failed"),
    Column("rectifications_completed", "整改完成", "Rectifications completed"),
    Column("accepted_projects", "已验收", "Accepted"),
    Column("accepted_investment_fen", "验收项目投资（元）", "Investment of accepted projects (yuan)"),
    Column("taken_over_projects", "物业接管", "Taken over by property management"),
    Column("closed_projects", "已销号", "Closed out"),
    Column("approved_awards", "已批准奖补", "Awards approved"),
    Column("approved_award_fen", "批准奖补金额（元）", "Awards approved (yuan)"),
    Column("award_adjustment_fen", "决算调整（元）", "Audit true-ups (yuan)"),
    Column("paid_fen", "已拨付（元）", "Paid (yuan)"),
    Column("weekly_reports_overdue", "周报逾期", "Weekly reports overdue"),
    Column("lagging_in_bulletins", "通报滞后次数", "Named lagging in bulletins"),
    Column("taken_over_floor_area_dm2", "接管小区面积（平方米）", "Floor area taken over (m²)"),
    Column("patrols_recorded", "安全巡查次数", "Safety patrols recorded"),
    Column("patrol_hazards", "巡查发现隐患", "Hazards found on patrol"),
    Column("deadlines_missed", "节点逾期项目次数", "Step deadlines missed"),
    Column("benefited_households", "已验收惠及户数", "Households benefited (accepted)"),
    Column("benefited_floor_area_dm2", "已验收改造面积（平方米）", "Floor area renovated (accepted, m²)"),
    Column("ledger_communities", "台账小区数", "Communities in the ledger"),
    Column("eligible_communities", "符合改造条件小区数", "Eligible communities"),
    Column("eligible_households", "符合条件小区户数", "Households of eligible communities"),
    Column("eligible_floor_area_dm2", "改造面积（平方米）", "Floor area to renovate (m²)"),
    Column("patrol_days_due", "应巡查工地日", "Site-days a patrol was due"),
    Column("patrols_missed", "漏巡查工地日", "Site-days missed"),
)
"""Every figure of a rollup, in the order an office reads them (ledger → works → money → patrols);
a figure the rollup leaves out (None: e.g. patrols where the programme has none) is an empty cell."""

_LEAD = {"district_code": ("区县代码", "District code"), "district": ("区县", "District")}
_AS_OF = ("截至", "As of")


@cache
def _names() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for profile in bundled_profiles().values():
        for district in profile.jurisdiction.districts:
            found.setdefault(district.code, (district.name_zh, district.name_en))
    return found


def district_name(code: str, language: str) -> str:
    """A district's name as the profiles write it (the code itself if no profile names it)."""
    zh, en = _names().get(code, (code, code))
    return en if language == ENGLISH else zh


@dataclass(frozen=True)
class Table:
    """Headings and rows of one sheet; `money` are the indexes of the columns in hundredths (yuan, m²)."""

    title: str
    headings: list[str]
    rows: list[list[Any]]
    money: frozenset[int]


def rollup_table(rollups: Iterable[Mapping[str, Any]], language: str) -> Table:
    """One row per district: code, name, as-of day (when asked for a period), every figure.

    Args:
        rollups: `DistrictRollupPublic` rows as the API serialises them (`model_dump()`).
        language: "zh-CN" or "en" (headings and district names).

    Returns:
        The table, money in yuan.
    """
    en = language == ENGLISH
    headings = [_LEAD["district_code"][en], _LEAD["district"][en], _AS_OF[en]]
    headings += [c.heading(language) for c in ROLLUP_COLUMNS]
    rows = []
    for r in rollups:
        as_of = r.get("as_of")
        row: list[Any] = [r["district_code"], district_name(r["district_code"], language)]
        row.append(as_of.isoformat() if as_of is not None else "")
        row += [_cell(c, r.get(c.field)) for c in ROLLUP_COLUMNS]
        rows.append(row)
    money = frozenset(3 + i for i, c in enumerate(ROLLUP_COLUMNS) if c.in_hundredths)
    return Table("各区县汇总" if not en else "Districts", headings, rows, money)


def _cell(column: Column, value: int | None) -> int | Decimal | None:
    if value is None:
        return None
    return yuan(value) if column.in_hundredths else int(value)


def to_csv(table: Table) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel on a Chinese desktop opens it without mojibake."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """The tables as one XLSX workbook: bold frozen headings, yuan formatted `#,##0.00`."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        page = book.create_sheet(table.title[:31])
        page.append(table.headings)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            page.append(row)
        for index in table.money:
            for (cell,) in page.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = YUAN_FORMAT
        for column, heading in zip(page.columns, table.headings, strict=False):
            page.column_dimensions[column[0].column_letter].width = max(12, len(heading) * 2 + 2)
        page.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
