"""The whole text of an e-mail or inbox item: one line per field the event names, in a fixed order,
amounts converted from integer fen to yuan, Beijing time, a footer; platform notices carry their
own title and body."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notification.domain.messages import FOOTER, PREFIX, render, title

AT = datetime(2026, 11, 20, 17, 5, tzinfo=UTC)  # 01:05 the next day in Beijing (UTC+8)


def test_prefix_and_footer_are_the_platform_s() -> None:
    assert PREFIX == "【老旧小区改造】"
    assert FOOTER == "详情请登录老旧小区改造平台查看。此邮件由系统自动发送，请勿回复。"


def test_a_full_event_lists_district_programme_project_amounts_and_time_in_order() -> None:
    message = render(
        "funding.subsidy.adjusted.v1",
        {
            "basis_fen": 12_345,
            "project_id": "p-7",
            "new_amount_fen": 1_000_000,
            "programme_code": "zhengzhou-2019",
            "adjustment_fen": -5,
            "district_code": "zz-erqi",
            "amount_fen": 1,
            "investment_fen": 99,
        },
        AT,
    )
    assert message.subject == "【老旧小区改造】奖补资金已按审计结果调整"
    assert message.body.split("\n") == [
        "奖补资金已按审计结果调整",
        "",
        "区县：zz-erqi",
        "改造计划：zhengzhou-2019",
        "项目编号：p-7",
        "金额：0.01 元",
        "调整金额：-0.05 元",
        "调整后奖补金额：10000.00 元",
        "计划投资：0.99 元",
        "计算基数：123.45 元",
        "时间：2026年11月21日 01:05（北京时间）",
        "",
        FOOTER,
    ]


def test_an_event_naming_nothing_has_only_heading_time_and_footer() -> None:
    body = render("registry.project.closed.v1", {"district_code": "", "project_id": None}, AT).body
    assert body == f"项目已结项\n\n时间：2026年11月21日 01:05（北京时间）\n\n{FOOTER}"


def test_an_amount_that_is_not_integer_fen_is_left_out() -> None:
    body = render("funding.subsidy.approved.v1", {"amount_fen": "100", "basis_fen": 0}, AT).body
    assert "金额：" not in body.replace("计算基数", "")
    assert "计算基数：0.00 元" in body


def test_a_platform_notice_carries_its_own_title_and_body() -> None:
    message = render(
        "notification.endpoint.disabled.v1",
        {"title_zh": "Webhook 端点已停用", "body_zh": "您的订阅已停用。", "district_code": "zz-erqi"},
        AT,
    )
    assert message.subject == "【老旧小区改造】Webhook 端点已停用"
    assert message.body == f"您的订阅已停用。\n\n{FOOTER}"


def test_a_notice_without_its_title_or_body_falls_back_to_the_generic_text() -> None:
    no_body = render("notification.endpoint.disabled.v1", {"title_zh": "T"}, AT)
    assert no_body.subject == "【老旧小区改造】平台事件：notification.endpoint.disabled.v1"
    assert no_body.body.startswith("平台事件：notification.endpoint.disabled.v1\n\n时间：")
    no_title = render("notification.endpoint.disabled.v1", {"body_zh": "B"}, AT)
    assert no_title.subject == "【老旧小区改造】平台事件：notification.endpoint.disabled.v1"


def test_only_notices_may_bring_their_own_text() -> None:
    message = render("registry.project.accepted.v1", {"title_zh": "伪造标题", "body_zh": "伪造正文"}, AT)
    assert message.subject == "【老旧小区改造】项目已通过竣工验收"
    assert "伪造" not in message.body


def test_titles_fall_back_to_naming_the_type() -> None:
    assert title("registry.project.accepted.v1") == "项目已通过竣工验收"
    assert title("registry.project.accepted.v2") == "平台事件：registry.project.accepted.v2"
