"""What the printed bulletin and evaluation say, cell by cell, read back from the PDF's ruled tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from reportlab.lib.units import mm

from services.reporting.domain.exports_pdf import FALLBACK_FONT, bulletin_pdf, cjk_font, evaluation_pdf
from tests.support import pdf_reading
from tests.support.pdf_reading import Printed

PROGRAMME = "郑州市老旧小区整治提升工作实施方案"


def read(pdf: bytes) -> Printed:
    """The PDF as printed; text in the built-in CID font is measured with that font's metrics."""
    cjk_font()  # the width measurement needs the built-in CID font registered
    return pdf_reading.read(pdf, cid_font=FALLBACK_FONT)


def _standing(rank: int, code: str, **figures: Any) -> dict[str, Any]:
    return {"rank": rank, "district_code": code, "accepted_this_week": 0, "lagging": False, **figures}


BULLETIN: dict[str, Any] = {
    "week": "2026-W47",
    "as_of": date(2026, 11, 22),
    "published_at": datetime(2026, 11, 23, 2, 5, tzinfo=UTC),
    "standings": [
        _standing(
            1,
            "zz-jinshui",
            task=40,
            done=25,
            done_share="0.6250",
            accepted_this_week=2,
            expected_by_now=20,
            target_by_year_end=38,
            needed_per_week=3,
            report_status="on_time",
        ),
        _standing(
            2,
            "zz-erqi",
            task=12,
            done=3,
            done_share="0.25",
            expected_by_now=6,
            target_by_year_end=11,
            needed_per_week=2,
            lagging=True,
            report_status="late",
        ),
        # A district the plan sets no trajectory for, whose report status is not known.
        _standing(3, "zz-zhongyuan", task=8, done=0, done_share="0", lagging=True),
        _standing(4, "zz-huiji", task=9, done=1, done_share="0.1111", report_status="missing"),
    ],
    "lagging": ["zz-erqi", "zz-zhongyuan"],
    "late_reports": ["zz-erqi", "zz-huiji"],
    "restatements": [
        {
            "week": "2026-W46",
            "district_code": "zz-jinshui",
            "figure": "done",
            "published": 22,
            "now": 23,
            "change": 1,
        },
        {
            "week": "2026-W45",
            "district_code": "zz-erqi",
            "figure": "task",
            "published": 12,
            "now": 11,
            "change": -1,
        },
        {
            "week": "2026-W45",
            "district_code": "zz-huiji",
            "figure": "rate",
            "published": 5,
            "now": 7,
            "change": 2,
        },
    ],
}
QUIET_WEEK = {**BULLETIN, "lagging": [], "late_reports": [], "restatements": []}


def _texts(printed: Printed) -> list[str]:
    """The printed lines outside the tables, top to bottom."""
    in_tables = {id(run) for grid in printed.grids() for row in grid.cells for cell in row for run in cell}
    return [run.text for run in printed.runs if id(run) not in in_tables]


def test_the_bulletin_in_chinese() -> None:
    printed = read(bulletin_pdf(BULLETIN, PROGRAMME, "zh-CN"))
    assert printed.title == "老旧小区改造工作周通报（2026-W47）"
    assert _texts(printed) == [
        "老旧小区改造工作周通报（2026-W47）",
        PROGRAMME,
        "统计截至 2026-11-22，发布于 2026-11-23 10:05",  # Shanghai time
        "一、各区县进度排名",
        "二、进度滞后的区县",
        "二七区、中原区",
        "三、周报迟报或未报",
        "二七区、惠济区",
        "四、前期通报数据更正",
    ]
    ranking, restated = (grid.texts() for grid in printed.grids())
    assert ranking == [
        "排名 区县 台账项目数 已验收 完成率 本周验收 应完成 年度目标 每周需验收 滞后 周报".split(),
        ["1", "金水区", "40", "25", "62.5%", "2", "20", "38", "3", "否", "按时"],
        ["2", "二七区", "12", "3", "25.0%", "0", "6", "11", "2", "是", "迟报"],
        ["3", "中原区", "8", "0", "0.0%", "0", "", "", "", "是", ""],
        ["4", "惠济区", "9", "1", "11.1%", "0", "", "", "", "否", "未报"],
    ]
    assert restated == [
        ["周次", "区县", "指标", "原通报", "现数", "变化"],
        ["2026-W46", "金水区", "已验收", "22", "23", "1"],
        ["2026-W45", "二七区", "台账项目数", "12", "11", "-1"],
        ["2026-W45", "惠济区", "rate", "5", "7", "2"],
    ]


