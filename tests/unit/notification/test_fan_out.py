"""Fan-out: a subscription hears an event when it subscribed to the type, is active, its
organisation may read the event (the HTTP reads' access rules) and its filters let it through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.notification.domain.routing import (
    filters_of,
    hears,
    is_filtered_by_item,
    recipients,
    subscriber,
)
from services.notification.domain.subscriptions import Filters
from shared.access import OrganisationKind, Principal
from shared.contracts.envelope import CloudEvent

ACCEPTED = "registry.project.accepted.v1"
APPROVED = "funding.subsidy.approved.v1"
PIPELINE = "registry.pipeline_work.assigned.v1"


@dataclass(frozen=True)
class Sub:
    subscriber_code: str = "zz-renovation-office"
    subscriber_kind: str | None = "office"
    subscriber_district: str | None = None
    event_types: Sequence[str] = (ACCEPTED, APPROVED, PIPELINE)
    active: bool = True
    programme_codes: Sequence[str] | None = None
    district_codes: Sequence[str] | None = None
    item_codes: Sequence[str] | None = None


OFFICE = Sub()
JINSHUI = Sub("zz-jinshui", "district", "zz-jinshui")
POWER = Sub("power", "utility", event_types=(ACCEPTED, PIPELINE))


def event(event_type: str = ACCEPTED, district: str | None = "zz-jinshui", **data: Any) -> CloudEvent:
    payload = {"district_code": district, "programme_code": "zhengzhou-2019", **data}
    return CloudEvent(
        specversion="1.0",
        id="e1",
        source="urn:renovation:registry",
        type=event_type,
        time=datetime(2026, 11, 20, tzinfo=UTC),
        data=payload,
        districtcode=district,
    )


class TestSubscriber:
    def test_the_organisation_as_the_access_rules_see_it(self) -> None:
        assert subscriber(JINSHUI) == Principal(
            subject="subscription:zz-jinshui",
            org_code="zz-jinshui",
            org_kind=OrganisationKind.DISTRICT,
            district_code="zz-jinshui",
        )

    def test_an_unknown_or_missing_kind_is_no_one(self) -> None:
        assert subscriber(replace(OFFICE, subscriber_kind=None)) is None
        assert subscriber(replace(OFFICE, subscriber_kind="vendor")) is None


class TestFilters:
    def test_the_subscription_s_filters_normalised(self) -> None:
        sub = replace(OFFICE, programme_codes=["b", "a", "a"], item_codes=["fire-lanes"])
        assert filters_of(sub) == Filters(["a", "b"], None, ["fire-lanes"])

    def test_only_an_item_filter_makes_hearing_depend_on_items(self) -> None:
        assert not is_filtered_by_item(replace(OFFICE, programme_codes=["a"], district_codes=["b"]))
        assert is_filtered_by_item(replace(OFFICE, item_codes=[]))
        assert is_filtered_by_item(replace(OFFICE, item_codes=["fire-lanes"]))


class TestHears:
    def test_an_active_subscriber_of_the_type_hears_it(self) -> None:
        assert hears(OFFICE, event())
        assert hears(JINSHUI, event())

    def test_an_inactive_subscription_hears_nothing(self) -> None:
        assert not hears(replace(OFFICE, active=False), event())

    def test_a_type_not_subscribed_is_not_heard(self) -> None:
        assert not hears(replace(OFFICE, event_types=(APPROVED,)), event(ACCEPTED))

    def test_a_subscription_of_unknown_kind_hears_nothing(self) -> None:
        assert not hears(replace(OFFICE, subscriber_kind=None), event())

    def test_a_district_hears_its_own_district_only(self) -> None:
        assert not hears(JINSHUI, event(district="zz-erqi"))

    def test_a_utility_hears_only_work_assigned_to_it_and_never_money(self) -> None:
        assert hears(POWER, event(PIPELINE, utility_code="power"))
        assert not hears(POWER, event(PIPELINE, utility_code="gas"))
        assert not hears(replace(POWER, event_types=(APPROVED,)), event(APPROVED, utility_code="power"))

    def test_filters_narrow_what_the_organisation_may_read(self) -> None:
        assert hears(replace(OFFICE, programme_codes=["zhengzhou-2019"]), event())
        assert not hears(replace(OFFICE, programme_codes=["kaifeng-2019"]), event())
        assert not hears(replace(OFFICE, district_codes=["zz-erqi"]), event())
        assert hears(replace(OFFICE, district_codes=["zz-jinshui"]), event())

    def test_filters_never_widen_the_access_rules(self) -> None:
        assert not hears(replace(JINSHUI, district_codes=["zz-erqi"]), event(district="zz-erqi"))

    def test_an_item_filter_needs_a_shared_item_when_the_items_are_known(self) -> None:
        sub = replace(OFFICE, item_codes=["fire-lanes"])
        assert hears(sub, event(), {"fire-lanes", "lighting"})
        assert not hears(sub, event(), {"lighting"})
        assert hears(sub, event())  # items unknown: the filter does not exclude

    def test_a_programme_code_that_is_not_text_is_treated_as_none(self) -> None:
        sub = replace(OFFICE, programme_codes=["kaifeng-2019"])
        assert hears(sub, event(programme_code=2019))
        assert not hears(sub, event(programme_code="zhengzhou-2019"))


def test_recipients_are_the_hearing_subscriptions_in_the_order_given() -> None:
    erqi = Sub("zz-erqi", "district", "zz-erqi")
    filtered = replace(
        OFFICE, subscriber_code="police", subscriber_kind="department", item_codes=["lighting"]
    )
    subs = [JINSHUI, erqi, filtered, POWER, OFFICE]
    assert recipients(event(), subs, {"fire-lanes"}) == [JINSHUI, OFFICE]
    assert recipients(event(), subs, {"lighting"}) == [JINSHUI, filtered, OFFICE]
    assert recipients(event(), subs) == [JINSHUI, filtered, OFFICE]


def test_the_envelope_s_district_decides_when_the_payload_names_none() -> None:
    envelope = event().model_copy(update={"data": {"programme_code": "zhengzhou-2019"}})
    assert hears(JINSHUI, envelope)
    assert not hears(Sub("zz-erqi", "district", "zz-erqi"), envelope)


def test_an_event_whose_districts_disagree_reaches_no_district() -> None:
    envelope = event(district="zz-jinshui").model_copy(update={"districtcode": "zz-erqi"})
    assert not hears(JINSHUI, envelope)
    assert not hears(Sub("zz-erqi", "district", "zz-erqi"), envelope)
    assert hears(OFFICE, envelope)
