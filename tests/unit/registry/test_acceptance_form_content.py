"""The acceptance form's verdict and figures (pure), and that a rendered form is a parseable PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader

from services.registry.domain.acceptance_form import FormFacts, render, result_zh
from shared.policy import get_profile

D = date


def test_the_verdict_follows_the_last_acceptance_record() -> None:
    assert result_zh([]) == "待验收"
    failed = ("acceptance-failure", D(2026, 9, 10), {})
    assert result_zh([failed]) == "验收不合格，整改中"
    assert result_zh([failed, ("rectification", D(2026, 9, 30), {})]) == "整改完成，待复验"
    assert (
        result_zh([failed, ("rectification", D(2026, 9, 30), {}), ("acceptance", D(2026, 10, 1), {})])
        == "验收合格"
    )


def test_a_programme_naming_no_signing_parties_still_prints_and_says_so() -> None:
    facts = FormFacts(
        project_id="p-1",
        project_name="纬五路小区整治",
        community_name="纬五路小区",
        address=None,
        district_code="zz-jinshui",
        street_office=None,
        started_on=None,
        completed_on=None,
        planned_investment_fen=12_345_67,
        steps=[("acceptance", D(2026, 10, 1), {"accepted_on": "2026-10-01", "accepted_investment_fen": 5})],
    )
    content = render(get_profile("zhengzhou-2019"), facts, datetime(2026, 10, 2, tzinfo=UTC))
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text().replace("\n", "")
    assert (
        "本计划未规定签字单位" in text and "12,345.67 元" in text and "0.05 元" in text and "金水区" in text
    )
