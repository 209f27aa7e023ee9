"""Builders for notification's handler tests: organisations, events, subscriptions."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from services.notification.handlers.subscriptions import SubscriptionPolicy, create_subscription
from services.notification.models import Subscription, SubscriptionCreate
from shared.access import OrganisationKind, Principal
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted
from shared.outbound import Allowlist
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness

PUBLIC = "93.184.216.34"
ACCEPTED = ProjectAccepted.TYPE
APPROVED = SubsidyApproved.TYPE
JINSHUI, ERQI = "zz-jinshui", "zz-erqi"

ORGS = {
    "jinshui": Principal("c", JINSHUI, OrganisationKind.DISTRICT, district_code=JINSHUI),
    "erqi": Principal("c", ERQI, OrganisationKind.DISTRICT, district_code=ERQI),
    "power": Principal("c", "power", OrganisationKind.UTILITY),
    "finance": Principal("c", "finance", OrganisationKind.DEPARTMENT),
    "office": Principal("c", "zz-renovation-office", OrganisationKind.OFFICE),
}


async def stub_resolver(host: str, port: int) -> list[str]:
    """Every name is a public address; nothing asks real DNS, nothing leaves the process."""
    if host.endswith(".example.org"):
        return [PUBLIC]
    if host.endswith(".evil.example"):
        return ["10.0.0.1"]
    raise OSError("NXDOMAIN")


def policy(cap: int = 20, allow: list[str] | None = None, https: bool = False) -> SubscriptionPolicy:
    return SubscriptionPolicy(cap, Allowlist.parse(allow or []), https, stub_resolver)


async def subscribe(
    harness: ServiceHarness,
    org: str | Principal,
    types: list[str],
    url: str | None = None,
    channel: str = "webhook",
    email: str | None = None,
    **kwargs: Any,
) -> Subscription:
    actor = ORGS[org] if isinstance(org, str) else org
    if channel == "webhook":
        url = url or f"https://{actor.org_code}.example.org/hook"
    body = SubscriptionCreate(
        channel=channel,  # type: ignore[arg-type]
        event_types=types,
        endpoint_url=url,
        email_address=email,
    )
    return await harness.run(
        lambda s: create_subscription(s, actor, body, now=DEFAULT_NOW, policy=policy(**kwargs))
    )


def accepted(district: str = JINSHUI) -> ProjectAccepted:
    return ProjectAccepted(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=district,
        programme_code="zhengzhou-2019",
        investment_fen=500_000_00,
        accepted_on=date(2026, 11, 20),
    )


def approved(district: str = JINSHUI) -> SubsidyApproved:
    return SubsidyApproved(
        award_id=uuid4(),
        project_id=uuid4(),
        district_code=district,
        programme_code="zhengzhou-2019",
        basis_fen=500_000_00,
        ratio="0.40",  # type: ignore[arg-type]
        amount_fen=200_000_00,
    )