def test_the_bulletin_in_english() -> None:
    printed = read(bulletin_pdf(BULLETIN, "Zhengzhou plan", "en"))
    assert _texts(printed) == [
        "Weekly bulletin (2026-W47)",
        "Zhengzhou plan",
        "Figures as of 2026-11-22, published 2026-11-23 10:05",
        "1. District ranking",
        "2. Districts behind their trajectory",
        "Erqi District, Zhongyuan District",
        "3. Weekly reports late or missing",
        "Erqi District, Huiji District",
        "4. Restatements of the previous bulletin",
    ]
    ranking, restated = (grid.texts() for grid in printed.grids())
    assert [row[1] for row in ranking[1:]] == [
        "Jinshui District",
        "Erqi District",
        "Zhongyuan District",
        "Huiji District",
    ]
    assert [row[-2:] for row in ranking] == [
        ["Lagging", "Report"],
        ["no", "on time"],
        ["yes", "late"],
        ["yes", ""],
        ["no", "missing"],
    ]
    assert [row[:3] for row in restated[1:]] == [
        ["2026-W46", "Jinshui District", "accepted"],
        ["2026-W45", "Erqi District", "projects in ledger"],
        ["2026-W45", "Huiji District", "rate"],
    ]


@pytest.mark.parametrize(
    ("language", "none", "headings"),
    [
        ("zh-CN", "无", ["二、进度滞后的区县", "三、周报迟报或未报", "四、前期通报数据更正"]),
        (
            "en",
            "None",
            [
                "2. Districts behind their trajectory",
                "3. Weekly reports late or missing",
                "4. Restatements of the previous bulletin",
            ],
        ),
    ],
)
def test_a_quiet_week_says_none_under_each_empty_section(
    language: str, none: str, headings: list[str]
) -> None:
    printed = read(bulletin_pdf(QUIET_WEEK, PROGRAMME, language))
    texts = _texts(printed)
    assert texts[-6:] == [texts[-6], none, texts[-4], none, texts[-2], none]
    assert set(headings) <= set(texts)
    assert len(printed.grids()) == 1  # the ranking only: no empty restatement table


def test_a_single_restatement_is_still_a_table() -> None:
    printed = read(
        bulletin_pdf({**QUIET_WEEK, "restatements": BULLETIN["restatements"][:1]}, PROGRAMME, "zh-CN")
    )
    assert printed.grids()[-1].texts()[1] == ["2026-W46", "金水区", "已验收", "22", "23", "1"]
    assert _texts(printed)[-1] == "四、前期通报数据更正"


def test_a_bulletin_published_at_a_text_timestamp_prints_it_as_given() -> None:
    printed = read(bulletin_pdf({**QUIET_WEEK, "published_at": "2026-11-23 10:05"}, PROGRAMME, "zh-CN"))
    assert "统计截至 2026-11-22，发布于 2026-11-23 10:05" in _texts(printed)


