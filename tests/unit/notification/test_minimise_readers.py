"""Minimisation for one reader: a utility's own catalogue items, and platform notices that pass to
their addressee unchanged whoever it is."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notification.domain.minimise import minimise, minimise_data, utility_items
from services.notification.domain.notices import ENDPOINT_DISABLED, endpoint_disabled
from shared.access import OrganisationKind, Principal

POLICE = Principal("c", "police", OrganisationKind.DEPARTMENT)
POWER = Principal("c", "power", OrganisationKind.UTILITY)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_a_utility_s_items_are_every_item_the_programme_gives_it_by_code_and_number() -> None:
    # Kaifeng 2019: power supply is item 3, the shared pipelines and cables item 17.
    assert utility_items("power", "kaifeng-2019") == {"power-supply", "3", "pipelines-cables", "17"}
    # Zhengzhou 2019: overhead lines (item 2) go to power, telecom and cable TV.
    assert utility_items("cable-tv", "zhengzhou-2019") == {"overhead-lines", "2"}


def test_a_utility_has_no_items_in_an_unknown_programme_or_one_not_giving_it_any() -> None:
    assert utility_items("power", "no-such-programme") == frozenset()
    assert utility_items("cable-tv", "kaifeng-2019") == frozenset()


def test_a_notice_reaches_a_restricted_reader_unchanged() -> None:
    data = {"title_zh": "Webhook 端点已停用", "body_zh": "正文", "subscription_id": "s-1", "endpoint": "u"}
    assert minimise_data(POLICE, ENDPOINT_DISABLED, data) == data
    assert minimise_data(POWER, ENDPOINT_DISABLED, data) == data


def test_a_notice_envelope_keeps_its_data_for_its_addressee() -> None:
    envelope = endpoint_disabled("s-1", "https://police.example.gov.cn/hook", "连续失败", now=NOW)
    assert minimise(POLICE, envelope).data == envelope.data
    assert minimise(POLICE, envelope).data["body_zh"].startswith("您的订阅 s-1")
