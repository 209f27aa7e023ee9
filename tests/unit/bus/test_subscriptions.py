"""A service's subscription table: exact types, their families, handlers, payload classes, topics."""

from __future__ import annotations

from typing import Any

import pytest

from shared.bus.subscriptions import Subscriptions
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted, ProjectRegistered


async def on_accepted(session: Any, event: Any) -> None: ...


async def on_registered(session: Any, event: Any) -> None: ...


async def on_approved(session: Any, event: Any) -> None: ...


TABLE = Subscriptions(
    {ProjectAccepted: on_accepted, ProjectRegistered: on_registered, SubsidyApproved: on_approved}
)


@pytest.mark.parametrize(
    ("event_type", "subscribed"),
    [
        ("registry.project.accepted.v1", True),
        ("registry.project.accepted.v2", True),
        ("registry.project.accepted.v10", True),
        ("funding.subsidy.approved.v3", True),
        ("registry.project.withdrawn.v1", False),
        ("funding.subsidy.adjusted.v1", False),
        ("registry.project", False),
    ],
)
def test_a_type_is_of_a_subscribed_family_when_any_version_of_it_is_subscribed(
    event_type: str, subscribed: bool
) -> None:
    assert TABLE.subscribes_to_family_of(event_type) is subscribed


def test_one_subscription_does_not_make_other_families_subscribed() -> None:
    only = Subscriptions({ProjectAccepted: on_accepted})
    assert only.subscribes_to_family_of("registry.project.accepted.v2") is True
    assert only.subscribes_to_family_of("registry.project.registered.v1") is False


def test_an_empty_table_subscribes_to_no_family() -> None:
    assert Subscriptions({}).subscribes_to_family_of("registry.project.accepted.v1") is False


def test_each_exact_type_maps_to_its_payload_class_and_handler() -> None:
    assert TABLE.handler("registry.project.accepted.v1") is on_accepted
    assert TABLE.handler("funding.subsidy.approved.v1") is on_approved
    assert TABLE.payload_class("registry.project.registered.v1") is ProjectRegistered
    with pytest.raises(KeyError):
        TABLE.handler("registry.project.accepted.v2")


def test_the_table_lists_its_exact_types_and_the_topics_to_read() -> None:
    assert sorted(TABLE) == [
        "funding.subsidy.approved.v1",
        "registry.project.accepted.v1",
        "registry.project.registered.v1",
    ]
    assert len(TABLE) == 3
    assert "registry.project.accepted.v1" in TABLE
    assert "registry.project.accepted.v2" not in TABLE
    assert TABLE.topics == ["funding.events", "registry.events"]