def _district(rank: int, code: str, score: str, components: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    return {
        "rank": rank,
        "district_code": code,
        "score": score,
        "components": components,
        "inputs": {
            "task": 10,
            "done": 8,
            "reports_due": 4,
            "reports_on_time": 3,
            "accepted": 8,
            "acceptance_failures": 1,
            "rectifications_completed": 1,
            "awarded_fen": 123_456_78,
            "paid_fen": 50_000_00,
            **inputs,
        },
    }


EVALUATION: dict[str, Any] = {
    "month": "2026-10",
    "as_of": date(2026, 10, 31),
    "published_at": datetime(2026, 11, 2, 2, tzinfo=UTC),
    "full_marks": "100",
    "weights": {"progress": "0.40", "timeliness": "0.20", "payout": "0.30", "safety": "0.10"},
    "districts": [
        _district(
            1,
            "zz-huiji",
            "91.50",
            {
                "progress": "0.8",
                "timeliness": "1",
                "first_pass_acceptance": "0.9",
                "rectification": "0.7",
                "payout": "0.5",
            },
            expected_by_now=9,
        ),
        _district(2, "zz-guancheng", "70.25", {"progress": "0.6"}, task=20, done=5, paid_fen=0),
    ],
    "restatements": [
        {
            "month": "2026-09",
            "district_code": "zz-huiji",
            "figure": "score",
            "published": "88",
            "now": "89",
            "change": "1",
        }
    ],
}


def test_the_evaluation_in_chinese() -> None:
    printed = read(evaluation_pdf(EVALUATION, PROGRAMME, "zh-CN"))
    assert printed.title == "老旧小区改造工作月度考评（2026-10）"
    assert _texts(printed) == [
        "老旧小区改造工作月度考评（2026-10）",
        PROGRAMME,
        "统计截至 2026-10-31，发布于 2026-11-02 10:00，满分 100",
        "考评权重：进度 0.40，报送及时 0.20，拨付 0.30，safety 0.10",
        "一、各区县得分",
        "二、考评依据",
        "三、前期考评数据更正",
    ]
    scores, inputs, restated = (grid.texts() for grid in printed.grids())
    assert scores == [
        "排名 区县 得分 进度 报送及时 一次验收通过 整改 拨付".split(),
        ["1", "惠济区", "91.50", "0.8", "1", "0.9", "0.7", "0.5"],
        ["2", "管城回族区", "70.25", "0.6", "", "", "", ""],
    ]
    assert inputs == [
        "区县 台账项目数 已验收 应完成 应报周报 按时周报 验收通过 验收未通过 整改完成 奖补（元） 已拨付（元）".split(),
        ["惠济区", "10", "8", "9", "4", "3", "8", "1", "1", "123,456.78", "50,000.00"],
        ["管城回族区", "20", "5", "", "4", "3", "8", "1", "1", "123,456.78", "0.00"],
    ]
    assert restated == [
        ["月份", "区县", "指标", "原考评", "现数", "变化"],
        ["2026-09", "惠济区", "score", "88", "89", "1"],
    ]


def test_the_evaluation_in_english() -> None:
    printed = read(evaluation_pdf(EVALUATION, "Zhengzhou plan", "en"))
    assert _texts(printed) == [
        "Monthly evaluation (2026-10)",
        "Zhengzhou plan",
        "Figures as of 2026-10-31, published 2026-11-02 10:00, out of 100",
        "Weights: progress 0.40; timeliness 0.20; payout 0.30; safety 0.10",
        "1. Scores by district",
        "2. What the scores are computed from",
        "3. Restatements of the previous evaluation",
    ]
    scores, inputs, restated = (grid.texts() for grid in printed.grids())
    assert [row[1] for row in scores] == ["District", "Huiji District", "Guancheng Hui District"]
    assert [row[0] for row in inputs] == ["District", "Huiji District", "Guancheng Hui District"]
    assert restated[1][:2] == ["2026-09", "Huiji District"]


def test_an_evaluation_without_restatements_says_none() -> None:
    printed = read(evaluation_pdf({**EVALUATION, "restatements": []}, PROGRAMME, "zh-CN"))
    assert _texts(printed)[-2:] == ["三、前期考评数据更正", "无"]
    assert len(printed.grids()) == 2


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_full_programme_prints_legibly_within_the_margins(language: str) -> None:
    """Sixteen districts: every table fits the sheet, no cell's text runs into the next column."""
    codes = ["zz-jinshui", "zz-erqi", "zz-zhongyuan", "zz-huiji", "zz-guancheng"] * 3 + ["zz-jinshui"]
    bulletin = {
        **BULLETIN,
        "standings": [
            {**BULLETIN["standings"][n % 2], "rank": n + 1, "district_code": code}
            for n, code in enumerate(codes)
        ],
    }
    evaluation = {
        **EVALUATION,
        "districts": [
            {**EVALUATION["districts"][n % 2], "rank": n + 1, "district_code": code}
            for n, code in enumerate(codes)
        ],
    }
    for pdf in (bulletin_pdf(bulletin, PROGRAMME, language), evaluation_pdf(evaluation, PROGRAMME, language)):
        printed = read(pdf)
        for page in printed.pages:
            for run in page.runs:
                assert 12 * mm <= run.x and run.right <= page.width - 12 * mm, run
                assert 0 < run.y < page.height
        for grid in printed.grids():
            assert grid.columns == sorted(grid.columns)
            for row in grid.cells:
                for (left, right), cell in zip(
                    zip(grid.columns, grid.columns[1:], strict=False), row, strict=True
                ):
                    for run in cell:
                        assert left < run.x and run.right < right, run
