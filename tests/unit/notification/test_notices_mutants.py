"""Platform notices: CloudEvents envelopes of notification.* types with a Chinese title and body."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notification.domain.notices import (
    ACKNOWLEDGEMENT_OVERDUE,
    ENDPOINT_DISABLED,
    NOTICE_TYPES,
    SOURCE,
    endpoint_disabled,
    is_notice,
    notice,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_notice_types() -> None:
    assert ACKNOWLEDGEMENT_OVERDUE == "notification.acknowledgement.overdue.v1"
    assert ENDPOINT_DISABLED == "notification.endpoint.disabled.v1"
    assert NOTICE_TYPES == {ACKNOWLEDGEMENT_OVERDUE, ENDPOINT_DISABLED}
    assert is_notice(ACKNOWLEDGEMENT_OVERDUE)
    assert is_notice(ENDPOINT_DISABLED)
    assert not is_notice("registry.project.accepted.v1")


def test_notice_envelope() -> None:
    event = notice(
        ENDPOINT_DISABLED,
        notice_id="n-1",
        title="标题",
        body="正文",
        now=NOW,
        subject="s/1",
        details={"k": 1},
    )
    assert event.specversion == "1.0"
    assert event.id == "n-1"
    assert event.source == SOURCE == "urn:renovation:notification"
    assert event.type == ENDPOINT_DISABLED
    assert event.subject == "s/1"
    assert event.time == NOW
    assert event.data == {"title_zh": "标题", "body_zh": "正文", "k": 1}


def test_notice_without_subject_or_details() -> None:
    event = notice(ACKNOWLEDGEMENT_OVERDUE, notice_id="n-2", title="t", body="b", now=NOW)
    assert event.subject is None
    assert event.data == {"title_zh": "t", "body_zh": "b"}


def test_notice_id_is_cut_to_the_envelope_limit_of_64() -> None:
    long_id = "a" * 64 + "b" * 10
    assert notice(ACKNOWLEDGEMENT_OVERDUE, notice_id=long_id, title="t", body="b", now=NOW).id == "a" * 64


def test_endpoint_disabled_tells_the_owner_why_and_how_to_recover() -> None:
    event = endpoint_disabled("sub-9", "https://hook.example/x", "连续失败 24 小时", now=NOW)
    assert event.type == ENDPOINT_DISABLED
    assert event.id == "disabled:sub-9"
    assert event.subject == "subscriptions/sub-9"
    assert event.time == NOW
    assert event.data == {
        "title_zh": "Webhook 端点已停用",
        "body_zh": (
            "您的订阅 sub-9（https://hook.example/x）连续失败 24 小时，系统已停用该端点。\n"
            "请修复接收端后重新订阅，并通过重放（replay）补发期间的消息。"
        ),
        "subscription_id": "sub-9",
        "endpoint": "https://hook.example/x",
    }
