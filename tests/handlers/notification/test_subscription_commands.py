"""Subscription commands on SQLite: checked URL, entitled types, no duplicates, a cap, the
subscriber's kind and district from its token, an audit entry."""

from __future__ import annotations

import pytest

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.models import Subscription
from shared.errors import Conflict, RuleViolation
from tests.handlers.notification.helpers import ACCEPTED, APPROVED, JINSHUI, subscribe


async def test_the_subscriber_kind_and_district_come_from_the_token(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    created = await subscribe(harness, "jinshui", [APPROVED, ACCEPTED, ACCEPTED])
    (stored,) = await harness.all(Subscription)
    assert (stored.subscriber_code, stored.subscriber_kind, stored.subscriber_district) == (
        JINSHUI,
        "district",
        JINSHUI,
    )
    assert stored.event_types == sorted({ACCEPTED, APPROVED}) and stored.id == created.id
    assert stored.secret.startswith("whsec_")
    assert await harness.audit_actions() == ["subscription.created"]


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link_local_address"),
        ("http://10.0.0.8/hook", "private_address"),
        ("http://[fd00::1]/hook", "private_address"),
        ("http://2130706433/", "loopback_address"),
        ("http://localhost/hook", "internal_host_name"),
        ("https://user:pw@finance.example.org/hook", "credentials_in_url"),
        ("https://hooks.evil.example/hook", "private_address"),
    ],
)
async def test_a_forbidden_endpoint_is_refused_naming_the_field_and_rule(
    harness_for, url: str, rule: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await subscribe(harness, "finance", [ACCEPTED], url=url)
    assert [(e.field, e.rule) for e in refused.value.errors] == [("endpoint_url", rule)]
    assert await harness.all(Subscription) == [] and await harness.audit_actions() == []


async def test_production_refuses_plain_http(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await subscribe(harness, "finance", [ACCEPTED], url="http://finance.example.org/hook", https=True)
    assert refused.value.errors[0].rule == "https_required"


async def test_an_allow_listed_loopback_receiver_is_accepted(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    created = await subscribe(
        harness, "finance", [ACCEPTED], url="http://127.0.0.1:8123/hook", allow=["127.0.0.1:8123"]
    )
    assert created.endpoint_url == "http://127.0.0.1:8123/hook"


async def test_a_utility_may_not_subscribe_to_money(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await subscribe(harness, "power", [ACCEPTED, APPROVED])
    assert [(e.field, e.rule) for e in refused.value.errors] == [("event_types", "entitled_event_type")]


async def test_an_unknown_event_type_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await subscribe(harness, "finance", ["registry.project.exploded.v1"])
    assert refused.value.errors[0].rule == "known_event_type"


async def test_an_identical_subscription_is_refused_but_another_endpoint_is_not(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED, APPROVED])
    with pytest.raises(Conflict) as refused:
        await subscribe(harness, "finance", [APPROVED, ACCEPTED])
    assert refused.value.errors[0].rule == "duplicate_subscription"
    await subscribe(harness, "finance", [ACCEPTED, APPROVED], url="https://other.example.org/hook")
    await subscribe(harness, "office", [ACCEPTED, APPROVED], url="https://finance.example.org/hook")
    assert len(await harness.all(Subscription)) == 3


async def test_an_organisation_holds_at_most_the_cap(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for n in range(3):
        await subscribe(harness, "finance", [ACCEPTED], url=f"https://h{n}.example.org/hook", cap=3)
    with pytest.raises(RuleViolation) as refused:
        await subscribe(harness, "finance", [ACCEPTED], url="https://h9.example.org/hook", cap=3)
    assert refused.value.errors[0].rule == "subscriptions_per_organisation"
    await subscribe(harness, "office", [ACCEPTED], url="https://h9.example.org/hook", cap=3)


async def test_an_ended_subscription_frees_its_place_and_may_be_made_again(harness_for) -> None:  # type: ignore[no-untyped-def]
    from services.notification.handlers.subscriptions import unsubscribe
    from shared.errors import NotFound
    from tests.handlers.harness import DEFAULT_NOW
    from tests.handlers.notification.helpers import ORGS

    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await subscribe(harness, "finance", [ACCEPTED], cap=1)
    with pytest.raises(NotFound):
        await harness.run(lambda s: unsubscribe(s, ORGS["office"], first.id, now=DEFAULT_NOW))
    ended = await harness.run(lambda s: unsubscribe(s, ORGS["finance"], first.id, now=DEFAULT_NOW))
    assert not ended.active and ended.disabled_reason == "unsubscribed"
    again = await subscribe(harness, "finance", [ACCEPTED], cap=1)
    assert again.id != first.id and again.active
    assert await harness.audit_actions() == [
        "subscription.created",
        "subscription.ended",
        "subscription.created",
    ]


async def test_an_endpoint_disabled_by_410_may_be_subscribed_again(harness_for) -> None:  # type: ignore[no-untyped-def]
    from services.notification.handlers.deliveries import disable_subscription
    from tests.handlers.harness import DEFAULT_NOW

    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await subscribe(harness, "finance", [ACCEPTED])
    await harness.run(lambda s: disable_subscription(s, first.id, reason="HTTP 410", now=DEFAULT_NOW))
    again = await subscribe(harness, "finance", [ACCEPTED])
    assert again.active and len(await harness.all(Subscription)) == 2
