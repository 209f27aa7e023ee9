"""Rollup tables, CSV, XLSX and the bulletin PDF: what the office opens shows the API's figures."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from services.reporting.domain import exports_pdf
from services.reporting.domain.exports import ROLLUP_COLUMNS, rollup_table, to_csv, to_xlsx, yuan
from services.reporting.domain.exports_pdf import FALLBACK_FONT, bulletin_pdf, cjk_font, evaluation_pdf
from services.reporting.models.rollups import DistrictFigures, DistrictRollupPublic

FIGURES = {name: 0 for name in DistrictFigures.model_fields}


def _rollup(code: str, **figures: int) -> dict[str, object]:
    return {"district_code": code, "as_of": date(2026, 11, 22), **FIGURES, **figures}


ROLLUPS = [
    _rollup("zz-erqi", registered_projects=12, accepted_projects=3, paid_fen=123_456_78),
    _rollup("zz-jinshui", registered_projects=40, accepted_projects=25, award_adjustment_fen=-1_200_000),
]


def test_every_rollup_figure_has_a_column() -> None:
    optional = ["patrol_days_due", "patrols_missed"]
    assert [c.field for c in ROLLUP_COLUMNS] == [*DistrictFigures.model_fields, *optional]
    assert set(optional) <= set(DistrictRollupPublic.model_fields)


def test_a_figure_the_rollup_leaves_out_is_an_empty_cell_and_area_is_in_square_metres() -> None:
    table = rollup_table([_rollup("zz-erqi", taken_over_floor_area_dm2=2_500_050)], "zh-CN")
    row = dict(zip(table.headings, table.rows[0], strict=True))
    assert row["接管小区面积（平方米）"] == Decimal("25000.50") and row["应巡查工地日"] is None
    assert "" in next(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig").splitlines()[1])))


def test_the_table_has_chinese_headings_names_and_yuan() -> None:
    table = rollup_table(ROLLUPS, "zh-CN")
    assert table.headings[:4] == ["区县代码", "区县", "截至", "台账项目数"]
    erqi = dict(zip(table.headings, table.rows[0], strict=True))
    assert (erqi["区县"], erqi["截至"], erqi["台账项目数"], erqi["已验收"]) == ("二七区", "2026-11-22", 12, 3)
    assert erqi["已拨付（元）"] == Decimal("123456.78")
    jinshui = dict(zip(table.headings, table.rows[1], strict=True))
    assert jinshui["决算调整（元）"] == Decimal("-12000.00")


def test_english_headings_and_names_on_request() -> None:
    table = rollup_table(ROLLUPS, "en")
    assert table.headings[:4] == ["District code", "District", "As of", "Projects in the ledger"]
    assert table.rows[1][1] == "Jinshui District"


def test_csv_round_trips_the_figures_with_a_bom() -> None:
    body = to_csv(rollup_table(ROLLUPS, "zh-CN"))
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(r["区县代码"], int(r["台账项目数"]), Decimal(r["已拨付（元）"])) for r in rows] == [
        ("zz-erqi", 12, Decimal("123456.78")),
        ("zz-jinshui", 40, Decimal("0.00")),
    ]


def test_xlsx_holds_the_same_figures_as_numbers() -> None:
    book = load_workbook(io.BytesIO(to_xlsx([rollup_table(ROLLUPS, "zh-CN")])))
    sheet = book["各区县汇总"]
    headings = [c.value for c in sheet[1]]
    row = dict(zip(headings, [c.value for c in sheet[2]], strict=True))
    assert (row["区县"], row["台账项目数"], row["已拨付（元）"]) == ("二七区", 12, 123456.78)
    money = sheet.cell(row=2, column=headings.index("已拨付（元）") + 1)
    assert money.number_format == "#,##0.00"


def test_yuan_is_exact() -> None:
    assert yuan(1) == Decimal("0.01") and yuan(-250) == Decimal("-2.50") and yuan(None) is None


BULLETIN = {
    "week": "2026-W47",
    "as_of": date(2026, 11, 22),
    "published_at": datetime(2026, 11, 23, 2, tzinfo=UTC),
    "standings": [
        {
            "rank": 1,
            "district_code": "zz-jinshui",
            "task": 40,
            "done": 25,
            "done_share": "0.6250",
            "accepted_this_week": 2,
            "expected_by_now": 20,
            "target_by_year_end": 40,
            "needed_per_week": 3,
            "lagging": False,
            "report_status": "on_time",
        },
        {
            "rank": 2,
            "district_code": "zz-erqi",
            "task": 12,
            "done": 3,
            "done_share": "0.2500",
            "accepted_this_week": 0,
            "expected_by_now": 6,
            "target_by_year_end": 12,
            "needed_per_week": 2,
            "lagging": True,
            "report_status": "missing",
        },
    ],
    "lagging": ["zz-erqi"],
    "late_reports": ["zz-erqi"],
    "restatements": [
        {
            "week": "2026-W46",
            "district_code": "zz-jinshui",
            "figure": "done",
            "published": 22,
            "now": 23,
            "change": 1,
        }
    ],
}


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_bulletin_pdf_is_a_pdf_naming_the_districts_in_chinese() -> None:
    pdf = bulletin_pdf(BULLETIN, "郑州市老旧小区整治提升工作实施方案", "zh-CN")
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for words in ("金水区", "二七区", "周通报", "2026-W47", "未报", "62.5%"):
        assert words in text


def test_bulletin_pdf_in_english() -> None:
    text = _text(bulletin_pdf(BULLETIN, "Zhengzhou plan", "en"))
    assert "Erqi District" in text and "Weekly bulletin" in text


def test_a_missing_font_falls_back_to_the_builtin_cid_font() -> None:
    assert cjk_font((("/nonexistent/font.ttc", 0),)) == FALLBACK_FONT
    pdf = exports_pdf.render(
        exports_pdf.Document("周通报", ["金水区"], [("一", [["区县"], ["二七区"]])]), font=FALLBACK_FONT
    )
    assert pdf.startswith(b"%PDF") and "二七区" in _text(pdf)


@pytest.mark.skipif(cjk_font() == FALLBACK_FONT, reason="no Debian CJK TrueType font installed")
def test_an_installed_truetype_font_is_embedded() -> None:
    assert cjk_font().startswith("cjk-")


def _district_evaluation(rank: int, code: str, score: str) -> dict[str, object]:
    return {
        "rank": rank,
        "district_code": code,
        "score": score,
        "components": {
            "progress": "0.8",
            "timeliness": "1",
            "first_pass_acceptance": None,
            "rectification": None,
            "payout": "0.5",
        },
        "inputs": {
            "task": 10,
            "done": 8,
            "expected_by_now": 9,
            "reports_due": 4,
            "reports_on_time": 4,
            "accepted": 8,
            "acceptance_failures": 1,
            "rectifications_completed": 1,
            "awarded_fen": 123_456_78,
            "paid_fen": 50_000_00,
        },
    }


EVALUATION = {
    "month": "2026-10",
    "as_of": date(2026, 10, 31),
    "published_at": datetime(2026, 11, 2, 2, tzinfo=UTC),
    "full_marks": "100",
    "weights": {"progress": "0.40", "timeliness": "0.20", "payout": "0.40"},
    "districts": [
        _district_evaluation(1, "zz-huiji", "91.50"),
        _district_evaluation(2, "zz-guancheng", "70.25"),
    ],
    "restatements": [],
}


def test_evaluation_pdf_prints_scores_and_inputs_in_chinese() -> None:
    pdf = evaluation_pdf(EVALUATION, "郑州市老旧小区整治提升工作实施方案", "zh-CN")
    text = _text(pdf)
    assert pdf.startswith(b"%PDF")
    for words in ("惠济区", "管城回族区", "月度考评", "2026-10", "91.50", "123,456.78"):
        assert words in text
