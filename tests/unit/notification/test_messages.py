"""E-mail and inbox text (pure): Chinese subject and body, amounts in yuan from integer fen,
times in Beijing time, no names of people or communities."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notification.domain.messages import TITLES, render
from shared.contracts.catalog import EVENT_TYPES

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_an_approval_reads_in_chinese_with_the_amount_in_yuan() -> None:
    message = render(
        "funding.subsidy.approved.v1",
        {
            "district_code": "zz-jinshui",
            "project_id": "p-1",
            "amount_fen": 40_000_001,
            "basis_fen": 100_000_002,
        },
        AT,
    )
    assert message.subject == "【老旧小区改造】奖补资金已批准"
    assert "金额：400000.01 元" in message.body and "计算基数：1000000.02 元" in message.body
    assert "时间：2026年11月20日 10:00（北京时间）" in message.body


def test_a_signed_adjustment_keeps_its_sign() -> None:
    message = render("funding.subsidy.adjusted.v1", {"adjustment_fen": -1_50}, AT)
    assert "调整金额：-1.50 元" in message.body


def test_names_are_not_copied_into_messages() -> None:
    message = render(
        "registry.project.registered.v1", {"name": "文化路3号院 张三", "district_code": "zz-erqi"}, AT
    )
    assert "张三" not in message.body and "区县：zz-erqi" in message.body


def test_an_unknown_type_gets_a_generic_title_naming_it() -> None:
    assert render("x.y.z.v1", {}, AT).subject == "【老旧小区改造】平台事件：x.y.z.v1"


def test_every_published_type_has_a_chinese_title() -> None:
    assert set(EVENT_TYPES) <= set(TITLES), sorted(set(EVENT_TYPES) - set(TITLES))
