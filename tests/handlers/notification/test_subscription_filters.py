"""Subscription filters and changes on SQLite: programmes, districts and catalogue items narrow
what a subscription hears (never widen it past the access rules); a filter naming what does not
exist or cannot be read is refused; PATCH changes only what it is sent, re-checked like a new one."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.subscriptions import create_subscription, update_subscription
from services.notification.models import (
    Delivery,
    ProjectItems,
    Subscription,
    SubscriptionCreate,
    SubscriptionUpdate,
)
from shared.contracts.registry import ProjectAccepted
from shared.errors import Conflict, NotFoundError, RuleViolation
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, APPROVED, ERQI, JINSHUI, ORGS, policy


async def _subscribe(harness: Any, org: str, url: str = "", **filters: Any) -> Subscription:
    body = SubscriptionCreate(
        event_types=[ACCEPTED],
        endpoint_url=url or f"https://{org}-{len(filters)}.example.org/hook",
        **filters,
    )
    return await harness.run(
        lambda s: create_subscription(s, ORGS[org], body, now=DEFAULT_NOW, policy=policy())
    )


async def _change(harness: Any, org: str, subscription: Subscription, **fields: Any) -> Subscription:
    body = SubscriptionUpdate(**fields)
    return await harness.run(
        lambda s: update_subscription(s, ORGS[org], subscription.id, body, policy=policy())
    )


def _accepted(district: str = JINSHUI, programme: str = "zhengzhou-2019") -> ProjectAccepted:
    return ProjectAccepted(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=district,
        programme_code=programme,
        investment_fen=100_000_00,
        accepted_on=date(2026, 11, 20),
    )


async def _heard(harness: Any) -> dict[Any, set[str]]:
    heard: dict[Any, set[str]] = {}
    for delivery in await harness.all(Delivery):
        heard.setdefault(delivery.subscription_id, set()).add(delivery.event_id)
    return heard


async def test_programme_and_district_filters_narrow_what_is_heard(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    everything = await _subscribe(harness, "finance")
    zz2019 = await _subscribe(harness, "finance", programme_codes=["zhengzhou-2019"])
    erqi = await _subscribe(harness, "finance", district_codes=[ERQI])

    await harness.deliver(_accepted(JINSHUI), event_id="jinshui-2019")
    await harness.deliver(_accepted(ERQI), event_id="erqi-2019")
    await harness.deliver(_accepted(ERQI, "zhengzhou-2018"), event_id="erqi-2018")

    heard = await _heard(harness)
    assert heard[everything.id] == {"jinshui-2019", "erqi-2019", "erqi-2018"}
    assert heard[zz2019.id] == {"jinshui-2019", "erqi-2019"}
    assert heard[erqi.id] == {"erqi-2019", "erqi-2018"}


async def test_an_item_filter_hears_projects_with_those_items_only(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    fire = await _subscribe(harness, "finance", item_codes=["fire-surveillance-security"])
    with_fire, without_fire, unknown_plan = _accepted(), _accepted(), _accepted()

    async def plans(session):  # type: ignore[no-untyped-def]
        for event, items in (
            (with_fire, ["fire-surveillance-security", "lighting"]),
            (without_fire, ["lighting"]),
        ):
            session.add(
                ProjectItems(
                    project_id=str(event.project_id),
                    programme_code="zhengzhou-2019",
                    plan_version=1,
                    item_codes=items,
                    updated_at=DEFAULT_NOW,
                )
            )

    await harness.run(plans)
    await harness.deliver(with_fire, event_id="with-fire")
    await harness.deliver(without_fire, event_id="without-fire")
    await harness.deliver(unknown_plan, event_id="unknown-plan")

    # a project whose plan is not known here is not excluded: a filter never hides what it cannot judge
    assert (await _heard(harness))[fire.id] == {"with-fire", "unknown-plan"}


async def test_a_filter_never_widens_the_access_rules(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    own = await _subscribe(harness, "jinshui", district_codes=[JINSHUI])
    await harness.deliver(_accepted(ERQI), event_id="erqi")
    await harness.deliver(_accepted(JINSHUI), event_id="jinshui")
    assert (await _heard(harness)) == {own.id: {"jinshui"}}


@pytest.mark.parametrize(
    ("org", "filters", "field", "rule"),
    [
        ("finance", {"programme_codes": ["beijing-2030"]}, "programme_codes", "known_programme"),
        ("jinshui", {"district_codes": [ERQI]}, "district_codes", "district_filter"),
        ("finance", {"item_codes": ["moon-landing"]}, "item_codes", "known_item"),
        # an item of another programme than the one filtered on
        (
            "finance",
            {"programme_codes": ["zhengzhou-2019"], "item_codes": ["water-supply"]},
            "item_codes",
            "known_item",
        ),
    ],
)
async def test_a_filter_naming_what_does_not_exist_or_cannot_be_read_is_refused(
    harness_for, org: str, filters: dict[str, list[str]], field: str, rule: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await _subscribe(harness, org, **filters)
    assert [(e.field, e.rule) for e in refused.value.errors] == [(field, rule)]
    assert await harness.all(Subscription) == []


async def test_the_same_endpoint_and_types_with_other_filters_is_another_subscription(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    url = "https://finance.example.org/hook"
    await _subscribe(harness, "finance", url)
    await _subscribe(harness, "finance", url, district_codes=[ERQI])
    with pytest.raises(Conflict):
        await _subscribe(harness, "finance", url, district_codes=[ERQI, ERQI])
    assert len(await harness.all(Subscription)) == 2


async def test_a_change_touches_only_the_fields_sent_and_is_audited(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    created = await _subscribe(harness, "finance", district_codes=[ERQI])

    changed = await _change(harness, "finance", created, event_types=[ACCEPTED, APPROVED])
    assert changed.event_types == sorted([ACCEPTED, APPROVED]) and changed.district_codes == [ERQI]
    assert changed.secret == created.secret and changed.endpoint_url == created.endpoint_url

    cleared = await _change(harness, "finance", created, district_codes=None)
    assert cleared.district_codes is None
    await harness.deliver(_accepted(JINSHUI), event_id="jinshui")
    assert (await _heard(harness)) == {created.id: {"jinshui"}}
    assert await harness.audit_actions() == [
        "subscription.created",
        "subscription.changed",
        "subscription.changed",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"endpoint_url": "http://10.0.0.8/hook"}, "endpoint_url", "private_address"),
        ({"email_address": "ops@example.gov.cn"}, "email_address", "not_for_channel"),
        ({"item_codes": ["moon-landing"]}, "item_codes", "known_item"),
    ],
)
async def test_a_refused_change_changes_nothing(
    harness_for, fields: dict[str, Any], field: str, rule: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    created = await _subscribe(harness, "finance")
    with pytest.raises(RuleViolation) as refused:
        await _change(harness, "finance", created, **fields)
    assert [(e.field, e.rule) for e in refused.value.errors] == [(field, rule)]
    (stored,) = await harness.all(Subscription)
    assert (stored.endpoint_url, stored.item_codes) == (created.endpoint_url, None)
    assert await harness.audit_actions() == ["subscription.created"]


async def test_only_the_owner_changes_an_active_subscription(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    created = await _subscribe(harness, "finance")
    with pytest.raises(NotFoundError):
        await _change(harness, "office", created, item_codes=["lighting"])

    async def end(session):  # type: ignore[no-untyped-def]
        row = await session.get(Subscription, created.id)
        row.active = False
        session.add(row)

    await harness.run(end)
    with pytest.raises(Conflict) as refused:
        await _change(harness, "finance", created, item_codes=["lighting"])
    assert refused.value.errors[0].rule == "subscription_active"
